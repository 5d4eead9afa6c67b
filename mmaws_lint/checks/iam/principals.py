"""Who a trust or resource policy statement lets in, and whether its Condition says which
ones (shared by EMM304 and EMM305)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ...template.resolve import Resolver, intrinsic
from ...template.walk import ABSENT, choices
from .policies import render, scalars

_ACCOUNT_ARN = re.compile(r"arn:[^:]*:(?:iam|sts)::([^:]+):.*")
_ACCOUNT_ID = re.compile(r"\d{12}")
_UNKNOWABLE = ("{param}", "{import}", "{unknown}")
OIDC_HOSTS = (
    "token.actions.githubusercontent.com",
    "cognito-identity.amazonaws.com",
    "accounts.google.com",
    "graph.facebook.com",
    "www.amazon.com",
    "app.terraform.io",
    "gitlab.com",
)


@dataclass(frozen=True)
class Principal:
    kind: str  # anyone, account, service, oidc, saml, own, unknown, other
    text: str  # what the statement names, for messages


def principals(resolver: Resolver, statement: dict) -> Iterator[Principal]:
    """Every principal an Allow statement names (NotPrincipal: anyone but the listed)."""
    if "NotPrincipal" in statement and "Principal" not in statement:
        yield Principal("anyone", "everyone but its NotPrincipal")
        return
    for principal, _ in choices(statement.get("Principal"), scenario=resolver.scenario):
        if principal is ABSENT or principal is None:
            continue
        if not isinstance(principal, dict) or intrinsic(principal) is not None:
            yield from _aws(resolver, principal)
            continue
        for section, value in principal.items():
            if section == "AWS":
                yield from _aws(resolver, value)
            elif section == "Service":
                for text in _texts(resolver, value):
                    yield Principal("service", text.lower())
            elif section == "Federated":
                for text in _texts(resolver, value):
                    yield Principal(_federated_kind(resolver, value, text), text)
            else:
                yield Principal("other", str(section))


def _aws(resolver: Resolver, node: Any) -> Iterator[Principal]:
    for text in _texts(resolver, node):
        yield Principal(_aws_kind(text), text)


def _texts(resolver: Resolver, node: Any) -> list[str]:
    items = scalars(resolver, node)
    if items is None:
        return ["{unknown}"]
    found = []
    for item in items:
        found.extend(render(parts) for parts in resolver.values(item))
    return found


def _aws_kind(text: str) -> str:
    if text == "*":
        return "anyone"
    if any(marker in text for marker in _UNKNOWABLE):
        return "unknown"
    match = _ACCOUNT_ARN.fullmatch(text)
    account = match.group(1) if match else text
    if account == "{ACCOUNT}" or account.startswith("{"):
        return "own"  # the template's own account, or a role/user of the template
    if _ACCOUNT_ID.fullmatch(account):
        return "account"
    return "unknown"


def _federated_kind(resolver: Resolver, node: Any, text: str) -> str:
    if "saml-provider" in text:
        return "saml"
    if "oidc-provider" in text or any(host in text for host in OIDC_HOSTS):
        return "oidc"
    for target in resolver.references(node):
        resource = resolver.app.resource_at(target) if resolver.app is not None else None
        if resource is not None and resource.type == "AWS::IAM::SAMLProvider":
            return "saml"
        if resource is not None and resource.type == "AWS::IAM::OIDCProvider":
            return "oidc"
    return "unknown"


def restricting_keys(resolver: Resolver, condition: Any) -> set[str] | None:
    """Lower-case condition keys that narrow who matches (compared with something other than
    only "*", by an operator that is not negated, IfExists or ForAllValues); None when the
    condition cannot be read."""
    if condition is None:
        return set()
    if not isinstance(condition, dict) or intrinsic(condition) is not None:
        return None
    found: set[str] = set()
    for operator, tests in condition.items():
        if not isinstance(operator, str) or not isinstance(tests, dict):
            return None
        if intrinsic(tests) is not None:
            return None
        lowered = operator.lower()
        if (
            "not" in lowered
            or lowered.endswith("ifexists")
            or lowered.startswith(("null", "forallvalues"))
        ):
            continue
        for key, value in tests.items():
            if not _only_wildcards(resolver, value):
                found.add(str(key).lower())
    return found


def _only_wildcards(resolver: Resolver, value: Any) -> bool:
    items = scalars(resolver, value)
    if not items:
        return False  # unknown or empty: it may restrict
    for item in items:
        literals = resolver.literals(item)
        if literals is None:
            return False
        for text in literals:
            if text.replace("*", "").replace("repo:", "").strip(":/"):
                return False
    return True
