"""WMM206: compute that the whole internet reaches directly, not through a load balancer.

Only load balancers (and endpoints that are public by design) face the internet; instances,
fleets and containers behind them allow the load balancer's security group. EMM202 already
reports admin ports and every port opened to everyone, and anything opened into data stores
and internal services: what it reports is left to it, judged with its own settings.
"""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Finding
from ...template.nodes import Path
from .. import Context, check
from .attachments import Attachment, GroupRule, security_groups
from .internet_exposure import ExposureJudge, InternetExposure
from .ports import PORT_PROTOCOLS, describe
from .wording import MAX_NAMED, listed, rule_owner

PORT_PROTOCOL_NAMES = frozenset(PORT_PROTOCOLS.values())


@check("WMM206")
def compute_open_to_internet(ctx: Context) -> Iterator[Finding]:
    judge = ExposureJudge.of(ctx.model.rule("EMM202"))
    compute_types = frozenset(ctx.setting("compute_types", []))
    index = security_groups(ctx)
    for owner, rules in _by_owner(index.rules):
        opened: list[tuple[GroupRule, str, InternetExposure]] = []
        compute: list[Attachment] = []
        for rule in rules:
            exposures = list(judge.exposures(ctx, rule))
            if not exposures:
                continue
            guarded = judge.guarded(ctx, rule)
            reached = _compute_behind(ctx, rule, index.attached_to(rule.groups), compute_types)
            for key, exposure in exposures:
                if reached and not judge.reported(exposure, guarded) and _has_ports(exposure):
                    opened.append((rule, key, exposure))
                    compute += [a for a in reached if a not in compute]
        if opened:
            first_rule, first_key, _ = opened[0]
            path: Path = (*first_rule.path, first_key)
            yield ctx.finding(owner, _message(ctx, first_rule, opened, compute), path)


def _by_owner(rules: list[GroupRule]) -> Iterator[tuple[object, list[GroupRule]]]:
    """The ingress rules grouped by the resource holding them, in template order."""
    grouped: dict[int, tuple[object, list[GroupRule]]] = {}
    for rule in rules:
        if rule.direction == "ingress":
            grouped.setdefault(id(rule.owner), (rule.owner, []))[1].append(rule)
    yield from grouped.values()


def _compute_behind(
    ctx: Context, rule: GroupRule, attached: list[Attachment], compute_types: frozenset[str]
) -> list[Attachment]:
    """Compute the rule's groups guard, that can be deployed together with the rule."""
    return [
        a
        for a in attached
        if (a.resource.type in compute_types or (a.via is not None and a.via.type in compute_types))
        and ctx.app.coexist(rule.owner, a.resource)
    ]


def _has_ports(exposure: InternetExposure) -> bool:
    """TCP or UDP is opened (ICMP has no port; an unknown protocol stays unknown)."""
    return any(choice.protocol in PORT_PROTOCOL_NAMES for choice in exposure.traffic)


def _message(
    ctx: Context,
    rule: GroupRule,
    opened: list[tuple[GroupRule, str, InternetExposure]],
    compute: list[Attachment],
) -> str:
    traffic = [
        choice
        for _, _, exposure in opened
        for choice in exposure.traffic
        if choice.protocol in PORT_PROTOCOL_NAMES
    ]
    ranges = [text for _, _, exposure in opened for text in exposure.ranges]
    targets = ", ".join(dict.fromkeys(a.describe() for a in compute[:MAX_NAMED]))
    more = " …" if len(compute) > MAX_NAMED else ""
    return (
        f"{rule_owner(rule, ctx)} allows {describe(traffic)} from {listed(ranges)}, the whole"
        f" internet, straight into {targets}{more}; only load balancers should face the"
        " internet: put the compute behind one and allow only its security group"
        " (SourceSecurityGroupId)"
    )
