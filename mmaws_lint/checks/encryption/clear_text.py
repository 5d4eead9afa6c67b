"""WMM408: front doors that serve requests in clear text.

An ALB HTTP listener is judged with the listener rules attached to it (in the same scenario): it
breaks the model when its default action forwards (and no catch-all rule redirects every request
to HTTPS first) or when one of its rules forwards. CloudFront cache behaviors that let viewers in
over HTTP, custom origins reached over HTTP only, and Classic Load Balancer HTTP listeners are
judged property by property.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...findings import Finding
from ...template.resolve import Resolver, Target
from ...template.scenarios import Scenario, condition_names
from ...template.template import Resource
from ...template.walk import ABSENT, OPAQUE, lookup, possible_literals
from .. import Context, check
from .breaches import Breach, report
from .listeners import (
    FORWARD,
    HTTPS_REDIRECT,
    LISTENER,
    ListenerRules,
    answer,
    catches_every_request,
    listener_rules,
)

CLASSIC_LOAD_BALANCER = "AWS::ElasticLoadBalancing::LoadBalancer"
DISTRIBUTION = "AWS::CloudFront::Distribution"


@check("WMM408")
def clear_text_listener(ctx: Context) -> Iterator[Finding]:
    rules = ctx.app.shared("encryption.listener_rules", listener_rules)
    for listener in ctx.app.resources(LISTENER):
        yield from report(
            ctx,
            listener,
            lambda listener, resolver, scenario: _http_listener(
                ctx, rules, listener, resolver, scenario
            ),
            "forwards HTTP requests in clear text",
            "make its default action a redirect to HTTPS (Protocol HTTPS, Port 443, StatusCode"
            " HTTP_301) and serve the requests from an HTTPS listener",
            _listener_scenarios(ctx, rules, listener),
        )
    for balancer in ctx.app.resources(CLASSIC_LOAD_BALANCER):
        yield from report(
            ctx,
            balancer,
            _classic_listeners,
            "serves HTTP in clear text",
            "listen with HTTPS and an ACM certificate instead, or move to an Application Load"
            " Balancer whose HTTP listener redirects to HTTPS",
        )
    for distribution in ctx.app.resources(DISTRIBUTION):
        yield from report(
            ctx,
            distribution,
            _distribution,
            "carries requests in clear text",
            "set ViewerProtocolPolicy to redirect-to-https (or https-only) on every cache behavior"
            " and OriginProtocolPolicy to https-only on custom origins",
        )


# ---- Application Load Balancer listeners -------------------------------------------------


def _http_listener(
    ctx: Context, rules: ListenerRules, listener: Resource, resolver: Resolver, scenario: Scenario
) -> list[Breach]:
    protocols = possible_literals(resolver, listener.properties, ("Protocol",))
    if not protocols or {p.upper() for p in protocols} != {"HTTP"}:
        return []
    attached = [
        rule
        for rule in rules.by_listener.get(Target(listener.template.file, listener.logical_id), [])
        if ctx.app.coexist(listener, rule, scenario)
    ]
    found = []
    default = answer(
        resolver, listener.prop("DefaultActions"), ("Properties", "DefaultActions"), scenario
    )
    if default == FORWARD and not _redirected_first(ctx, rules, listener, scenario, attached):
        found.append(Breach("its default action forwards", ("Properties", "DefaultActions")))
    for rule in attached:
        if FORWARD in _rule_answers(ctx, listener, scenario, rule):
            found.append(
                Breach(f"listener rule {rule.logical_id} forwards", ("Properties", "Protocol"))
            )
    return found


def _listener_scenarios(ctx: Context, rules: ListenerRules, listener: Resource) -> list[Scenario]:
    """The listener's scenarios, over its own conditions and those of its rules (same template),
    so a finding can say which deployments the rules leave in clear text."""
    attached = rules.by_listener.get(Target(listener.template.file, listener.logical_id), [])
    names = condition_names(listener.properties)
    for rule in attached:
        if rule.template is listener.template:
            names |= condition_names(rule.properties)
            if rule.condition:
                names.add(rule.condition)
    own = ctx.scenarios(listener)
    if not names - {s for scenario in own for s in scenario.truths}:
        return own
    required = {listener.condition: True} if listener.condition else {}
    found = ctx.app.conditions(listener.template).scenarios(names | set(required), required)
    return own if found is None else found


def _rule_answers(ctx: Context, listener: Resource, scenario: Scenario, rule: Resource) -> set[str]:
    """What a rule does in the scenarios of its own that can hold with the listener's."""
    answers = set()
    for rule_scenario in ctx.scenarios(rule):
        if _compatible(ctx, listener, scenario, rule, rule_scenario):
            answers.add(
                answer(
                    ctx.resolver(rule, rule_scenario),
                    rule.prop("Actions"),
                    ("Properties", "Actions"),
                    rule_scenario,
                )
            )
    return answers


