"""IMM411: bucket, queue and topic policies without a Deny on aws:SecureTransport false.

A policy is judged against the resources it is attached to (its Bucket, Queues, Topics or
TopicArn): some statement must deny every principal, for the actions that move data, on every
ARN of those resources (a bucket and its objects), when aws:SecureTransport is false. ARNs are
compared as text with IAM wildcards, resource names and ARNs written any way a template can
(`GetAtt Bucket.Arn`, `${Bucket.Arn}/*`, `arn:${AWS::Partition}:s3:::${Bucket}`); where a name or
a statement cannot be resolved the policy is not judged.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from ...app import App
from ...findings import Finding
from ...template.resolve import Parts, Resolver, Sym, Target
from ...template.scenarios import Scenario
from ...template.template import Resource
from ...template.walk import ABSENT, OPAQUE, choices, lookup
from .. import Context, check
from .breaches import Breach, report

# Placeholders for what is only known at deploy time; they never match a literal.
_REGION, _ACCOUNT = "\x00region\x00", "\x00account\x00"
_PSEUDO = {"AWS::Partition": "aws", "AWS::Region": _REGION, "AWS::AccountId": _ACCOUNT}
_PSEUDO["AWS::URLSuffix"] = "amazonaws.com"
_NAMES = {"AWS::S3::Bucket": "BucketName", "AWS::SQS::Queue": "QueueName"}
_NAMES["AWS::SNS::Topic"] = "TopicName"


@check("IMM411")
def resource_policy_without_tls_guard(ctx: Context) -> Iterator[Finding]:
    specs = ctx.data("encryption_tls_guards")
    for policy in ctx.app.resources(*specs):
        spec = specs[policy.type]
        yield from report(
            ctx,
            policy,
            lambda resource, resolver, scenario, spec=spec: _judge(
                ctx.app, spec, resource, resolver, scenario
            ),
            "accepts requests without TLS",
            f'add a statement with Effect Deny, Principal "*", Action {spec["deny"]},'
            ' Resource every ARN it governs and Condition Bool aws:SecureTransport "false"',
        )


def _judge(
    app: App, spec: dict[str, Any], policy: Resource, resolver: Resolver, scenario: Scenario
) -> list[Breach]:
    found = []
    for document, where in lookup(
        policy.properties, ("PolicyDocument",), ("Properties",), scenario=scenario
    ):
        if isinstance(document, str):
            with contextlib.suppress(ValueError):
                document = json.loads(document)
        if not isinstance(document, dict):
            continue  # absent or unreadable: nothing to judge
        statements = _statements(document, where, scenario)
        if statements is None:
            continue
        verdict = _guarded(app, spec, policy, resolver, scenario, [s for s, _ in statements])
        if verdict is not None and verdict is not True:
            found.append(Breach(verdict, where))
    return found


def _statements(document: dict, path: tuple, scenario: Scenario) -> list[tuple[dict, tuple]] | None:
    found = []
    for statement, where in lookup(document, ("Statement", "*"), path, scenario=scenario):
        if statement is ABSENT:
            continue
        if not isinstance(statement, dict):
            return None
        found.append((statement, where))
    if not found and isinstance(document.get("Statement"), dict):
        found = [(document["Statement"], (*path, "Statement"))]  # one statement, not a list
    return found


def _guarded(
    app: App,
    spec: dict[str, Any],
    policy: Resource,
    resolver: Resolver,
    scenario: Scenario,
    statements: list[dict],
) -> str | bool | None:
    """True when a guard covers everything; the breach as text; None when unknown."""
    guards = []
    for statement in statements:
        denies = _denies_clear_text(resolver, statement, scenario)
        if denies is None:
            return None
        if denies:
            guards.append(statement)
    if not guards:
        return "no statement denies requests on aws:SecureTransport false"
    wanted = _wanted_arns(app, spec, policy, resolver)
    partial = []
    for guard in guards:
        if not _for_everyone(resolver, guard, scenario):
            partial.append("principals it does not name")
            continue
        actions = _patterns(app, resolver, guard.get("Action"), scenario, arn=False)
        if actions is None:
            return None
        missing = [a for a in spec["actions"] if not any(_matches(p, a.lower()) for p in actions)]
        if missing:
            partial.append(", ".join(missing))
            continue
        resources = _patterns(app, resolver, guard.get("Resource"), scenario, arn=True)
        if resources is None or wanted is None:
            return None
        uncovered = []
        for arn in wanted:
            answers = {_covers(pattern, arn) for pattern in resources}
            if True in answers:
                continue
            if None in answers:
                return None
            uncovered.append(arn)
        if not uncovered:
            return True
        partial.append(", ".join(_readable(arn) for arn in uncovered))
    return f"its Deny on aws:SecureTransport false leaves out {'; '.join(sorted(set(partial)))}"


def _denies_clear_text(resolver: Resolver, statement: dict, scenario: Scenario) -> bool | None:
    """Is this a Deny on aws:SecureTransport false (None when that cannot be told)?"""
    if "NotAction" in statement or "NotResource" in statement or "NotPrincipal" in statement:
        return False if not _mentions_secure_transport(statement) else None
    effect = resolver.literal(statement.get("Effect"))
    condition = statement.get("Condition")
    if not _mentions_secure_transport(condition):
        return False
    if effect is None:
        return None
    if effect != "Deny":
        return False
    if not isinstance(condition, dict):  # an expression, or a list where a mapping belongs
        return None
    for operator, entries in condition.items():
        if not isinstance(operator, str) or operator not in ("Bool", "BoolIfExists"):
            continue
        if not isinstance(entries, dict):
            return None
        for key, value in entries.items():
            if isinstance(key, str) and key.lower() == "aws:securetransport":
                values = _literals(resolver, value, scenario)
                if values is None:
                    return None
                if "false" in values:
                    return True
    return False


def _mentions_secure_transport(node: Any) -> bool:
    return "aws:securetransport" in json.dumps(node, default=str).lower()


def _for_everyone(resolver: Resolver, statement: dict, scenario: Scenario) -> bool:
    principal = statement.get("Principal")
    if resolver.literal(principal) == "*":
        return True
    if isinstance(principal, dict) and set(principal) == {"AWS"}:
        return _literals(resolver, principal["AWS"], scenario) == {"*"}
    return False


def _elements(node: Any, scenario: Scenario) -> Iterator[Any]:
    """Each element of a policy value written as one item or a list, in `scenario` (OPAQUE
    where an expression cannot be entered)."""
    for value, _ in choices(node, scenario=scenario):
        if value is ABSENT:
            continue
        for item in value if isinstance(value, list) else [value]:
            for chosen, _ in choices(item, scenario=scenario):
                if chosen is not ABSENT:
                    yield chosen


def _literals(resolver: Resolver, node: Any, scenario: Scenario) -> set[str] | None:
    found: set[str] = set()
    for chosen in _elements(node, scenario):
        literals = None if chosen is OPAQUE else resolver.literals(chosen)
        if literals is None:
            return None
        found |= {literal.lower() for literal in literals}
    return found


def _patterns(
    app: App, resolver: Resolver, node: Any, scenario: Scenario, arn: bool
) -> list[str | None] | None:
    """The patterns of Action or Resource, as comparable text (None for an unknown one)."""
    if node is None:
        return None
    found: list[str | None] = []
    for chosen in _elements(node, scenario):
        if chosen is OPAQUE:
            return None
        for parts in resolver.values(chosen):
            found.append(_text(app, parts) if arn else _action(parts))
    if not arn and None in found:
        return None
    return found


def _action(parts: Parts) -> str | None:
    return parts[0].lower() if len(parts) == 1 and isinstance(parts[0], str) else None


def _text(app: App, parts: Parts) -> str | None:
    """An ARN or name as text, with deploy-time values as placeholders; None when unknown."""
    pieces = []
    for part in parts:
        if isinstance(part, str):
            pieces.append(part)
            continue
        piece = _symbol(app, part)
        if piece is None:
            return None
        pieces.append(piece)
    return "".join(pieces)


def _symbol(app: App, symbol: Sym) -> str | None:
    if symbol.kind == "pseudo":
        return _PSEUDO.get(symbol.name)
    if symbol.kind not in ("ref", "getatt"):
        return None
    resource = _resource(app, symbol)
    if resource is None or resource.type not in _NAMES:  # a custom or other resource: unknown
        return None
    name = _name(app, resource)
    kind, attribute = resource.type, symbol.attr if symbol.kind == "getatt" else "Ref"
    if kind == "AWS::S3::Bucket":
        return {"Ref": name, "Arn": f"arn:aws:s3:::{name}"}.get(attribute)
    if kind == "AWS::SQS::Queue":
        arn = f"arn:aws:sqs:{_REGION}:{_ACCOUNT}:{name}"
        return {"Arn": arn, "QueueName": name, "Ref": f"queue-url:{arn}"}.get(attribute)
    if kind == "AWS::SNS::Topic":
        arn = f"arn:aws:sns:{_REGION}:{_ACCOUNT}:{name}"
        return {"Ref": arn, "TopicArn": arn, "TopicName": name}.get(attribute)
    return None


def _resource(app: App, symbol: Sym) -> Resource | None:
    return app.resource_at(Target(symbol.file, symbol.name))


def _name(app: App, resource: Resource) -> str:
    """A resource's literal name, or a placeholder standing for the name AWS gives it."""
    literal = app.resolver(resource.template).literal(resource.prop(_NAMES[resource.type]))
    return literal if literal else f"\x00{resource.template.file}:{resource.logical_id}\x00"


