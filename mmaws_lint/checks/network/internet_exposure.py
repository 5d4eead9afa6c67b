"""EMM202: the whole internet allowed into what only its clients may reach, or onto admin
ports."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from ...findings import Finding
from ...model import Rule
from ...template.resolve import Resolver
from .. import Context, check
from .attachments import LOAD_BALANCER_KIND, Attachment, GroupRule, security_groups
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


@dataclass(frozen=True)
class ExposureJudge:
    """EMM202's settings, shared with WMM206 so that the two never report the same rule."""

    world: list[Network]
    admin_ports: dict[int, str]
    internal_kinds: frozenset[str]

    @classmethod
    def of(cls, rule: Rule) -> ExposureJudge:
        return cls(
            parse_networks(rule.setting("world_ranges", [])),
            {int(port): str(name) for port, name in rule.setting("admin_ports", {}).items()},
            frozenset(rule.setting("internal_kinds", [])),
        )

    def guarded(self, ctx: Context, rule: GroupRule) -> list[Attachment]:
        """Internal resources behind the rule's groups that can be deployed with the rule."""
        return [
            a
            for a in security_groups(ctx).attached_to(rule.groups)
            if a.kind in self.internal_kinds and ctx.app.coexist(rule.owner, a.resource)
        ]

    def exposures(self, ctx: Context, rule: GroupRule) -> Iterator[tuple[str, InternetExposure]]:
        """(range key, what it opens to the whole internet) for each range key of an ingress.

        A group that guards only load balancers opens no admin port: a load balancer accepts
        connections on its listeners only."""
        if rule.direction != "ingress":
            return
        admin_ports = {} if _only_load_balancers(ctx, rule) else self.admin_ports
        for key in INGRESS_RANGE_KEYS:
            if key in rule.node:
                found = _exposure(ctx.resolver(rule.owner), rule, key, self.world, admin_ports)
                if found.ranges:
                    yield key, found

    @staticmethod
    def reported(exposure: InternetExposure, guarded: list[Attachment]) -> bool:
        """What EMM202 reports: admin ports open to everyone, or anything into internal kinds."""
        return bool(exposure.ranges) and bool(exposure.admin_ports or guarded)


def _only_load_balancers(ctx: Context, rule: GroupRule) -> bool:
    attached = [
        a
        for a in security_groups(ctx).attached_to(rule.groups)
        if ctx.app.coexist(rule.owner, a.resource)
    ]
    return bool(attached) and all(a.kind.endswith(LOAD_BALANCER_KIND) for a in attached)


@check("EMM202")
def internet_where_it_must_not_be(ctx: Context) -> Iterator[Finding]:
    judge = ExposureJudge.of(ctx.rule)
    for rule in security_groups(ctx).rules:
        exposures = list(judge.exposures(ctx, rule))
        if not exposures:
            continue
        guarded = judge.guarded(ctx, rule)
        for key, exposure in exposures:
            if judge.reported(exposure, guarded):
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
    if not admin_ports:
        return []
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
