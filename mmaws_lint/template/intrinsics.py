"""Read an intrinsic function once, and refuse the ones CloudFormation itself would reject.

Every rule reads intrinsics through `intrinsic()`. A function whose argument has the wrong
shape (`Ref: []`, `Fn::If: [[], a, b]`, `Fn::GetAtt: 5`, `Fn::Select: [0]`) cannot be deployed
and says nothing a rule could decide on: it comes back as `MALFORMED`, which no reader matches,
so resolution calls it unknown, walks call it opaque and rules stay silent. Checking the shape
here, and only here, means no rule has to guard against unhashable or missing arguments.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# The name a malformed intrinsic reads as: it never matches a function a reader looks for.
MALFORMED = "mmaws:malformed-intrinsic"

_SCALAR = (str, int, float, bool)


def _is_expression(value: Any) -> bool:
    """A mapping stands for a nested function; whether that one is valid is read when used."""
    return isinstance(value, dict)


def _name(value: Any) -> bool:
    return isinstance(value, str)


def _text_or_expression(value: Any) -> bool:
    return isinstance(value, str) or _is_expression(value)


def _scalar_or_expression(value: Any) -> bool:
    return isinstance(value, _SCALAR) or _is_expression(value)


def _list_or_expression(value: Any) -> bool:
    return isinstance(value, list) or _is_expression(value)


def _arguments(*checks: Callable[[Any], bool]) -> Callable[[Any], bool]:
    """A list of exactly len(checks) arguments, each passing its check."""

    def valid(value: Any) -> bool:
        return (
            isinstance(value, list)
            and len(value) == len(checks)
            and all(check(item) for check, item in zip(checks, value, strict=True))
        )

    return valid


def _get_att(value: Any) -> bool:
    if isinstance(value, str):
        return "." in value
    return _arguments(_name, _text_or_expression)(value)


def _sub(value: Any) -> bool:
    if isinstance(value, str):
        return True
    return (
        isinstance(value, list)
        and len(value) in (1, 2)
        and isinstance(value[0], str)
        and (len(value) == 1 or isinstance(value[1], dict))
    )


def _find_in_map(value: Any) -> bool:
    if not isinstance(value, list) or len(value) not in (3, 4):
        return False
    keys_valid = all(_scalar_or_expression(key) for key in value[:3])
    return keys_valid and (len(value) == 3 or isinstance(value[3], dict))


def _non_empty_list(value: Any) -> bool:
    return isinstance(value, list) and len(value) > 0


def _anything(value: Any) -> bool:
    return True


_VALID_ARGUMENT: dict[str, Callable[[Any], bool]] = {
    "Ref": _name,
    "Condition": _name,
    "Fn::GetAtt": _get_att,
    "Fn::Sub": _sub,
    "Fn::Join": _arguments(_name, _list_or_expression),
    "Fn::Select": _arguments(_scalar_or_expression, _list_or_expression),
    "Fn::Split": _arguments(_name, _text_or_expression),
    "Fn::If": _arguments(_name, _anything, _anything),
    "Fn::FindInMap": _find_in_map,
    "Fn::ImportValue": _text_or_expression,
    "Fn::GetAZs": _text_or_expression,
    "Fn::Base64": _scalar_or_expression,
    "Fn::Cidr": _arguments(_scalar_or_expression, _scalar_or_expression, _scalar_or_expression),
    "Fn::Equals": _arguments(_anything, _anything),
    "Fn::Not": _arguments(_is_expression),
    "Fn::And": _non_empty_list,
    "Fn::Or": _non_empty_list,
}


def intrinsic(node: Any) -> tuple[str, Any] | None:
    """(function name, argument) when node is a one-key intrinsic function mapping.

    A known function with an argument of the wrong shape is `(MALFORMED, node)`.
    """
    if not isinstance(node, dict) or len(node) != 1:
        return None
    key = next(iter(node))
    if key not in ("Ref", "Condition") and not (isinstance(key, str) and key.startswith("Fn::")):
        return None
    argument = node[key]
    valid = _VALID_ARGUMENT.get(key)
    if valid is not None and not valid(argument):
        return MALFORMED, node
    return key, argument
