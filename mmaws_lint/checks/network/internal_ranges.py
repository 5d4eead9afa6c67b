"""WMM201: security-group rules that allow an internal IP range instead of a security group."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ...findings import Finding
from ...template.resolve import Resolver
from .. import Context, check
from .attachments import GroupRule, security_groups
from .ports import Traffic, describe, traffic_of
from .ranges import (
    RangeSet,
    RangeValue,
    RemoteRanges,
    parse_networks,
    range_values,
    routed_remote_ranges,
    vpc_ranges,
)
from .wording import listed, rule_owner

RANGE_KEYS = ("CidrIp", "CidrIpv6", "DestinationCidrIp", "DestinationCidrIpv6")


GROUP_KEYS = {"ingress": "SourceSecurityGroupId", "egress": "DestinationSecurityGroupId"}


@dataclass(frozen=True)
class InternalRanges:
    internal: RangeSet
    vpcs: RangeSet
    remote: RangeSet
    remote_symbols: frozenset[tuple]

    def holds(self, value: RangeValue) -> bool:
        if value.network is None:
            return value.vpc
        if self.remote.overlaps(value.network):
            return False
        return self.internal.contains(value.network) or self.vpcs.contains(value.network)

    def routed_out(self, resolver: Resolver, node: Any) -> bool:
        """True when the range is written as a destination routed out of the VPC."""
        return bool(self.remote_symbols) and not self.remote_symbols.isdisjoint(
            resolver.values(node)
        )


def _internal_ranges(ctx: Context) -> InternalRanges:
    on_premises = parse_networks(ctx.setting("on_premises_ranges", []))
    routed = RemoteRanges([], frozenset())
    if ctx.setting("routed_remote_ranges", True):
        routed = ctx.app.shared("network.routed_remote_ranges", routed_remote_ranges)
    return InternalRanges(
        internal=RangeSet(parse_networks(ctx.setting("internal_ranges", []))),
        vpcs=RangeSet(ctx.app.shared("network.vpc_ranges", vpc_ranges)),
        remote=RangeSet(on_premises + routed.networks),
        remote_symbols=routed.symbols,
    )


@check("WMM201")
def ip_range_inside_vpc(ctx: Context) -> Iterator[Finding]:
    ranges = _internal_ranges(ctx)
    ungrouped_ports = {
        direction: {int(port) for port in ctx.setting(f"{direction}_ports_without_groups", [])}
        for direction in GROUP_KEYS
    }
    for rule in security_groups(ctx).rules:
        resolver = ctx.resolver(rule.owner)
        for key in RANGE_KEYS:
            if key not in rule.node or ranges.routed_out(resolver, rule.node[key]):
                continue
            internal, traffic = _internal_use(
                resolver, rule, key, ranges, ungrouped_ports[rule.direction]
            )
            if internal:
                message = _internal_range_message(ctx, rule, key, internal, traffic)
                yield ctx.finding(rule.owner, message, (*rule.path, key))


def _internal_use(
    resolver: Resolver, rule: GroupRule, key: str, ranges: InternalRanges, ungrouped: set[int]
) -> tuple[list[str], list[Traffic]]:
    """The internal ranges the rule's variants name under `key`, and the traffic they allow;
    variants whose ports have no group on the other side are left out."""
    internal: list[str] = []
    traffic: list[Traffic] = []
    for variant in rule.variants():
        choices = traffic_of(resolver, variant)
        if _only_ports(choices, ungrouped):
            continue
        found = [v.text for v in range_values(resolver, variant.get(key)) if ranges.holds(v)]
        if found:
            internal += found
            traffic += choices
    return internal, traffic


def _only_ports(traffic: list[Traffic], ports: set[int]) -> bool:
    """True when every choice is a single port of `ports` (a range of several is not)."""
    return all(
        choice.low is not None and choice.low == choice.high and choice.low in ports
        for choice in traffic
    )


def _internal_range_message(
    ctx: Context, rule: GroupRule, key: str, ranges: list[str], traffic: list[Traffic]
) -> str:
    side, peer = ("from", "clients'") if rule.direction == "ingress" else ("to", "destination's")
    return (
        f"{rule_owner(rule, ctx)} allows {describe(traffic)} {side} {listed(ranges)}, an"
        f" internal range: inside a VPC, reference the {peer} security group with"
        f" {GROUP_KEYS[rule.direction]} instead of {key} (list on-premises ranges in"
        " on_premises_ranges)"
    )
