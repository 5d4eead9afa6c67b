"""GitHub Actions workflow commands: one annotation per finding and per unreadable file."""

from __future__ import annotations

from ..engine import Result
from ..model import Model
from .safe import printable

_COMMAND = {"error": "error", "warning": "warning", "info": "notice"}


def _escape_data(value: object) -> str:
    # workflow-command escapes first, then every other control character made visible
    text = str(value).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return printable(text)


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def render(result: Result, model: Model, rule_ids: list[str]) -> str:
    lines = []
    for f in result.findings:
        properties = ",".join(
            [
                f"file={_escape_property(f.file)}",
                f"line={f.line}",
                f"col={f.column}",
                f"endLine={f.end_line}",
                f"endColumn={f.end_column}",
                f"title={_escape_property(f.rule)}",
            ]
        )
        lines.append(f"::{_COMMAND[f.level]} {properties}::{_escape_data(f.message)}")
    for problem in result.errors:
        line = f",line={problem.line}" if problem.line else ""
        lines.append(
            f"::error file={_escape_property(problem.file)}{line},title=could not lint::"
            f"{_escape_data(problem.message)}"
        )
    return "\n".join(lines) + ("\n" if lines else "")
