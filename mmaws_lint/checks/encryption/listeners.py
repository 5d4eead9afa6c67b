"""Load balancer listeners and their rules: what answers a request, and which rules belong to
which listener (an index built once per run)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ...app import App
from ...template.nodes import Path
from ...template.resolve import Resolver, Target
from ...template.scenarios import Scenario
from ...template.template import Resource
from ...template.walk import ABSENT, OPAQUE, lookup

LISTENER = "AWS::ElasticLoadBalancingV2::Listener"
LISTENER_RULE = "AWS::ElasticLoadBalancingV2::ListenerRule"

# What the action that answers a request does.
FORWARD = "forward"
HTTPS_REDIRECT = "https-redirect"
OTHER = "other"  # a fixed response or a redirect that keeps the protocol: nothing is forwarded
UNKNOWN = "unknown"

_CATCH_ALL_PATHS = {"*", "/*"}


def answer(resolver: Resolver, node: Any, path: Path, scenario: Scenario | None) -> str:
    """What a list of actions does with a request (authenticate actions only come first)."""
    kinds: set[str] = set()
    for action, _ in lookup(node, ("*",), path, scenario=scenario):
        if action is ABSENT:
            continue
        if action is OPAQUE or not isinstance(action, dict):
            return UNKNOWN
        kind = resolver.literal(action.get("Type"))
        if kind is None:
            return UNKNOWN
        kind = kind.lower()
        if kind.startswith("authenticate-"):
            continue
        if kind == "forward":
            kinds.add(FORWARD)
        elif kind == "fixed-response":
            kinds.add(OTHER)
        elif kind == "redirect":
            kinds.add(_redirect(resolver, action, scenario))
        else:
            return UNKNOWN
    if not kinds or UNKNOWN in kinds:
        return UNKNOWN
    if FORWARD in kinds:
        return FORWARD
    return HTTPS_REDIRECT if kinds == {HTTPS_REDIRECT} else OTHER


def _redirect(resolver: Resolver, action: dict, scenario: Scenario | None) -> str:
    protocols = set()
    for value, _ in lookup(action, ("RedirectConfig", "Protocol"), scenario=scenario):
        if value is ABSENT:
            protocols.add("#{protocol}")  # the default keeps the request's protocol
            continue
        literals = None if value is OPAQUE else resolver.literals(value)
        if literals is None:
            return UNKNOWN
        protocols |= {literal.upper() for literal in literals}
    return HTTPS_REDIRECT if protocols == {"HTTPS"} else OTHER


def catches_every_request(resolver: Resolver, rule: Resource, scenario: Scenario | None) -> bool:
    """True when a listener rule's only condition is a path pattern that matches every path."""
    conditions = list(lookup(rule.properties, ("Conditions", "*"), scenario=scenario))
    if len(conditions) != 1 or not isinstance(conditions[0][0], dict):
        return False
    condition = conditions[0][0]
    field_name = resolver.literal(condition.get("Field"))
    if field_name != "path-pattern":
        return False
    values = condition.get("Values")
    if values is None and isinstance(condition.get("PathPatternConfig"), dict):
        values = condition["PathPatternConfig"].get("Values")
    items = resolver.items(values) if values is not None else None
    if not items:
        return False
    patterns = [resolver.literal(item) for item in items]
    return any(pattern in _CATCH_ALL_PATHS for pattern in patterns)


class ListenerRules:
    """Listener rules by the listener they attach to; rules whose listener is unknown apart."""

    __slots__ = ("by_listener", "unattached")

    def __init__(self) -> None:
        self.by_listener: dict[Target, list[Resource]] = defaultdict(list)
        self.unattached: list[Resource] = []


def listener_rules(app: App) -> ListenerRules:
    index = ListenerRules()
    for rule in app.resources(LISTENER_RULE):
        if rule.never_deployed:
            continue
        targets = {
            Target(t.file, t.logical_id)
            for t in app.resolver(rule.template).references(rule.prop("ListenerArn"))
        }
        listeners = [t for t in targets if _is_listener(app, t)]
        if not listeners:
            index.unattached.append(rule)
        for target in listeners:
            index.by_listener[target].append(rule)
    return index


def _is_listener(app: App, target: Target) -> bool:
    resource = app.resource_at(target)
    return resource is not None and resource.type == LISTENER
