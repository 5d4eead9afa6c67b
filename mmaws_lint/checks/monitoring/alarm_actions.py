"""WMM102: alarms that tell nobody: no actions, disabled actions, and nothing that reads their
state."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ...app import App
from ...findings import Finding
from ...template.nodes import Path
from ...template.resolve import Resolver, as_literal, intrinsic, is_no_value
from ...template.symbols import has_unknown
from ...template.template import Resource
from .. import Context, check
from ..dead_letters import nodes_under
from .catalog import ResourceKey, possible_values, resource_key


@dataclass
class FedAlarms:
    """Alarms something acts on besides their own actions: a composite alarm that notifies, or
    a service that reacts to their state (deployment rollback, DNS failover)."""

    keys: set[ResourceKey] = field(default_factory=set)
    names: set[str] = field(default_factory=set)
    every_alarm: bool = False  # something reads alarms the linter cannot identify

    def includes(self, alarm: Resource, resolver: Resolver) -> bool:
        if self.every_alarm or resource_key(alarm) in self.keys:
            return True
        names = resolver.literals(alarm.prop("AlarmName")) or set()
        return any(name.lower() in self.names for name in names)

    def add(self, keys: set[ResourceKey] | None, names: set[str]) -> None:
        if keys is None:
            self.every_alarm = True
        else:
            self.keys |= keys
            self.names |= names


@check("WMM102")
def alarm_notifies_nobody(ctx: Context) -> Iterator[Finding]:
    consumers = frozenset(ctx.setting("alarm_consumer_properties", []))
    fed = ctx.app.shared("monitoring.fed_alarms", lambda app: _fed_alarms(app, consumers))
    for alarm in ctx.app.resources(*ALARM_TYPES):
        if fed.includes(alarm, ctx.resolver(alarm)):
            continue
        # Silent in some scenarios only is optional monitoring (IMM104), not this warning.
        silences = [silence(alarm, ctx.resolver(alarm, s)) for s in ctx.scenarios(alarm)]
        if not silences or any(found is None for found in silences):
            continue
        path, reason = silences[0]  # type: ignore[misc]
        fix = _COMPOSITE_FIX if alarm.type == _COMPOSITE else _ALARM_FIX
        yield ctx.finding(
            alarm,
            f"{alarm.logical_id} {reason}, so it changes state without telling anyone; {fix}",
            path=path,
        )


_COMPOSITE = "AWS::CloudWatch::CompositeAlarm"
_ALARM_FIX = (
    "send it to an SNS topic, a scaling policy or an EC2 action in AlarmActions, or feed it"
    " into a composite alarm that does"
)
_COMPOSITE_FIX = (
    "send it to an SNS topic in AlarmActions, or feed it into a composite alarm that does"
)


def silence(alarm: Resource, resolver: Resolver) -> tuple[Path, str] | None:
    """Where and why the alarm can never act, or None when some configuration acts."""
    actions = alarm.prop("AlarmActions")
    if actions is None:
        return (), "has no AlarmActions"
    if is_no_value(actions):
        return ("Properties", "AlarmActions"), "has no AlarmActions"
    items = resolver.items(actions)
    if items is None:
        return None
    if not list(resolver.elements(items)):
        return ("Properties", "AlarmActions"), "has an empty AlarmActions"
    enabled = possible_values(resolver, alarm.prop("ActionsEnabled"), "true")
    if enabled is not None and {value.lower() for value in enabled} == {"false"}:
        return ("Properties", "ActionsEnabled"), "has ActionsEnabled false"
    return None


def _may_notify(alarm: Resource, resolver: Resolver) -> bool:
    return silence(alarm, resolver) is None


_RULE_FUNCTION = re.compile(r"\b(?:ALARM|OK|INSUFFICIENT_DATA)\s*\(\s*\"?([^\")]*?)\"?\s*\)")
_PLACEHOLDER = "\x00"
ALARM_TYPES = ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm")


def _fed_alarms(app: App, consumer_properties: frozenset[str]) -> FedAlarms:
    """Alarms read by services, then down from every composite alarm that notifies (or that a
    service reads) to the alarms its rule reads."""
    fed = FedAlarms()
    for resource in app.resources():
        if resource.type == "AWS::Events::Rule" and _matches_alarm_state_changes(resource):
            fed.every_alarm = True  # the rule's pattern decides which alarms; assume any
        elif resource.type not in ALARM_TYPES:
            resolver = app.resolver(resource.template)
            for node in nodes_under(resource.properties, consumer_properties):
                fed.add(*_named_alarms(resolver, node))
    composites = list(app.resources("AWS::CloudWatch::CompositeAlarm"))
    by_key = {resource_key(c): c for c in composites}
    by_name: dict[str, list[Resource]] = {}
    for composite in composites:
        for name in app.resolver(composite.template).literals(composite.prop("AlarmName")) or ():
            by_name.setdefault(name.lower(), []).append(composite)
    queue = deque(
        c
        for c in composites
        if _may_notify(c, app.resolver(c.template)) or fed.includes(c, app.resolver(c.template))
    )
    visited = {resource_key(c) for c in queue}
    while queue and not fed.every_alarm:
        composite = queue.popleft()
        keys, names = _rule_alarms(app.resolver(composite.template), composite.prop("AlarmRule"))
        fed.add(keys, names)
        upstream = [by_key[k] for k in keys or () if k in by_key]
        upstream += [c for name in names for c in by_name.get(name, [])]
        for other in upstream:
            if resource_key(other) not in visited:
                visited.add(resource_key(other))
                queue.append(other)
    return fed


def _matches_alarm_state_changes(rule: Resource) -> bool:
    """An EventBridge rule on CloudWatch alarm state changes acts on alarms it matches."""
    pattern = rule.prop("EventPattern")
    return "aws.cloudwatch" in str(pattern) and "Alarm State Change" in str(pattern)


def _named_alarms(resolver: Resolver, node: Any) -> tuple[set[ResourceKey] | None, set[str]]:
    """Alarms a service setting names: references, and literal names or ARNs at any depth."""
    keys = {(target.file, target.logical_id) for target in resolver.references(node)}
    names: set[str] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict) and intrinsic(current) is None:
            stack.extend(current.values())
            continue
        if isinstance(current, list):
            stack.extend(current)
            continue
        for parts in resolver.values(current):
            if has_unknown(parts):
                return None, names
            literal = as_literal(parts)
            if literal:
                names.add(literal.rsplit(":alarm:", 1)[-1].lower())
    return keys, names


def _rule_alarms(resolver: Resolver, rule: Any) -> tuple[set[ResourceKey] | None, set[str]]:
    """The alarms an AlarmRule reads: referenced resources and literal names (or ARNs).
    None when part of the rule is unknown."""
    keys = {(target.file, target.logical_id) for target in resolver.references(rule)}
    names: set[str] = set()
    for parts in resolver.values(rule):
        if has_unknown(parts):
            return None, names
        text = "".join(p if isinstance(p, str) else _PLACEHOLDER for p in parts)
        for match in _RULE_FUNCTION.finditer(text):
            name = match.group(1).rsplit(":alarm:", 1)[-1]
            if _PLACEHOLDER not in name:
                names.add(name.lower())
    return keys, names
