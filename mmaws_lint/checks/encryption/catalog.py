"""Judge a data store against the encryption catalog (`encryption_data_stores` in
rules/encryption.yaml): which encryption each possible configuration of the resource ends up with.

A resource can take several configurations (`Fn::If` at any level, several block device
mappings, several replicas); each one becomes an `Outcome` with the state it leads to and the
path of the property that decides it. What cannot be read (intrinsic lists, parameters without
default in a switch) produces no outcome: rules stay silent on it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ...template.nodes import Path
from ...template.resolve import Resolver, as_literal
from ...template.scenarios import Scenario
from ...template.template import Resource
from ...template.walk import ABSENT, OPAQUE, lookup, lowered
from ...template.walk import possible_literals as walk_literals

NONE = "none"
AWS_OWNED = "aws_owned"
AWS_MANAGED = "aws_managed"
CUSTOMER = "customer"
USE_KEY = "key"
PROPERTIES: Path = ("Properties",)
_AWS_MANAGED_ALIAS = re.compile(r"alias/(aws/[A-Za-z0-9/_.-]+)")


class Outcome(NamedTuple):
    """Where one configuration of a data store ends up.

    state: none, aws_owned, aws_managed or customer; path: the property deciding it (relative
    to the resource); managed_alias: the AWS managed alias a key property names, if it names one;
    unit: which part of the resource (volume, replica) it is about, `Fn::If` steps left out.
    """

    state: str
    path: Path
    managed_alias: str = ""
    unit: Path = ()


@dataclass(frozen=True)
class StoreKind:
    """One row of the catalog; see the comment above `encryption_data_stores`."""

    type: str
    name: str
    each: tuple[str, ...] = ()
    require: str = ""
    switch: tuple[str, ...] = ()
    switch_states: dict[str, str] = field(default_factory=dict)
    absent_state: str | None = None
    absent_when_value: dict[str, dict[str, str]] = field(default_factory=dict)
    key: tuple[str, ...] = ()
    keyless_state: str | None = None
    owned: str = ""
    managed: str = ""
    how: str = ""
    fix: str = ""
    skip_when_set: tuple[str, ...] = ()
    skip_item_when_set: tuple[str, ...] = ()
    skip_when_value: dict[str, list[str]] = field(default_factory=dict)
    only_when_value: dict[str, list[str]] = field(default_factory=dict)
    inherits_when_set: tuple[str, ...] = ()
    inherits_when_value: dict[str, list[str]] = field(default_factory=dict)
    region_gaps: frozenset[str] = frozenset()
    unencrypted_note: str = ""

    @classmethod
    def from_row(
        cls, resource_type: str, row: dict[str, Any], data: dict[str, Any] | None = None
    ) -> StoreKind:
        row = _with_account_default(row, data or {})
        return cls(
            type=resource_type,
            name=str(row.get("name", resource_type)),
            each=_dotted(row.get("each")),
            require=str(row.get("require") or ""),
            switch=_dotted(row.get("switch")),
            switch_states={
                str(k).lower(): str(v) for k, v in (row.get("switch_states") or {}).items()
            },
            absent_state=row.get("absent_state"),
            absent_when_value={
                str(prop): _lowered_states(states)
                for prop, states in (row.get("absent_when_value") or {}).items()
            },
            key=_dotted(row.get("key")),
            keyless_state=row.get("keyless_state"),
            owned=str(row.get("owned") or "an AWS owned key"),
            managed=str(row.get("managed") or "an AWS managed key"),
            how=str(row.get("how") or "the key property"),
            fix=" ".join(str(row.get("fix") or "").split()),
            skip_when_set=tuple(row.get("skip_when_set") or ()),
            skip_item_when_set=tuple(row.get("skip_item_when_set") or ()),
            skip_when_value=_lowered_lists(row.get("skip_when_value")),
            only_when_value=_lowered_lists(row.get("only_when_value")),
            inherits_when_set=tuple(row.get("inherits_when_set") or ()),
            inherits_when_value=_lowered_lists(row.get("inherits_when_value")),
            region_gaps=frozenset(row.get("unsupported_region_conditions") or ()),
            unencrypted_note=" ".join(str(row.get("unencrypted_note") or "").split()),
        )

    @property
    def called(self) -> str:
        """The name with its article: acronyms like SNS or RDS are spelled out letter by letter."""
        first = self.name.split(" ", 1)[0]
        spelled = len(first) > 1 and first.isupper()
        vowel_sound = first[0] in ("AEFHILMNORSX" if spelled else "AEIOUaeiou")
        return f"{'an' if vowel_sound else 'a'} {self.name}"

    @property
    def remedy(self) -> str:
        return self.fix or f"set {self.how} naming a customer managed KMS key"

    def describe(self, outcome: Outcome) -> str:
        """How the key of an outcome is called in a message."""
        if outcome.state == AWS_OWNED:
            return self.owned
        if outcome.managed_alias:
            return f"the AWS managed key {outcome.managed_alias}"
        if self.managed.startswith("aws/"):
            return f"the AWS managed key {self.managed}"
        return self.managed


def catalog(data: dict[str, Any]) -> dict[str, StoreKind]:
    rows = data.get("encryption_data_stores") or {}
    return {
        str(kind): StoreKind.from_row(str(kind), row, data)
        for kind, row in rows.items()
        if isinstance(row, dict)
    }


def _with_account_default(row: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """The row as the account sees it: when the data key named by `account_default` is true
    (EBS encryption by default), what would stay unencrypted gets the account's default key."""
    setting = row.get("account_default")
    if not setting or data.get(str(setting)) is not True:
        return row
    encrypted = row.get("keyless_state") or AWS_MANAGED
    switch_states = {
        key: (encrypted if state == NONE else state)
        for key, state in (row.get("switch_states") or {}).items()
    }
    absent = row.get("absent_state")
    return {
        **row,
        "switch_states": switch_states,
        "absent_state": encrypted if absent == NONE else absent,
        "unencrypted_note": "",
    }


