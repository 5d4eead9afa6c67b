"""Follow a property through `Fn::If` branches to the values it can take.

The compute rules need more than `Resolver.literals`: a finding must point at the branch that
holds the offending value, a parameter default must be told apart from a literal (the fix is
in `Parameters`, not in the resource), and a missing property must read as its AWS default.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ..template.nodes import Path
from ..template.resolve import Resolver, intrinsic, is_no_value
from ..template.template import Parameter, Template

# Deeper `Fn::If` nesting than this is not written by people or by the CDK.
MAX_IF_DEPTH = 16


class Marker:
    """A stand-in for a node that has no value to read."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


MISSING = Marker("MISSING")  # absent, or AWS::NoValue, in this branch: AWS applies its default
OPAQUE = Marker("OPAQUE")  # an expression standing in for a mapping or a list: unknown


@dataclass(frozen=True)
class Origin:
    """One literal a property can take, and where it is written.

    `path` is relative to the resource. `parameter` names the parameter whose default gave
    the value; the fix then belongs to that parameter's `Default`.
    """

    value: str
    path: Path
    parameter: str | None = None


def if_branches(node: Any, path: Path, depth: int = 0) -> Iterator[tuple[Any, Path]]:
    """Every value `node` can be after `Fn::If` choices, with the path to each branch."""
    if depth > MAX_IF_DEPTH:
        yield OPAQUE, path
        return
    if is_no_value(node):
        yield MISSING, path
        return
    function = intrinsic(node)
    if function and function[0] == "Fn::If" and isinstance(function[1], list):
        if len(function[1]) == 3:
            for index in (1, 2):
                yield from if_branches(function[1][index], (*path, "Fn::If", index), depth + 1)
            return
        yield OPAQUE, path
        return
    yield node, path


def walk(node: Any, keys: Sequence[str], path: Path) -> Iterator[tuple[Any, Path]]:
    """Every node found at `keys` below `node`, one per `Fn::If` branch, with its path.

    `"*"` stands for every item of a list (items that are AWS::NoValue are left out). Yields
    MISSING where a key is absent (the path is then the deepest node that exists) and OPAQUE
    where an expression stands for a mapping or list the walk cannot enter.
    """
    for branch, branch_path in if_branches(node, path):
        if branch is MISSING or branch is OPAQUE or not keys:
            yield branch, branch_path
        elif keys[0] == "*":
            yield from _walk_items(branch, keys[1:], branch_path)
        elif isinstance(branch, dict) and intrinsic(branch) is None:
            if keys[0] in branch:
                yield from walk(branch[keys[0]], keys[1:], (*branch_path, keys[0]))
            else:
                yield MISSING, branch_path
        else:
            yield OPAQUE, branch_path


def _walk_items(node: Any, keys: Sequence[str], path: Path) -> Iterator[tuple[Any, Path]]:
    if not isinstance(node, list):
        yield OPAQUE, path
        return
    for index, item in enumerate(node):
        for branch, branch_path in if_branches(item, (*path, index)):
            if branch is not MISSING:
                yield from walk(branch, keys, branch_path)


def referenced_parameter(template: Template, node: Any) -> Parameter | None:
    """The parameter `node` is a plain `Ref` to, if any."""
    function = intrinsic(node)
    if function and function[0] == "Ref" and isinstance(function[1], str):
        return template.parameters.get(function[1])
    return None


def is_list_parameter(parameter: Parameter) -> bool:
    return parameter.type.startswith("List<") or parameter.type == "CommaDelimitedList"


def parameter_default(parameter: Parameter) -> str | None:
    """The scalar default of a parameter, when the default is the value itself.

    The default of an SSM-backed parameter is the name of an SSM parameter, not the value.
    """
    if not parameter.has_default or isinstance(parameter.default, (dict, list)):
        return None
    if parameter.default is None or parameter.type.startswith("AWS::SSM::Parameter::Value"):
        return None
    if is_list_parameter(parameter):
        return None
    if isinstance(parameter.default, bool):
        return "true" if parameter.default else "false"
    return str(parameter.default)


def origins(
    resolver: Resolver, node: Any, path: Path, default: str | None = None
) -> Iterator[Origin]:
    """The literals one branch (from `walk`) can take; nothing when unknown.

    A MISSING branch takes `default` (the AWS default of the property), when there is one.
    """
    if node is OPAQUE:
        return
    if node is MISSING:
        if default is not None:
            yield Origin(default, path)
        return
    parameter = referenced_parameter(resolver.template, node)
    if parameter is not None:
        value = parameter_default(parameter)
        if value is not None:
            yield Origin(value, path, parameter.name)
        return
    for value in sorted(resolver.literals(node) or ()):
        yield Origin(value, path)


def property_origins(
    resolver: Resolver,
    properties: Any,
    keys: Sequence[str],
    default: str | None = None,
    base: Path = ("Properties",),
) -> Iterator[Origin]:
    """Every known literal at `keys` below `properties`, branch by branch."""
    for node, path in walk(properties, keys, base):
        yield from origins(resolver, node, path, default)


def known_values(
    resolver: Resolver, properties: Any, keys: Sequence[str], missing: str = ""
) -> set[str] | None:
    """Every value at `keys` (lower case), `missing` where absent; None when any is unknown."""
    found: set[str] = set()
    for node, _ in walk(properties, keys, ()):
        if node is OPAQUE:
            return None
        if node is MISSING:
            found.add(missing)
            continue
        literals = resolver.literals(node)
        if literals is None:
            return None
        found.update(value.lower() for value in literals)
    return found


def name_list(names: Sequence[str], limit: int = 3) -> str:
    """`A, B and C`, or `A, B, C and 4 more` past `limit`."""
    ordered = sorted(set(names))
    if len(ordered) > limit:
        return f"{', '.join(ordered[:limit])} and {len(ordered) - limit} more"
    if len(ordered) > 1:
        return f"{', '.join(ordered[:-1])} and {ordered[-1]}"
    return ordered[0] if ordered else ""


def merged(found: Iterable[Origin]) -> list[Origin]:
    """One origin per place: `t3.micro or t3.small` when a Sub or a map gives several."""
    values: dict[tuple[Path, str | None], list[str]] = {}
    for origin in found:
        listed = values.setdefault((origin.path, origin.parameter), [])
        if origin.value not in listed:
            listed.append(origin.value)
    return [Origin(" or ".join(v), path, parameter) for (path, parameter), v in values.items()]
