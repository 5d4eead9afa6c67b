"""Decoded template values that remember where they came from.

Mappings and sequences carry the source span of each child, so a finding can point at the
exact key or item that holds the offending value without wrapping every scalar.
"""

from __future__ import annotations

from typing import Any, NamedTuple


class Span(NamedTuple):
    """A 1-based source range: start line/column to end line/column."""

    line: int
    column: int
    end_line: int
    end_column: int


NO_SPAN = Span(1, 1, 1, 1)


class Map(dict):
    """A mapping with the span of the whole node, of each key and of each value."""

    __slots__ = ("key_spans", "span", "value_spans")

    def __init__(self, span: Span = NO_SPAN) -> None:
        super().__init__()
        self.span = span
        self.key_spans: dict[Any, Span] = {}
        self.value_spans: dict[Any, Span] = {}


class Seq(list):
    """A sequence with the span of the whole node and of each item."""

    __slots__ = ("item_spans", "span")

    def __init__(self, span: Span = NO_SPAN) -> None:
        super().__init__()
        self.span = span
        self.item_spans: list[Span] = []


Path = tuple[Any, ...]


def locate(root: Any, path: Path) -> Span:
    """The span of the node at `path`; the deepest known ancestor when the path runs out."""
    node = root
    best = getattr(root, "span", NO_SPAN)
    for key in path:
        if isinstance(node, Map) and key in node:
            best = node.key_spans.get(key, best)
            node = node[key]
        elif isinstance(node, Seq) and isinstance(key, int) and 0 <= key < len(node):
            best = node.item_spans[key] if key < len(node.item_spans) else best
            node = node[key]
        else:
            break
    return best


def get_path(root: Any, path: Path, default: Any = None) -> Any:
    node = root
    for key in path:
        if (isinstance(node, dict) and key in node) or (
            isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node)
        ):
            node = node[key]
        else:
            return default
    return node
