"""The coverage report as Markdown that fits a pull-request comment."""

from __future__ import annotations

from collections import Counter

from ..checks.monitoring.coverage import MISSING, OPTIONAL, WATCHED
from .rows import NOT_APPLICABLE, Cell, Report

# GitHub rejects comments over 65,536 characters; leave room for a CI step's own heading.
MAX_CHARACTERS = 60_000
MARKS = {
    WATCHED: "✅ watched",
    OPTIONAL: "⚠️ optional",
    MISSING: "❌ missing",
    NOT_APPLICABLE: "n/a",
}


def render_markdown(report: Report, limit: int = MAX_CHARACTERS) -> str:
    lines = ["## Monitoring coverage (mmaws-lint)", ""]
    if not report.rows:
        return "\n".join([*lines, "No finite resources (nothing WMM101 watches) found.", ""])
    lines += _totals("Stack", report.totals("stack"))
    lines += _totals("Resource type", report.totals("resource_type"))
    footer = ["", "Legend: ✅ an alarm watches it in every scenario; ⚠️ only when a condition"
              " holds; ❌ no alarm (WMM101); n/a: does not apply.", ""]  # fmt: skip
    budget = limit - len("\n".join(lines + footer)) - 200
    left_out = 0
    for resource_type, (columns, rows) in report.by_type().items():
        section = ["", f"### {resource_type}", "", _row(["Stack", "Resource", *columns]),
                   _row(["---"] * (len(columns) + 2))]  # fmt: skip
        for row in rows:
            by_name = {cell.capacity: cell for cell in row.cells}
            cells = [_cell(by_name.get(name)) for name in columns]
            line = _row([f"`{row.stack}`", f"`{row.logical_id}`", *cells])
            section.append(line)
        text = "\n".join(section)
        if len(text) > budget:
            left_out += len(rows)
            continue
        budget -= len(text) + 1
        lines += section
    if left_out:
        lines += ["", f"_{left_out} resources left out to fit a comment; see the HTML or JSON"
                      " report for all of them._"]  # fmt: skip
    return "\n".join(lines + footer)


def _totals(label: str, totals: dict[str, Counter[str]]) -> list[str]:
    lines = ["", f"| {label} | Resources | ✅ Watched | ⚠️ Optional | ❌ Missing |",
             "|---|---:|---:|---:|---:|"]  # fmt: skip
    for name, counts in totals.items():
        lines.append(
            _row(
                [f"`{name}`", *(str(counts[k]) for k in ("resources", WATCHED, OPTIONAL, MISSING))]
            )
        )
    return lines


def _cell(cell: Cell | None) -> str:
    if cell is None:
        return MARKS[NOT_APPLICABLE]
    detail = cell.describe()
    return f"{MARKS[cell.state]}: {detail}" if detail else MARKS[cell.state]


def _row(values: list[str]) -> str:
    return "| " + " | ".join(_escape(v) for v in values) + " |"


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
