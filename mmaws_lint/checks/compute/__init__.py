"""Compute and storage: instances, Auto Scaling groups, burstable performance, volumes."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ...app import App
from ...findings import Finding
from ...template.nodes import Path
from ...template.resolve import intrinsic
from ...template.template import Resource, Template
from ...template.walk import ABSENT, lookup
from .. import Context, check
from ..burstable import is_burstable
from .values import (
    Origin,
    known_values,
    merged,
    name_list,
    property_origins,
)
from .zones import ConditionSpace, ZoneReader, choose, condition_names

AUTO_SCALING_GROUP = "AWS::AutoScaling::AutoScalingGroup"
INSTANCE = "AWS::EC2::Instance"
LAUNCH_TEMPLATE = "AWS::EC2::LaunchTemplate"
LAUNCH_CONFIGURATION = "AWS::AutoScaling::LaunchConfiguration"

# Where each resource kind keeps its block device mappings.
BLOCK_DEVICE_MAPPINGS: dict[str, tuple[str, ...]] = {
    INSTANCE: ("BlockDeviceMappings",),
    LAUNCH_CONFIGURATION: ("BlockDeviceMappings",),
    LAUNCH_TEMPLATE: ("LaunchTemplateData", "BlockDeviceMappings"),
}


@check("WMM501")
def single_instance(ctx: Context) -> Iterator[Finding]:
    for instance in ctx.app.resources("AWS::EC2::Instance"):
        yield ctx.finding(
            instance,
            f"{instance.logical_id} is a single EC2 instance, which fails with its host and its AZ;"
            " run it in an Auto Scaling group (min = max = 1 is fine) across at least two AZs",
        )


# ---- shared ------------------------------------------------------------------------------


def resource_path(path: Path) -> Path:
    """A path for `ctx.finding`: a property absent from `Properties` points at the resource."""
    return () if path == ("Properties",) else path


@dataclass
class ParameterUse:
    template: Template
    value: str
    users: list[str] = field(default_factory=list)


class ParameterFindings:
    """Findings on a parameter's `Default`, one per parameter however many resources use it."""

    def __init__(self) -> None:
        self.uses: dict[tuple[str, str], ParameterUse] = {}

    def add(self, resource: Resource, origin: Origin) -> None:
        assert origin.parameter is not None
        key = (resource.template.file, origin.parameter)
        use = self.uses.setdefault(key, ParameterUse(resource.template, origin.value))
        use.users.append(resource.logical_id)

    def findings(self, ctx: Context, message: Callable[[str, str, str], str]) -> Iterator[Finding]:
        """`message(parameter, value, users)` words each finding."""
        for (_, name), use in self.uses.items():
            yield ctx.template_finding(
                use.template,
                message(name, use.value, name_list(use.users)),
                ("Parameters", name, "Default"),
            )


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


# ---- WMM502: Auto Scaling group in one AZ ------------------------------------------------


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


# ---- WMM503: burstable performance -------------------------------------------------------


@dataclass(frozen=True)
class TypeSite:
    """Where a resource kind names a burstable-capable type.

    `credit_keys`: where the CPU credit mode is set (None: the kind has no such setting).
    `switch_keys`: a boolean that must be true for the type to be used (a dedicated master).
    """

    service: str
    keys: tuple[str, ...]
    credit_keys: tuple[str, ...] | None = None
    switch_keys: tuple[str, ...] | None = None


