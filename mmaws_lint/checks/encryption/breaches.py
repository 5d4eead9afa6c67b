"""What a resource breaks in each scenario, told once: every breach with the conditions under
which it happens, in one finding per resource and rule."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import NamedTuple

from ...findings import Finding
from ...template.nodes import Path
from ...template.resolve import Resolver
from ...template.scenarios import Scenario, describe_when
from ...template.template import Resource
from .. import Context


class Breach(NamedTuple):
    """One thing a resource gets wrong in a scenario, as a clause for the message."""

    text: str
    path: Path


Judge = Callable[[Resource, Resolver, Scenario], list[Breach]]


def breaches(
    ctx: Context, resource: Resource, judge: Judge, scenarios: list[Scenario] | None = None
) -> list[Breach]:
    """The distinct breaches of every scenario, each text ending with its deciding conditions.

    `scenarios` defaults to the resource's own; a relationship rule passes scenarios that also
    fix the conditions of the resources it is judged with.
    """
    if scenarios is None:
        scenarios = ctx.scenarios(resource)
    found: dict[str, tuple[Path, list[Scenario]]] = {}
    for scenario in scenarios:
        for breach in judge(resource, ctx.resolver(resource, scenario), scenario):
            _, where = found.setdefault(breach.text, (breach.path, []))
            if scenario not in where:
                where.append(scenario)
    return [
        Breach(text + describe_when(where, scenarios), path)
        for text, (path, where) in found.items()
    ]


def report(
    ctx: Context,
    resource: Resource,
    judge: Judge,
    lead: str,
    fix: str,
    scenarios: list[Scenario] | None = None,
) -> Iterator[Finding]:
    """One finding `<id> <lead>: <breach>; <breach>; <fix>` when some scenario breaks the model."""
    found = breaches(ctx, resource, judge, scenarios)
    if found:
        told = "; ".join(breach.text for breach in found)
        yield ctx.finding(
            resource, f"{resource.logical_id} {lead}: {told}; {fix}", path=found[0].path
        )
