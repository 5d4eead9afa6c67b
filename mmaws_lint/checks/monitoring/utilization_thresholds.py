"""WMM103: utilization alarms whose threshold is above what latency tolerates."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Finding
from ...template.resolve import Resolver
from ...template.template import Resource
from .. import Context, check
from .catalog import possible_values
from .wording import either


@check("WMM103")
def utilization_alarm_too_high(ctx: Context) -> Iterator[Finding]:
    maximum = float(ctx.setting("max_threshold", 80))
    utilization = set(ctx.setting("utilization_metrics", []))
    upward = set(ctx.setting("upward_comparisons", []))
    for alarm in ctx.app.resources("AWS::CloudWatch::Alarm"):
        resolver = ctx.resolver(alarm)
        comparisons = possible_values(resolver, alarm.prop("ComparisonOperator"), None)
        if not comparisons or not comparisons <= upward:
            continue
        metrics = _returned_metric_names(alarm, resolver)
        if not metrics or not metrics <= utilization:
            continue
        highest = max(
            _numbers(possible_values(resolver, alarm.prop("Threshold"), None)), default=None
        )
        if highest is None or highest <= maximum:
            continue
        yield ctx.finding(
            alarm,
            f"{alarm.logical_id} fires only when {either(tuple(sorted(metrics)))} exceeds"
            f" {highest:g} %, but utilization above {maximum:g} % already hurts latency;"
            f" set Threshold to {maximum:g} or less",
            path=("Properties", "Threshold"),
        )


def _returned_metric_names(alarm: Resource, resolver: Resolver) -> set[str] | None:
    """Names of the metric the alarm compares with its threshold (the metric-math query that
    returns data when it is a plain metric); None when unknown or computed."""
    if "MetricName" in alarm.properties:
        return resolver.literals(alarm.prop("MetricName"))
    queries = [q for q in resolver.elements(alarm.prop("Metrics")) if isinstance(q, dict)]
    returned = [q for q in queries if resolver.literal(q.get("ReturnData")) in ("true", "True")]
    if not returned and len(queries) == 1:
        returned = queries
    if len(returned) != 1:
        return None
    metric = returned[0].get("MetricStat")
    if not isinstance(metric, dict) or not isinstance(metric.get("Metric"), dict):
        return None
    return resolver.literals(metric["Metric"].get("MetricName"))


def _numbers(values: set[str] | None) -> list[float]:
    numbers = []
    for value in values or ():
        try:
            numbers.append(float(value))
        except ValueError:
            continue
    return numbers
