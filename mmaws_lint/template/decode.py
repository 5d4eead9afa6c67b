"""Decode YAML (with CloudFormation short-form tags) and JSON into spanned `Map`/`Seq` trees.

libyaml composes the node graph (fast, with marks); we convert it ourselves so that intrinsic
tags become their long form, aliases are shared instead of copied, and hostile input (alias
bombs, recursive aliases, absurd nesting, duplicate keys) becomes a `DecodeError` with a line.
"""

from __future__ import annotations

import gc
import json
import sys
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .nodes import Map, Seq, as_span

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
# Python refuses to turn integers longer than this into text (sys.set_int_max_str_digits); a
# number that long is no CloudFormation value, so it stays the text it was written as.
_MAX_INT_DIGITS = getattr(sys, "get_int_max_str_digits", lambda: 4300)() or 4300
_MAX_INT_BITS = int(_MAX_INT_DIGITS * 3.32)


class DecodeError(Exception):
    """The file cannot be read as a template; `line` is 1-based when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def decode_text(text: str, duplicates: list[DecodeError] | None = None) -> Any:
    """Decode template text (YAML or JSON) into `Map`/`Seq`/scalars.

    A duplicate mapping key is an error, unless a `duplicates` list is given: then the last
    value wins (as CloudFormation's parsers do) and the duplicate is recorded there.
    """
    collecting = gc.isenabled()
    gc.disable()  # the decoder allocates millions of objects that all stay alive
    try:
        return _decode(text, duplicates)
    finally:
        if collecting:
            gc.enable()


def _decode(text: str, duplicates: list[DecodeError] | None) -> Any:
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        # JSON forbids raw tabs inside strings, so turning them into spaces keeps every value
        # and every column while letting the YAML composer (which rejects tabs) read the file.
        try:
            return _compose(text.replace("\t", " "), duplicates)
        except DecodeError:
            return _decode_json(text, duplicates)
    return _compose(text, duplicates)


def _compose(text: str, duplicates: list[DecodeError] | None = None) -> Any:
    try:
        root = yaml.compose(text, Loader=_FastLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise DecodeError(f"invalid YAML: {problem}", line) from None
    except yaml.YAMLError as exc:
        raise DecodeError(f"invalid YAML: {exc}") from None
    if root is None:
        return None
    # Without an anchor there is no alias, so no node is shared and none needs remembering.
    return _Converter(duplicates, shared_nodes="&" in text).convert(root)


class _FastLoader(_Loader):  # type: ignore[misc, valid-type]
    """Resolves the implicit tag of most plain scalars without PyYAML's regex table."""

    _FIRST_CHARS_OF_NON_WORDS = frozenset("0123456789+-.~<=")
    _WORDS = frozenset({"yes", "no", "true", "false", "on", "off", "null"})

    def resolve(self, kind: type, value: Any, implicit: Any) -> str:
        if kind is ScalarNode and implicit[0] and value:
            first = value[0]
            if first not in self._FIRST_CHARS_OF_NON_WORDS and (
                len(value) > 5 or not first.isalpha() or value.lower() not in self._WORDS
            ):
                return _STR_TAG
        return super().resolve(kind, value, implicit)


_STR_TAG = "tag:yaml.org,2002:str"
_BOOL_VALUES = {"true": True, "yes": True, "on": True, "false": False, "no": False, "off": False}


def _scalar(node: ScalarNode) -> Any:
    tag, value = node.tag, node.value
    if tag == _STR_TAG or tag[0] == "!":
        return value
    if tag == "tag:yaml.org,2002:int":
        if value.isdigit():
            return _int(value)
    elif tag == "tag:yaml.org,2002:bool":
        return _BOOL_VALUES.get(value.lower(), value)
    elif tag == "tag:yaml.org,2002:null":
        return None
    construct = _SCALAR_CONSTRUCTORS.get(tag)
    if construct is None:
        return value
    try:
        constructed = construct(_SCALAR_HELPER, node)
    except (ValueError, TypeError, OverflowError):
        return value
    if isinstance(constructed, int) and constructed.bit_length() > _MAX_INT_BITS:
        return value
    return constructed


def _int(text: str) -> int | str:
    """An integer, or its text when Python would refuse to print it again (> 4,300 digits)."""
    if len(text) > _MAX_INT_DIGITS:
        return text
    try:
        return int(text)
    except ValueError:  # digits int() does not read, such as superscripts
        return text


def _intrinsic(node: Node, value: Any) -> Any:
    tag = node.tag
    if tag[0] != "!" or tag.startswith("!!"):
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
    wrapped = Map(node)
    wrapped[key] = value
    wrapped.key_spans[key] = node
    return wrapped


class _Converter:
    """Turns the composed node graph into Map/Seq/scalars.

    Positions stay as the YAML nodes themselves (turned into spans only for findings). When the
    text has anchors, converted nodes are remembered so an alias is shared rather than copied,
    a recursive alias is an error, and the expanded size is bounded (alias bombs).
    """

    def __init__(self, duplicates: list[DecodeError] | None, shared_nodes: bool) -> None:
        self.duplicates = duplicates
        self.shared_nodes = shared_nodes
        self.done: dict[int, tuple[Any, int]] = {}
        self.in_progress: set[int] = set()

    def convert(self, root: Node) -> Any:
        value, _ = self._node(root, 0)
        return value

    def _node(self, node: Node, depth: int) -> tuple[Any, int]:
        if depth > MAX_DEPTH:
            raise DecodeError(f"nested deeper than {MAX_DEPTH} levels", node.start_mark.line + 1)
        if not self.shared_nodes:
            return self._build(node, depth)
        key = id(node)
        if key in self.done:
            return self.done[key]
        if key in self.in_progress:
            raise DecodeError("recursive YAML alias", node.start_mark.line + 1)
        self.in_progress.add(key)
        value, size = self._build(node, depth)
        self.in_progress.discard(key)
        if size > MAX_EXPANDED_VALUES:
            raise DecodeError(
                f"YAML aliases expand to more than {MAX_EXPANDED_VALUES:,} values",
                node.start_mark.line + 1,
            )
        self.done[key] = (value, size)
        return value, size

    def _build(self, node: Node, depth: int) -> tuple[Any, int]:
        cls = type(node)
        if cls is ScalarNode:
            value, size = _scalar(node), 1
        elif cls is MappingNode:
            value, size = self._mapping(node, depth)
        else:
            value, size = self._sequence(node, depth)
        return _intrinsic(node, value), size

    def _mapping(self, node: MappingNode, depth: int) -> tuple[Map, int]:
        result = Map(node)
        key_spans = result.key_spans
        size = 1
        explicit: set[Any] = set()
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                size += self._merge(result, value_node, depth)
                continue
            if type(key_node) is not ScalarNode:
                raise DecodeError("mapping key is not a scalar", key_node.start_mark.line + 1)
            key = _scalar(key_node)
            if key in explicit:
                duplicate = DecodeError(
                    f"duplicate key {key!r} (first at line {as_span(key_spans[key]).line})",
                    key_node.start_mark.line + 1,
                )
                if self.duplicates is None:
                    raise duplicate
                self.duplicates.append(duplicate)
            explicit.add(key)
            if type(value_node) is ScalarNode and value_node.tag[0] != "!":
                value, child = _scalar(value_node), 1
            else:
                value, child = self._node(value_node, depth + 1)
            size += child
            result[key] = value
            key_spans[key] = key_node
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
        return size

    def _sequence(self, node: SequenceNode, depth: int) -> tuple[Seq, int]:
        result = Seq(node)
        size = 1
        for item in node.value:
            value, child = self._node(item, depth + 1)
            size += child
            result.append(value)
            result.item_spans.append(item)
        return result, size


# --- JSON fallback: for JSON the YAML composer cannot read (rare escapes, exotic numbers) ---


def _decode_json(text: str, duplicates: list[DecodeError] | None = None) -> Any:
    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in items:
            if key in result:
                duplicate = DecodeError(f"duplicate key {key!r}")
                if duplicates is None:
                    raise duplicate
                duplicates.append(duplicate)
            result[key] = value
        return result

    try:
        raw = json.loads(text, object_pairs_hook=pairs, parse_int=_int)
    except json.JSONDecodeError as exc:
        raise DecodeError(f"invalid JSON: {exc.msg}", exc.lineno) from None
    except RecursionError:
        raise DecodeError(f"nested deeper than {MAX_DEPTH} levels") from None
    return _wrap_json(raw, 0)


def _wrap_json(value: Any, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise DecodeError(f"nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, dict):
        result = Map()
        for key, child in value.items():
            result[_text(key)] = _wrap_json(child, depth + 1)
        return result
    if isinstance(value, list):
        seq = Seq()
        for child in value:
            seq.append(_wrap_json(child, depth + 1))
        return seq
    if isinstance(value, str):
        return _text(value)
    return value


def _text(value: str) -> str:
    """JSON may escape half of a surrogate pair (`"\\ud800"`), which no output can encode:
    it becomes U+FFFD, the replacement character."""
    if value.isascii():
        return value
    return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
