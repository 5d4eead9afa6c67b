"""Network: security groups reference security groups, the internet reaches only the entry
point, NACLs are rarely needed, Flow Logs record what was dropped, NLBs get groups at birth."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ...findings import Finding
from ...template.resolve import Resolver, intrinsic, is_no_value
from ...template.template import Resource
from .. import Context, check
from .attachments import Attachment, GroupRule, key_of, security_groups
from .ports import Traffic, describe, traffic_of
from .ranges import (
    Network,
    RangeSet,
    RangeValue,
    RemoteRanges,
    parse_networks,
    range_values,
    routed_remote_ranges,
    vpc_ranges,
)

RANGE_KEYS = ("CidrIp", "CidrIpv6", "DestinationCidrIp", "DestinationCidrIpv6")
INGRESS_RANGE_KEYS = ("CidrIp", "CidrIpv6")
GROUP_KEYS = {"ingress": "SourceSecurityGroupId", "egress": "DestinationSecurityGroupId"}
MAX_NAMED = 3


def _rule_owner(rule: GroupRule, ctx: Context) -> str:
    """How a message names the rule: its group, or the standalone rule and its group."""
    if rule.inline:
        return rule.owner.logical_id
    groups = security_groups(ctx).groups
    names = sorted(groups[key].logical_id for key in rule.groups)
    return (
        f"{rule.owner.logical_id} (rule of {', '.join(names)})" if names else rule.owner.logical_id
    )


def _listed(texts: list[str]) -> str:
    unique = list(dict.fromkeys(texts))
    shown = " or ".join(unique[:MAX_NAMED])
    return shown + (" …" if len(unique) > MAX_NAMED else "")


# ---- WMM201 ---------------------------------------------------------------------------------


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
        f"{_rule_owner(rule, ctx)} allows {describe(traffic)} {side} {_listed(ranges)}, an"
        f" internal range: inside a VPC, reference the {peer} security group with"
        f" {GROUP_KEYS[rule.direction]} instead of {key} (list on-premises ranges in"
        " on_premises_ranges)"
    )


# ---- EMM202 ---------------------------------------------------------------------------------


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
        f"{_rule_owner(rule, ctx)} allows {describe(exposure.traffic)} from"
        f" {_listed(exposure.ranges)}, the whole internet, {' and '.join(problems)}; {fix}"
    )


# ---- IMM203 ---------------------------------------------------------------------------------

NETWORK_ACL = "AWS::EC2::NetworkAcl"
NETWORK_ACL_ENTRY = "AWS::EC2::NetworkAclEntry"


def _acl_entries(ctx: Context) -> dict[tuple[str, str], list[Resource]]:
    """NACL (file, logical ID) -> its entries; entries of a NACL outside the run under ('', '')."""
    acls = {key_of(acl) for acl in ctx.app.resources(NETWORK_ACL)}
    entries: dict[tuple[str, str], list[Resource]] = defaultdict(list)
    for entry in ctx.app.resources(NETWORK_ACL_ENTRY):
        resolver = ctx.resolver(entry)
        owners = {(t.file, t.logical_id) for t in resolver.references(entry.prop("NetworkAclId"))}
        for owner in (owners & acls) or {("", "")}:
            entries[owner].append(entry)
    return entries


@check("IMM203")
def network_acl_defined(ctx: Context) -> Iterator[Finding]:
    entries = _acl_entries(ctx)
    for acl in ctx.app.resources(NETWORK_ACL):
        count = len(entries.get(key_of(acl), []))
        yield ctx.finding(
            acl,
            f"{acl.logical_id} is a network ACL ({count} entr{'y' if count == 1 else 'ies'}):"
            " security groups are enough in"
            " most cases, while a stateless NACL is easy to get wrong and shows in Flow Logs only"
            " as REJECT; express the restriction with security groups, or document why the NACL"
            " is needed",
        )
    if not ctx.setting("report_entries_of_other_acls", True):
        return
    for entry in entries.get(("", ""), []):
        yield ctx.finding(
            entry,
            f"{entry.logical_id} adds a rule to a network ACL: security groups are enough in most"
            " cases, while a stateless NACL is easy to get wrong and shows in Flow Logs only as"
            " REJECT; express the restriction with security groups, or document why it is needed",
            ("Properties", "NetworkAclId") if "NetworkAclId" in entry.properties else (),
        )


# ---- WMM204 ---------------------------------------------------------------------------------

VPC = "AWS::EC2::VPC"
FLOW_LOG = "AWS::EC2::FlowLog"


@dataclass(frozen=True)
class FlowLog:
    resource: Resource
    traffic_types: frozenset[str] | None  # None: not known before deployment

    def records_rejects(self, reject_types: set[str]) -> bool | None:
        """True when every choice records rejects; None when unknown."""
        if self.traffic_types is None:
            return None
        return self.traffic_types <= reject_types


def _flow_logs(ctx: Context) -> dict[tuple[str, str], list[FlowLog]]:
    """Resource (file, logical ID) -> the flow logs watching it."""
    watched: dict[tuple[str, str], list[FlowLog]] = defaultdict(list)
    for resource in ctx.app.resources(FLOW_LOG):
        resolver = ctx.resolver(resource)
        types = resolver.literals(resource.prop("TrafficType"))
        flow_log = FlowLog(
            resource, frozenset(t.upper() for t in types) if types is not None else None
        )
        for target in resolver.references(resource.prop("ResourceId")):
            watched[(target.file, target.logical_id)].append(flow_log)
    return watched


@check("WMM204")
def vpc_without_flow_logs(ctx: Context) -> Iterator[Finding]:
    watched = _flow_logs(ctx)
    reject_types = {str(t).upper() for t in ctx.setting("reject_traffic_types", [])}
    for vpc in ctx.app.resources(VPC):
        flow_logs = watched.get(key_of(vpc), [])
        if not flow_logs:
            yield ctx.finding(
                vpc,
                f"{vpc.logical_id} has no flow log, so a packet dropped by a security group or"
                " NACL leaves no trace; add an AWS::EC2::FlowLog with ResourceType VPC,"
                f" ResourceId !Ref {vpc.logical_id} and TrafficType ALL",
            )
            continue
        if any(log.records_rejects(reject_types) is not False for log in flow_logs):
            continue
        for log in flow_logs:
            when = "" if log.traffic_types == {"ACCEPT"} else " in some configurations"
            yield ctx.finding(
                log.resource,
                f"{log.resource.logical_id}, the flow log of {vpc.logical_id}, records only"
                f" accepted traffic{when}, so packets dropped by a security group or NACL leave"
                " no trace; set TrafficType: ALL",
                ("Properties", "TrafficType"),
            )


# ---- WMM205 ---------------------------------------------------------------------------------

LOAD_BALANCER = "AWS::ElasticLoadBalancingV2::LoadBalancer"


@check("WMM205")
def network_load_balancer_without_groups(ctx: Context) -> Iterator[Finding]:
    kinds = {str(t).lower() for t in ctx.setting("types_needing_groups_at_creation", [])}
    for balancer in ctx.app.resources(LOAD_BALANCER):
        resolver = ctx.resolver(balancer)
        types = resolver.literals(balancer.prop("Type", default="application"))
        if types is None or not {t.lower() for t in types} & kinds:
            continue
        if "SecurityGroups" not in balancer.properties:
            path: tuple[Any, ...] = ()
        elif _may_be_empty(balancer.properties["SecurityGroups"]):
            path = ("Properties", "SecurityGroups")
        else:
            continue
        yield ctx.finding(
            balancer,
            f"{balancer.logical_id} is a Network Load Balancer without security groups: its"
            " targets must allow clients by IP range, and groups cannot be added after creation;"
            " set SecurityGroups now and let the targets allow that group",
            path,
        )


def _may_be_empty(node: Any, depth: int = 0) -> bool:
    """True when some `Fn::If` choice leaves the list without any group."""
    if depth > 16 or is_no_value(node):
        return True
    function = intrinsic(node)
    if function and function[0] == "Fn::If":
        choices = function[1][1:] if isinstance(function[1], list) and len(function[1]) == 3 else []
        return any(_may_be_empty(choice, depth + 1) for choice in choices)
    if isinstance(node, list):
        return all(_may_be_empty(item, depth + 1) for item in node)
    return False
