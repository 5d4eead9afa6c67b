"""How many Availability Zones an Auto Scaling group can span, per combination of conditions.

An item-level `Fn::If` (`[SubnetA, !If [HasB, SubnetB, !Ref AWS::NoValue]]`) can leave a
group with one subnet, but two `Fn::If`s on the same condition must be chosen together or the
rule would invent combinations CloudFormation never deploys. So each scenario of the group
(`App.scenarios`) picks one concrete property value with `choose`.

A zone key names an AZ as precisely as the template allows: the same key is surely the same
AZ; different keys may still be one AZ, so counting keys gives an upper bound on the AZs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...template.resolve import Resolver, intrinsic, is_no_value
from ...template.scenarios import canonical
from ...template.walk import ABSENT, OPAQUE
from .values import is_list_parameter, parameter_default

MAX_CONDITION_DEPTH = 16

ZoneKey = tuple[str, str]


def choose(node: Any, truths: dict[str, bool], depth: int = 0) -> Any:
    """`node` with every `Fn::If` decided by `truths` and AWS::NoValue list items dropped."""
    if depth > MAX_CONDITION_DEPTH:
        return OPAQUE
    if is_no_value(node):
        return ABSENT
    function = intrinsic(node)
    if function and function[0] == "Fn::If":
        arg = function[1]
        if not (isinstance(arg, list) and len(arg) == 3 and isinstance(arg[0], str)):
            return OPAQUE
        if arg[0] not in truths:
            return OPAQUE
        return choose(arg[1] if truths[arg[0]] else arg[2], truths, depth + 1)
    if isinstance(node, list):
        items = [choose(item, truths, depth + 1) for item in node]
        return [item for item in items if item is not ABSENT]
    return node


# ---- zones -------------------------------------------------------------------------------


class ZoneReader:
    """Zone keys of the subnets and AZs an Auto Scaling group names, in one template."""

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self.template = resolver.template

    def subnet_zone_sets(self, node: Any) -> Iterator[tuple[set[ZoneKey] | None, int]]:
        """(zone keys, item count) of a chosen `VPCZoneIdentifier`, per value it can take."""
        for items in self._lists(node):
            if items is None:
                yield None, 0
            else:
                yield self._keys(items, self.subnet_zone), len(items)

    def az_zone_sets(self, node: Any) -> Iterator[tuple[set[ZoneKey] | None, int]]:
        """(zone keys, item count) of a chosen `AvailabilityZones`, per value it can take."""
        for items in self._lists(node):
            if items is None:
                yield None, 0
            else:
                yield self._keys(items, self.az_zone), len(items)

    def _lists(self, node: Any) -> Iterator[list[Any] | None]:
        """The item lists a chosen list property can be: a literal list or a map's entries."""
        if isinstance(node, list):
            yield node
            return
        function = intrinsic(node)
        if function and function[0] == "Fn::FindInMap":
            entries = self.resolver.find_in_map(function[1])
            if not entries:
                yield None
            for entry in entries:
                yield list(entry) if isinstance(entry, list) else None
            return
        # A list parameter, an import, Fn::Split or Fn::GetAZs: the items are not known here.
        yield None

    @staticmethod
    def _keys(items: list[Any], key_of: Any) -> set[ZoneKey] | None:
        keys: set[ZoneKey] = set()
        for item in items:
            key = key_of(item)
            if key is None:
                return None
            keys.add(key)
        return keys

    def subnet_zone(self, item: Any) -> ZoneKey | None:
        """The zone of one subnet item, or None when it may stand for several subnets."""
        if item is OPAQUE or item is ABSENT:
            return None
        target = self._subnet_resource(item)
        if target is not None:
            return self._zone_of_subnet(target)
        function = intrinsic(item)
        if function and function[0] == "Ref" and function[1] in self.template.parameters:
            parameter = self.template.parameters[function[1]]
            if parameter.type == "AWS::EC2::Subnet::Id":
                return ("subnet-parameter", parameter.name)
            return self._single_literal("subnet", parameter_default(parameter))
        if function is None and not isinstance(item, str):
            return None
        # A string can still hold "subnet-a,subnet-b", which Auto Scaling reads as two subnets.
        return self._single_literal("subnet", self.resolver.literal(item))

    def az_zone(self, item: Any) -> ZoneKey | None:
        """The zone of one Availability Zone item, or None when unknown."""
        if item is OPAQUE or item is ABSENT:
            return None
        function = intrinsic(item)
        if function and function[0] == "Ref" and function[1] in self.template.parameters:
            parameter = self.template.parameters[function[1]]
            if parameter.type == "AWS::EC2::AvailabilityZone::Name":
                return ("az-parameter", parameter.name)
            if is_list_parameter(parameter):
                return None
            return self._single_literal("az", parameter_default(parameter))
        if function and function[0] == "Fn::Select":
            literal = self.resolver.literal(item)
            return ("az", literal.lower()) if literal else ("az-expression", canonical(item))
        if function is None and not isinstance(item, str):
            return None
        return self._single_literal("az", self.resolver.literal(item))

    def _subnet_resource(self, item: Any) -> Any:
        function = intrinsic(item)
        if function is None:
            return None
        name, arg = function
        if name == "Fn::GetAtt":
            logical_id = arg[0] if isinstance(arg, list) and arg else str(arg).split(".")[0]
        elif name == "Ref":
            logical_id = arg
        else:
            return None
        resource = self.template.resources.get(logical_id) if isinstance(logical_id, str) else None
        return resource if resource is not None and resource.type == "AWS::EC2::Subnet" else None

    def _zone_of_subnet(self, subnet: Any) -> ZoneKey:
        for key, kind in (("AvailabilityZone", "az"), ("AvailabilityZoneId", "az-id")):
            node = subnet.prop(key)
            if node is None or is_no_value(node):
                continue
            literal = self.resolver.literal(node)
            if literal:
                return (kind, literal.lower())
            return (f"{kind}-expression", canonical(node))
        # Without an AZ, EC2 picks one per subnet: each subnet counts as its own zone.
        return ("subnet-resource", subnet.logical_id)

    @staticmethod
    def _single_literal(kind: str, value: str | None) -> ZoneKey | None:
        if not value or "," in value:
            return None
        return (kind, value.strip().lower())
