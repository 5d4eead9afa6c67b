"""The coverage report as one self-contained HTML file: inline style and script, no external
asset; readable and printable without JavaScript; every cell has a colour and a text mark;
tables sort by a click on a column heading when JavaScript is on."""

from __future__ import annotations

from collections import Counter
from html import escape

from ..checks.monitoring.coverage import MISSING, OPTIONAL, WATCHED
from .rows import NOT_APPLICABLE, Cell, Report

MARKS = {WATCHED: "✔ watched", OPTIONAL: "◐ optional", MISSING: "✘ missing", NOT_APPLICABLE: "n/a"}
# Sort keys: worst first when sorted ascending.
_RANK = {MISSING: 0, OPTIONAL: 1, WATCHED: 2, NOT_APPLICABLE: 3}

_STYLE = """
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5em;color:#1b1b1b}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}
table{border-collapse:collapse;margin:.5em 0 1em}
th,td{border:1px solid #999;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#eee}td.num{text-align:right}
td.watched{background:#d7f5dd}td.optional{background:#fff1c2}td.missing{background:#fbd3d0}
td.na{background:#f4f4f4;color:#555}
.mark{font-weight:600;white-space:nowrap}.detail{display:block;font-size:.9em}
th[aria-sort]{cursor:pointer}th[aria-sort]::after{content:" \\2195";color:#666}
@media print{body{margin:0;font-size:10pt}th[aria-sort]::after{content:""}
 td,th{-webkit-print-color-adjust:exact;print-color-adjust:exact}
 table{page-break-inside:auto}tr{page-break-inside:avoid}}
"""

_SCRIPT = """
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("th").forEach(function (th, column) {
    th.setAttribute("aria-sort", "none");
    th.tabIndex = 0;
    function sort() {
      var ascending = th.getAttribute("aria-sort") !== "ascending";
      table.querySelectorAll("th").forEach(function (o) { o.setAttribute("aria-sort", "none"); });
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[column].getAttribute("data-sort") || a.cells[column].textContent;
        var y = b.cells[column].getAttribute("data-sort") || b.cells[column].textContent;
        var result = x.localeCompare(y, undefined, {numeric: true});
        return ascending ? result : -result;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    }
    th.addEventListener("click", sort);
    th.addEventListener("keydown", function (e) { if (e.key === "Enter") { sort(); } });
  });
});
"""


def render_html(report: Report) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>Monitoring coverage (mmaws-lint)</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<h1>Monitoring coverage</h1>",
        "<p>Each finite resource, each capacity the model names for its type: the alarm that"
        " watches it (threshold, whether it notifies), <b>✘ missing</b> (WMM101), or"
        " <b>◐ optional</b> (watched only when the named condition holds).</p>",
    ]
    if not report.rows:
        parts.append("<p>No finite resources found.</p>")
    else:
        parts += _totals("Totals per stack", "Stack", report.totals("stack"))
        parts += _totals(
            "Totals per resource type", "Resource type", report.totals("resource_type")
        )
        for resource_type, (columns, rows) in report.by_type().items():
            parts.append(f"<h2>{escape(resource_type)}</h2>")
            parts.append('<table class="sortable coverage"><thead><tr>')
            parts += [f"<th>{escape(name)}</th>" for name in ("Stack", "Resource", *columns)]
            parts.append("</tr></thead><tbody>")
            for row in rows:
                by_name = {cell.capacity: cell for cell in row.cells}
                parts.append(
                    f'<tr data-resource="{escape(row.logical_id)}">'
                    f"<td>{escape(row.stack)}</td><td>{escape(row.logical_id)}</td>"
                )
                parts += [_cell(name, by_name.get(name)) for name in columns]
                parts.append("</tr>")
            parts.append("</tbody></table>")
    parts.append(f"<script>{_SCRIPT}</script></body></html>\n")
    return "\n".join(parts)


def _totals(title: str, label: str, totals: dict[str, Counter[str]]) -> list[str]:
    heads = (label, "Resources", "✔ Watched", "◐ Optional", "✘ Missing")
    parts = [f"<h2>{title}</h2>", '<table class="sortable totals"><thead><tr>']
    parts += [f"<th>{escape(head)}</th>" for head in heads]
    parts.append("</tr></thead><tbody>")
    for name, counts in totals.items():
        numbers = "".join(
            f'<td class="num">{counts[key]}</td>'
            for key in ("resources", WATCHED, OPTIONAL, MISSING)
        )
        parts.append(f"<tr><td>{escape(name)}</td>{numbers}</tr>")
    parts.append("</tbody></table>")
    return parts


def _cell(capacity: str, cell: Cell | None) -> str:
    state = cell.state if cell is not None else NOT_APPLICABLE
    css = "na" if state == NOT_APPLICABLE else state
    detail = cell.describe() if cell is not None else ""
    detail_html = f'<span class="detail">{escape(detail)}</span>' if detail else ""
    return (
        f'<td class="{css}" data-capacity="{escape(capacity)}" data-state="{state}"'
        f' data-sort="{_RANK[state]} {escape(detail)}">'
        f'<span class="mark">{MARKS[state]}</span>{detail_html}</td>'
    )