def _dotted(value: Any) -> tuple[str, ...]:
    return tuple(str(value).split(".")) if value else ()


def _lowered_states(value: Any) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in (value or {}).items()}


def _lowered_lists(value: Any) -> dict[str, list[str]]:
    return {str(k): [str(v).lower() for v in (vs or [])] for k, vs in (value or {}).items()}


# ---- reading a property through Fn::If -------------------------------------------------


def is_set(node: Any, dotted: str, path: Path = (), scenario: Scenario | None = None) -> bool:
    """True when the property at `dotted` may be present in some configuration (of `scenario`)."""
    return any(
        value is not ABSENT for value, _ in lookup(node, _dotted(dotted), path, scenario=scenario)
    )


def possible_literals(resolver: Resolver, node: Any, dotted: str) -> set[str] | None:
    """The lower-cased literals the property can take ('' when absent); None if unknown."""
    return lowered(walk_literals(resolver, node, _dotted(dotted), when_absent=""))


def known_literals(resolver: Resolver, node: Any, dotted: str) -> set[str]:
    """The lower-cased literals the property can take in the configurations that are known."""
    found: set[str] = set()
    for value, _ in lookup(node, _dotted(dotted), (), scenario=resolver.scenario):
        if value is not ABSENT and value is not OPAQUE:
            for parts in resolver.values(value):
                literal = as_literal(parts)
                if literal is not None:
                    found.add(literal.lower())
    return found


# ---- judging ---------------------------------------------------------------------------------


def judge(resolver: Resolver, resource: Resource, kind: StoreKind) -> list[Outcome]:
    """Every outcome of `resource`; empty when it is not judged or nothing can be told."""
    properties = resource.properties
    if _skipped(resolver, properties, kind):
        return []
    absent_states = _absent_states(resolver, properties, kind)
    outcomes: list[Outcome] = []
    for unit, unit_path in units(kind, properties, PROPERTIES, resolver.scenario):
        if unit is ABSENT and not kind.require:
            outcomes.extend(
                Outcome(state, _shown(unit_path), unit=unit_of(unit_path))
                for state in absent_states
            )
        elif isinstance(unit, dict) and _judged_item(unit, kind, resolver.scenario):
            unit_id = unit_of(unit_path)
            outcomes.extend(
                outcome._replace(unit=unit_id)
                for outcome in _judge_unit(resolver, unit, unit_path, kind, absent_states)
            )
    return outcomes


def unit_of(path: Path) -> Path:
    """Which part of a resource a path is in, whichever `Fn::If` branch led to it: branches of
    one item are one volume (or replica) deployed one way or the other, never both."""
    kept: list[Any] = []
    skip = 0
    for step in path:
        if skip:
            skip -= 1
        elif step == "Fn::If":
            skip = 1
        else:
            kept.append(step)
    return tuple(kept)


def units(
    kind: StoreKind, properties: dict, path: Path, scenario: Scenario | None = None
) -> Iterable[tuple[Any, Path]]:
    """The parts of a resource judged one by one: the items of `each`, or the properties."""
    if kind.each:
        return lookup(properties, (*kind.each, "*"), path, kind.region_gaps, scenario)
    return [(properties, path)]


def _judged_item(unit: dict, kind: StoreKind, scenario: Scenario | None) -> bool:
    if kind.require and kind.require not in unit:
        return False
    return not any(is_set(unit, name, scenario=scenario) for name in kind.skip_item_when_set)