def _redirected_first(
    ctx: Context,
    rules: ListenerRules,
    listener: Resource,
    scenario: Scenario,
    attached: list[Resource],
) -> bool:
    """Does a rule that catches every path redirect to HTTPS before the default action answers?

    A rule whose listener cannot be resolved may be such a rule for this listener: unknown, so
    the default action is not blamed either.
    """
    for rule in attached:
        if _always_with(ctx, listener, scenario, rule) and _redirects_everything(
            ctx, listener, scenario, rule
        ):
            return True
    return any(
        _redirects_everything(ctx, listener, scenario, rule)
        for rule in rules.unattached
        if ctx.app.coexist(listener, rule, scenario)
    )


def _redirects_everything(
    ctx: Context, listener: Resource, scenario: Scenario, rule: Resource
) -> bool:
    answers = _rule_answers(ctx, listener, scenario, rule)
    return answers == {HTTPS_REDIRECT} and all(
        catches_every_request(ctx.resolver(rule, s), rule, s)
        for s in ctx.scenarios(rule)
        if _compatible(ctx, listener, scenario, rule, s)
    )


def _compatible(
    ctx: Context, a: Resource, a_scenario: Scenario, b: Resource, b_scenario: Scenario
) -> bool:
    if a.template is not b.template:
        return True
    truths = dict(a_scenario.truths)
    for name, value in b_scenario.truths.items():
        if truths.setdefault(name, value) != value:
            return False
    return ctx.app.conditions(a.template).possible(truths)


def _always_with(ctx: Context, listener: Resource, scenario: Scenario, rule: Resource) -> bool:
    """Is the rule deployed whenever the listener is, in this scenario?"""
    if not rule.condition:
        return True
    if rule.template is not listener.template:
        return False
    if scenario.holds(rule.condition) is True:
        return True
    truths = {**scenario.truths, rule.condition: False}
    if listener.condition:
        truths.setdefault(listener.condition, True)
    return not ctx.app.conditions(listener.template).possible(truths)


# ---- Classic Load Balancers ----------------------------------------------------------------


def _classic_listeners(balancer: Resource, resolver: Resolver, scenario: Scenario) -> list[Breach]:
    found = []
    for item, where in lookup(
        balancer.properties, ("Listeners", "*"), ("Properties",), scenario=scenario
    ):
        if not isinstance(item, dict):
            continue
        protocol = resolver.literal(item.get("Protocol"))
        if protocol is not None and protocol.upper() == "HTTP":
            port = resolver.literal(item.get("LoadBalancerPort")) or "?"
            found.append(Breach(f"listener on port {port} is HTTP", (*where, "Protocol")))
    return found


# ---- CloudFront ------------------------------------------------------------------------------


def _distribution(distribution: Resource, resolver: Resolver, scenario: Scenario) -> list[Breach]:
    found = []
    config = ("Properties",)
    behaviors = [
        *lookup(
            distribution.properties,
            ("DistributionConfig", "DefaultCacheBehavior"),
            config,
            scenario=scenario,
        ),
        *lookup(
            distribution.properties,
            ("DistributionConfig", "CacheBehaviors", "*"),
            config,
            scenario=scenario,
        ),
    ]
    for behavior, where in behaviors:
        if not isinstance(behavior, dict):
            continue
        for policy, policy_path in lookup(
            behavior, ("ViewerProtocolPolicy",), where, scenario=scenario
        ):
            if _literal_is(resolver, policy, "allow-all"):
                found.append(
                    Breach(f"{_behavior_name(resolver, behavior)} allows HTTP viewers", policy_path)
                )
    for origin, where in lookup(
        distribution.properties, ("DistributionConfig", "Origins", "*"), config, scenario=scenario
    ):
        if not isinstance(origin, dict) or _is_s3_website(origin.get("DomainName")):
            continue
        for policy, policy_path in lookup(
            origin, ("CustomOriginConfig", "OriginProtocolPolicy"), where, scenario=scenario
        ):
            if _literal_is(resolver, policy, "http-only"):
                name = resolver.literal(origin.get("Id"))
                origin_name = f"origin {name}" if name else "a custom origin"
                found.append(Breach(f"{origin_name} is reached over HTTP only", policy_path))
    return found


def _behavior_name(resolver: Resolver, behavior: dict) -> str:
    if "PathPattern" not in behavior:
        return "the default cache behavior"
    return f"cache behavior {resolver.literal(behavior['PathPattern']) or '(unresolved path)'}"


def _literal_is(resolver: Resolver, value: Any, expected: str) -> bool:
    if value is ABSENT or value is OPAQUE:
        return False
    literals = resolver.literals(value)
    return literals is not None and {v.lower() for v in literals} == {expected}


def _is_s3_website(node: Any, depth: int = 0) -> bool:
    """An S3 website endpoint, written out or taken from a bucket's WebsiteURL: HTTP only."""
    if depth > 32:
        return False
    if isinstance(node, str):
        return ".s3-website" in node
    if isinstance(node, list):
        return any(_is_s3_website(item, depth + 1) for item in node)
    if isinstance(node, dict):
        attribute = node.get("Fn::GetAtt")
        if isinstance(attribute, list) and attribute[1:2] == ["WebsiteURL"]:
            return True
        if isinstance(attribute, str) and attribute.endswith(".WebsiteURL"):
            return True
        return any(_is_s3_website(value, depth + 1) for value in node.values())
    return False
