"""The coverage report as plain data: one row per finite resource, one cell per capacity.

Every state comes from the alarm index WMM101 reads (`coverage_table`); this module only
describes what that index found (an alarm's threshold, whether it notifies, the conditions of an
optional alarm) and counts the states per stack and per resource type.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..app import App
from ..checks.monitoring.coverage import (
    MISSING,
    OPTIONAL,
    WATCHED,
    CapacityCoverage,
    coverage_table,
)
from ..model import Model
from ..template.template import Resource

NOT_APPLICABLE = "n/a"
STATES = (WATCHED, OPTIONAL, MISSING)
_COMPARISONS = {
    "GreaterThanThreshold": ">",
    "GreaterThanOrEqualToThreshold": ">=",
    "LessThanThreshold": "<",
    "LessThanOrEqualToThreshold": "<=",
    "LessThanLowerOrGreaterThanUpperThreshold": "outside band",
    "LessThanLowerThreshold": "below band",
    "GreaterThanUpperThreshold": "above band",
}


@dataclass(frozen=True)
class Watcher:
    """What watches a capacity: an alarm, a target-tracking policy or a nested stack."""

    logical_id: str
    kind: str  # "alarm", "target tracking", "nested stack"
    threshold: str | None  # "> 80", "outside band"; None when unknown or not an alarm
    notifies: bool | None  # None when unknown (nested stack)

    def describe(self) -> str:
        parts = [self.logical_id]
        if self.kind != "alarm":
            parts.append(f"({self.kind})")
        if self.threshold:
            parts.append(self.threshold)
        if self.notifies is True:
            parts.append("notifies")
        elif self.notifies is False:
            parts.append("no notification")
        return " ".join(parts)


@dataclass(frozen=True)
class Cell:
    capacity: str
    state: str  # watched, optional, missing, n/a
    conditions: tuple[str, ...] = ()
    watchers: tuple[Watcher, ...] = ()

    def describe(self) -> str:
        """The cell's text after its mark: the watchers, the conditions, or nothing."""
        if self.state == WATCHED:
            return "; ".join(w.describe() for w in self.watchers)
        if self.state == OPTIONAL:
            names = "; ".join(w.describe() for w in self.watchers)
            when = f"only when {' or '.join(self.conditions)}" if self.conditions else ""
            return ", ".join(part for part in (names, when) if part)
        return ""


@dataclass(frozen=True)
class Row:
    stack: str
    file: str
    logical_id: str
    resource_type: str
    condition: str | None
    cells: tuple[Cell, ...]


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)

    def by_type(self) -> dict[str, tuple[list[str], list[Row]]]:
        """Rows grouped by resource type, with the capacity columns of that type in catalog
        order (variants of one type may name different capacities)."""
        groups: dict[str, tuple[list[str], list[Row]]] = {}
        for row in self.rows:
            columns, rows = groups.setdefault(row.resource_type, ([], []))
            for cell in row.cells:
                if cell.capacity not in columns:
                    columns.append(cell.capacity)
            rows.append(row)
        return groups

    def totals(self, key: str) -> dict[str, Counter[str]]:
        """State counts (and `resources`) per stack (`key="stack"`) or per resource type."""
        result: dict[str, Counter[str]] = {}
        for row in self.rows:
            counts = result.setdefault(getattr(row, key), Counter())
            counts["resources"] += 1
            for cell in row.cells:
                if cell.state != NOT_APPLICABLE:
                    counts[cell.state] += 1
        return result

    def as_json(self) -> dict[str, Any]:
        return {
            "rows": [
                {
                    "stack": row.stack,
                    "file": row.file,
                    "logical_id": row.logical_id,
                    "type": row.resource_type,
                    "condition": row.condition,
                    "capacities": {
                        cell.capacity: {
                            "state": cell.state,
                            "conditions": list(cell.conditions),
                            "watchers": [w.__dict__ for w in cell.watchers],
                        }
                        for cell in row.cells
                    },
                }
                for row in self.rows
            ],
            "totals": {
                "stacks": {name: dict(counts) for name, counts in self.totals("stack").items()},
                "types": {
                    name: dict(counts) for name, counts in self.totals("resource_type").items()
                },
            },
        }


def build_report(apps: list[App], model: Model) -> Report:
    report = Report()
    for app in apps:
        for covered in coverage_table(app, model):
            resource = covered.resource
            cells = tuple(
                _cell(app, capacity.name, found)
                for capacity, found in zip(
                    covered.entry.capacities, covered.capacities, strict=True
                )
            )
            report.rows.append(
                Row(
                    stack=resource.template.stack_name or resource.template.file,
                    file=resource.template.file,
                    logical_id=resource.logical_id,
                    resource_type=resource.type,
                    condition=resource.condition,
                    cells=cells,
                )
            )
    return report


def _cell(app: App, capacity: str, found: CapacityCoverage | None) -> Cell:
    if found is None:
        return Cell(capacity, NOT_APPLICABLE)
    watchers = tuple(_watcher(app, resource) for resource in found.watchers)
    return Cell(capacity, found.state, tuple(sorted(found.conditions)), watchers)


def _watcher(app: App, resource: Resource) -> Watcher:
    if resource.type == "AWS::CloudWatch::Alarm":
        return Watcher(
            resource.logical_id, "alarm", _threshold(app, resource), _notifies(app, resource)
        )
    if resource.type.endswith("ScalingPolicy"):
        return Watcher(resource.logical_id, "target tracking", None, False)
    return Watcher(resource.logical_id, "nested stack", None, None)


def _threshold(app: App, alarm: Resource) -> str | None:
    resolver = app.resolver(alarm.template)
    comparison = resolver.literal(alarm.prop("ComparisonOperator"))
    symbol = _COMPARISONS.get(comparison or "", comparison)
    if alarm.prop("ThresholdMetricId") is not None:
        return symbol
    threshold = resolver.literal(alarm.prop("Threshold"))
    if threshold is None:
        return f"{symbol} ?" if symbol else None
    return f"{symbol} {threshold}" if symbol else threshold


def _notifies(app: App, alarm: Resource) -> bool | None:
    """True when an alarm action can reach someone (a topic, an automation), False when it has
    none or only scales (an Auto Scaling policy); None when it cannot tell."""
    resolver = app.resolver(alarm.template)
    node = alarm.prop("AlarmActions")
    if node is None:
        return False
    if resolver.items(node) is None:
        return None
    return any(not _only_scales(app, resolver, action) for action in resolver.elements(node))


def _only_scales(app: App, resolver: Any, action: Any) -> bool:
    literal = resolver.literal(action)
    if literal is not None:
        return ":autoscaling:" in literal
    targets = [app.resource_at(target) for target in resolver.references(action)]
    return bool(targets) and all(
        target is not None and target.type.endswith("ScalingPolicy") for target in targets
    )
