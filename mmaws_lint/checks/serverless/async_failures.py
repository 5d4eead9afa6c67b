"""WMM701: asynchronous invocations and EventBridge deliveries whose failures vanish."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Finding
from ...template.resolve import intrinsic
from ...template.scenarios import Scenario, describe_when
from ...template.template import Resource
from ...template.walk import ABSENT, lookup
from .. import Context, check
from .helpers import absent, index_of, listed
from .index import MessagingIndex, described, key

_EVENTBRIDGE_RETRIES = "EventBridge drops an event it cannot deliver after its retries (24 hours)"


@check("WMM701")
def asynchronous_failures_vanish(ctx: Context) -> Iterator[Finding]:
    index = index_of(ctx)
    target_events = frozenset(
        ctx.data("serverless_event_sources").get("eventbridge_target_events", [])
    )
    for function in index.functions:
        finding = _function_finding(ctx, index, function, target_events)
        if finding is not None:
            yield finding
    for rule in ctx.app.resources("AWS::Events::Rule", "AWS::Scheduler::Schedule"):
        finding = _targets_finding(ctx, rule)
        if finding is not None:
            yield finding


def _covered(ctx: Context, index: MessagingIndex, function: Resource, scenario: Scenario) -> bool:
    properties = function.properties
    if not absent(properties, ("DeadLetterConfig", "TargetArn"), scenario):
        return True
    if not absent(properties, ("DeadLetterQueue",), scenario):
        return True
    if not absent(properties, ("EventInvokeConfig", "DestinationConfig", "OnFailure"), scenario):
        return True
    if index.unknown_invoke_configs:
        return True  # an EventInvokeConfig for a function the linter cannot identify
    return any(
        ctx.app.coexist(function, config, scenario)
        and not absent(config.properties, ("DestinationConfig", "OnFailure", "Destination"), None)
        for config in index.invoke_configs.get(key(function), [])
    )


def _function_finding(
    ctx: Context, index: MessagingIndex, function: Resource, target_events: frozenset[str]
) -> Finding | None:
    invocations = index.invocations.get(key(function), [])
    scenarios = ctx.scenarios(function)
    uncovered: list[Scenario] = []
    invokers: list[str] = []
    targets: list[str] = []
    target_scenarios: list[Scenario] = []
    first_target: tuple = ()
    for scenario in scenarios:
        live = [
            invocation
            for invocation in invocations
            if (
                not absent(function.properties, invocation.path[1:], scenario)
                if invocation.source is function
                else ctx.app.coexist(function, invocation.source, scenario)
            )
        ]
        if live and not _covered(ctx, index, function, scenario):
            uncovered.append(scenario)
            invokers.extend(described(live))
        missing = _events_without_dead_letters(function, scenario, target_events)
        if missing:
            target_scenarios.append(scenario)
            targets.extend(name for name, _ in missing)
            first_target = first_target or missing[0][1]
    if not uncovered and not targets:
        return None
    parts = []
    if uncovered:
        parts.append(
            f"{function.logical_id} is invoked asynchronously (by {listed(invokers)}) with neither"
            " a DeadLetterConfig nor an OnFailure destination"
            f"{describe_when(uncovered, scenarios)}:"
            " Lambda retries a failed event twice, then drops it; add a DeadLetterConfig (SAM"
            " DeadLetterQueue) or an EventInvokeConfig with DestinationConfig.OnFailure"
        )
    if targets:
        subject = "its" if uncovered else f"{function.logical_id}'s"
        plural = "s" if len(set(targets)) > 1 else ""
        parts.append(
            f"{subject} event{plural} {listed(targets)} ha{'ve' if plural else 's'} no"
            f" DeadLetterConfig{describe_when(target_scenarios, scenarios)}:"
            f" {_EVENTBRIDGE_RETRIES};"
            " add DeadLetterConfig with an SQS queue"
        )
    return ctx.finding(function, "; ".join(parts), path=() if uncovered else first_target)


def _events_without_dead_letters(
    function: Resource, scenario: Scenario, target_events: frozenset[str]
) -> list[tuple[str, tuple]]:
    events = function.prop("Events")
    if function.type != "AWS::Serverless::Function" or not isinstance(events, dict):
        return []
    missing = []
    for name, event in events.items():
        kind = event.get("Type") if isinstance(event, dict) else None
        if not isinstance(kind, str) or kind not in target_events:
            continue
        if absent(function.properties, ("Events", name), scenario):
            continue
        if absent(event, ("Properties", "DeadLetterConfig"), scenario):
            missing.append((str(name), ("Properties", "Events", name)))
    return missing


def _targets_finding(ctx: Context, rule: Resource) -> Finding | None:
    resolver = ctx.resolver(rule)
    state = resolver.literal(rule.prop("State"))
    if state is not None and state.upper().startswith("DISABLED"):
        return None
    scheduled = rule.type == "AWS::Scheduler::Schedule"
    keys = ("Target",) if scheduled else ("Targets", "*")
    scenarios = ctx.scenarios(rule)
    bad: list[Scenario] = []
    names: list[str] = []
    first: tuple = ()
    for scenario in scenarios:
        missing = []
        for target, path in lookup(rule.properties, keys, ("Properties",), scenario=scenario):
            if not isinstance(target, dict) or intrinsic(target) is not None or target is ABSENT:
                continue
            if absent(target, ("DeadLetterConfig", "Arn"), scenario):
                identifier = ctx.resolver(rule, scenario).literal(target.get("Id"))
                missing.append((identifier or "target", path))
        if missing:
            bad.append(scenario)
            names.extend(name for name, _ in missing)
            first = first or missing[0][1]
    if not bad:
        return None
    several = len(set(names)) > 1
    if scheduled:
        subject = f"{rule.logical_id}'s target has"
    else:
        subject = f"{rule.logical_id}'s target{'s' if several else ''} {listed(names)}"
        subject += " have" if several else " has"
    return ctx.finding(
        rule,
        f"{subject} no DeadLetterConfig{describe_when(bad, scenarios)}: {_EVENTBRIDGE_RETRIES};"
        " add DeadLetterConfig with an SQS queue (and a RetryPolicy that fits the target)",
        path=first,
    )
