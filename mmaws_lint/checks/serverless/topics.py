"""WMM705 (SNS deliveries that fail silently) and EMM710 (SNS delivery in clear text)."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Finding
from ...template.scenarios import Scenario, describe_when
from ...template.template import Resource
from ...template.walk import lowered, possible_literals
from .. import Context, check
from .helpers import absent, index_of, listed
from .index import Subscription

_HTTP = frozenset({"http", "https"})


@check("WMM705")
def sns_delivery_fails_silently(ctx: Context) -> Iterator[Finding]:
    protocols = frozenset(p.lower() for p in ctx.setting("redrive_protocols", []))
    by_holder: dict[int, tuple[Resource, list[tuple[Subscription, str]]]] = {}
    for subscription in index_of(ctx).subscriptions:
        if not subscription.protocols or not subscription.protocols & protocols:
            continue
        text = _silent_failure(ctx, subscription)
        if text is not None:
            holder = subscription.holder
            by_holder.setdefault(id(holder), (holder, []))[1].append((subscription, text))
    for holder, items in by_holder.values():
        first = items[0][0]
        path = () if first.holder.type == "AWS::SNS::Subscription" else first.path
        yield ctx.finding(holder, "; ".join(t for _, t in items), path=path)


def _silent_failure(ctx: Context, subscription: Subscription) -> str | None:
    protocol = listed(sorted(subscription.protocols or ()))
    http = bool(subscription.protocols and subscription.protocols & _HTTP)
    retries = (
        "SNS retries HTTP(S) deliveries only on 5XX and timeouts (three times by default),"
        " never on 4XX or 429, then drops the message"
        if http
        else "a message SNS cannot deliver after its retries is dropped"
    )
    if subscription.inline:
        return (
            f"{subscription.name} (an inline {protocol} subscription) cannot have a"
            f" RedrivePolicy: {retries}; declare it as an AWS::SNS::Subscription with a"
            " RedrivePolicy naming an SQS dead-letter queue"
        )
    holder = subscription.holder
    scenarios = ctx.scenarios(holder)
    bad: list[Scenario] = []
    for scenario in scenarios:
        if not absent(subscription.settings, ("RedrivePolicy",), scenario):
            continue
        if http and _has_delivery_policy(ctx, subscription, scenario):
            continue
        bad.append(scenario)
    if not bad:
        return None
    fix = (
        "add a RedrivePolicy (deadLetterTargetArn: an SQS queue) or a DeliveryPolicy whose"
        " healthyRetryPolicy fits the endpoint, and alarm on the topic's"
        " NumberOfNotificationsFailed"
        if http
        else "add a RedrivePolicy with deadLetterTargetArn naming an SQS queue"
    )
    return (
        f"{subscription.name} delivers to {protocol} without a RedrivePolicy"
        f"{' or DeliveryPolicy' if http else ''}"
        f"{describe_when(bad, scenarios)}: {retries}; {fix}"
    )


def _has_delivery_policy(ctx: Context, subscription: Subscription, scenario: Scenario) -> bool:
    if not absent(subscription.settings, ("DeliveryPolicy",), scenario):
        return True
    return (
        any("DeliveryPolicy" in topic.properties for topic in subscription.topics.resources)
        or not subscription.topics.resources
    )  # a topic the linter cannot see may have one


@check("EMM710")
def sns_delivery_in_clear_text(ctx: Context) -> Iterator[Finding]:
    reported: set[int] = set()
    for subscription in index_of(ctx).subscriptions:
        holder = subscription.holder
        if id(holder) in reported or not subscription.protocols:
            continue
        scenarios = ctx.scenarios(holder)
        bad = [s for s in scenarios if _clear_text(ctx, subscription, s)]
        if not bad:
            continue
        reported.add(id(holder))
        yield ctx.finding(
            holder,
            f"{subscription.name} delivers over http://{describe_when(bad, scenarios)}: SNS"
            " sends the message in clear text, readable by anybody on the path; use Protocol"
            " https with an https:// endpoint",
            path=(*subscription.path, "Protocol"),
        )


def _clear_text(ctx: Context, subscription: Subscription, scenario: Scenario) -> bool:
    resolver = ctx.resolver(subscription.holder, scenario)
    protocols = lowered(possible_literals(resolver, subscription.settings, ("Protocol",)))
    if protocols and "http" in protocols:
        return True
    endpoints = lowered(possible_literals(resolver, subscription.settings, ("Endpoint",)))
    return bool(
        protocols
        and protocols & _HTTP
        and endpoints
        and any(e.startswith("http://") for e in endpoints)
    )