def _skipped(resolver: Resolver, properties: dict, kind: StoreKind) -> bool:
    scenario = resolver.scenario
    if any(is_set(properties, name, scenario=scenario) for name in kind.skip_when_set):
        return True
    for name, values in kind.skip_when_value.items():
        if known_literals(resolver, properties, name) & set(values):
            return True
    for name, values in kind.only_when_value.items():
        literals = possible_literals(resolver, properties, name)
        if literals is None or not literals <= set(values):
            return True
    return False


def _absent_states(resolver: Resolver, properties: dict, kind: StoreKind) -> set[str]:
    """What applies when the switch is missing; empty when it depends on something unknown."""
    if kind.absent_state is None:
        return set()
    states = {kind.absent_state}
    for name, by_value in kind.absent_when_value.items():
        literals = possible_literals(resolver, properties, name)
        if literals is None:
            return set()
        states = {by_value.get(literal, kind.absent_state) for literal in literals}
    return states


def _inherits(resolver: Resolver, unit: dict, kind: StoreKind) -> bool:
    """True when the encryption comes from a snapshot, a source or the AMI."""
    if any(is_set(unit, name, scenario=resolver.scenario) for name in kind.inherits_when_set):
        return True
    for name, values in kind.inherits_when_value.items():
        literals = possible_literals(resolver, unit, name)
        if literals is None or literals & set(values):
            return True
    return False


def _judge_unit(
    resolver: Resolver, unit: dict, unit_path: Path, kind: StoreKind, absent_states: set[str]
) -> Iterator[Outcome]:
    inherits = _inherits(resolver, unit, kind)
    key_slots = (
        lookup(unit, kind.key, unit_path, kind.region_gaps, resolver.scenario)
        if kind.key
        else [(ABSENT, unit_path)]
    )
    for key, key_path in key_slots:
        if key is OPAQUE:
            continue
        if key is not ABSENT and resolver.literals(key) != {""}:
            outcome = judge_key(resolver, key, key_path)
            if outcome is not None:
                yield outcome
        elif not inherits:
            yield from _keyless(resolver, unit, unit_path, key_path, kind, absent_states)


def _keyless(
    resolver: Resolver,
    unit: dict,
    unit_path: Path,
    key_path: Path,
    kind: StoreKind,
    absent_states: set[str],
) -> Iterator[Outcome]:
    """Outcomes of a configuration that names no key: the switch (or its absence) decides.

    When the switch asks for KMS without a key, the finding goes where the key belongs: its
    parent block, or the switch itself when the key would sit among the top-level properties.
    """
    for state, path in _switch_states(resolver, unit, unit_path, kind, absent_states):
        if state != USE_KEY:
            yield Outcome(state, _shown(path))
        elif kind.keyless_state is not None:
            nested = kind.key and len(key_path) > len(PROPERTIES)
            yield Outcome(kind.keyless_state, _shown(key_path if nested else path))


def _switch_states(
    resolver: Resolver, unit: dict, unit_path: Path, kind: StoreKind, absent_states: set[str]
) -> Iterator[tuple[str, Path]]:
    if not kind.switch:
        yield USE_KEY, unit_path
        return
    for value, path in lookup(unit, kind.switch, unit_path, kind.region_gaps, resolver.scenario):
        if value is ABSENT:
            yield from ((state, path) for state in sorted(absent_states))
            continue
        literals = None if value is OPAQUE else resolver.literals(value)
        for literal in sorted(literals or ()):
            state = kind.switch_states.get(literal.lower())
            if state is not None:
                yield state, path


def judge_key(resolver: Resolver, key: Any, path: Path) -> Outcome | None:
    """A key reference is AWS managed when it can name an `alias/aws/…`; anything else (a key
    or alias of the run, a literal ARN, a parameter, an import) is trusted as customer managed.
    An empty string names no key: callers treat it as a missing key."""
    values = resolver.values(key)
    if not values:
        return None
    for parts in values:
        for part in parts:
            match = _AWS_MANAGED_ALIAS.search(part) if isinstance(part, str) else None
            if match:
                return Outcome(AWS_MANAGED, _shown(path), match.group(1))
    return Outcome(CUSTOMER, _shown(path))


def _shown(path: Path) -> Path:
    """Findings about a missing top-level property point at the resource itself."""
    return () if tuple(path) == PROPERTIES else tuple(path)


def deployed(resources: Iterable[Resource]) -> Iterator[Resource]:
    """The resources that can exist: not those whose Condition is false on literals alone."""
    return (resource for resource in resources if not resource.never_deployed)
