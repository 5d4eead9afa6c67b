"""WMM506: instance store volumes, whose data does not survive the instance."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...findings import Finding
from .. import Context, check
from .devices import BLOCK_DEVICE_MAPPINGS, block_device_mappings, device_label
from .reporting import ParameterFindings
from .values import merged, property_origins


@check("WMM506")
def instance_store(ctx: Context) -> Iterator[Finding]:
    pattern = re.compile(str(ctx.setting("instance_store_name_pattern")), re.IGNORECASE)
    parameters = ParameterFindings()
    for resource in ctx.app.resources(*BLOCK_DEVICE_MAPPINGS):
        resolver = ctx.resolver(resource)
        for mapping, path in block_device_mappings(resource):
            device = device_label(ctx, resource, mapping)
            found = property_origins(resolver, mapping, ("VirtualName",), base=path)
            for origin in merged(o for o in found if pattern.fullmatch(o.value)):
                if origin.parameter:
                    parameters.add(resource, origin)
                    continue
                message = (
                    f"{resource.logical_id} maps {device} to instance store ({origin.value}):"
                    f" {INSTANCE_STORE_LOSS}; keep only scratch data there, or use an EBS volume"
                )
                yield ctx.finding(resource, message, origin.path)
    yield from parameters.findings(ctx, _instance_store_parameter_message)


INSTANCE_STORE_LOSS = (
    "its data is lost when the instance stops, terminates or fails, and it is not replicated"
)


def _instance_store_parameter_message(name: str, value: str, users: str) -> str:
    return (
        f"Parameter {name} defaults to {value}, an instance store volume mapped by {users}:"
        f" {INSTANCE_STORE_LOSS}; keep only scratch data there, or use an EBS volume"
    )
