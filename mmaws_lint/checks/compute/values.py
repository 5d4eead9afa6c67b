"""Follow a property through `Fn::If` branches to the values it can take.

The compute rules need more than `Resolver.literals`: a finding must point at the branch that
holds the offending value, a parameter default must be told apart from a literal (the fix is
in `Parameters`, not in the resource), and a missing property must read as its AWS default.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ...template.nodes import Path
from ...template.resolve import Resolver, intrinsic
from ...template.template import Parameter, Template
from ...template.walk import ABSENT, OPAQUE, lookup, lowered, possible_literals


@dataclass(frozen=True)
class Origin:
    """One literal a property can take, and where it is written.

    `path` is relative to the resource. `parameter` names the parameter whose default gave
    the value; the fix then belongs to that parameter's `Default`.
    """

    value: str
    path: Path
    parameter: str | None = None


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

    A ABSENT branch takes `default` (the AWS default of the property), when there is one.
    """
    if node is OPAQUE:
        return
    if node is ABSENT:
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
    """Every known literal at `keys` below `properties`, branch by branch (the branches the
    resolver's scenario picks)."""
    for node, path in lookup(properties, keys, base, scenario=resolver.scenario):
        yield from origins(resolver, node, path, default)


def known_values(
    resolver: Resolver, properties: Any, keys: Sequence[str], missing: str = ""
) -> set[str] | None:
    """Every value at `keys` (lower case), `missing` where absent; None when any is unknown."""
    return lowered(possible_literals(resolver, properties, keys, when_absent=missing))


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
