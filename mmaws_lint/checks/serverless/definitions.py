"""Read a state machine's definition into plain data: `Definition` (an object, intrinsic functions
inside), `DefinitionString` (JSON text built with `Fn::Sub` or `Fn::Join`), SAM's `Definition`,
and `DefinitionSubstitutions` (`${Name}` placeholders).

What is only known at deploy time (a function's ARN, a Region) becomes a numeric token, valid
JSON wherever the placeholder stood (inside a string or as a bare value), and `Definition.symbol`
says what it stands for, so a Task's `Resource` of `${ChargeFunction.Arn}` is still known to call
a function of the run. Definitions kept in S3 or in a file next to the template (SAM
`DefinitionUri`) are not read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ...template.resolve import UNKNOWN, Parts, Resolver, Sym, intrinsic, is_no_value
from ...template.template import Resource

MAX_VARIANTS = 8
_TOKEN_BASE = 7_391_000_000_000
_TOKEN = re.compile(r"7391\d{9}")
_PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")


@dataclass
class Definition:
    """One readable definition of a state machine, with the tokens it contains."""

    data: dict[str, Any]
    path: tuple[str, ...]
    symbols: dict[str, Sym] = field(default_factory=dict)

    def symbol(self, text: str) -> Sym | None:
        """The one deploy-time value `text` consists of, if it is a single token."""
        return self.symbols.get(text.strip()) if _TOKEN.fullmatch(text.strip()) else None

    def states(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """Every state, at any depth (Parallel branches, Map iterators and processors)."""
        stack = [self.data]
        while stack:
            machine = stack.pop()
            states = machine.get("States") if isinstance(machine, dict) else None
            if not isinstance(states, dict):
                continue
            for name, state in states.items():
                if not isinstance(state, dict):
                    continue
                yield str(name), state
                for branch in state.get("Branches") or []:
                    stack.append(branch)
                for key in ("Iterator", "ItemProcessor"):
                    if isinstance(state.get(key), dict):
                        stack.append(state[key])


class _Tokens:
    def __init__(self) -> None:
        self.symbols: dict[str, Sym] = {}

    def text(self, parts: Parts) -> str:
        pieces = []
        for part in parts:
            if isinstance(part, str):
                pieces.append(part)
            else:
                token = str(_TOKEN_BASE + len(self.symbols))
                self.symbols[token] = part
                pieces.append(token)
        return "".join(pieces)

    def unknown(self) -> str:
        return self.text((UNKNOWN,))


def definitions(machine: Resource, resolver: Resolver) -> list[Definition]:
    """The machine's definitions as this resolver (and its scenario) sees them; [] when none
    can be read."""
    tokens = _Tokens()
    substitutions = _substitutions(machine, resolver, tokens)
    found: list[Definition] = []
    definition = machine.prop("Definition")
    if isinstance(definition, dict) and intrinsic(definition) is None:
        data = _plain(definition, resolver, tokens, substitutions, 0)
        if isinstance(data, dict):
            found.append(Definition(data, ("Properties", "Definition"), tokens.symbols))
    text_node = machine.prop("DefinitionString")
    if text_node is not None:
        for parts in list(resolver.values(text_node))[:MAX_VARIANTS]:
            text = _substitute(tokens.text(parts), substitutions)
            try:
                data = json.loads(text)
            except ValueError:
                continue
            if isinstance(data, dict):
                found.append(Definition(data, ("Properties", "DefinitionString"), tokens.symbols))
    return found


def _substitutions(machine: Resource, resolver: Resolver, tokens: _Tokens) -> dict[str, str]:
    node = machine.prop("DefinitionSubstitutions")
    if not isinstance(node, dict) or intrinsic(node) is not None:
        return {}
    found = {}
    for name, value in node.items():
        values = resolver.values(value)
        found[str(name)] = tokens.text(next(iter(values))) if len(values) == 1 else tokens.unknown()
    return found


def _substitute(text: str, substitutions: dict[str, str]) -> str:
    if not substitutions or "${" not in text:
        return text
    return _PLACEHOLDER.sub(lambda m: substitutions.get(m.group(1), m.group(0)), text)


def _plain(
    node: Any, resolver: Resolver, tokens: _Tokens, substitutions: dict[str, str], depth: int
) -> Any:
    if depth > 64:
        return tokens.unknown()
    if isinstance(node, str):
        return _substitute(node, substitutions)
    if isinstance(node, list):
        return [
            _plain(item, resolver, tokens, substitutions, depth + 1)
            for item in node
            if not is_no_value(item)
        ]
    if isinstance(node, dict):
        function = intrinsic(node)
        if function is None:
            return {
                key: _plain(value, resolver, tokens, substitutions, depth + 1)
                for key, value in node.items()
                if not is_no_value(value)
            }
        if function[0] == "Fn::If":
            chosen = resolver.chosen_branch(function[1])
            if chosen is not None:
                return _plain(chosen[0], resolver, tokens, substitutions, depth + 1)
            return tokens.unknown()
        values = resolver.values(node)
        if len(values) == 1:
            return _substitute(tokens.text(next(iter(values))), substitutions)
        return tokens.unknown()
    return node
