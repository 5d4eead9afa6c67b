"""WMM504: gp2 volumes and storage, whose performance runs on burst credits."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Finding
from .. import Context, check
from .devices import BLOCK_DEVICE_MAPPINGS, block_device_mappings, device_label
from .reporting import ParameterFindings, resource_path
from .values import merged, property_origins


@check("WMM504")
def gp2_volume(ctx: Context) -> Iterator[Finding]:
    flagged = {str(kind).lower() for kind in ctx.setting("flagged_volume_types", ["gp2"])}
    volume_default = str(ctx.setting("volume_default_type", "gp2"))
    parameters = ParameterFindings()
    for resource in ctx.app.resources("AWS::EC2::Volume", "AWS::RDS::DBInstance"):
        key = "VolumeType" if resource.type == "AWS::EC2::Volume" else "StorageType"
        default = volume_default if resource.type == "AWS::EC2::Volume" else None
        resolver = ctx.resolver(resource)
        found = property_origins(resolver, resource.properties, (key,), default)
        for origin in merged(o for o in found if o.value.lower() in flagged):
            if origin.parameter:
                parameters.add(resource, origin)
                continue
            if key == "VolumeType":
                unset = " (VolumeType is not set)" if origin.path[-1:] != (key,) else ""
                subject = f"{resource.logical_id} is a {origin.value} volume{unset}"
            else:
                subject = f"{resource.logical_id} keeps its data on {origin.value} storage"
            yield ctx.finding(resource, _gp2_message(subject, key), resource_path(origin.path))
    for resource in ctx.app.resources(*BLOCK_DEVICE_MAPPINGS):
        resolver = ctx.resolver(resource)
        for mapping, path in block_device_mappings(resource):
            device = device_label(ctx, resource, mapping)
            found = property_origins(resolver, mapping, ("Ebs", "VolumeType"), base=path)
            for origin in merged(o for o in found if o.value.lower() in flagged):
                if origin.parameter:
                    parameters.add(resource, origin)
                    continue
                subject = f"{resource.logical_id} maps {device} to a {origin.value} volume"
                yield ctx.finding(resource, _gp2_message(subject, "VolumeType"), origin.path)
    yield from parameters.findings(ctx, _gp2_parameter_message)


GP2_CREDITS = (
    "its performance above the baseline comes from a burst credit bucket that empties under"
    " constant I/O"
)


def _gp2_message(subject: str, key: str) -> str:
    return f"{subject}: {GP2_CREDITS}; set {key} to gp3, whose baseline needs no credits"


def _gp2_parameter_message(name: str, value: str, users: str) -> str:
    return (
        f"Parameter {name} defaults to {value}, the volume type of {users}: {GP2_CREDITS};"
        " default to gp3, whose baseline needs no credits"
    )
