"""Answer two questions about a template value: which strings can it take, and which resources
does it reference?

A possible string is a tuple of parts: literal `str` pieces and `Sym` placeholders for what
is only known at deploy time (a resource's ID, an attribute, a pseudo parameter, a parameter
without default, an import nobody in the run exports). `Fn::If` yields every branch, so a set
of possibilities comes back. Anything the resolver cannot follow becomes `UNKNOWN`: rules
decide only on what is known and stay silent otherwise.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

from .intrinsics import intrinsic
from .nodes import Map
from .template import PSEUDO_PARAMETERS, Template

if TYPE_CHECKING:
    from ..app import App
    from .scenarios import Scenario

MAX_DEPTH = 48
MAX_COMBINATIONS = 256


class Sym(NamedTuple):
    """A placeholder inside a resolved string.

    kind: 'ref' (resource Ref), 'getatt', 'param' (parameter without default), 'pseudo',
    'import' (unresolved Fn::ImportValue) or 'unknown'.
    """

    kind: str
    name: str = ""
    attr: str = ""
    file: str = ""


UNKNOWN = Sym("unknown")
Parts = tuple["str | Sym", ...]
_SUB_VAR = re.compile(r"\$\{([^}]*)\}")


class Target(NamedTuple):
    """A resource referenced by a value, in whichever template of the run holds it."""

    file: str
    logical_id: str
    attr: str = ""


def is_no_value(node: Any) -> bool:
    return isinstance(node, dict) and len(node) == 1 and node.get("Ref") == "AWS::NoValue"


def join_parts(parts: Iterable[str | Sym]) -> Parts:
    """Normalise: merge adjacent literals, drop empty ones."""
    out: list[str | Sym] = []
    for part in parts:
        if isinstance(part, str):
            if not part:
                continue
            if out and isinstance(out[-1], str):
                out[-1] = out[-1] + part
                continue
        out.append(part)
    return tuple(out)


def as_literal(parts: Parts) -> str | None:
    if not parts:
        return ""
    if len(parts) == 1 and isinstance(parts[0], str):
        return parts[0]
    return None


class Resolver:
    """Resolution inside one template, with the run's exports for `Fn::ImportValue`.

    Under a scenario (`under`), an `Fn::If` on a condition the scenario fixes yields only the
    chosen branch, and a parameter takes the value the scenario's `Fn::Equals` facts imply.
    Results are remembered per node, and a node met again while it is being resolved (an
    export that imports itself, directly or through other templates) is unknown: resolution
    stays linear in the size of the templates.
    """

    def __init__(
        self,
        template: Template,
        app: App | None = None,
        pseudo: dict | None = None,
        scenario: Scenario | None = None,
    ):
        self.template = template
        self.app = app
        self.pseudo = pseudo or {}
        self.scenario = scenario if scenario is not None and scenario.fixes_anything else None
        # Keyed by id(), holding the node too: a node built on the fly (by a rule) may be freed
        # and its id reused, so an entry counts only for the very same object.
        self._values_memo: dict[int, tuple[Any, set[Parts]]] = {}
        self._references_memo: dict[int, tuple[Any, frozenset[Target]]] = {}
        self._in_progress: set[int] = set()
        self._references_in_progress: set[int] = set()
        self._scenario_resolvers: dict[Scenario, Resolver] = {}

    def under(self, scenario: Scenario | None) -> Resolver:
        """This template's resolver as seen in `scenario` (itself when it fixes nothing)."""
        if scenario is None or not scenario.fixes_anything or scenario is self.scenario:
            return self
        base = self
        if self.scenario is not None:
            return Resolver(self.template, self.app, self.pseudo, scenario)
        found = base._scenario_resolvers.get(scenario)
        if found is None:
            found = Resolver(self.template, self.app, self.pseudo, scenario)
            base._scenario_resolvers[scenario] = found
        return found

    def chosen_branch(self, arguments: Any) -> Any:
        """For `Fn::If` arguments: the branch this resolver's scenario picks, else None."""
        if self.scenario is None or not isinstance(arguments, list) or len(arguments) != 3:
            return None
        value = self.scenario.holds(arguments[0])
        if value is None:
            return None
        return (arguments[1],) if value else (arguments[2],)

    # ---- possible strings -------------------------------------------------------------

    def values(self, node: Any, depth: int = 0) -> set[Parts]:
        """Every string `node` can take. Empty when the value is absent (AWS::NoValue)."""
        if depth > MAX_DEPTH:
            return {(UNKNOWN,)}
        if isinstance(node, bool):
            return {("true" if node else "false",)}
        if isinstance(node, (str, int, float)):
            return {join_parts((str(node),))}
        if node is None:
            return set()
        fn = intrinsic(node)
        if fn is None:
            return {(UNKNOWN,)}
        key = id(node)
        known = self._values_memo.get(key)
        if known is not None and known[0] is node:
            return known[1]
        if key in self._in_progress:
            return {(UNKNOWN,)}  # a cycle: the value depends on itself
        name, arg = fn
        handler = self._HANDLERS.get(name)
        if handler is None:
            return {(UNKNOWN,)}
        self._in_progress.add(key)
        try:
            result = handler(self, arg, depth + 1)
        except (TypeError, ValueError, IndexError, KeyError, AttributeError, RecursionError):
            result = {(UNKNOWN,)}
        finally:
            self._in_progress.discard(key)
        if len(result) > MAX_COMBINATIONS:
            result = {(UNKNOWN,)}
        self._values_memo[key] = (node, result)
        return result

    def literals(self, node: Any) -> set[str] | None:
        """The literal strings `node` can take, or None when any possibility is not literal."""
        result = set()
        for parts in self.values(node):
            literal = as_literal(parts)
            if literal is None:
                return None
            result.add(literal)
        return result

    def literal(self, node: Any) -> str | None:
        """The one literal value of `node`, or None."""
        found = self.literals(node)
        if found is not None and len(found) == 1:
            return next(iter(found))
        return None

    def _ref(self, name: Any, depth: int) -> set[Parts]:
        if not isinstance(name, str):
            return {(UNKNOWN,)}
        if name == "AWS::NoValue":
            return set()
        if name in self.pseudo:
            return {(self.pseudo[name],)}
        if name in PSEUDO_PARAMETERS:
            return {(Sym("pseudo", name),)}
        if name in self.template.resources:
            return {(Sym("ref", name, "", self.template.file),)}
        parameter = self.template.parameters.get(name)
        if parameter is not None and self.scenario is not None:
            equal, excluded = self.scenario.parameter_values(name, parameter.allowed_values)
            if equal is not None:
                return {(equal,)}
            if excluded and parameter.has_default and str(parameter.default) in excluded:
                return {(Sym("param", name, "", self.template.file),)}
        if parameter is not None:
            if (
                parameter.has_default
                and parameter.default_is_value
                and not isinstance(parameter.default, (dict, list))
            ):
                return self.values(parameter.default, depth)
            return {(Sym("param", name, "", self.template.file),)}
        return {(UNKNOWN,)}

    def _getatt(self, arg: Any, depth: int) -> set[Parts]:
        logical_id, attr = self._getatt_target(arg)
        if logical_id is None or logical_id not in self.template.resources:
            return {(UNKNOWN,)}
        return {(Sym("getatt", logical_id, attr or "", self.template.file),)}

    def _getatt_target(self, arg: Any) -> tuple[str | None, str | None]:
        if isinstance(arg, str):
            head, _, tail = arg.partition(".")
            return head, tail
        if isinstance(arg, list) and len(arg) >= 2 and isinstance(arg[0], str):
            attr = arg[1] if isinstance(arg[1], str) else self.literal(arg[1])
            return arg[0], attr
        return None, None

    def _sub(self, arg: Any, depth: int) -> set[Parts]:
        if isinstance(arg, str):
            text, variables = arg, {}
        elif isinstance(arg, list) and len(arg) >= 1 and isinstance(arg[0], str):
            text = arg[0]
            variables = arg[1] if len(arg) > 1 and isinstance(arg[1], dict) else {}
        else:
            return {(UNKNOWN,)}
        pieces: list[set[Parts]] = []
        position = 0
        for match in _SUB_VAR.finditer(text):
            pieces.append({(text[position : match.start()],)})
            expression = match.group(1)
            if expression.startswith("!"):
                pieces.append({("${" + expression[1:] + "}",)})
            elif expression in variables:
                pieces.append(self.values(variables[expression], depth))
            elif "." in expression and expression.split(".", 1)[0] in self.template.resources:
                pieces.append(self._getatt(expression, depth))
            else:
                pieces.append(self._ref(expression, depth))
            position = match.end()
        pieces.append({(text[position:],)})
        return _product(pieces)

    def _join(self, arg: Any, depth: int) -> set[Parts]:
        if not isinstance(arg, list) or len(arg) != 2 or not isinstance(arg[0], str):
            return {(UNKNOWN,)}
        items = self.items(arg[1], depth)
        if items is None:
            return {(UNKNOWN,)}
        pieces: list[set[Parts]] = []
        for index, item in enumerate(items):
            if index:
                pieces.append({(arg[0],)})
            pieces.append(self.values(item, depth) or {("",)})
        return _product(pieces) if pieces else {()}

    def _select(self, arg: Any, depth: int) -> set[Parts]:
        if not isinstance(arg, list) or len(arg) != 2:
            return {(UNKNOWN,)}
        index = self.literal(arg[0])
        items = self.items(arg[1], depth)
        if index is None or items is None or not index.isdigit():
            return {(UNKNOWN,)}
        position = int(index)
        if position >= len(items):
            return {(UNKNOWN,)}
        return self.values(items[position], depth)

    def _if(self, arg: Any, depth: int) -> set[Parts]:
        if not isinstance(arg, list) or len(arg) != 3:
            return {(UNKNOWN,)}
        chosen = self.chosen_branch(arg)
        if chosen is not None:
            return self.values(chosen[0], depth)
        return self.values(arg[1], depth) | self.values(arg[2], depth)

    def _find_in_map(self, arg: Any, depth: int) -> set[Parts]:
        result: set[Parts] = set()
        for node in self.find_in_map(arg, depth):
            result |= self.values(node, depth)
        return result or {(UNKNOWN,)}

    def find_in_map(self, arg: Any, depth: int = 0) -> list[Any]:
        """Every value a `Fn::FindInMap` can return; an unknown key means every entry."""
        if not isinstance(arg, list) or len(arg) < 3:
            return []
        level: list[Any] = [self.template.mappings]
        for key in arg[:3]:
            names = self.literals(key) if not isinstance(key, str) else {key}
            following: list[Any] = []
            for mapping in level:
                if not isinstance(mapping, dict):
                    continue
                if names is None:
                    following.extend(mapping.values())
                else:
                    following.extend(mapping[n] for n in sorted(names) if n in mapping)
            level = following
        if not level and len(arg) == 4 and isinstance(arg[3], dict):
            default = arg[3].get("DefaultValue")
            return [default] if default is not None else []
        return level

    def _import(self, arg: Any, depth: int) -> set[Parts]:
        found = self.export_values(arg, depth)
        if found is None:
            return {(Sym("import", str(self.literal(arg) or "")),)}
        result: set[Parts] = set()
        for resolver, node in found:
            result |= resolver.values(node, depth)
        return result

    def export_values(self, name_node: Any, depth: int = 0) -> list[tuple[Resolver, Any]] | None:
        """The exporting (resolver, value) pairs an import can read, or None if unknown."""
        if self.app is None:
            return None
        names = self.literals(name_node)
        if not names:
            return None
        found = []
        for name in names:
            export = self.app.exports.get(name)
            if export is None:
                return None
            template, value = export
            found.append((self.app.resolver(template), value))
        return found

    def _split(self, arg: Any, depth: int) -> set[Parts]:
        return {(UNKNOWN,)}

    _HANDLERS = {
        "Ref": _ref,
        "Fn::GetAtt": _getatt,
        "Fn::Sub": _sub,
        "Fn::Join": _join,
        "Fn::Select": _select,
        "Fn::If": _if,
        "Fn::FindInMap": _find_in_map,
        "Fn::ImportValue": _import,
        "Fn::Split": _split,
    }

    # ---- lists -------------------------------------------------------------------------

    def items(self, node: Any, depth: int = 0) -> list[Any] | None:
        """The item nodes of a list-valued expression, or None when unknown.

        `Fn::If` yields the items of both branches (so rules asking "could any item…" see all
        of them); items that are `AWS::NoValue` are dropped.
        """
        if depth > MAX_DEPTH:
            return None
        if isinstance(node, list):
            return [item for item in node if not is_no_value(item)]
        fn = intrinsic(node)
        if fn is None:
            return None
        name, arg = fn
        if name == "Fn::If" and isinstance(arg, list) and len(arg) == 3:
            chosen = self.chosen_branch(arg)
            if chosen is not None:
                return [] if is_no_value(chosen[0]) else self.items(chosen[0], depth + 1)
            first, second = self.items(arg[1], depth + 1), self.items(arg[2], depth + 1)
            if (first is None and not is_no_value(arg[1])) or (
                second is None and not is_no_value(arg[2])
            ):
                return None
            return (first or []) + (second or [])
        if name == "Fn::Split" and isinstance(arg, list) and len(arg) == 2:
            separators = self.literals(arg[0])
            texts = self.literals(arg[1])
            if not separators or texts is None or len(separators) != 1:
                return None
            separator = next(iter(separators))
            if not separator:
                return None
            return [piece for text in sorted(texts) for piece in text.split(separator)]
        if name == "Ref" and isinstance(arg, str):
            parameter = self.template.parameters.get(arg)
            if parameter is None or not parameter.has_default or not parameter.default_is_value:
                return None
            if isinstance(parameter.default, list):
                return list(parameter.default)
            if isinstance(parameter.default, str) and (
                parameter.type.startswith("List<") or parameter.type == "CommaDelimitedList"
            ):
                return [piece.strip() for piece in parameter.default.split(",")]
            return None
        if name == "Fn::FindInMap":
            found = self.find_in_map(arg, depth + 1)
            if found and all(isinstance(item, list) for item in found):
                return [element for item in found for element in item]
            return None
        if name == "Fn::ImportValue":
            return None
        return None

    def elements(self, node: Any, depth: int = 0) -> Iterator[Any]:
        """Every possible scalar element of a list, `Fn::If` items expanded, NoValue dropped."""
        for item in self.items(node, depth) or []:
            yield from self.branches(item)

    def branches(self, node: Any, depth: int = 0) -> Iterator[Any]:
        """Every value `node` can be after `Fn::If` choices; `AWS::NoValue` yields nothing."""
        if depth > MAX_DEPTH or is_no_value(node):
            return
        fn = intrinsic(node)
        if fn and fn[0] == "Fn::If" and isinstance(fn[1], list) and len(fn[1]) == 3:
            chosen = self.chosen_branch(fn[1])
            if chosen is not None:
                yield from self.branches(chosen[0], depth + 1)
                return
            yield from self.branches(fn[1][1], depth + 1)
            yield from self.branches(fn[1][2], depth + 1)
        else:
            yield node

    # ---- references --------------------------------------------------------------------

    def references(self, node: Any, depth: int = 0) -> set[Target]:
        """Resources of the run that `node` points at, following imports to their exports."""
        return set(self._references(node, depth))

    def _references(self, node: Any, depth: int) -> frozenset[Target]:
        if depth > MAX_DEPTH or not isinstance(node, (dict, list)):
            return frozenset()
        key = id(node)
        known = self._references_memo.get(key)
        if known is not None and known[0] is node:
            return known[1]
        if key in self._references_in_progress:
            return frozenset()  # a cycle adds nothing new
        self._references_in_progress.add(key)
        try:
            found = self._collect_references(node, depth)
        except RecursionError:
            found = frozenset()
        finally:
            self._references_in_progress.discard(key)
        self._references_memo[key] = (node, found)
        return found

    def _collect_references(self, node: Any, depth: int) -> frozenset[Target]:
        found: set[Target] = set()
        fn = intrinsic(node)
        if fn is not None:
            name, arg = fn
            if name in ("Ref", "Fn::GetAtt", "Fn::Sub"):
                for parts in self.values(node, depth):
                    found.update(_targets(parts))
                if name == "Fn::Sub" and isinstance(arg, list) and len(arg) > 1:
                    found |= self._references(arg[1], depth + 1)
                return frozenset(found)
            if name == "Fn::ImportValue":
                for resolver, value in self.export_values(arg, depth) or []:
                    found |= resolver._references(value, depth + 1)
                return frozenset(found)
            if name == "Fn::If" and isinstance(arg, list) and len(arg) == 3:
                chosen = self.chosen_branch(arg)
                for branch in chosen if chosen is not None else arg[1:]:
                    found |= self._references(branch, depth + 1)
                return frozenset(found)
            if name == "Fn::FindInMap":
                return frozenset()
        children = node.values() if isinstance(node, dict) else node
        for value in children:
            found |= self._references(value, depth + 1)
        return frozenset(found)

    def refers_to(self, node: Any, resource_id: str) -> bool:
        """True when `node` references resource `resource_id` of this template."""
        return any(
            t.logical_id == resource_id and t.file == self.template.file
            for t in self.references(node)
        )


def _targets(parts: Parts) -> Iterator[Target]:
    for part in parts:
        if isinstance(part, Sym) and part.kind in ("ref", "getatt"):
            yield Target(part.file, part.name, part.attr)


def _product(pieces: list[set[Parts]]) -> set[Parts]:
    total = 1
    for piece in pieces:
        total *= max(len(piece), 1)
        if total > MAX_COMBINATIONS:
            return {(UNKNOWN,)}
    result = set()
    for combination in itertools.product(*[p or {("",)} for p in pieces]):
        result.add(join_parts(part for parts in combination for part in parts))
    return result


def map_of(node: Any) -> Map:
    return node if isinstance(node, Map) else Map()
