"""WMM604 (no backups) and IMM605 (crash-consistent backups of running Linux instances)."""

from __future__ import annotations

from collections.abc import Iterator

from ...app import App
from ...findings import Finding
from ...template.scenarios import Scenario
from ...template.template import Resource
from .. import Context, check
from .coverage import GROUP, INSTANCE, VOLUME, BackupCoverage, Selector, backup_coverage, read_tags
from .instances import (
    data_volumes,
    instance_and_volume_tags,
    launch_templates,
    operating_system,
)
from .values import breaches, integer, literals_in, present

EFS = "AWS::EFS::FileSystem"
CUSTOM_RESOURCE = "AWS::CloudFormation::CustomResource"
TABLE = "AWS::DynamoDB::Table"
GLOBAL_TABLE = "AWS::DynamoDB::GlobalTable"
CACHES = ("AWS::ElastiCache::ReplicationGroup", "AWS::ElastiCache::CacheCluster")
_SELECTION_FIX = (
    "an AWS::Backup::BackupSelection (by ARN or tag) or an AWS::DLM::LifecyclePolicy whose target"
    " tags it carries"
)


@check("WMM604")
def no_backups(ctx: Context) -> Iterator[Finding]:
    coverage = backup_coverage(ctx.app, ctx.data("databases_backup_arn_kinds"))
    handed_over = ctx.app.shared("databases.custom_resource_inputs", custom_resource_inputs)
    for finding in (
        *_retention(ctx),
        *_tables(ctx, coverage),
        *_caches(ctx),
        *_file_systems(ctx, coverage),
        *_volumes(ctx, coverage),
        *_instances(ctx, coverage),
    ):
        # A resource handed to a custom resource may have its backups set up by it.
        if (finding.file, finding.resource) not in handed_over:
            yield finding


def custom_resource_inputs(app: App) -> set[tuple[str, str]]:
    """(file, logical ID) of the resources that custom resources receive in their properties."""
    found: set[tuple[str, str]] = set()
    for resource in app.resources():
        if resource.type.startswith("Custom::") or resource.type == CUSTOM_RESOURCE:
            resolver = app.resolver(resource.template)
            for target in resolver.references(resource.properties):
                found.add((target.file, target.logical_id))
    return found


def _retention(ctx: Context) -> Iterator[Finding]:
    properties: dict[str, str] = ctx.data("databases_backup_retention")
    for resource in ctx.app.resources(*properties):
        if resource.type == "AWS::RDS::DBInstance" and (
            present(resource, "DBClusterIdentifier")
            or present(resource, "SourceDBInstanceIdentifier")
        ):
            continue  # the cluster keeps the backups; a read replica is a copy
        name = properties[resource.type]
        found = breaches(
            ctx,
            resource,
            lambda s, r=resource, name=name: integer(literals_in(ctx, r, s, (name,), "1")) == 0,
        )
        if found:
            yield ctx.finding(
                resource,
                f"{resource.logical_id} keeps no automated backups ({name} 0){found[1]}, so it"
                f" cannot be restored to a point in time; set {name} to 7 or more",
                path=("Properties", name),
            )


def _tables(ctx: Context, coverage: BackupCoverage) -> Iterator[Finding]:
    for table in ctx.app.resources(TABLE, GLOBAL_TABLE):
        if table.type == TABLE:
            keys: tuple[str, ...] = (
                "PointInTimeRecoverySpecification",
                "PointInTimeRecoveryEnabled",
            )
        else:
            keys = (
                "Replicas",
                "*",
                "PointInTimeRecoverySpecification",
                "PointInTimeRecoveryEnabled",
            )
        found = breaches(
            ctx,
            table,
            lambda s, t=table, keys=keys: "false" in (literals_in(ctx, t, s, keys, "false") or ()),
        )
        if not found:
            continue
        if table.type == TABLE:
            tags = read_tags(ctx.resolver(table), table.prop("Tags"))
            if coverage.covering(coverage.subject(table, TABLE, tags)):
                continue
        yield ctx.finding(
            table,
            f"{table.logical_id} is a DynamoDB table without point-in-time recovery{found[1]},"
            " so a bad write or delete cannot be rolled back; set"
            " PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled to true",
        )


def _caches(ctx: Context) -> Iterator[Finding]:
    engines = {e.lower() for e in ctx.data("databases_replicating_cache_engines")}
    for cache in ctx.app.resources(*CACHES):
        if cache.type == CACHES[1] and present(cache, "ReplicationGroupId"):
            continue
        default = "redis" if cache.type == CACHES[0] else None

        def unprotected(
            s: Scenario, cache: Resource = cache, default: str | None = default
        ) -> bool:
            kinds = literals_in(ctx, cache, s, ("Engine",), default)
            if not kinds or not kinds <= engines:
                return False
            return integer(literals_in(ctx, cache, s, ("SnapshotRetentionLimit",), "0")) == 0

        found = breaches(ctx, cache, unprotected)
        if found:
            yield ctx.finding(
                cache,
                f"{cache.logical_id} is a Redis/Valkey cache without automatic snapshots"
                f" (SnapshotRetentionLimit 0){found[1]}, so its data is gone when its nodes"
                " fail together; set SnapshotRetentionLimit to 1 or more",
            )


