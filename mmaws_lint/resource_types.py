"""Everything the model holds about one resource type, gathered from the data alone.

`mmaws-lint explain AWS::RDS::DBInstance` and docs/resource-types.md both come from here. No
family is named: the rules that apply come from their `resource_types`; a family's data and a
rule's settings mention a type as a mapping key, in a `types:` list, or as an item of a list;
and a field named after another data key (`burstable_classes: rds`) pulls in that key's entry,
so a new family's knowledge shows up without touching this module.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from .model import Model, Rule

TYPE_NAME = re.compile(r"^[A-Za-z0-9]+::[A-Za-z0-9]+::[A-Za-z0-9]+$")


@dataclass(frozen=True)
class Excerpt:
    """One piece of the model about the type: `where` it is, and its value."""

    family: str
    where: str
    value: Any


@dataclass(frozen=True)
class TypeKnowledge:
    resource_type: str
    rules: list[Rule]  # rules written for this type
    every_type_rules: list[Rule]  # rules that apply to every type
    excerpts: list[Excerpt]

    @property
    def known(self) -> bool:
        return bool(self.rules or self.excerpts)


def knowledge(model: Model, resource_type: str) -> TypeKnowledge:
    rules = [r for r in model.rules.values() if resource_type in r.resource_types]
    every = [r for r in model.rules.values() if "*" in r.resource_types]
    owners = _data_owners(model)
    excerpts: list[Excerpt] = []
    for key, value in model.data.items():
        for path, found in _mentions(value, resource_type, (key,)):
            excerpts.append(Excerpt(owners.get(key, ""), "data." + _dotted(path), found))
    for rule in model.rules.values():
        for path, found in _mentions(rule.settings, resource_type, ()):
            where = f"{rule.id} settings.{_dotted(path)}"
            excerpts.append(Excerpt(rule.family, where, found))
    excerpts += _cross_references(model, excerpts, owners)
    return TypeKnowledge(resource_type, rules, every, excerpts)


def known_types(model: Model) -> list[str]:
    """Every resource type the model says something about."""
    found = {t for r in model.rules.values() for t in r.resource_types if t != "*"}
    found |= set(_type_names(model.data))
    found |= {t for r in model.rules.values() for t in _type_names(r.settings)}
    return sorted(found)


def _data_owners(model: Model) -> dict[str, str]:
    return {key: family.name for family in model.families.values() for key in family.data_keys}


def _mentions(node: Any, resource_type: str, path: tuple[str, ...]) -> Iterator[tuple]:
    """(path, value) of each place under `node` that is about `resource_type`."""
    if isinstance(node, dict):
        if resource_type in node:
            yield (*path, resource_type), node[resource_type]
            return
        types = node.get("types")
        if isinstance(types, list) and resource_type in types:
            yield path, node
            return
        for key, value in node.items():
            yield from _mentions(value, resource_type, (*path, str(key)))
    elif isinstance(node, list):
        if resource_type in node:
            yield path, f"lists {resource_type}"
            return
        for index, item in enumerate(node):
            yield from _mentions(item, resource_type, (*path, f"[{index}]"))


def _cross_references(
    model: Model, excerpts: list[Excerpt], owners: dict[str, str]
) -> list[Excerpt]:
    found: dict[str, Excerpt] = {}
    for excerpt in excerpts:
        for key, name in _fields(excerpt.value):
            target = model.data.get(key)
            if isinstance(target, dict) and isinstance(name, str) and name in target:
                where = f"data.{key}.{name}"
                found.setdefault(where, Excerpt(owners.get(key, ""), where, target[name]))
    return list(found.values())


def _fields(node: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield str(key), value
            yield from _fields(value)
    elif isinstance(node, list):
        for item in node:
            yield from _fields(item)


def _type_names(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(key, str) and TYPE_NAME.match(key):
                yield key
            yield from _type_names(value)
    elif isinstance(node, list):
        for item in node:
            yield from _type_names(item)
    elif isinstance(node, str) and TYPE_NAME.match(node):
        yield node


def _dotted(path: tuple[str, ...]) -> str:
    return ".".join(path).replace(".[", "[")


def dump(value: Any) -> str:
    if isinstance(value, str):
        return value
    return yaml.safe_dump(value, sort_keys=False, width=100, default_flow_style=None).rstrip()


# ---- text for the CLI ----------------------------------------------------------------------


def render_text(found: TypeKnowledge) -> str:
    lines = [found.resource_type, ""]
    if found.rules:
        lines.append("Rules written for this type:")
        for rule in found.rules:
            lines.append(f"  {rule.id:<7} {rule.level:<8} {rule.family:<12} {rule.title}")
    else:
        lines.append("No rule is written for this type.")
    if found.every_type_rules:
        ids = ", ".join(rule.id for rule in found.every_type_rules)
        lines.append(f"Rules for every type: {ids}")
    lines.append("")
    if not found.excerpts:
        lines.append("The model's data says nothing about this type.")
    else:
        lines.append("What the model holds about it (rules/*.yaml; override with --model):")
        for excerpt in found.excerpts:
            lines += ["", f"{excerpt.family} · {excerpt.where}:"]
            lines += [f"    {line}" for line in dump(excerpt.value).splitlines()]
    return "\n".join(lines) + "\n"


# ---- docs/resource-types.md ----------------------------------------------------------------


def render_markdown(model: Model) -> str:
    types = known_types(model)
    lines = [
        "# What the model knows, by resource type",
        "",
        "<!-- Generated from rules/*.yaml by `python -m mmaws_lint.docs`; do not edit. -->",
        "",
        "For each resource type: the rules written for it and every piece of the model's data",
        "that names it. `mmaws-lint explain TYPE` prints the same for one type. Rules for every",
        "type: " + ", ".join(f"[{r.id}](rules.md#{r.id.lower()})" for r in _every(model)) + ".",
        "",
    ]
    for resource_type in types:
        found = knowledge(model, resource_type)
        lines += [f"## {resource_type}", ""]
        if found.rules:
            lines.append(
                "Rules: "
                + ", ".join(f"[{r.id}](rules.md#{r.id.lower()}) {r.title}" for r in found.rules)
            )
            lines.append("")
        for excerpt in found.excerpts:
            lines += [f"**{excerpt.family}** · `{excerpt.where}`", ""]
            if isinstance(excerpt.value, str):
                lines += [excerpt.value, ""]
            else:
                lines += ["```yaml", dump(excerpt.value), "```", ""]
    return "\n".join(lines).rstrip() + "\n"


def _every(model: Model) -> list[Rule]:
    return [r for r in model.rules.values() if "*" in r.resource_types]
