"""Read IAM-style policy documents (key policies, bucket policies) as templates write them:
objects or JSON strings, `Fn::If` anywhere, one statement or a list, scalars or lists."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

from ...template.nodes import Path
from ...template.resolve import Resolver
from ...template.walk import ABSENT, choices


def documents(node: Any, path: Path) -> Iterator[tuple[Any, Path]]:
    """Each policy document `node` can be (ABSENT when missing in a branch); a JSON string is
    parsed, and anything unreadable comes back as it is (callers treat non-dicts as unknown)."""
    if node is None:
        yield ABSENT, path
        return
    for document, where in choices(node, path):
        if isinstance(document, str):
            with contextlib.suppress(ValueError):
                document = json.loads(document)
        yield document, where


def statements(document: dict, path: Path) -> list[tuple[Any, Path]] | None:
    """The statements of a document with their paths, or None when they cannot be listed."""
    node = document.get("Statement")
    found: list[tuple[Any, Path]] = []
    for value, where in choices(node, (*path, "Statement")):
        if value is ABSENT:
            continue
        if isinstance(value, dict) and not _is_intrinsic(value):
            found.append((value, where))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                found.extend(
                    (statement, statement_path)
                    for statement, statement_path in choices(item, (*where, index))
                    if statement is not ABSENT
                )
        else:
            return None
    return found


def scalars(resolver: Resolver, node: Any) -> list[Any]:
    """The scalar expressions of a value that may be one scalar or a list of them."""
    if node is None:
        return []
    items = resolver.items(node)
    if items is None:
        items = [node]
    return [value for item in items for value, _ in choices(item, ()) if value is not ABSENT]


def _is_intrinsic(node: dict) -> bool:
    return len(node) == 1 and any(
        isinstance(key, str) and (key == "Ref" or key.startswith("Fn::")) for key in node
    )
