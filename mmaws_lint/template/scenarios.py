"""Conditions as scenarios: the consistent truth assignments a template's conditions can take.

A deployment sees one value per condition: every `Fn::If` on a condition takes the same branch,
two `Fn::Equals` on one parameter with different literals cannot both hold, and a condition
built from literals alone has one value. A `Scenario` is one such assignment of the conditions a
question uses, with what it implies about parameters (`Env = prod` holds, or `Env` is known to
differ from `dev`). Rules ask per scenario, so branches that can never be deployed together are
never mixed.

The work is bounded: only the conditions a resource uses are enumerated, through the leaves
(`Fn::Equals` and unknown names) of their definitions; above `MAX_LEAVES` free leaves or
`MAX_SCENARIOS` distinct scenarios, the answer is one non-exhaustive scenario that fixes
nothing, which is the branch-by-branch view rules had before scenarios.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from .resolve import intrinsic

T = TypeVar("T")

MAX_LEAVES = 10
MAX_SCENARIOS = 64
MAX_CONDITION_DEPTH = 16
_LITERAL = (str, int, float, bool)


class Scenario:
    """One consistent assignment of some conditions, and the parameter facts it implies."""

    __slots__ = ("_key", "equal", "excluded", "exhaustive", "required", "truths")

    def __init__(
        self,
        truths: Mapping[str, bool] | None = None,
        equal: Mapping[str, str] | None = None,
        excluded: Mapping[str, frozenset[str]] | None = None,
        exhaustive: bool = True,
        required: frozenset[str] = frozenset(),
    ) -> None:
        self.truths: dict[str, bool] = dict(truths or {})
        self.equal: dict[str, str] = dict(equal or {})
        self.excluded: dict[str, frozenset[str]] = dict(excluded or {})
        self.exhaustive = exhaustive
        self.required = required  # conditions held by construction (the resource's own)
        self._key = (tuple(sorted(self.truths.items())), exhaustive)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Scenario) and self._key == other._key

    def __hash__(self) -> int:
        return hash(self._key)

    def __repr__(self) -> str:
        inner = ", ".join(f"{n}={v}" for n, v in sorted(self.truths.items()))
        return f"Scenario({inner}{'' if self.exhaustive else ', open'})"

    def holds(self, condition: Any) -> bool | None:
        """The value this scenario gives `condition`; None when it does not fix it."""
        return self.truths.get(condition) if isinstance(condition, str) else None

    @property
    def fixes_anything(self) -> bool:
        return bool(self.truths)

    @property
    def when(self) -> str:
        """' when A is true and B is false' for a message; '' when nothing chosen matters."""
        return _when({n: v for n, v in sorted(self.truths.items()) if n not in self.required})

    def parameter_values(
        self, name: str, allowed: list[Any] | None
    ) -> tuple[str | None, frozenset[str]]:
        """(the literal the parameter must equal or None, literals it cannot be)."""
        excluded = self.excluded.get(name, frozenset())
        if name in self.equal:
            return self.equal[name], excluded
        if allowed is not None:
            left = [v for v in (_text(a) for a in allowed) if v is not None and v not in excluded]
            if len(left) == 1:
                return left[0], excluded
        return None, excluded


ALWAYS = Scenario()
OPEN = Scenario(exhaustive=False)


def _when(truths: Mapping[str, bool]) -> str:
    if not truths:
        return ""
    parts = [f"{name} is {'true' if value else 'false'}" for name, value in truths.items()]
    return " when " + " and ".join(parts)


def describe_when(violating: list[Scenario], scenarios: list[Scenario]) -> str:
    """The ' when …' text for findings that hold in `violating` of `scenarios`.

    Empty when every scenario violates (the conditions do not matter). Otherwise the fewest
    condition values that set the violating scenarios apart; failing that, each violating
    scenario spelled out.
    """
    if not violating or len(violating) >= len(scenarios):
        return ""
    deciding = deciding_conditions(violating, scenarios)
    if deciding:
        return _when(deciding)
    spelled = [s.when for s in violating[:3] if s.when]
    return " or".join(spelled) if spelled else ""


def first_found(
    scenarios: Iterable[Scenario], find: Callable[[Scenario], T | None]
) -> tuple[list[Scenario], T | None]:
    """The scenarios in which `find` finds something, and what it found in the first of them."""
    violating: list[Scenario] = []
    first: T | None = None
    for scenario in scenarios:
        found = find(scenario)
        if found is not None:
            violating.append(scenario)
            first = found if first is None else first
    return violating, first


def all_found(
    scenarios: Iterable[Scenario], find: Callable[[Scenario], Iterable[T]]
) -> tuple[list[Scenario], list[T]]:
    """The scenarios in which `find` finds something, and all it found, each once, in order."""
    violating: list[Scenario] = []
    everything: list[T] = []
    for scenario in scenarios:
        found = list(find(scenario))
        if found:
            violating.append(scenario)
            everything.extend(item for item in found if item not in everything)
    return violating, everything


def deciding_conditions(violating: list[Scenario], scenarios: list[Scenario]) -> dict[str, bool]:
    """The fewest condition values shared by every violating scenario that no other scenario
    has all of (a greedy cover, names in order); {} when no such conjunction exists."""
    others = [s for s in scenarios if s not in violating]
    if not violating or not others:
        return {}
    first = violating[0]
    shared = {
        name: value
        for name, value in sorted(first.truths.items())
        if name not in first.required and all(s.truths.get(name) == value for s in violating)
    }
    deciding: dict[str, bool] = {}
    remaining = others
    while remaining:
        best = max(
            (n for n in shared if n not in deciding),
            key=lambda n: sum(s.truths.get(n) != shared[n] for s in remaining),
            default=None,
        )
        if best is None or not any(s.truths.get(best) != shared[best] for s in remaining):
            return {}
        deciding[best] = shared[best]
        remaining = [s for s in remaining if s.truths.get(best) == shared[best]]
    return dict(sorted(deciding.items()))


# ---- which conditions a value uses ------------------------------------------------------


def condition_names(node: Any, depth: int = 0) -> set[str]:
    """Names of the conditions the `Fn::If`s inside `node` choose on."""
    found: set[str] = set()
    _collect_condition_names(node, found, depth)
    return found


def _collect_condition_names(node: Any, found: set[str], depth: int) -> None:
    if depth > 64:
        return
    if isinstance(node, dict):
        if len(node) == 1 and "Fn::If" in node:
            arguments = node["Fn::If"]
            if isinstance(arguments, list) and arguments and isinstance(arguments[0], str):
                found.add(arguments[0])
        for value in node.values():
            if isinstance(value, (dict, list)):
                _collect_condition_names(value, found, depth + 1)
    elif isinstance(node, list):
        for value in node:
            if isinstance(value, (dict, list)):
                _collect_condition_names(value, found, depth + 1)


def canonical(node: Any) -> str:
    """One string per expression: identical expressions evaluate to the same value."""
    try:
        return json.dumps(node, sort_keys=True, default=str)
    except (TypeError, ValueError):  # keys of mixed types cannot be sorted
        return repr(node)


def _text(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    return None


# ---- the space of one template's conditions ---------------------------------------------


class _Leaf:
    """A truth value the definitions do not decide: an `Fn::Equals` or an unknown name."""

    __slots__ = ("constant", "key", "literal", "parameter")

    def __init__(
        self,
        key: str,
        parameter: str | None = None,
        literal: str | None = None,
        constant: bool | None = None,
    ) -> None:
        self.key = key
        self.parameter = parameter
        self.literal = literal
        self.constant = constant


class ConditionSpace:
    """The truth values a template's conditions can take together."""

    def __init__(self, conditions: Mapping[str, Any], parameters: Mapping[str, Any]) -> None:
        self.definitions = conditions
        self.parameters = parameters
        self._cache: dict[Any, list[Scenario] | None] = {}
        self._leaf_cache: dict[str, _Leaf] = {}

    @classmethod
    def of(cls, template: Any) -> ConditionSpace:
        return cls(template.conditions, template.parameters)

    # -- public ---------------------------------------------------------------------------

    def scenarios(
        self, names: Iterable[str], required: Mapping[str, bool] | None = None
    ) -> list[Scenario] | None:
        """Every consistent assignment of `names` in which `required` holds.

        [] when `required` can never hold; None when there are too many to enumerate.
        """
        wanted = tuple(sorted({n for n in names if isinstance(n, str)}))
        needed = tuple(sorted((required or {}).items()))
        key = (wanted, needed)
        if key not in self._cache:
            self._cache[key] = self._enumerate(wanted, dict(needed))
        return self._cache[key]

    def value(self, name: str) -> bool | None:
        """The value of a condition that holds in every deployment, else None."""
        found = self.scenarios([name])
        if not found:
            return None
        values = {s.truths[name] for s in found}
        return values.pop() if len(values) == 1 else None

    def possible(self, truths: Mapping[str, bool]) -> bool:
        """Can these condition values hold together? Unknown (too many) counts as possible."""
        if not truths:
            return True
        found = self.scenarios(truths.keys(), truths)
        return found is None or bool(found)

    # -- enumeration ----------------------------------------------------------------------

    def _enumerate(
        self, names: tuple[str, ...], required: dict[str, bool]
    ) -> list[Scenario] | None:
        all_names = tuple(sorted(set(names) | set(required)))
        leaves: dict[str, _Leaf] = {}
        for name in all_names:
            self._leaves(self._definition(name), leaves, 0)
        free = [leaf for leaf in leaves.values() if leaf.constant is None]
        if len(free) > MAX_LEAVES:
            return None
        by_truths: dict[tuple, Scenario] = {}
        for values in itertools.product((True, False), repeat=len(free)):
            assignment = {leaf.key: leaf.constant for leaf in leaves.values()}
            assignment.update(zip((leaf.key for leaf in free), values, strict=True))
            facts = self._parameter_facts(leaves, assignment)
            if facts is None:
                continue  # two Equals on one parameter that cannot hold together
            picked = {n: self._evaluate(self._definition(n), assignment, 0) for n in all_names}
            if any(picked[n] != v for n, v in required.items()):
                continue
            truths = {n: picked[n] for n in names}
            key = tuple(sorted(truths.items()))
            equal, excluded = facts
            if key in by_truths:
                by_truths[key] = _merge(by_truths[key], equal, excluded)
            else:
                by_truths[key] = Scenario(
                    truths, equal, excluded, required=frozenset(n for n in required if required[n])
                )
            if len(by_truths) > MAX_SCENARIOS:
                return None
        return list(by_truths.values())

    def _parameter_facts(
        self, leaves: dict[str, _Leaf], assignment: dict[str, bool]
    ) -> tuple[dict[str, str], dict[str, frozenset[str]]] | None:
        equal: dict[str, str] = {}
        excluded: dict[str, set[str]] = {}
        for leaf in leaves.values():
            if leaf.parameter is None or leaf.literal is None:
                continue
            if assignment[leaf.key]:
                if equal.get(leaf.parameter, leaf.literal) != leaf.literal:
                    return None
                equal[leaf.parameter] = leaf.literal
            else:
                excluded.setdefault(leaf.parameter, set()).add(leaf.literal)
        for parameter, value in equal.items():
            if value in excluded.get(parameter, ()):
                return None
        for parameter, values in excluded.items():
            allowed = self._allowed(parameter)
            if allowed is not None and parameter not in equal and allowed <= values:
                return None  # every allowed value is ruled out
        return equal, {p: frozenset(v) for p, v in excluded.items()}

    def _allowed(self, parameter: str) -> set[str] | None:
        spec = self.parameters.get(parameter)
        allowed = getattr(spec, "allowed_values", None)
        if not allowed:
            return None
        texts = {_text(a) for a in allowed}
        return None if None in texts else texts  # type: ignore[return-value]

    def _definition(self, name: str) -> Any:
        if name in self.definitions:
            return self.definitions[name]
        return {"mmaws:undefined-condition": name}

    def _leaves(self, node: Any, found: dict[str, _Leaf], depth: int) -> None:
        operands = self._operands(node, depth)
        if operands is None:
            leaf = self._leaf(node)
            found.setdefault(leaf.key, leaf)
            return
        for operand in operands:
            self._leaves(operand, found, depth + 1)

    def _leaf(self, node: Any) -> _Leaf:
        key = canonical(node)
        if key in self._leaf_cache:
            return self._leaf_cache[key]
        leaf = _Leaf(key)
        function = intrinsic(node)
        if function and function[0] == "Fn::Equals":
            leaf = self._equals_leaf(key, function[1])
        self._leaf_cache[key] = leaf
        return leaf

    def _equals_leaf(self, key: str, sides: Any) -> _Leaf:
        if not isinstance(sides, list) or len(sides) != 2:
            return _Leaf(key)
        texts = [_text(side) for side in sides]
        if None not in texts:
            return _Leaf(key, constant=texts[0] == texts[1])
        for side, other in ((sides[0], texts[1]), (sides[1], texts[0])):
            function = intrinsic(side)
            if other is None or not function or function[0] != "Ref":
                continue
            name = function[1]
            if isinstance(name, str) and name in self.parameters:
                allowed = self._allowed(name)
                if allowed is not None and other not in allowed:
                    return _Leaf(key, constant=False)
                return _Leaf(key, parameter=name, literal=other)
        return _Leaf(key)

    def _evaluate(self, node: Any, leaves: dict[str, bool], depth: int) -> bool:
        operands = self._operands(node, depth)
        if operands is None:
            return leaves[canonical(node)]
        values = [self._evaluate(operand, leaves, depth + 1) for operand in operands]
        function = intrinsic(node)
        name = function[0] if function else ""
        if name == "Fn::Not":
            return not values[0]
        if name == "Fn::Or":
            return any(values)
        return all(values)  # Fn::And, or a `Condition` reference (one operand)

    def _operands(self, node: Any, depth: int) -> list[Any] | None:
        """The sub-conditions of a boolean operator; None for a leaf."""
        function = intrinsic(node)
        if function is None or depth > MAX_CONDITION_DEPTH:
            return None
        name, arg = function
        if name == "Condition" and isinstance(arg, str) and arg in self.definitions:
            return [self.definitions[arg]]
        if name == "Fn::Not" and isinstance(arg, list) and len(arg) == 1:
            return list(arg)
        if name in ("Fn::And", "Fn::Or") and isinstance(arg, list) and arg:
            return list(arg)
        return None


def _merge(
    scenario: Scenario, equal: dict[str, str], excluded: dict[str, frozenset[str]]
) -> Scenario:
    """Two leaf assignments give the same condition values: keep only facts both imply."""
    kept_equal = {p: v for p, v in scenario.equal.items() if equal.get(p) == v}
    kept_excluded = {
        p: scenario.excluded[p] & excluded[p]
        for p in scenario.excluded.keys() & excluded.keys()
        if scenario.excluded[p] & excluded[p]
    }
    return Scenario(
        scenario.truths, kept_equal, kept_excluded, scenario.exhaustive, scenario.required
    )
