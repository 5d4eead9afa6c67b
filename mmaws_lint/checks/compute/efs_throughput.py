"""WMM505: EFS file systems in bursting throughput mode."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Finding
from .. import Context, check
from .reporting import ParameterFindings, resource_path
from .values import merged, property_origins


@check("WMM505")
def efs_bursting_throughput(ctx: Context) -> Iterator[Finding]:
    flagged = {str(mode).lower() for mode in ctx.setting("flagged_throughput_modes", ["bursting"])}
    default = str(ctx.setting("default_throughput_mode", "bursting"))
    parameters = ParameterFindings()
    for file_system in ctx.app.resources("AWS::EFS::FileSystem"):
        resolver = ctx.resolver(file_system)
        found = property_origins(resolver, file_system.properties, ("ThroughputMode",), default)
        for origin in merged(o for o in found if o.value.lower() in flagged):
            if origin.parameter:
                parameters.add(file_system, origin)
                continue
            unset = " (the default)" if origin.path[-1:] != ("ThroughputMode",) else ""
            message = (
                f"{file_system.logical_id} is an EFS file system in {origin.value} throughput"
                f" mode{unset}: {EFS_CREDITS}; set ThroughputMode to elastic"
            )
            yield ctx.finding(file_system, message, resource_path(origin.path))
    yield from parameters.findings(ctx, _efs_parameter_message)


EFS_CREDITS = (
    "throughput above its size-based baseline spends burst credits, and under constant load"
    " it falls back to the baseline"
)


def _efs_parameter_message(name: str, value: str, users: str) -> str:
    return (
        f"Parameter {name} defaults to {value}, the throughput mode of {users}: {EFS_CREDITS};"
        " default to elastic"
    )
