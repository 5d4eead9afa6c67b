"""WMM602: engine updates at a time nobody chose (no maintenance window, major upgrades on)."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Finding
from ...template.resolve import is_no_value
from ...template.scenarios import Scenario, describe_when
from ...template.template import Resource
from ...template.walk import ABSENT, lookup
from .. import Context, check
from .values import is_true, literals_in, present

_OPEN_SEARCH = "AWS::OpenSearchService::Domain"


@check("WMM602")
def engine_updates_unplanned(ctx: Context) -> Iterator[Finding]:
    windows: dict[str, list[str]] = ctx.data("databases_maintenance_windows")
    major_types = set(ctx.data("databases_major_upgrade_types"))
    for resource in ctx.app.resources(*(set(windows) | major_types)):
        if _window_belongs_to_cluster(resource):
            continue
        scenarios = ctx.scenarios(resource)
        keys = windows.get(resource.type)
        no_window = [s for s in scenarios if keys and _window_absent(resource, keys, s)]
        major = [
            s
            for s in scenarios
            if resource.type in major_types
            and is_true(literals_in(ctx, resource, s, ("AllowMajorVersionUpgrade",), "false"))
        ]
        problems = []
        if no_window:
            name = ".".join(keys or ())
            problems.append(
                f"has no {name}{describe_when(no_window, scenarios)}, so AWS applies the next"
                " engine or OS update (a restart or failover) in a window it picks at random"
            )
        if major:
            problems.append(
                f"sets AllowMajorVersionUpgrade{describe_when(major, scenarios)}, so a template"
                " change can move it to a new major version that cannot be rolled back"
            )
        if not problems:
            continue
        fix = f"set {'.'.join(keys)} to a low-traffic time" if no_window and keys else ""
        if major:
            fix += (" and " if fix else "") + "remove AllowMajorVersionUpgrade"
        path = ("Properties", "AllowMajorVersionUpgrade") if major and not no_window else ()
        yield ctx.finding(
            resource, f"{resource.logical_id} {' and '.join(problems)}; {fix}", path=path
        )


def _window_belongs_to_cluster(resource: Resource) -> bool:
    """Instances of an Aurora, DocumentDB or Neptune cluster, and nodes of a replication group,
    take engine updates in their cluster's window: the cluster is judged, not them."""
    if resource.type == "AWS::RDS::DBInstance":
        return present(resource, "DBClusterIdentifier")
    if resource.type == "AWS::ElastiCache::CacheCluster":
        return present(resource, "ReplicationGroupId")
    return False


def _window_absent(resource: Resource, keys: list[str], scenario: Scenario) -> bool:
    if resource.type == _OPEN_SEARCH:
        enabled = resource.prop("OffPeakWindowOptions", "Enabled")
        if enabled is False or (isinstance(enabled, str) and enabled.lower() == "false"):
            return True
    values = list(lookup(resource.properties, keys, scenario=scenario))
    return any(value is ABSENT or value is None or is_no_value(value) for value, _ in values)