def _wanted_arns(
    app: App, spec: dict[str, Any], policy: Resource, resolver: Resolver
) -> list[str | None] | None:
    node = policy.prop(spec["targets"])
    items = resolver.items(node) if isinstance(node, list) or _is_list_expression(node) else [node]
    if not items:
        return None
    wanted: list[str | None] = []
    for item in items:
        for parts in resolver.values(item):
            text = _text(app, parts)
            if text is not None and text.startswith("queue-url:"):
                text = text.removeprefix("queue-url:")
            elif text is not None and spec["service"] == "sqs":
                text = None  # a queue URL written out: its ARN is not known here
            for template in spec["arns"]:
                wanted.append(template.replace("{}", text) if text is not None else None)
    return wanted


def _is_list_expression(node: Any) -> bool:
    return isinstance(node, dict) and len(node) == 1 and next(iter(node)) in ("Fn::If", "Fn::Split")


def _covers(pattern: str | None, arn: str | None) -> bool | None:
    if pattern is not None and pattern in ("*", "arn:*:*:*:*:*"):
        return True
    if pattern is None or arn is None:
        return None
    # A template names one partition per deployment (aws, aws-cn, aws-us-gov), as the stack's.
    pattern, arn = _one_partition(pattern), _one_partition(arn)
    if _matches(pattern, arn):
        return True
    if "\x00" in arn and "\x00" not in pattern:
        return None  # a literal name against one known only at deploy time
    return False


def _one_partition(arn: str) -> str:
    """`arn:aws-cn:…` and `arn:aws-us-gov:…` as `arn:aws:…`."""
    if not arn.startswith("arn:aws"):
        return arn
    _, partition, rest = arn.split(":", 2) if arn.count(":") >= 2 else ("", "", arn)
    return f"arn:aws:{rest}" if partition.startswith("aws") and "*" not in partition else arn


def _matches(pattern: str, text: str) -> bool:
    return _compiled(pattern).fullmatch(text) is not None


@lru_cache(maxsize=1024)
def _compiled(pattern: str) -> re.Pattern[str]:
    expression = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(expression, re.DOTALL)


def _readable(arn: str | None) -> str:
    if arn is None:
        return "an unresolved resource"
    text = arn.replace(_REGION, "<region>").replace(_ACCOUNT, "<account>")
    return re.sub(r"\x00[^\x00]*:([^:\x00]*)\x00", r"<\1>", text)
