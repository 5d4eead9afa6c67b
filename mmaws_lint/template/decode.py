"""Decode YAML (with CloudFormation short-form tags) and JSON into spanned `Map`/`Seq` trees.

libyaml composes the node graph (fast, with marks); we convert it ourselves so that intrinsic
tags become their long form, aliases are shared instead of copied, and hostile input (alias
bombs, recursive aliases, absurd nesting, duplicate keys) becomes a `DecodeError` with a line.
"""

from __future__ import annotations

import json
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .nodes import Map, Seq, Span

try:  # libyaml is an order of magnitude faster; PyYAML wheels ship it on every platform we test
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - pure-Python PyYAML build
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_DEPTH = 256
MAX_EXPANDED_VALUES = 5_000_000

_FN_TAGS = {
    "Base64", "Cidr", "FindInMap", "GetAZs", "ImportValue", "Join", "Select", "Split", "Sub",
    "Transform", "And", "Equals", "If", "Not", "Or", "Contains", "EachMemberEquals",
    "EachMemberIn", "RefAll", "ValueOf", "ValueOfAll", "Length", "ToJsonString", "ForEach",
    "GetAtt",
}  # fmt: skip
_SCALAR_CONSTRUCTORS = {
    "tag:yaml.org,2002:int": yaml.SafeLoader.construct_yaml_int,
    "tag:yaml.org,2002:float": yaml.SafeLoader.construct_yaml_float,
    "tag:yaml.org,2002:bool": yaml.SafeLoader.construct_yaml_bool,
    "tag:yaml.org,2002:null": yaml.SafeLoader.construct_yaml_null,
}
_SCALAR_HELPER = yaml.SafeLoader("")


class DecodeError(Exception):
    """The file cannot be read as a template; `line` is 1-based when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def decode_text(text: str) -> Any:
    """Decode template text (YAML or JSON) into `Map`/`Seq`/scalars."""
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        # JSON forbids raw tabs inside strings, so turning them into spaces keeps every value
        # and every column while letting the YAML composer (which rejects tabs) read the file.
        try:
            return _compose(text.replace("\t", " "))
        except DecodeError:
            return _decode_json(text)
    return _compose(text)


def _compose(text: str) -> Any:
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise DecodeError(f"invalid YAML: {problem}", line) from None
    except yaml.YAMLError as exc:
        raise DecodeError(f"invalid YAML: {exc}") from None
    if root is None:
        return None
    return _Converter().convert(root)


def _span(node: Node) -> Span:
    start, end = node.start_mark, node.end_mark
    return Span(start.line + 1, start.column + 1, end.line + 1, end.column + 1)


class _Converter:
    def __init__(self) -> None:
        self.done: dict[int, Any] = {}
        self.size: dict[int, int] = {}
        self.in_progress: set[int] = set()

    def convert(self, root: Node) -> Any:
        value, _ = self._node(root, 0)
        return value

    def _node(self, node: Node, depth: int) -> tuple[Any, int]:
        key = id(node)
        if key in self.done:
            return self.done[key], self.size[key]
        if key in self.in_progress:
            raise DecodeError("recursive YAML alias", node.start_mark.line + 1)
        if depth > MAX_DEPTH:
            raise DecodeError(f"nested deeper than {MAX_DEPTH} levels", node.start_mark.line + 1)
        self.in_progress.add(key)
        if isinstance(node, MappingNode):
            value, size = self._mapping(node, depth)
        elif isinstance(node, SequenceNode):
            value, size = self._sequence(node, depth)
        else:
            value, size = self._scalar(node), 1
        value = self._intrinsic(node, value)
        self.in_progress.discard(key)
        if size > MAX_EXPANDED_VALUES:
            raise DecodeError(
                f"YAML aliases expand to more than {MAX_EXPANDED_VALUES:,} values",
                node.start_mark.line + 1,
            )
        self.done[key], self.size[key] = value, size
        return value, size

    def _mapping(self, node: MappingNode, depth: int) -> tuple[Map, int]:
        result = Map(_span(node))
        size = 1
        explicit: set[Any] = set()
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                size += self._merge(result, value_node, depth)
                continue
            if not isinstance(key_node, ScalarNode):
                raise DecodeError("mapping key is not a scalar", key_node.start_mark.line + 1)
            key = self._scalar(key_node)
            if key in explicit:
                raise DecodeError(
                    f"duplicate key {key!r} (first at line {result.key_spans[key].line})",
                    key_node.start_mark.line + 1,
                )
            explicit.add(key)
            value, child = self._node(value_node, depth + 1)
            size += child
            result[key] = value
            result.key_spans[key] = _span(key_node)
            result.value_spans[key] = _span(value_node)
        return result, size

    def _merge(self, target: Map, value_node: Node, depth: int) -> int:
        sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
        size = 0
        for source in sources:
            merged, child = self._node(source, depth + 1)
            size += child
            if not isinstance(merged, Map):
                raise DecodeError("YAML merge key needs a mapping", source.start_mark.line + 1)
            for key, value in merged.items():
                if key not in target:
                    target[key] = value
                    target.key_spans[key] = merged.key_spans.get(key, merged.span)
                    target.value_spans[key] = merged.value_spans.get(key, merged.span)
        return size

    def _sequence(self, node: SequenceNode, depth: int) -> tuple[Seq, int]:
        result = Seq(_span(node))
        size = 1
        for item in node.value:
            value, child = self._node(item, depth + 1)
            size += child
            result.append(value)
            result.item_spans.append(_span(item))
        return result, size

    @staticmethod
    def _scalar(node: ScalarNode) -> Any:
        construct = _SCALAR_CONSTRUCTORS.get(node.tag)
        if construct is None:
            return node.value
        try:
            return construct(_SCALAR_HELPER, node)
        except (ValueError, TypeError, OverflowError):
            return node.value

    @staticmethod
    def _intrinsic(node: Node, value: Any) -> Any:
        tag = node.tag
        if not tag.startswith("!") or tag.startswith("!!"):
            return value
        name = tag[1:]
        if name == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
        if name in ("Ref", "Condition"):
            key = name
        elif name in _FN_TAGS:
            key = f"Fn::{name}"
        else:
            return value
        wrapped = Map(_span(node))
        wrapped[key] = value
        wrapped.key_spans[key] = wrapped.span
        wrapped.value_spans[key] = wrapped.span
        return wrapped


# --- JSON fallback: for JSON the YAML composer cannot read (rare escapes, exotic numbers) ---


def _decode_json(text: str) -> Any:
    try:
        raw = json.loads(text, object_pairs_hook=_json_pairs)
    except json.JSONDecodeError as exc:
        raise DecodeError(f"invalid JSON: {exc.msg}", exc.lineno) from None
    except RecursionError:
        raise DecodeError(f"nested deeper than {MAX_DEPTH} levels") from None
    return _wrap_json(raw, 0)


def _json_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise DecodeError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _wrap_json(value: Any, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise DecodeError(f"nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, dict):
        result = Map()
        for key, child in value.items():
            result[key] = _wrap_json(child, depth + 1)
        return result
    if isinstance(value, list):
        seq = Seq()
        for child in value:
            seq.append(_wrap_json(child, depth + 1))
        return seq
    return value
