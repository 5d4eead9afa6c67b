"""EMM305: resource policies (and Lambda permissions) open to anyone, to other accounts, or to
AWS services acting for any account, without a condition saying who is meant."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ...findings import Finding
from ...template.nodes import Path
from ...template.resolve import Resolver
from ...template.scenarios import Scenario, describe_when
from ...template.template import Resource
from .. import Context
from .policies import documents, statement_nodes
from .principals import Principal, _aws_kind, principals, restricting_keys

_SOURCE_KEYS = {"aws:sourcearn", "aws:sourceaccount", "aws:sourceorgid", "aws:sourceorgpaths"}
_WEBSITE_ACTIONS = {"s3:getobject", "s3:getobjectversion"}
_PERMISSION = "AWS::Lambda::Permission"


def resource_policy_open(ctx: Context) -> Iterator[Finding]:
    locations: dict[str, str] = ctx.data("iam_resource_policies")
    restricting = {k.lower() for k in ctx.data("iam_resource_policy_restricting_condition_keys")}
    services = {s.lower() for s in ctx.data("iam_service_principals_needing_source")}
    aws_accounts = set(ctx.data("iam_aws_service_accounts"))
    for resource in ctx.app.resources(*locations, _PERMISSION):
        scenarios = ctx.scenarios(resource)
        violating: list[Scenario] = []
        breaches: list[tuple[str, Path]] = []
        for scenario in scenarios:
            resolver = ctx.resolver(resource, scenario)
            if resource.type == _PERMISSION:
                found = list(_permission(resolver, resource, services))
            else:
                found = list(
                    _policy(
                        resolver, resource, locations[resource.type], restricting, services,
                        aws_accounts,
                    )
                )  # fmt: skip
            if found:
                violating.append(scenario)
                seen = {text for text, _ in breaches}
                for text, path in found:
                    if text not in seen:
                        seen.add(text)
                        breaches.append((text, path))
        if violating:
            yield ctx.finding(
                resource,
                f"{resource.logical_id} is open beyond the account"
                f" ({'; '.join(text for text, _ in breaches)})"
                f"{describe_when(violating, scenarios)};"
                " name the principals, or add an aws:PrincipalOrgID, aws:SourceVpce,"
                " aws:SourceArn or aws:SourceAccount condition",
                path=breaches[0][1],
            )


def _policy(
    resolver: Resolver,
    resource: Resource,
    prop: str,
    restricting: set[str],
    services: set[str],
    aws_accounts: set[str],
) -> Iterator[tuple[str, Path]]:
    if prop not in resource.properties:
        return
    base: Path = ("Properties", prop)
    node = resource.properties[prop]
    if resource.type == "AWS::Events::EventBusPolicy":
        statements: list[tuple[Any, Path]] = [(node, base)]
    else:
        statements = [
            found
            for document, where in documents(node, base, resolver.scenario)
            for found in statement_nodes(document, where, resolver.scenario)
        ]
    if _denied_unless_restricted(resolver, statements, restricting):
        return
    for statement, path in statements:
        if not isinstance(statement, dict) or resolver.literal(statement.get("Effect")) != "Allow":
            continue
        keys = restricting_keys(resolver, statement.get("Condition"))
        if keys is None:
            continue
        for principal in principals(resolver, statement):
            if principal.kind == "account" and _account_of(principal.text) in aws_accounts:
                continue
            text = _open(principal, keys, restricting, services)
            if text is None:
                continue
            if principal.kind == "anyone" and resource.type == "AWS::S3::BucketPolicy":
                actions = resolver.literals(statement.get("Action"))
                if actions and {a.lower() for a in actions} <= _WEBSITE_ACTIONS:
                    text = "anyone may read every object: a public-read website bucket policy"
            yield text, (*path, "Principal")


def _account_of(text: str) -> str:
    match = re.fullmatch(r"arn:[^:]*:iam::(\d{12}):.*", text)
    return match.group(1) if match else text


def _denied_unless_restricted(
    resolver: Resolver, statements: list[tuple[Any, Path]], restricting: set[str]
) -> bool:
    """True when a Deny to everyone applies unless a restricting key matches (the private API
    and VPC-endpoint-only bucket pattern: Allow "*", Deny when aws:SourceVpce is not ours)."""
    for statement, _ in statements:
        if not isinstance(statement, dict) or resolver.literal(statement.get("Effect")) != "Deny":
            continue
        if not any(p.kind == "anyone" for p in principals(resolver, statement)):
            continue
        condition = statement.get("Condition")
        if not isinstance(condition, dict):
            continue
        for operator, tests in condition.items():
            negated = isinstance(operator, str) and "Not" in operator
            keys = {str(k).lower() for k in tests} if isinstance(tests, dict) else set()
            if negated and keys & restricting:
                return True
    return False


def _open(
    principal: Principal, keys: set[str], restricting: set[str], services: set[str]
) -> str | None:
    if principal.kind == "anyone" and not keys & restricting:
        return "anyone may use it"
    if principal.kind == "account" and not keys & restricting:
        return f"account {principal.text} may use it"
    if principal.kind == "service" and principal.text in services and not keys & _SOURCE_KEYS:
        return f"{principal.text} may use it for any account's resources (no aws:SourceArn)"
    return None


def _permission(
    resolver: Resolver, permission: Resource, services: set[str]
) -> Iterator[tuple[str, Path]]:
    principal = resolver.literal(permission.properties.get("Principal"))
    if principal is None:
        return
    limited = any(
        permission.properties.get(key) is not None
        for key in ("SourceArn", "SourceAccount", "PrincipalOrgID", "EventSourceToken")
    )
    if limited:
        return
    path: Path = ("Properties", "Principal")
    kind = _aws_kind(principal)
    if kind == "anyone":
        yield "anyone may invoke the function", path
    elif kind == "account":
        yield f"account {principal} may invoke the function", path
    elif principal.lower() in services:
        yield f"{principal} may invoke it for any account's resources (no SourceArn)", path
