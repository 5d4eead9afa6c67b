"""Reading a property in each scenario, the way every rule of the family asks."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ...template.numbers import whole_number
from ...template.resolve import is_no_value
from ...template.scenarios import Scenario, describe_when
from ...template.template import Resource
from ...template.walk import lowered, possible_literals
from .. import Context


def literals_in(
    ctx: Context,
    resource: Resource,
    scenario: Scenario,
    keys: Sequence[str],
    when_absent: str | None = None,
) -> set[str] | None:
    """Lower-cased literals the property at `keys` takes in `scenario`; None when unknown."""
    return lowered(
        possible_literals(ctx.resolver(resource, scenario), resource.properties, keys, when_absent)
    )


def is_false(values: set[str] | None) -> bool:
    """Known to be false in every branch left open (unknown is not false)."""
    return values is not None and bool(values) and values <= {"false"}


def is_true(values: set[str] | None) -> bool:
    return values is not None and bool(values) and values <= {"true"}


def integer(values: set[str] | None) -> int | None:
    """The one integer a property takes, else None."""
    if values is None or len(values) != 1:
        return None
    text = next(iter(values))
    return whole_number(text)


def breaches(
    ctx: Context, resource: Resource, broken: Callable[[Scenario], bool]
) -> tuple[list[Scenario], str] | None:
    """The scenarios in which `broken` holds and the ' when …' text naming them; None if none."""
    scenarios = ctx.scenarios(resource)
    bad = [scenario for scenario in scenarios if broken(scenario)]
    if not bad:
        return None
    return bad, describe_when(bad, scenarios)


def present(resource: Resource, *keys: str) -> bool:
    value = resource.prop(*keys)
    return value is not None and not is_no_value(value)


def type_word(resource_type: str) -> str:
    """`AWS::RDS::DBInstance` -> `RDS DBInstance`, for messages."""
    parts = resource_type.split("::")
    return " ".join(parts[1:]) if len(parts) == 3 else resource_type
