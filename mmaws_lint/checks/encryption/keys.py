"""KMS keys: key policies that enable IAM and name their principals, protection from deletion,
rotation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ...findings import Finding
from ...template.nodes import Path
from ...template.numbers import whole_number
from ...template.resolve import Parts, Resolver, Sym, Target
from ...template.scenarios import describe_when, first_found
from ...template.symbols import has_unknown
from ...template.template import Resource
from ...template.walk import ABSENT, choices
from .. import Context, check
from .catalog import catalog, deployed, possible_literals
from .index import KEY_TYPES, key_users
from .policy import documents, scalars, statements

ROOT = "root"
WILDCARD = "wildcard"
UNKNOWN = "unknown"
OTHER = "other"
_ACCOUNT = "{ACCOUNT}"
_ROOT_PRINCIPAL = re.compile(r"arn:[^:]+:iam::(\d{12}|\{ACCOUNT\}):root|\d{12}|\{ACCOUNT\}")
_NOT_ROOT = re.compile(r":(?:role|user|assumed-role|federated-user|group)/")
_KEY_POLICY: Path = ("Properties", "KeyPolicy")


# ---- WMM403 ----------------------------------------------------------------------------------


@check("WMM403")
def key_policy_without_iam(ctx: Context) -> Iterator[Finding]:
    for key in deployed(ctx.app.resources(*KEY_TYPES)):
        resolver = ctx.resolver(key)
        for policy, path in documents(key.prop("KeyPolicy"), _KEY_POLICY):
            if policy is ABSENT:
                yield ctx.finding(
                    key,
                    f"{key.logical_id} has no explicit KeyPolicy, so the policy that applies is"
                    " one nobody reviewed; write the KeyPolicy with a statement allowing"
                    " arn:${AWS::Partition}:iam::${AWS::AccountId}:root",
                    path=() if path == _KEY_POLICY else path,
                )
                break
            if isinstance(policy, dict) and not _enables_iam(resolver, policy, path):
                yield ctx.finding(
                    key,
                    f"{key.logical_id}'s key policy has no Allow for the account root, so no IAM"
                    " policy can grant or restore access to the key; add a statement allowing"
                    " arn:${AWS::Partition}:iam::${AWS::AccountId}:root",
                    path=path,
                )
                break


def _enables_iam(resolver: Resolver, policy: dict, path: Path) -> bool:
    """True unless every statement is known and none allows the root (or anyone)."""
    found = statements(policy, path)
    if found is None:
        return True
    for statement, _ in found:
        if not isinstance(statement, dict) or not _may_allow(resolver, statement):
            continue
        kinds = _principal_kinds(resolver, statement)
        if kinds & {ROOT, WILDCARD, UNKNOWN}:
            return True
    return False


def _may_allow(resolver: Resolver, statement: dict) -> bool:
    effects = resolver.literals(statement.get("Effect"))
    return effects is None or "Allow" in effects


def _principal_kinds(resolver: Resolver, statement: dict) -> set[str]:
    """root, wildcard, other or unknown for every principal a statement names."""
    if "Principal" not in statement:
        return {OTHER}  # NotPrincipal, or an identity policy pasted as a key policy
    kinds: set[str] = set()
    for principal, _ in choices(statement["Principal"], ()):
        if principal is ABSENT:
            continue
        if not isinstance(principal, dict):
            kinds |= _kinds_of(resolver, principal)
            continue
        for section, value in principal.items():
            if section == "AWS":
                for item in scalars(resolver, value):
                    kinds |= _kinds_of(resolver, item)
            elif isinstance(section, str) and section.startswith(("Fn::", "Ref")):
                kinds.add(UNKNOWN)
            else:
                kinds.add(OTHER)
    return kinds


def _kinds_of(resolver: Resolver, node: Any) -> set[str]:
    values = resolver.values(node)
    return {_principal_kind(parts) for parts in values} if values else {UNKNOWN}


def _principal_kind(parts: Parts) -> str:
    written = "".join(part if isinstance(part, str) else _placeholder(part) for part in parts)
    if _NOT_ROOT.search(written):
        return OTHER  # a role or user ARN, whatever its parameters say
    if has_unknown(parts):
        return UNKNOWN
    if written == "*":
        return WILDCARD
    return ROOT if _ROOT_PRINCIPAL.fullmatch(written) else OTHER


def _placeholder(part: Sym) -> str:
    if part.kind == "pseudo" and part.name == "AWS::AccountId":
        return _ACCOUNT
    if part.kind == "pseudo" and part.name == "AWS::Partition":
        return "aws"
    return "{" + part.kind + "}"


# ---- EMM404 ----------------------------------------------------------------------------------


@check("EMM404")
def key_policy_open_to_anyone(ctx: Context) -> Iterator[Finding]:
    limiting = {key.lower() for key in ctx.setting("limiting_condition_keys", [])}
    always_present = {key.lower() for key in ctx.setting("always_present_condition_keys", [])}
    for key in deployed(ctx.app.resources(*KEY_TYPES)):
        resolver = ctx.resolver(key)
        path = _open_statement(resolver, key, limiting, always_present)
        if path is not None:
            yield ctx.finding(
                key,
                f"{key.logical_id}'s key policy allows any principal of any account without a"
                " condition naming the accounts, organization or service it is for; name the"
                " principals or add a kms:CallerAccount, aws:PrincipalOrgID or kms:ViaService"
                " condition",
                path=path,
            )


def _open_statement(
    resolver: Resolver, key: Resource, limiting: set[str], always_present: set[str]
) -> Path | None:
    """The Principal of the first statement that opens the key to anyone, if any."""
    for policy, path in documents(key.prop("KeyPolicy"), _KEY_POLICY):
        if not isinstance(policy, dict):
            continue
        for statement, statement_path in statements(policy, path) or ():
            if (
                isinstance(statement, dict)
                and resolver.literals(statement.get("Effect")) == {"Allow"}
                and WILDCARD in _principal_kinds(resolver, statement)
                and not _limited(resolver, statement.get("Condition"), limiting, always_present)
            ):
                return (*statement_path, "Principal")
    return None


def _limited(
    resolver: Resolver, condition: Any, limiting: set[str], always_present: set[str]
) -> bool:
    """True when a condition ties the statement to known accounts, organizations or services
    (or when it cannot be read)."""
    if condition is None:
        return False
    if not isinstance(condition, dict) or _is_function(condition):
        return True
    for operator, tests in condition.items():
        if not isinstance(operator, str) or not isinstance(tests, dict) or _is_function(tests):
            return True
        if "Not" in operator or operator.startswith("Null"):
            continue
        if_exists = operator.endswith("IfExists")
        for name, value in tests.items():
            lowered = str(name).lower()
            applies = lowered in limiting and (not if_exists or lowered in always_present)
            if applies and not _only_wildcards(resolver, value):
                return True
    return False


def _only_wildcards(resolver: Resolver, value: Any) -> bool:
    items = scalars(resolver, value)
    literals = [resolver.literals(item) for item in items]
    return bool(items) and all(
        found is not None and found and all(set(text) <= {"*"} for text in found)
        for found in literals
    )


def _is_function(node: dict) -> bool:
    key = next(iter(node), None) if len(node) == 1 else None
    return isinstance(key, str) and (key == "Ref" or key.startswith("Fn::"))


# ---- EMM405 ----------------------------------------------------------------------------------


@check("EMM405")
def key_deletable_by_accident(ctx: Context) -> Iterator[Finding]:
    users = key_users(ctx.app, catalog(ctx.model.data))
    for key in deployed(ctx.app.resources(*KEY_TYPES)):
        problems = list(_deletion_problems(ctx, key))
        if not problems:
            continue
        stores = users.get(Target(key.template.file, key.logical_id), [])
        loses = f"; {', '.join(stores)} would become unreadable" if stores else ""
        yield ctx.finding(
            key,
            f"{key.logical_id} can be deleted by accident ({'; '.join(t for _, t in problems)})"
            f"{loses}; set DeletionPolicy and UpdateReplacePolicy to Retain and"
            f" PendingWindowInDays to {ctx.setting('min_pending_window_days', 30)}",
            path=problems[0][0],
        )


def _deletion_problems(ctx: Context, key: Resource) -> Iterator[tuple[Path, str]]:
    resolver = ctx.resolver(key)
    for attribute, value, safe in (
        ("DeletionPolicy", key.deletion_policy, ctx.setting("safe_deletion_policies", [])),
        (
            "UpdateReplacePolicy",
            key.update_replace_policy,
            ctx.setting("safe_update_replace_policies", []),
        ),
    ):
        if value is None:
            yield (), f"{attribute} is not set, which means Delete"
            continue
        literals = resolver.literals(value)
        unsafe = sorted(literals - set(safe)) if literals else []
        if unsafe:
            yield (attribute,), f"{attribute} is {'/'.join(unsafe)}"
    minimum = int(ctx.setting("min_pending_window_days", 30))
    for days in _pending_days(resolver, key):
        if days < minimum:
            yield ("Properties", "PendingWindowInDays"), f"PendingWindowInDays is {days}"
            break


def _pending_days(resolver: Resolver, key: Resource) -> Iterator[int]:
    for text in sorted(resolver.literals(key.prop("PendingWindowInDays")) or ()):
        days = whole_number(text)
        if days is not None and days >= 0:
            yield days


# ---- WMM406 ----------------------------------------------------------------------------------


@check("WMM406")
def key_without_rotation(ctx: Context) -> Iterator[Finding]:
    symmetric = {spec.lower() for spec in ctx.setting("symmetric_key_specs", [])}
    rotatable = {origin.lower() for origin in ctx.setting("rotatable_origins", [])}
    for key in ctx.app.resources("AWS::KMS::Key"):
        scenarios = ctx.scenarios(key)
        violating, first = first_found(
            scenarios,
            lambda s, k=key: _rotation_off_if_rotatable(
                ctx.resolver(k, s), k, symmetric, rotatable
            ),
        )
        if first is not None:
            yield ctx.finding(
                key,
                f"{key.logical_id} is a symmetric key whose material never rotates"
                f"{describe_when(violating, scenarios)}; set EnableKeyRotation: true",
                path=first,
            )


def _rotation_off_if_rotatable(
    resolver: Resolver, key: Resource, symmetric: set[str], rotatable: set[str]
) -> Path | None:
    """Where rotation is off, for a key that can rotate: symmetric, with material from KMS
    (in the resolver's scenario, where a condition on the key spec decides both)."""
    specs = possible_literals(resolver, key.properties, "KeySpec")
    origins = possible_literals(resolver, key.properties, "Origin")
    if specs is None or origins is None:
        return None
    if not specs - {""} <= symmetric or not origins - {""} <= rotatable:
        return None
    return _rotation_off(resolver, key)


def _rotation_off(resolver: Resolver, key: Resource) -> Path | None:
    """Where rotation is off in some configuration (the resource when the property is missing)."""
    for value, path in choices(
        key.prop("EnableKeyRotation"),
        ("Properties", "EnableKeyRotation"),
        scenario=resolver.scenario,
    ):
        if value is None or value is ABSENT:
            return () if value is None else path
        literals = resolver.literals(value)
        if literals is not None and any(literal.lower() != "true" for literal in literals):
            return path
    return None