def _file_systems(ctx: Context, coverage: BackupCoverage) -> Iterator[Finding]:
    for system in ctx.app.resources(EFS):
        found = breaches(
            ctx,
            system,
            lambda s, f=system: (
                "enabled"
                not in (
                    literals_in(ctx, f, s, ("BackupPolicy", "Status"), "disabled") or {"enabled"}
                )
            ),
        )
        if not found:
            continue
        tags = read_tags(ctx.resolver(system), system.prop("FileSystemTags"))
        if coverage.covering(coverage.subject(system, EFS, tags)):
            continue
        yield ctx.finding(
            system,
            f"{system.logical_id} is an EFS file system that nothing backs up{found[1]} (EFS has"
            " no native backup); set BackupPolicy.Status to ENABLED or cover it with"
            f" {_SELECTION_FIX}",
        )


def _volumes(ctx: Context, coverage: BackupCoverage) -> Iterator[Finding]:
    for volume in ctx.app.resources(VOLUME):
        tags = read_tags(ctx.resolver(volume), volume.prop("Tags"))
        if coverage.covering(coverage.subject(volume, VOLUME, tags)):
            continue
        if any(_instance_covered(ctx, coverage, i) for i in coverage.instances_of(volume)):
            continue
        yield ctx.finding(
            volume,
            f"{volume.logical_id} is an EBS volume that no backup covers; cover it (or the"
            f" instance it is attached to) with {_SELECTION_FIX}",
        )


def _instance_covered(ctx: Context, coverage: BackupCoverage, resource: Resource) -> bool:
    instance_tags, _ = instance_and_volume_tags(ctx.app, resource)
    return bool(coverage.covering(coverage.subject(resource, INSTANCE, instance_tags)))


def _instances(ctx: Context, coverage: BackupCoverage) -> Iterator[Finding]:
    roots = {name.lower() for name in ctx.data("databases_root_device_names")}
    for resource in ctx.app.resources(INSTANCE, GROUP):
        sources = launch_templates(ctx.app, resource)
        if resource.type == INSTANCE:
            sources = [resource, *sources]
        # An Auto Scaling group replaces instances: volumes deleted with them are scratch space.
        devices = data_volumes(ctx.app, sources, roots, kept_only=resource.type == GROUP)
        if not devices:
            continue
        instance_tags, volume_tags = instance_and_volume_tags(ctx.app, resource)
        if coverage.covering(coverage.subject(resource, INSTANCE, instance_tags)):
            continue
        if coverage.covering(coverage.subject(resource, VOLUME, volume_tags)):
            continue
        who = (
            f"{resource.logical_id} keeps"
            if resource.type == INSTANCE
            else (f"{resource.logical_id}'s instances keep")
        )
        yield ctx.finding(
            resource,
            f"{who} data on EBS volumes ({', '.join(devices)}) that"
            f" no backup covers; cover the instances or their volumes with {_SELECTION_FIX}",
        )


# ---- IMM605 -------------------------------------------------------------------------------


@check("IMM605")
def crash_consistent_backups(ctx: Context) -> Iterator[Finding]:
    coverage = backup_coverage(ctx.app, ctx.data("databases_backup_arn_kinds"))
    if not coverage.selectors:
        return
    roots = {name.lower() for name in ctx.data("databases_root_device_names")}
    windows = ctx.data("databases_windows_markers")
    linux = ctx.data("databases_linux_markers")
    for resource in ctx.app.resources(INSTANCE, GROUP):
        sources = launch_templates(ctx.app, resource)
        if resource.type == INSTANCE:
            sources = [resource, *sources]
        instance_tags, _ = instance_and_volume_tags(ctx.app, resource)
        running = [
            s
            for s in coverage.covering(coverage.subject(resource, INSTANCE, instance_tags))
            if not s.consistent and not s.excludes_root
        ]
        if not running:
            continue
        if operating_system(ctx.app, sources, windows, linux) != "linux":
            continue
        devices = data_volumes(ctx.app, sources, roots)
        yield ctx.finding(resource, _consistency_message(resource, running, devices))


def _consistency_message(resource: Resource, selectors: list[Selector], devices: list[str]) -> str:
    by = ", ".join(sorted({s.source.logical_id for s in selectors}))
    if devices:
        advice = (
            f"freeze the data volumes ({', '.join(devices)}) with fsfreeze or flush the"
            " application in pre/post scripts (DLM Scripts), or stop the instance for its"
            " snapshot, and keep valuable data off the root volume"
        )
    else:
        advice = (
            "move valuable data off the root volume to a data volume you can freeze (fsfreeze"
            " in DLM pre/post Scripts), or stop the instance for its snapshot"
        )
    return (
        f"{resource.logical_id} is a Linux instance backed up while it runs by {by}: the"
        f" snapshots are crash-consistent at best; {advice}"
    )
