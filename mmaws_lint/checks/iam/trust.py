"""EMM304: role trust policies that let principals outside the account in without a condition
saying which ones."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Finding
from ...template.nodes import Path
from ...template.scenarios import all_found, describe_when
from .. import Context
from .policies import documents, statement_nodes
from .principals import principals, restricting_keys

_TRUST = "AssumeRolePolicyDocument"
_NEEDS = {
    "anyone": "an aws:PrincipalOrgID, aws:PrincipalAccount or aws:PrincipalArn condition",
    "account": "an sts:ExternalId or aws:PrincipalOrgID condition",
    "oidc": "a condition on the token's sub claim (aud for Cognito identity pools)",
    "saml": "a SAML:aud condition",
}


def trust_outside_account(ctx: Context) -> Iterator[Finding]:
    account_keys = {k.lower() for k in ctx.data("iam_account_restricting_condition_keys")}
    for role in ctx.app.resources(*ctx.rule.resource_types):
        if _TRUST not in role.properties:
            continue
        if role.type.startswith("AWS::Serverless::") and role.properties.get("Role") is not None:
            continue
        scenarios = ctx.scenarios(role)
        violating, breaches = all_found(
            scenarios, lambda s, r=role: _open_statements(ctx, r, s, account_keys)
        )
        if violating:
            yield ctx.finding(
                role,
                f"{role.logical_id} can be assumed from outside the account without a condition"
                f" saying by whom ({'; '.join(text for text, _ in breaches)})"
                f"{describe_when(violating, scenarios)}; name the principal and add the"
                " condition",
                path=breaches[0][1],
            )


def _open_statements(ctx, role, scenario, account_keys) -> Iterator[tuple[str, Path]]:
    resolver = ctx.resolver(role, scenario)
    base: Path = ("Properties", _TRUST)
    for document, where in documents(role.properties[_TRUST], base, scenario):
        for statement, path in statement_nodes(document, where, scenario):
            if (
                not isinstance(statement, dict)
                or resolver.literal(statement.get("Effect")) != "Allow"
            ):
                continue
            keys = restricting_keys(resolver, statement.get("Condition"))
            if keys is None:
                continue
            actions = {a.lower() for a in resolver.literals(statement.get("Action")) or ()}
            for principal in principals(resolver, statement):
                kind = principal.kind
                if kind == "unknown" and "sts:assumerolewithwebidentity" in actions:
                    kind = "oidc"
                if kind == "unknown" and "sts:assumerolewithsaml" in actions:
                    kind = "saml"
                if kind not in _NEEDS or _restricted(kind, principal.text, keys, account_keys):
                    continue
                who = {"anyone": "anyone"}.get(kind, principal.text)
                yield f"{who} without {_NEEDS[kind]}", (*path, "Principal")


def _restricted(kind: str, text: str, keys: set[str], account_keys: set[str]) -> bool:
    if kind in ("anyone", "account"):
        return bool(keys & account_keys)
    if kind == "saml":
        return "saml:aud" in keys
    if "cognito-identity.amazonaws.com" in text:
        return "cognito-identity.amazonaws.com:aud" in keys
    return any(key.endswith(":sub") for key in keys)
