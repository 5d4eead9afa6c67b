"""What an IP range in a security-group rule can be: a literal CIDR, or a VPC's CIDR only known
at deploy time (`!GetAtt Vpc.CidrBlock`, an import or parameter named for it).

The resolver turns deploy-time values into opaque placeholders; here the intrinsic tree is
walked directly so that a parameter default, an `Fn::If` branch, an import from another
template of the run or a block cut from a VPC CIDR with `Fn::Cidr` keep their meaning.
"""

from __future__ import annotations

import bisect
import ipaddress
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ...app import App
from ...template.resolve import UNKNOWN, Resolver, Sym, as_literal, intrinsic, is_no_value
from ...template.template import Resource, Template

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

MAX_DEPTH = 24
VPC = "AWS::EC2::VPC"
SUBNET = "AWS::EC2::Subnet"
NESTED_STACK = "AWS::CloudFormation::Stack"
VPC_RANGE_ATTRIBUTES = {
    VPC: {"CidrBlock", "Ipv6CidrBlocks"},
    SUBNET: {"CidrBlock", "Ipv6CidrBlocks"},
}
# A name that says "the VPC's CIDR": VpcCidr, VPC-CIDR, CidrBlockOfVpc, …
_VPC_CIDR_NAME = re.compile(r"vpc.*cidr|cidr.*vpc", re.IGNORECASE)
_SSM_PARAMETER = "AWS::SSM::Parameter::Value<"


@dataclass(frozen=True)
class RangeValue:
    """One possible value of a rule's range.

    `network` is the literal range (for a block cut from a larger range, the larger range and
    `exact` is False); it is None for a VPC's range only known at deploy time (`vpc` is True).
    `text` names it in a message.
    """

    text: str
    network: Network | None = None
    exact: bool = True
    vpc: bool = False


def parse_network(text: Any) -> Network | None:
    if not isinstance(text, str):
        return None
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


def parse_networks(texts: Iterable[Any]) -> list[Network]:
    return [n for n in (parse_network(t) for t in texts) if n is not None]


class RangeSet:
    """Networks asked about without comparing against each one (a run may hold thousands of
    routes and VPCs): "inside a member" looks up the probe's supernets at the prefix lengths
    present; "overlaps a member" also bisects the sorted starts for a member inside it."""

    def __init__(self, networks: Iterable[Network]) -> None:
        self.members = {(n.version, n) for n in networks}
        self.prefixes = sorted({(version, n.prefixlen) for version, n in self.members})
        self.starts = sorted(
            (v, int(n.network_address), int(n.broadcast_address)) for v, n in self.members
        )

    def contains(self, network: Network) -> bool:
        """True when `network` lies inside one of the members."""
        return any(
            version == network.version
            and prefix <= network.prefixlen
            and (version, network.supernet(new_prefix=prefix)) in self.members
            for version, prefix in self.prefixes
        )

    def overlaps(self, network: Network) -> bool:
        if self.contains(network):
            return True
        first, last = int(network.network_address), int(network.broadcast_address)
        position = bisect.bisect_left(self.starts, (network.version, first, 0))
        return position < len(self.starts) and self.starts[position][:2] <= (network.version, last)


def range_values(
    resolver: Resolver, node: Any, origin: str = "", depth: int = 0
) -> Iterator[RangeValue]:
    """Every value a range node can take; values nobody can know are left out."""
    if depth > MAX_DEPTH or is_no_value(node):
        return
    if isinstance(node, str):
        network = parse_network(node)
        if network is not None:
            yield RangeValue(node.strip() + origin, network)
        return
    function = intrinsic(node)
    if function is None:
        return
    name, argument = function
    walker = _WALKERS.get(name, _resolved)
    yield from walker(resolver, node, argument, origin, depth + 1)


def _if(
    resolver: Resolver, node: Any, argument: Any, origin: str, depth: int
) -> Iterator[RangeValue]:
    if isinstance(argument, list) and len(argument) == 3:
        for branch in argument[1:]:
            yield from range_values(resolver, branch, origin, depth)


def _ref(
    resolver: Resolver, node: Any, argument: Any, origin: str, depth: int
) -> Iterator[RangeValue]:
    parameter = resolver.template.parameters.get(argument) if isinstance(argument, str) else None
    if parameter is None or parameter.type.startswith(_SSM_PARAMETER):
        return
    if parameter.has_default:
        yield from range_values(
            resolver, parameter.default, f" (default of parameter {parameter.name})", depth
        )
    elif _VPC_CIDR_NAME.search(parameter.name):
        yield RangeValue(f"parameter {parameter.name} (the VPC's CIDR)", vpc=True)


def _getatt(
    resolver: Resolver, node: Any, argument: Any, origin: str, depth: int
) -> Iterator[RangeValue]:
    for parts in resolver.values(node):
        described = _vpc_range_symbol(resolver.template, parts)
        if described:
            yield RangeValue(described + origin, vpc=True)


