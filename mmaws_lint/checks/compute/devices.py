"""Block device mappings of instances, launch templates and launch configurations."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...template.nodes import Path
from ...template.resolve import intrinsic
from ...template.template import Resource
from ...template.walk import lookup
from .. import Context
from .kinds import INSTANCE, LAUNCH_CONFIGURATION, LAUNCH_TEMPLATE

# Where each resource kind keeps its block device mappings.
BLOCK_DEVICE_MAPPINGS: dict[str, tuple[str, ...]] = {
    INSTANCE: ("BlockDeviceMappings",),
    LAUNCH_CONFIGURATION: ("BlockDeviceMappings",),
    LAUNCH_TEMPLATE: ("LaunchTemplateData", "BlockDeviceMappings"),
}


def block_device_mappings(resource: Resource) -> Iterator[tuple[Any, Path]]:
    """Each block device mapping of an instance, launch template or launch configuration."""
    keys = BLOCK_DEVICE_MAPPINGS.get(resource.type)
    if keys is None:
        return
    for item, path in lookup(resource.properties, (*keys, "*"), ("Properties",)):
        if isinstance(item, dict) and intrinsic(item) is None:
            yield item, path


def device_label(ctx: Context, resource: Resource, mapping: Any) -> str:
    name = ctx.resolver(resource).literal(mapping.get("DeviceName"))
    return name if name else "a device"
