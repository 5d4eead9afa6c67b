"""What a rule reports."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from .model import Rule
from .template.nodes import Path
from .template.template import Resource, Template


@dataclass(frozen=True)
class Finding:
    file: str
    line: int
    column: int
    rule: str
    resource: str | None
    message: str
    level: str
    end_line: int
    end_column: int
    resource_type: str | None
    path: tuple[Any, ...]
    cdk_path: str | None

    def sort_key(self) -> tuple[str, int, int, str, str, str]:
        return (self.file, self.line, self.column, self.rule, self.resource or "", self.message)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["path"] = list(self.path)
        return {key: data[key] for key in _FIELD_ORDER}


_FIELD_ORDER = (
    "rule", "level", "message", "file", "line", "column", "end_line", "end_column",
    "resource", "resource_type", "path", "cdk_path",
)  # fmt: skip


def finding_at(
    rule: Rule,
    template: Template,
    message: str,
    resource: Resource | None = None,
    path: Path = (),
) -> Finding:
    """A finding on `resource` (or the template), pointing at `path` below it."""
    full_path = (*resource.path, *path) if resource is not None else tuple(path)
    span = template.span(full_path)
    return Finding(
        file=template.file,
        line=span.line,
        column=span.column,
        rule=rule.id,
        resource=resource.logical_id if resource is not None else None,
        message=message,
        level=rule.level,
        end_line=span.end_line,
        end_column=span.end_column,
        resource_type=resource.type if resource is not None else None,
        path=full_path,
        cdk_path=resource.cdk_path if resource is not None else None,
    )
