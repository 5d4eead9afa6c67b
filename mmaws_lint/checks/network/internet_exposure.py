"""EMM202: the whole internet allowed into what only its clients may reach, or onto admin
ports."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from ...findings import Finding
from ...template.resolve import Resolver
from .. import Context, check
from .attachments import Attachment, GroupRule, security_groups
from .ports import Traffic, describe, traffic_of
from .ranges import Network, parse_networks, range_values
from .wording import MAX_NAMED, listed, rule_owner

INGRESS_RANGE_KEYS = ("CidrIp", "CidrIpv6")


@dataclass
class InternetExposure:
    """What one ingress rule opens to the whole internet, over its variants."""

    ranges: list[str] = field(default_factory=list)
    traffic: list[Traffic] = field(default_factory=list)
    admin_ports: list[str] = field(default_factory=list)


@check("EMM202")
def internet_where_it_must_not_be(ctx: Context) -> Iterator[Finding]:
    index = security_groups(ctx)
    world = parse_networks(ctx.setting("world_ranges", []))
    admin_ports = {int(port): str(name) for port, name in ctx.setting("admin_ports", {}).items()}
    internal_kinds = set(ctx.setting("internal_kinds", []))
    for rule in index.rules:
        if rule.direction != "ingress":
            continue
        guarded = [a for a in index.attached_to(rule.groups) if a.kind in internal_kinds]
        for key in INGRESS_RANGE_KEYS:
            if key not in rule.node:
                continue
            exposure = _exposure(ctx.resolver(rule.owner), rule, key, world, admin_ports)
            if exposure.ranges and (exposure.admin_ports or guarded):
                message = _internet_message(ctx, rule, exposure, guarded)
                yield ctx.finding(rule.owner, message, (*rule.path, key))


def _exposure(
    resolver: Resolver,
    rule: GroupRule,
    key: str,
    world: list[Network],
    admin_ports: dict[int, str],
) -> InternetExposure:
    """What the rule's variants open to the whole internet under `key`."""
    exposure = InternetExposure()
    for variant in rule.variants():
        everyone = [
            v.text
            for v in range_values(resolver, variant.get(key))
            if v.exact and v.network is not None and v.network in world
        ]
        if everyone:
            traffic = traffic_of(resolver, variant)
            exposure.ranges += everyone
            exposure.traffic += traffic
            exposure.admin_ports += _opened_admin_ports(traffic, admin_ports)
    return exposure


def _opened_admin_ports(traffic: list[Traffic], admin_ports: dict[int, str]) -> list[str]:
    if any(choice.protocol == "all" for choice in traffic):
        return ["every port"]
    return [
        f"{name} ({port})"
        for port, name in sorted(admin_ports.items())
        if any(choice.covers(port) for choice in traffic)
    ]


def _internet_message(
    ctx: Context, rule: GroupRule, exposure: InternetExposure, guarded: list[Attachment]
) -> str:
    problems = []
    if guarded:
        targets = ", ".join(dict.fromkeys(a.describe() for a in guarded[:MAX_NAMED]))
        more = " …" if len(guarded) > MAX_NAMED else ""
        problems.append(f"into {targets}{more}, which must be reached only from its clients")
    fix = "allow only the clients' security group (SourceSecurityGroupId)"
    if exposure.admin_ports:
        opened = list(dict.fromkeys(exposure.admin_ports))
        shown = ", ".join(opened[:MAX_NAMED]) + (" …" if len(opened) > MAX_NAMED else "")
        problems.append(f"opening {shown} to everyone")
        fix += ", and administer through Session Manager or from a narrow range"
    return (
        f"{rule_owner(rule, ctx)} allows {describe(exposure.traffic)} from"
        f" {listed(exposure.ranges)}, the whole internet, {' and '.join(problems)}; {fix}"
    )
