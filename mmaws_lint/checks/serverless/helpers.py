"""Small helpers the serverless rules share: presence of a setting in a scenario, scenarios of
several resources together, numbers, and lists for messages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ...app import App
from ...template.resolve import Resolver
from ...template.scenarios import ALWAYS, OPEN, Scenario, condition_names
from ...template.template import Resource, Template
from ...template.walk import ABSENT, lookup, possible_literals
from .. import Context
from .index import MessagingIndex, messaging_index

Joint = dict[int, Scenario]  # id(template) -> the scenario of that template


def index_of(ctx: Context) -> MessagingIndex:
    """The run's messaging index (the first rule to ask builds it)."""
    return messaging_index(ctx.app, ctx.model.data)


def absent(node: Any, keys: Sequence[str], scenario: Scenario | None) -> bool:
    """True when nothing is set at `keys` below `node` in `scenario` (every branch left open
    in it must lack the setting too)."""
    return all(
        value is ABSENT or value is None for value, _ in lookup(node, keys, scenario=scenario)
    )


def numbers(
    resolver: Resolver, node: Any, keys: Sequence[str], default: float | None
) -> list[float] | None:
    """The numbers the value at `keys` can take (`default` where absent); None when unknown."""
    found = possible_literals(resolver, node, keys, None if default is None else _text(default))
    if found is None:
        return None
    result = []
    for value in found:
        try:
            result.append(float(value))
        except ValueError:
            return None
    return result


def _text(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def joint_scenarios(app: App, resources: Sequence[Resource]) -> list[Joint]:
    """Consistent scenarios of several resources deployed together: for each template, one
    assignment of the conditions its resources use, in which each resource's Condition holds.

    Templates keep their conditions apart, so the joint scenarios are the product of each
    template's. [] when the resources can never exist together."""
    by_template: dict[int, tuple[Template, list[Resource]]] = {}
    for resource in resources:
        by_template.setdefault(id(resource.template), (resource.template, []))[1].append(resource)
    joint: list[Joint] = [{}]
    for template_id, (template, members) in by_template.items():
        names: set[str] = set()
        required: dict[str, bool] = {}
        for member in members:
            names |= condition_names(member.properties)
            if member.condition:
                required[member.condition] = True
        if not names and not required:
            options = [ALWAYS]
        else:
            found = app.conditions(template).scenarios(names | set(required), required)
            options = [OPEN] if found is None else found
        joint = [{**j, template_id: option} for j in joint for option in options][:256]
    return joint


def in_joint(joint: Joint, resource: Resource) -> Scenario | None:
    return joint.get(id(resource.template))


def listed(names: Sequence[str], limit: int = 3) -> str:
    """'A', 'A and B', 'A, B and C', 'A, B, C and 2 more'."""
    unique = list(dict.fromkeys(names))
    if len(unique) > limit:
        shown = unique[:limit]
        return ", ".join(shown) + f" and {len(unique) - limit} more"
    if len(unique) <= 1:
        return "".join(unique)
    return ", ".join(unique[:-1]) + " and " + unique[-1]