def _select(
    resolver: Resolver, node: Any, argument: Any, origin: str, depth: int
) -> Iterator[RangeValue]:
    """A block cut from a range (`Fn::Select` of `Fn::Cidr`) or one of a VPC's ranges."""
    source = argument[1] if isinstance(argument, list) and len(argument) == 2 else None
    inner = intrinsic(source)
    if inner and inner[0] == "Fn::Cidr" and isinstance(inner[1], list) and inner[1]:
        for base in range_values(resolver, inner[1][0], origin, depth):
            yield RangeValue(f"a block of {base.text}", base.network, exact=False, vpc=base.vpc)
        return
    if inner and inner[0] == "Fn::GetAtt":
        yield from _getatt(resolver, source, inner[1], origin, depth)
        return
    yield from _resolved(resolver, node, argument, origin, depth)


def _import(
    resolver: Resolver, node: Any, argument: Any, origin: str, depth: int
) -> Iterator[RangeValue]:
    exported = resolver.export_values(argument)
    if exported is not None:
        for exporter, value in exported:
            yield from range_values(exporter, value, origin, depth)
        return
    name = "".join(
        part for parts in resolver.values(argument) for part in parts if isinstance(part, str)
    )
    if _VPC_CIDR_NAME.search(name):
        yield RangeValue(f"the imported {name.strip('-:_/')} (the VPC's CIDR)", vpc=True)


def _find_in_map(
    resolver: Resolver, node: Any, argument: Any, origin: str, depth: int
) -> Iterator[RangeValue]:
    for value in resolver.find_in_map(argument):
        yield from range_values(resolver, value, origin, depth)


def _resolved(
    resolver: Resolver, node: Any, argument: Any, origin: str, depth: int
) -> Iterator[RangeValue]:
    """`Fn::Sub`, `Fn::Join` and the rest: whatever the resolver can spell out."""
    for parts in resolver.values(node):
        literal = as_literal(parts)
        if literal is not None:
            yield from range_values(resolver, literal, origin, depth)
            continue
        described = _vpc_range_symbol(resolver.template, parts)
        if described:
            yield RangeValue(described + origin, vpc=True)


_WALKERS = {
    "Fn::If": _if,
    "Ref": _ref,
    "Fn::GetAtt": _getatt,
    "Fn::Select": _select,
    "Fn::ImportValue": _import,
    "Fn::FindInMap": _find_in_map,
}


def _vpc_range_symbol(template: Template, parts: tuple) -> str | None:
    """'the CIDR of VPC X' when `parts` is exactly a VPC or subnet range attribute."""
    if len(parts) != 1 or not isinstance(parts[0], Sym) or parts[0].kind != "getatt":
        return None
    symbol = parts[0]
    resource = template.resources.get(symbol.name) if symbol.file == template.file else None
    if resource is None:
        return None
    if symbol.attr in VPC_RANGE_ATTRIBUTES.get(resource.type, ()):
        return f"the CIDR of {resource.type.rsplit('::', 1)[-1]} {resource.logical_id}"
    if resource.type == NESTED_STACK and _VPC_CIDR_NAME.search(symbol.attr):
        return f"{resource.logical_id}.{symbol.attr} (the VPC's CIDR)"
    return None


# ---- ranges the run tells about -----------------------------------------------------------

REMOTE_ROUTE_TARGETS = ("TransitGatewayId", "VpcPeeringConnectionId")
VPN_GATEWAY = "AWS::EC2::VPNGateway"


def vpc_ranges(app: App) -> list[Network]:
    """Literal CIDRs of the VPCs of the run (primary and associated blocks)."""
    found: list[Network] = []
    for resource in app.resources(VPC, "AWS::EC2::VPCCidrBlock"):
        resolver = app.resolver(resource.template)
        for key in ("CidrBlock", "Ipv6CidrBlock"):
            found.extend(parse_networks(resolver.literals(resource.prop(key)) or ()))
    return found


@dataclass(frozen=True)
class RemoteRanges:
    """Destinations routed out of the VPC: literal networks, and deploy-time values (a
    parameter without default, an import) compared as written."""

    networks: list[Network]
    symbols: frozenset[tuple]


def routed_remote_ranges(app: App) -> RemoteRanges:
    """Destinations the run routes to a VPN gateway, a transit gateway or a peering connection:
    networks whose clients cannot be named by a security group of this VPC."""
    vpn_gateways = {
        (gateway.template.file, gateway.logical_id) for gateway in app.resources(VPN_GATEWAY)
    }
    networks: list[Network] = []
    symbols: set[tuple] = set()
    for route in app.resources("AWS::EC2::Route", "AWS::EC2::VPNConnectionRoute"):
        resolver = app.resolver(route.template)
        if route.type == "AWS::EC2::Route" and not _routes_to_remote_network(
            resolver, route, vpn_gateways
        ):
            continue
        for key in ("DestinationCidrBlock", "DestinationIpv6CidrBlock"):
            for parts in resolver.values(route.prop(key)):
                literal = as_literal(parts)
                network = parse_network(literal) if literal is not None else None
                if network is not None:
                    networks.append(network)
                elif literal is None and UNKNOWN not in parts:
                    symbols.add(parts)
    return RemoteRanges(networks, frozenset(symbols))


def _routes_to_remote_network(
    resolver: Resolver, route: Resource, vpn_gateways: set[tuple[str, str]]
) -> bool:
    if any(
        key in route.properties and not is_no_value(route.properties[key])
        for key in REMOTE_ROUTE_TARGETS
    ):
        return True
    return any(
        (target.file, target.logical_id) in vpn_gateways
        for target in resolver.references(route.prop("GatewayId"))
    )
