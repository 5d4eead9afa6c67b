"""Decoded template values that remember where they came from.

Mappings and sequences carry the source position of each key and item, so a finding can point
at the exact key or item that holds the offending value without wrapping every scalar.
Positions are kept as the decoder's marks and turned into a `Span` only when asked for.
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


def as_span(position: Any) -> Span:
    """A `Span` from a Span, or from anything with 0-based `start_mark`/`end_mark` (a YAML node)."""
    if isinstance(position, Span):
        return position
    start, end = position.start_mark, position.end_mark
    return Span(start.line + 1, start.column + 1, end.line + 1, end.column + 1)


class Map(dict):
    """A mapping with the position of the whole node and of each key."""

    __slots__ = ("key_spans", "span")

    def __init__(self, span: Any = NO_SPAN) -> None:
        super().__init__()
        self.span = span
        self.key_spans: dict[Any, Any] = {}


class Seq(list):
    """A sequence with the position of the whole node and of each item."""

    __slots__ = ("item_spans", "span")

    def __init__(self, span: Any = NO_SPAN) -> None:
        super().__init__()
        self.span = span
        self.item_spans: list[Any] = []


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
    return as_span(best)
