"""EMM603: data that vanishes with the stack (deletion and replacement policies, protection)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ...app import App
from ...findings import Finding
from ...template.scenarios import Scenario, describe_when
from ...template.template import Resource
from ...template.walk import ABSENT, OPAQUE, choices
from .. import Context, check
from ..dead_letters import nodes_under
from .clusters import ResourceKey, key_of
from .values import literals_in, present

Guarded = Callable[[Context, Resource], bool]


@check("EMM603")
def data_vanishes_with_stack(ctx: Context) -> Iterator[Finding]:
    types: dict[str, dict[str, Any]] = ctx.data("databases_stateful_types")
    keeping = {p.lower() for p in ctx.data("databases_keeping_policies")}
    for resource in ctx.app.resources(*types):
        spec = types[resource.type]
        if not isinstance(spec, dict):
            continue  # taken out of the list by a --model override
        predicate = HOLDS_DATA.get(spec.get("holds_data_when") or "")
        if spec.get("holds_data_when") and (predicate is None or not predicate(ctx, resource)):
            continue
        scenarios = ctx.scenarios(resource)
        default = str(spec.get("default_deletion_policy", "Delete"))
        gaps: dict[str, list[Scenario]] = {}
        for scenario in scenarios:
            if _protected(ctx, resource, spec, scenario):
                continue
            deletion = _policies(ctx, resource, resource.deletion_policy, default, scenario)
            replace = _policies(ctx, resource, resource.update_replace_policy, "Delete", scenario)
            if deletion is not None and not deletion <= keeping:
                gaps.setdefault("deletion", []).append(scenario)
            if replace is not None and not replace <= keeping:
                gaps.setdefault("replace", []).append(scenario)
        if not gaps:
            continue
        yield ctx.finding(resource, _message(resource, spec, default, gaps, scenarios))


def _policies(
    ctx: Context, resource: Resource, node: Any, default: str, scenario: Scenario
) -> set[str] | None:
    """Lower-cased policies in `scenario` (the default where none is written); None if unknown."""
    if node is None:
        return {default.lower()}
    resolver = ctx.resolver(resource, scenario)
    found: set[str] = set()
    for value, _ in choices(node, scenario=scenario):
        if value is ABSENT:
            found.add(default.lower())
            continue
        literals = None if value is OPAQUE else resolver.literals(value)
        if literals is None:
            return None
        found |= {literal.lower() for literal in literals}
    return found


def _protected(ctx: Context, resource: Resource, spec: dict[str, Any], scenario: Scenario) -> bool:
    """Deletion protection makes CloudFormation fail to delete (or replace) the resource."""
    protection = spec.get("deletion_protection")
    if not protection:
        return False
    on = str(protection.get("protected_value", "true")).lower()
    default = str(protection.get("default", "false"))
    values = literals_in(ctx, resource, scenario, (protection["property"],), default)
    return values is None or (bool(values) and values <= {on})


def _message(
    resource: Resource,
    spec: dict[str, Any],
    default: str,
    gaps: dict[str, list[Scenario]],
    scenarios: list[Scenario],
) -> str:
    missing = []
    if "deletion" in gaps:
        written = _written("DeletionPolicy", resource.deletion_policy, default)
        when = describe_when(gaps["deletion"], scenarios)
        missing.append(f"the stack's deletion deletes it ({written}{when})")
    if "replace" in gaps:
        written = _written("UpdateReplacePolicy", resource.update_replace_policy, "Delete")
        when = describe_when(gaps["replace"], scenarios)
        missing.append(f"an update that replaces it deletes the old one ({written}{when})")
    protection = spec.get("deletion_protection")
    policies = [name for gap, name in _POLICY_NAMES if gap in gaps]
    fix = f"set {' and '.join(policies)} to Retain or Snapshot"
    if protection:
        missing.append(f"{protection['property']} is off")
        fix += f" and {protection['property']} to {protection.get('on', 'true')}"
    listed = "; ".join(missing[:-1]) + ("; and " if len(missing) > 1 else "") + missing[-1]
    return f"{resource.logical_id} holds data that can vanish: {listed}; {fix}"


_POLICY_NAMES = (("deletion", "DeletionPolicy"), ("replace", "UpdateReplacePolicy"))


def _written(name: str, node: Any, default: str) -> str:
    if node is None:
        return f"no {name}, which means {default}"
    return f"{name} {node}" if isinstance(node, str) else name


_POLICY_NAMES = (("deletion", "DeletionPolicy"), ("replace", "UpdateReplacePolicy"))


def _written(name: str, node: Any, default: str) -> str:
    if node is None:
        return f"no {name}, which means {default}"
    return f"{name} {node}" if isinstance(node, str) else name


# ---- which resources of a type hold data --------------------------------------------------


def rds_instance_holds_data(ctx: Context, instance: Resource) -> bool:
    """A cluster's instances keep no data of their own; read replicas are copies."""
    return not (
        present(instance, "DBClusterIdentifier") or present(instance, "SourceDBInstanceIdentifier")
    )


def cache_keeps_snapshots(ctx: Context, cache: Resource) -> bool:
    """A Redis/Valkey cache whose snapshots the author keeps (or seeds) holds data worth keeping;
    a cache without them is rebuilt from its source."""
    if present(cache, "SnapshotArns") or present(cache, "SnapshotName"):
        return True
    for scenario in ctx.scenarios(cache):
        limits = literals_in(ctx, cache, scenario, ("SnapshotRetentionLimit",), "0")
        if limits and any(limit.isdigit() and int(limit) > 0 for limit in limits):
            return True
    return False


def bucket_is_emptied_on_delete(ctx: Context, bucket: Resource) -> bool:
    """CloudFormation cannot delete a bucket that still has objects, unless a custom resource
    (CDK's autoDeleteObjects) empties it first. Log and artefact buckets hold no data of record."""
    emptied = ctx.app.shared(
        "databases.emptied_buckets",
        lambda app: _emptied_buckets(app, ctx.data("databases_bucket_emptiers")),
    )
    if key_of(bucket) not in emptied:
        return False
    written_to = ctx.app.shared(
        "databases.log_buckets",
        lambda app: _referenced_under(app, frozenset(ctx.data("databases_log_bucket_properties"))),
    )
    return key_of(bucket) not in written_to


def _emptied_buckets(app: App, emptiers: dict[str, str]) -> set[ResourceKey]:
    found: set[ResourceKey] = set()
    for resource in app.resources(*emptiers):
        resolver = app.resolver(resource.template)
        for target in resolver.references(resource.prop(emptiers[resource.type])):
            found.add((target.file, target.logical_id))
    return found


def _referenced_under(app: App, keys: frozenset[str]) -> set[ResourceKey]:
    """Resources referenced below properties named `keys` anywhere in the run."""
    found: set[ResourceKey] = set()
    for resource in app.resources():
        resolver = app.resolver(resource.template)
        for node in nodes_under(resource.properties, keys):
            for target in resolver.references(node):
                found.add((target.file, target.logical_id))
    return found


HOLDS_DATA: dict[str, Guarded] = {
    predicate.__name__: predicate
    for predicate in (rds_instance_holds_data, cache_keeps_snapshots, bucket_is_emptied_on_delete)
}
