"""WMM503: burstable instance, database, cache and search types that run on CPU credits."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from ...app import App
from ...findings import Finding
from ...template.nodes import Path
from ...template.resolve import intrinsic
from ...template.scenarios import Scenario, describe_when
from ...template.template import Resource
from ...template.walk import lookup
from .. import Context, check
from ..burstable import always_unlimited, is_burstable
from .kinds import AUTO_SCALING_GROUP, INSTANCE, LAUNCH_TEMPLATE
from .reporting import ParameterFindings
from .values import Origin, known_values, property_origins


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


def type_sites(data: dict[str, Any]) -> dict[str, tuple[TypeSite, ...]]:
    """Resource type -> where it names a burstable-capable type (`burstable_type_properties`)."""
    return {
        resource_type: tuple(
            TypeSite(
                service=site["burstable_classes"],
                keys=_keys(site["property"]),
                credit_keys=_keys(site["credits"]) if site.get("credits") else None,
                switch_keys=_keys(site["switch"]) if site.get("switch") else None,
            )
            for site in sites
        )
        for resource_type, sites in data.get("burstable_type_properties", {}).items()
    }


def _keys(dotted: str) -> tuple[str, ...]:
    return tuple(dotted.split("."))


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
    sites = type_sites(ctx.model.data)
    parameters = ParameterFindings()
    for resource in ctx.app.resources(*sites):
        if (resource.template.file, resource.logical_id) in overridden:
            continue
        scenarios = ctx.scenarios(resource)
        for site in sites[resource.type]:
            found = _by_scenario(
                scenarios, partial(_burstable_origins, ctx, resource, site, exempt)
            )
            for origin, (violating, metric) in found.items():
                if origin.parameter:
                    parameters.add(resource, origin)
                    continue
                message = _burstable_message(
                    resource.logical_id, origin.value, _burstable_fix(site), metric,
                    describe_when(violating, scenarios),
                )  # fmt: skip
                yield ctx.finding(resource, message, origin.path)
    for group in ctx.app.resources(AUTO_SCALING_GROUP):
        scenarios = ctx.scenarios(group)
        found = _by_scenario(scenarios, partial(_burstable_overrides, ctx, group, exempt))
        for origin, (violating, metric) in found.items():
            if origin.parameter:
                parameters.add(group, origin)
                continue
            message = _burstable_message(
                group.logical_id, origin.value, BURSTABLE_FIXES["ec2"], metric,
                describe_when(violating, scenarios),
            )  # fmt: skip
            yield ctx.finding(group, message, origin.path)
    yield from parameters.findings(ctx, _burstable_parameter_message)


def _by_scenario(
    scenarios: list[Scenario], origins_in: Callable[[Scenario], Iterator[tuple[Origin, str]]]
) -> dict[Origin, tuple[list[Scenario], str]]:
    """Each place a burstable type is written (values merged), with the scenarios that deploy
    it and the credit metric its alarm needs."""
    places: dict[tuple[Path, str | None], tuple[list[str], list[Scenario], str]] = {}
    for scenario in scenarios:
        for origin, metric in origins_in(scenario):
            values, seen, _ = places.setdefault((origin.path, origin.parameter), ([], [], metric))
            if origin.value not in values:
                values.append(origin.value)
            if scenario not in seen:
                seen.append(scenario)
    return {
        Origin(" or ".join(values), path, parameter): (seen, metric)
        for (path, parameter), (values, seen, metric) in places.items()
    }


def _burstable_fix(site: TypeSite) -> str:
    if site.service == "ec2" and site.credit_keys is None:
        return BURSTABLE_FIXES["ec2-no-credit-setting"]
    return BURSTABLE_FIXES[site.service]


def _burstable_message(logical_id: str, value: str, fix: str, metric: str, when: str) -> str:
    return (
        f"{logical_id} runs on {value}{when}, a burstable type: {CREDITS_RUN_OUT}; choose {fix},"
        f" and alarm on {metric} (WMM101)"
    )


def _burstable_parameter_message(name: str, value: str, users: str) -> str:
    return (
        f"Parameter {name} defaults to {value}, a burstable type used by {users}:"
        f" {CREDITS_RUN_OUT}; default to a fixed-performance type, and alarm on its CPU"
        " credits (WMM101)"
    )


def _credit_metric(service: str, value: str, credits: set[str] | None, data: dict) -> str:
    """The metric WMM101 asks for: the surplus in unlimited mode, else the balance."""
    if always_unlimited(service, value, data) or (credits and "standard" not in credits):
        return "CPUSurplusCreditBalance"
    return "CPUCreditBalance"


def _burstable_origins(
    ctx: Context, resource: Resource, site: TypeSite, exempt: set[str], scenario: Scenario
) -> Iterator[tuple[Origin, str]]:
    resolver = ctx.resolver(resource, scenario)
    if site.switch_keys is not None:
        switch = known_values(resolver, resource.properties, site.switch_keys, missing="false")
        if switch is None or "true" not in switch:
            return
    credits = None
    if site.credit_keys is not None:
        credits = known_values(resolver, resource.properties, site.credit_keys)
        if credits is None or credits <= exempt:
            return
    for origin in property_origins(resolver, resource.properties, site.keys):
        if is_burstable(site.service, origin.value, ctx.model.data):
            yield origin, _credit_metric(site.service, origin.value, credits, ctx.model.data)


def _burstable_overrides(
    ctx: Context, group: Resource, exempt: set[str], scenario: Scenario
) -> Iterator[tuple[Origin, str]]:
    """Burstable types in a mixed instances policy; their credit mode is the launch template's."""
    resolver = ctx.resolver(group, scenario)
    policy = ("MixedInstancesPolicy", "LaunchTemplate")
    shared_spec = group.prop(*policy, "LaunchTemplateSpecification")
    overrides = lookup(
        group.properties, (*policy, "Overrides", "*"), ("Properties",), scenario=scenario
    )
    for item, path in overrides:
        if not isinstance(item, dict) or intrinsic(item) is not None:
            continue
        spec = item.get("LaunchTemplateSpecification", shared_spec)
        credits = _launch_template_credits(ctx, group, spec)
        if credits is None or credits <= exempt:
            continue
        for origin in property_origins(resolver, item, ("InstanceType",), base=path):
            if is_burstable("ec2", origin.value, ctx.model.data):
                yield origin, _credit_metric("ec2", origin.value, credits, ctx.model.data)


def _launch_template_credits(ctx: Context, user: Resource, spec: Any) -> set[str] | None:
    """Credit modes of the launch templates `spec` points at; None when none is in the run."""
    found: set[str] | None = None
    for target in ctx.resolver(user).references(spec):
        launch_template = ctx.app.resource_at(target)
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
