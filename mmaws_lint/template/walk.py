"""Walk a property through `Fn::If` choices, keeping the path to every value.

Rules ask "what is at Properties.X.Y in each configuration the template allows?". A value
hidden in an `Fn::If` branch, an `AWS::NoValue`, a missing key or a list item that only some
branches keep all change the answer, and a finding must point at the branch that holds the
offending value. `choices` and `lookup` answer with (value, path) pairs; `ABSENT` stands for
"not there in this configuration" (AWS applies its default) and `OPAQUE` for an expression
where a mapping or list was expected, which nobody can enter.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from .nodes import Path
from .resolve import Resolver, intrinsic, is_no_value

if TYPE_CHECKING:
    from .scenarios import Scenario

# Deeper `Fn::If` nesting than this is not written by people or by the CDK.
MAX_BRANCH_DEPTH = 16


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


ABSENT = _Marker("ABSENT")
OPAQUE = _Marker("OPAQUE")


def choices(
    node: Any,
    path: Path = (),
    skip_true_branch_of: frozenset[str] = frozenset(),
    depth: int = 0,
    scenario: Scenario | None = None,
) -> Iterator[tuple[Any, Path]]:
    """Each value `node` can be after `Fn::If` choices, with its path; NoValue is ABSENT.

    `skip_true_branch_of` names conditions whose true branch is not a configuration the author
    chose (CDK's conditions for Regions that lack a feature): only their false branch counts.
    Under a `scenario`, an `Fn::If` on a condition it fixes follows the chosen branch only.
    """
    if is_no_value(node):
        yield ABSENT, path
        return
    function = intrinsic(node)
    if function is None or function[0] != "Fn::If":
        yield node, path
        return
    arguments = function[1]
    if depth >= MAX_BRANCH_DEPTH or not isinstance(arguments, list) or len(arguments) != 3:
        yield OPAQUE, path
        return
    condition = arguments[0]
    chosen = scenario.holds(condition) if scenario is not None else None
    if chosen is not None:
        index = 1 if chosen else 2
        yield from choices(
            arguments[index], (*path, "Fn::If", index), skip_true_branch_of, depth + 1, scenario
        )
        return
    if not (isinstance(condition, str) and condition in skip_true_branch_of):
        yield from choices(
            arguments[1], (*path, "Fn::If", 1), skip_true_branch_of, depth + 1, scenario
        )
    yield from choices(arguments[2], (*path, "Fn::If", 2), skip_true_branch_of, depth + 1, scenario)


def lookup(
    node: Any,
    keys: Sequence[str],
    path: Path = (),
    skip_true_branch_of: frozenset[str] = frozenset(),
    scenario: Scenario | None = None,
) -> Iterator[tuple[Any, Path]]:
    """Every value at `keys` below `node`, one per configuration, with its path.

    `"*"` walks the items of a list (an item that is NoValue in a branch is not there; a list
    with no item left is ABSENT). A missing key yields ABSENT with the path of its deepest
    present ancestor; a value that cannot be walked yields OPAQUE.
    """
    for value, where in choices(node, path, skip_true_branch_of, scenario=scenario):
        if value is ABSENT or value is OPAQUE or not keys:
            yield value, where
            continue
        key, rest = keys[0], keys[1:]
        if key == "*":
            yield from _items(value, rest, where, skip_true_branch_of, scenario)
        elif isinstance(value, dict) and intrinsic(value) is None:
            if key in value:
                yield from lookup(value[key], rest, (*where, key), skip_true_branch_of, scenario)
            else:
                yield ABSENT, where
        else:
            yield OPAQUE, where


def _items(
    value: Any,
    rest: Sequence[str],
    where: Path,
    skip_true_branch_of: frozenset[str],
    scenario: Scenario | None,
) -> Iterator[tuple[Any, Path]]:
    if not isinstance(value, list):
        yield OPAQUE, where
        return
    present = [
        (item, item_path)
        for index, element in enumerate(value)
        for item, item_path in choices(
            element, (*where, index), skip_true_branch_of, scenario=scenario
        )
        if item is not ABSENT
    ]
    if not present:
        yield ABSENT, where
    for item, item_path in present:
        yield from lookup(item, rest, item_path, skip_true_branch_of, scenario)


def possible_literals(
    resolver: Resolver, node: Any, keys: Sequence[str] = (), when_absent: str | None = None
) -> set[str] | None:
    """Every literal the value at `keys` below `node` can take, `Fn::If` branches expanded.

    Where the value is absent (or `AWS::NoValue`, or null) it takes `when_absent`, the AWS
    default, when there is one. None when any configuration is not a known literal. Under a
    resolver's scenario only the branches that scenario picks count.
    """
    found: set[str] = set()
    for value, _ in lookup(node, keys, scenario=resolver.scenario):
        if value is ABSENT or value is None:
            if when_absent is not None:
                found.add(when_absent)
            continue
        literals = None if value is OPAQUE else resolver.literals(value)
        if literals is None:
            return None
        found.update(literals)
    return found


def lowered(values: set[str] | None) -> set[str] | None:
    return None if values is None else {value.lower() for value in values}
