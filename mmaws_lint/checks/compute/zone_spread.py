"""WMM502: an Auto Scaling group that cannot span enough Availability Zones."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Finding
from ...template.template import Resource
from ...template.walk import ABSENT
from .. import Context, check
from .kinds import AUTO_SCALING_GROUP
from .zones import ConditionSpace, ZoneReader, choose, condition_names


@check("WMM502")
def auto_scaling_group_in_one_az(ctx: Context) -> Iterator[Finding]:
    minimum = int(ctx.setting("min_availability_zones", 2))
    for group in ctx.app.resources(AUTO_SCALING_GROUP):
        finding = _zone_finding(ctx, group, minimum)
        if finding is not None:
            yield finding


def _zone_finding(ctx: Context, group: Resource, minimum: int) -> Finding | None:
    subnets = group.properties.get("VPCZoneIdentifier", ABSENT)
    zones = group.properties.get("AvailabilityZones", ABSENT)
    names = condition_names(subnets) | condition_names(zones)
    assignments = ConditionSpace(group.template).assignments(names) if names else [{}]
    reader = ZoneReader(ctx.resolver(group))
    for truths in assignments or []:
        chosen_subnets = choose(subnets, truths) if subnets is not ABSENT else ABSENT
        if chosen_subnets is not ABSENT:
            key, sets = "VPCZoneIdentifier", reader.subnet_zone_sets(chosen_subnets)
        else:
            chosen_zones = choose(zones, truths) if zones is not ABSENT else ABSENT
            if chosen_zones is ABSENT:
                continue
            key, sets = "AvailabilityZones", reader.az_zone_sets(chosen_zones)
        for keys, count in sets:
            if keys and len(keys) < minimum:
                message = _zone_message(group, key, len(keys), count, minimum, bool(names))
                return ctx.finding(group, message, ("Properties", key))
    return None


def _zone_message(
    group: Resource, key: str, zones: int, items: int, minimum: int, branching: bool
) -> str:
    if zones > 1:
        reason = f"{key} spans at most {zones} AZs"
    elif key == "AvailabilityZones":
        reason = "AvailabilityZones lists a single AZ"
    elif items == 1:
        reason = "VPCZoneIdentifier lists a single subnet"
    else:
        reason = "every subnet in VPCZoneIdentifier is in the same AZ"
    where = " in at least one Fn::If branch" if branching else ""
    fix = "AZs" if key == "AvailabilityZones" else "subnets in"
    return (
        f"{group.logical_id} cannot survive the loss of an AZ: {reason}{where}, so an outage"
        f" of that AZ stops the whole group; list {fix} at least {minimum} AZs"
    )
