"""Database parameter groups that let clients connect without TLS (part of WMM410).

The family decides which parameter forces TLS and what its default is (the catalog
`encryption_transit_parameter_groups`); the finding sits on the group, where the fix goes, and
names the databases of the run that use it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from ...app import App
from ...findings import Finding
from ...template.numbers import whole_number
from ...template.resolve import Resolver, Target
from ...template.scenarios import Scenario
from ...template.template import Resource
from ...template.walk import ABSENT, OPAQUE, lookup
from .. import Context
from .breaches import Breach, report

CATALOG = "encryption_transit_parameter_groups"
USERS = "encryption_transit_parameter_group_users"


def parameter_group_types(data: dict[str, Any]) -> list[str]:
    return list(data[CATALOG])


def parameter_group_breaches(ctx: Context, group: Resource) -> Iterator[Finding]:
    entries = ctx.data(CATALOG)[group.type]
    family_property = ctx.data(USERS)[group.type]["family"]
    users = ctx.app.shared("encryption.parameter_group_users", _users(ctx.data(USERS)))
    using = sorted(
        user.logical_id
        for user in users.get(Target(group.template.file, group.logical_id), [])
        if ctx.app.coexist(group, user)
    )
    used_by = f" (used by {', '.join(using)})" if using else ""

    def judge(resource: Resource, resolver: Resolver, scenario: Scenario) -> list[Breach]:
        family = resolver.literal(resource.prop(family_property))
        entry = _entry(entries, family) if family else None
        if entry is None:
            return []
        return _parameter_breaches(resource, resolver, scenario, entry, _version(entry, family))

    families = ctx.resolver(group).literals(group.prop(family_property)) or set()
    matched = [e for e in (_entry(entries, f) for f in sorted(families)) if e is not None]
    fix_names = sorted({f"{e['parameter']} {e['tls_values'][0]}" for e in matched or entries})
    yield from report(
        ctx,
        group,
        judge,
        f"lets database clients connect without TLS{used_by}",
        f"set {' or '.join(fix_names)} in the group's Parameters",
    )


def _entry(entries: list[dict[str, Any]], family: str) -> dict[str, Any] | None:
    for entry in entries:
        prefix = entry["family"]
        rest = family[len(prefix) :]
        if family.lower().startswith(prefix) and (prefix.endswith("-") or rest[:1].isdigit()):
            if "min_version" in entry and _older(_version(entry, family), entry["min_version"]):
                return None
            return entry
    return None


def _version(entry: dict[str, Any], family: str) -> str:
    return family[len(entry["family"]) :].rsplit("-", 1)[-1]


def _older(version: str, than: str) -> bool:
    def numbers(text: str) -> tuple[int, ...]:
        found = []
        for piece in text.split("."):
            number = whole_number(piece)
            if number is None or number < 0:
                break
            found.append(number)
        return tuple(found)

    mine, theirs = numbers(version), numbers(than)
    return bool(mine) and mine < theirs


def _parameter_breaches(
    group: Resource, resolver: Resolver, scenario: Scenario, entry: dict[str, Any], version: str
) -> list[Breach]:
    name = entry["parameter"]
    found = []
    for value, where in _parameter_values(group, resolver, scenario, name):
        if value is ABSENT:
            absent = entry["absent"]
            if absent == "off" and "absent_on_from" in entry:
                absent = "off" if _older(version, entry["absent_on_from"]) else "on"
            if absent == "off":
                found.append(
                    Breach(f"it leaves {name} out, and the {entry['engine']} default is off", where)
                )
            continue
        literals = None if value is OPAQUE else resolver.literals(value)
        if literals is None:
            continue
        clear = {v for v in literals if v.lower() in entry["clear_values"]}
        for literal in sorted(clear):
            found.append(Breach(f"{name} is {literal}", where))
    return found


def _parameter_values(
    group: Resource, resolver: Resolver, scenario: Scenario, name: str
) -> list[tuple[Any, tuple]]:
    """The parameter's value in each configuration: a map (RDS, DocumentDB) or a list of
    ParameterName/ParameterValue pairs (Redshift). OPAQUE where the list cannot be read."""
    found: list[tuple[Any, tuple]] = []
    for parameters, where in lookup(
        group.properties, ("Parameters",), ("Properties",), scenario=scenario
    ):
        if parameters is ABSENT or parameters is None:
            found.append((ABSENT, where))
        elif isinstance(parameters, dict) and "Fn::If" not in parameters:
            if any(isinstance(key, str) and key.startswith("Fn::") for key in parameters):
                found.append((OPAQUE, where))
            else:
                found.extend(lookup(parameters, (name,), where, scenario=scenario))
        elif isinstance(parameters, list):
            found.extend(_pairs(resolver, scenario, parameters, where, name))
        else:
            found.append((OPAQUE, where))
    return found


def _pairs(
    resolver: Resolver, scenario: Scenario, parameters: list, where: tuple, name: str
) -> list[tuple[Any, tuple]]:
    values: list[tuple[Any, tuple]] = []
    for item, item_path in lookup(parameters, ("*",), where, scenario=scenario):
        if item is ABSENT:
            continue
        if not isinstance(item, dict):
            return [(OPAQUE, where)]
        key = resolver.literal(item.get("ParameterName"))
        if key is None:
            return [(OPAQUE, where)]
        if key == name:
            values.append((item.get("ParameterValue"), (*item_path, "ParameterValue")))
    return values or [(ABSENT, where)]


def _users(specs: dict[str, Any]):  # -> Callable[[App], dict[Target, list[Resource]]]
    def build(app: App) -> dict[Target, list[Resource]]:
        index: dict[Target, list[Resource]] = defaultdict(list)
        for spec in specs.values():
            for user_type, key in spec["users"].items():
                for user in app.resources(user_type):
                    resolver = app.resolver(user.template)
                    for target in resolver.references(user.prop(key)):
                        index[Target(target.file, target.logical_id)].append(user)
        return index

    return build