TYPE_SITES: dict[str, tuple[TypeSite, ...]] = {
    INSTANCE: (TypeSite("ec2", ("InstanceType",), ("CreditSpecification", "CPUCredits")),),
    LAUNCH_TEMPLATE: (
        TypeSite(
            "ec2",
            ("LaunchTemplateData", "InstanceType"),
            ("LaunchTemplateData", "CreditSpecification", "CpuCredits"),
        ),
    ),
    LAUNCH_CONFIGURATION: (TypeSite("ec2", ("InstanceType",)),),
    "AWS::RDS::DBInstance": (TypeSite("rds", ("DBInstanceClass",)),),
    "AWS::ElastiCache::CacheCluster": (TypeSite("elasticache", ("CacheNodeType",)),),
    "AWS::ElastiCache::ReplicationGroup": (TypeSite("elasticache", ("CacheNodeType",)),),
    "AWS::OpenSearchService::Domain": (
        TypeSite("opensearch", ("ClusterConfig", "InstanceType")),
        TypeSite(
            "opensearch",
            ("ClusterConfig", "DedicatedMasterType"),
            switch_keys=("ClusterConfig", "DedicatedMasterEnabled"),
        ),
    ),
    "AWS::Elasticsearch::Domain": (
        TypeSite("opensearch", ("ElasticsearchClusterConfig", "InstanceType")),
        TypeSite(
            "opensearch",
            ("ElasticsearchClusterConfig", "DedicatedMasterType"),
            switch_keys=("ElasticsearchClusterConfig", "DedicatedMasterEnabled"),
        ),
    ),
}

# What to choose instead, by service; the credit mode is only a way out on EC2.
BURSTABLE_FIXES = {
    "ec2": "a fixed-performance type (m7g, c7g…) or unlimited CPU credits",
    "ec2-no-credit-setting": "a fixed-performance type (m7g, c7g…)",
    "rds": "a fixed-performance class (db.m7g, db.r7g…)",
    "elasticache": "a fixed-performance node type (cache.m7g, cache.r7g…)",
    "opensearch": "a fixed-performance instance type (m7g.large.search…)",
}
CREDITS_RUN_OUT = (
    "under constant load it spends its CPU credits and then drops to its baseline CPU"
    " (or, in unlimited mode, bills the surplus)"
)


@check("WMM503")
def burstable_performance(ctx: Context) -> Iterator[Finding]:
    exempt = {str(mode).lower() for mode in ctx.setting("exempt_credit_modes", ["unlimited"])}
    overridden = ctx.app.shared("compute.overridden_launch_templates", overridden_launch_templates)
    parameters = ParameterFindings()
    for resource in ctx.app.resources(*TYPE_SITES):
        if (resource.template.file, resource.logical_id) in overridden:
            continue
        for site in TYPE_SITES[resource.type]:
            fix = _burstable_fix(site)
            for origin in merged(_burstable_origins(ctx, resource, site, exempt)):
                if origin.parameter:
                    parameters.add(resource, origin)
                else:
                    message = _burstable_message(resource.logical_id, origin.value, fix)
                    yield ctx.finding(resource, message, origin.path)
    for group in ctx.app.resources(AUTO_SCALING_GROUP):
        for origin in merged(_burstable_overrides(ctx, group, exempt)):
            if origin.parameter:
                parameters.add(group, origin)
            else:
                message = _burstable_message(group.logical_id, origin.value, BURSTABLE_FIXES["ec2"])
                yield ctx.finding(group, message, origin.path)
    yield from parameters.findings(ctx, _burstable_parameter_message)


def _burstable_fix(site: TypeSite) -> str:
    if site.service == "ec2" and site.credit_keys is None:
        return BURSTABLE_FIXES["ec2-no-credit-setting"]
    return BURSTABLE_FIXES[site.service]


def _burstable_message(logical_id: str, value: str, fix: str) -> str:
    return (
        f"{logical_id} runs on {value}, a burstable type: {CREDITS_RUN_OUT}; choose {fix},"
        " and alarm on CPUCreditBalance (WMM101)"
    )


def _burstable_parameter_message(name: str, value: str, users: str) -> str:
    return (
        f"Parameter {name} defaults to {value}, a burstable type used by {users}:"
        f" {CREDITS_RUN_OUT}; default to a fixed-performance type, and alarm on"
        " CPUCreditBalance (WMM101)"
    )


def _burstable_origins(
    ctx: Context, resource: Resource, site: TypeSite, exempt: set[str]
) -> Iterator[Origin]:
    resolver = ctx.resolver(resource)
    if site.switch_keys is not None:
        switch = known_values(resolver, resource.properties, site.switch_keys, missing="false")
        if switch is None or "true" not in switch:
            return
    if site.credit_keys is not None:
        credits = known_values(resolver, resource.properties, site.credit_keys)
        if credits is None or credits <= exempt:
            return
    for origin in property_origins(resolver, resource.properties, site.keys):
        if is_burstable(site.service, origin.value, ctx.model.data):
            yield origin


def _burstable_overrides(ctx: Context, group: Resource, exempt: set[str]) -> Iterator[Origin]:
    """Burstable types in a mixed instances policy; their credit mode is the launch template's."""
    resolver = ctx.resolver(group)
    policy = ("MixedInstancesPolicy", "LaunchTemplate")
    shared_spec = group.prop(*policy, "LaunchTemplateSpecification")
    for item, path in lookup(group.properties, (*policy, "Overrides", "*"), ("Properties",)):
        if not isinstance(item, dict) or intrinsic(item) is not None:
            continue
        spec = item.get("LaunchTemplateSpecification", shared_spec)
        credits = _launch_template_credits(ctx, group, spec)
        if credits is None or credits <= exempt:
            continue
        for origin in property_origins(resolver, item, ("InstanceType",), base=path):
            if is_burstable("ec2", origin.value, ctx.model.data):
                yield origin


def _launch_template_credits(ctx: Context, user: Resource, spec: Any) -> set[str] | None:
    """Credit modes of the launch templates `spec` points at; None when none is in the run."""
    templates = ctx.app.shared("compute.templates_by_file", templates_by_file)
    found: set[str] | None = None
    for target in ctx.resolver(user).references(spec):
        template = templates.get(target.file)
        launch_template = template.resources.get(target.logical_id) if template else None
        if launch_template is None or launch_template.type != LAUNCH_TEMPLATE:
            continue
        credits = known_values(
            ctx.resolver(launch_template),
            launch_template.properties,
            ("LaunchTemplateData", "CreditSpecification", "CpuCredits"),
        )
        if credits is None:
            return None
        found = (found or set()) | credits
    return found


def templates_by_file(app: App) -> dict[str, Template]:
    return {template.file: template for template in app.templates}


def overridden_launch_templates(app: App) -> set[tuple[str, str]]:
    """Launch templates whose instance type every user in the run replaces with its own.

    Their `InstanceType` is never launched; a template no one in the run uses is checked
    (another stack may launch it as is).
    """
    plain: set[tuple[str, str]] = set()
    overriding: set[tuple[str, str]] = set()
    for resource in app.resources(AUTO_SCALING_GROUP, INSTANCE):
        resolver = app.resolver(resource.template)
        for spec, overrides_type in _launch_template_uses(resource):
            targets = {(t.file, t.logical_id) for t in resolver.references(spec)}
            (overriding if overrides_type else plain).update(targets)
    return overriding - plain


def _launch_template_uses(resource: Resource) -> Iterator[tuple[Any, bool]]:
    """(launch template specification, whether the user replaces its instance type)."""
    if resource.type == INSTANCE:
        yield resource.prop("LaunchTemplate"), "InstanceType" in resource.properties
        return
    yield resource.prop("LaunchTemplate"), False
    policy = ("MixedInstancesPolicy", "LaunchTemplate")
    overrides = [
        item
        for item, _ in lookup(resource.properties, (*policy, "Overrides", "*"), ())
        if isinstance(item, dict) and intrinsic(item) is None
    ]
    typed = [item for item in overrides if _overrides_type(item)]
    yield resource.prop(*policy, "LaunchTemplateSpecification"), bool(typed)
    for item in overrides:
        if "LaunchTemplateSpecification" in item:
            yield item["LaunchTemplateSpecification"], _overrides_type(item)


def _overrides_type(override: dict[str, Any]) -> bool:
    return "InstanceType" in override or "InstanceRequirements" in override


# ---- WMM504: gp2 volumes -----------------------------------------------------------------


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


# ---- WMM505: EFS in bursting throughput mode ---------------------------------------------


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


# ---- WMM506: instance store --------------------------------------------------------------


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
