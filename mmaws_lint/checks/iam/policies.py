"""Every identity policy of a run, read the same way wherever it is written.

A policy can be inline on a role, user, group or SSO permission set, a standalone
`AWS::IAM::Policy`/`ManagedPolicy`/`RolePolicy`/… (CDK's `DefaultPolicy` is one), an AWS managed
policy named by ARN, or a SAM `Policies` entry (a managed policy name or ARN, a document, or a
policy template). `iam_policy_locations` in rules/iam.yaml says which property holds what.
Documents may be objects or JSON strings; `Statement`, `Action` and `Resource` may be single
values or lists, with `Fn::If` anywhere: under a scenario only the branch it picks is read.
Each statement becomes a `Statement` with lower-case action patterns and resolved resources;
what cannot be resolved is None, and rules then stay silent about it.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from ...template.nodes import Path
from ...template.resolve import Parts, Resolver, Sym, intrinsic
from ...template.scenarios import Scenario
from ...template.template import Resource
from ...template.walk import ABSENT, OPAQUE, choices
from . import sam_templates

_MANAGED_ARN = re.compile(r"arn:[^:]*:iam::aws:policy/(?:.*/)?([^/]+)")
_PSEUDO_TEXT = {"AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com"}


@dataclass(frozen=True)
class Statement:
    """One statement as IAM reads it. `actions`/`resources` are None when unknown."""

    holder: Resource  # the resource it is written in (or that attaches the managed policy)
    path: Path  # below the holder, to the statement (or to the managed policy ARN)
    source: str  # "policy Root statement 2", "AWS managed policy AdministratorAccess"
    effect: str | None
    actions: tuple[str, ...] | None  # lower-case patterns as written
    written_actions: tuple[str, ...]  # the same, as the author spelled them
    not_action: bool
    resources: tuple[str, ...] | None  # rendered; parts unknown at deploy time as {placeholders}
    not_resource: bool
    conditional: bool

    @property
    def allows(self) -> bool:
        return self.effect == "Allow"

    @property
    def action_path(self) -> Path:
        if self.source.startswith(("AWS managed", "SAM policy template")):
            return self.path
        return (*self.path, "NotAction" if self.not_action else "Action")

    @property
    def on_every_resource(self) -> bool:
        """Resource "*" (or NotResource, which grants every resource but the ones listed)."""
        return self.not_resource or (self.resources is not None and "*" in self.resources)


@lru_cache(maxsize=4096)
def action_regex(pattern: str) -> re.Pattern[str]:
    return re.compile(
        "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern.lower())
    )


def grants(statement: Statement, action: str) -> bool | None:
    """Does the statement name `action` (lower case)? None when its actions are unknown."""
    if statement.actions is None:
        return None
    named = any(action_regex(p).fullmatch(action) for p in statement.actions)
    return not named if statement.not_action else named


def names_of(statement: Statement, actions: set[str]) -> frozenset[str] | None:
    """Which of `actions` (lower case) the statement names; None when its actions are unknown."""
    if statement.actions is None:
        return None
    named: set[str] = set()
    for pattern in statement.actions:
        if "*" in pattern or "?" in pattern:
            regex = action_regex(pattern)
            named.update(a for a in actions if regex.fullmatch(a))
        elif pattern in actions:
            named.add(pattern)
    return frozenset(actions - named if statement.not_action else named)


# ---- reading documents ----------------------------------------------------------------------


def documents(node: Any, path: Path, scenario: Scenario | None) -> Iterator[tuple[Any, Path]]:
    """Each policy document `node` can be; a JSON string is parsed; non-dicts are unknown."""
    for document, where in choices(node, path, scenario=scenario):
        if document is ABSENT:
            continue
        if isinstance(document, str):
            with contextlib.suppress(ValueError):
                document = json.loads(document)
        yield document, where


def statement_nodes(
    document: Any, path: Path, scenario: Scenario | None
) -> Iterator[tuple[Any, Path]]:
    """The statements of a document with their paths (OPAQUE for what cannot be read)."""
    if not isinstance(document, dict) or intrinsic(document) is not None:
        yield OPAQUE, path
        return
    for value, where in choices(document.get("Statement"), (*path, "Statement"), scenario=scenario):
        if value is ABSENT or value is None:
            continue
        if isinstance(value, list):
            for index, item in enumerate(value):
                for statement, statement_path in choices(item, (*where, index), scenario=scenario):
                    if statement is not ABSENT:
                        yield statement, statement_path
        else:
            yield value, where


def scalars(resolver: Resolver, node: Any) -> list[Any] | None:
    """The scalar expressions of a value that is one scalar or a list; None when unknown."""
    if node is None:
        return []
    items = resolver.items(node)
    if items is None:
        function = intrinsic(node)
        if function is not None and (
            function[0] in ("Fn::Split", "Fn::FindInMap") or _is_list_parameter(resolver, node)
        ):
            return None  # a list we cannot read
        items = [node]
    found = []
    for item in items:
        found.extend(v for v, _ in choices(item, (), scenario=resolver.scenario) if v is not ABSENT)
    return found


def _is_list_parameter(resolver: Resolver, node: Any) -> bool:
    parameter = resolver.template.parameters.get(str(node.get("Ref")))
    return parameter is not None and (
        parameter.type.startswith("List<") or parameter.type == "CommaDelimitedList"
    )


def render(parts: Parts) -> str:
    return "".join(part if isinstance(part, str) else _placeholder(part) for part in parts)


def _placeholder(part: Sym) -> str:
    if part.kind == "pseudo" and part.name in _PSEUDO_TEXT:
        return _PSEUDO_TEXT[part.name]
    if part.kind == "pseudo" and part.name == "AWS::AccountId":
        return "{ACCOUNT}"
    if part.kind in ("ref", "getatt"):
        return "{" + ".".join(filter(None, (part.name, part.attr))) + "}"
    return "{" + part.kind + "}"


def rendered_values(resolver: Resolver, node: Any) -> tuple[str, ...] | None:
    """Every string a scalar-or-list value can take, rendered; None when a value is unknown."""
    items = scalars(resolver, node)
    if items is None:
        return None
    found: list[str] = []
    for item in items:
        for parts in resolver.values(item):
            if any(isinstance(p, Sym) and p.kind == "unknown" for p in parts):
                return None
            found.append(render(parts))
    return tuple(found)


def read_statement(
    resolver: Resolver, holder: Resource, node: Any, path: Path, source: str
) -> Statement | None:
    if not isinstance(node, dict) or intrinsic(node) is not None:
        return None
    effect = resolver.literal(node.get("Effect")) if "Effect" in node else None
    not_action = "NotAction" in node and "Action" not in node
    written = _literal_list(resolver, node.get("NotAction" if not_action else "Action"))
    not_resource = "NotResource" in node and "Resource" not in node
    resources = None if not_resource else rendered_values(resolver, node.get("Resource"))
    return Statement(
        holder=holder,
        path=path,
        source=source,
        effect=effect,
        actions=None if written is None else tuple(a.lower() for a in written),
        written_actions=written or (),
        not_action=not_action,
        resources=resources,
        not_resource=not_resource,
        conditional=node.get("Condition") not in (None, {}),
    )


def _literal_list(resolver: Resolver, node: Any) -> tuple[str, ...] | None:
    items = scalars(resolver, node)
    if items is None:
        return None
    found: list[str] = []
    for item in items:
        literals = resolver.literals(item)
        if literals is None:
            return None
        found.extend(sorted(literals))
    return tuple(found)


def _label(node: Any, index_path: Path, policy: str) -> str:
    sid = node.get("Sid") if isinstance(node, dict) else None
    where = f"statement {sid}" if isinstance(sid, str) and sid else _ordinal(index_path)
    return f"{policy} {where}".strip()


def _ordinal(path: Path) -> str:
    """'statement N' for the list item right below `Statement`, else 'statement'."""
    for index, part in enumerate(path[:-1]):
        if part == "Statement" and isinstance(path[index + 1], int):
            return f"statement {path[index + 1] + 1}"
    return "statement"


# ---- where policies live --------------------------------------------------------------------


def own_statements(
    resolver: Resolver,
    resource: Resource,
    locations: dict[str, Any],
    managed: dict[str, Any],
    expansions: dict[int, tuple[Any, Any]],
) -> list[Statement]:
    """The statements written in (or attached by name to) `resource`, under the resolver's
    scenario. Customer managed policies attached by reference are not included (the index
    follows those). `expansions` keeps expanded SAM policy templates alive for the run: the
    resolver remembers values by node identity."""
    location = locations.get(resource.type)
    if not location:
        return []
    if location.get("own_role_unless") and resource.properties.get("Role") is not None:
        return []  # SAM ignores Policies when the function names its own role
    found: list[Statement] = []
    for prop, kind in (location.get("policies") or {}).items():
        if prop not in resource.properties:
            continue
        base: Path = ("Properties", prop)
        node = resource.properties[prop]
        if kind == "inline":
            for policy, policy_path in _list_items(resolver, node, base):
                if not isinstance(policy, dict):
                    continue
                name = resolver.literal(policy.get("PolicyName")) or "inline policy"
                found.extend(
                    _document_statements(
                        resolver, resource, policy.get("PolicyDocument"),
                        (*policy_path, "PolicyDocument"), f"policy {name}",
                    )
                )  # fmt: skip
        elif kind == "document":
            name = resolver.literal(resource.properties.get("PolicyName"))
            label = f"policy {name}" if name and name != resource.logical_id else ""
            found.extend(_document_statements(resolver, resource, node, base, label))
        elif kind in ("managed", "sso_managed"):
            for item, item_path in _list_items(resolver, node, base):
                found.extend(_managed_by_name(resolver, resource, item, item_path, managed))
        elif kind == "sam":
            found.extend(_sam_policies(resolver, resource, node, base, managed, expansions))
    return found


def _list_items(resolver: Resolver, node: Any, path: Path) -> Iterator[tuple[Any, Path]]:
    for value, where in choices(node, path, scenario=resolver.scenario):
        if value is ABSENT:
            continue
        if isinstance(value, list):
            for index, item in enumerate(value):
                for choice, choice_path in choices(
                    item, (*where, index), scenario=resolver.scenario
                ):
                    if choice is not ABSENT:
                        yield choice, choice_path
        else:
            yield value, where


def _document_statements(
    resolver: Resolver, holder: Resource, node: Any, path: Path, policy: str
) -> list[Statement]:
    found = []
    for document, where in documents(node, path, resolver.scenario):
        for statement, statement_path in statement_nodes(document, where, resolver.scenario):
            if statement is OPAQUE:
                continue
            read = read_statement(
                resolver, holder, statement, statement_path,
                _label(statement, statement_path, policy),
            )  # fmt: skip
            if read is not None:
                found.append(read)
    return found


def managed_policy_name(resolver: Resolver, node: Any, bare_names: bool = False) -> str | None:
    """The AWS managed policy an ARN (or, in SAM, a bare name) names, if it is literal."""
    values = resolver.values(node)
    if len(values) != 1:
        return None
    text = render(next(iter(values)))
    match = _MANAGED_ARN.fullmatch(text)
    if match:
        return match.group(1)
    if bare_names and re.fullmatch(r"[A-Za-z0-9_+=,.@-]+", text):
        return text
    return None


def _managed_by_name(
    resolver: Resolver,
    holder: Resource,
    node: Any,
    path: Path,
    managed: dict[str, Any],
    bare_names: bool = False,
) -> list[Statement]:
    name = managed_policy_name(resolver, node, bare_names)
    if name is None or name not in managed:
        return []
    found = []
    for entry in managed[name]:
        not_action = "NotAction" in entry
        written = tuple(entry["NotAction" if not_action else "Action"])
        found.append(
            Statement(
                holder=holder,
                path=path,
                source=f"AWS managed policy {name}",
                effect="Allow",
                actions=tuple(a.lower() for a in written),
                written_actions=written,
                not_action=not_action,
                resources=tuple(entry.get("Resource", ["*"])),
                not_resource=False,
                conditional=False,
            )
        )
    return found


def _sam_policies(
    resolver: Resolver,
    holder: Resource,
    node: Any,
    path: Path,
    managed: dict[str, Any],
    expansions: dict[int, tuple[Any, Any]],
) -> list[Statement]:
    found: list[Statement] = []
    for item, item_path in _list_items(resolver, node, path):
        if isinstance(item, dict) and intrinsic(item) is None:
            if "Statement" in item:
                found.extend(_document_statements(resolver, holder, item, item_path, "policy"))
                continue
            if len(item) == 1:
                name, arguments = next(iter(item.items()))
                kept = expansions.get(id(item))
                if kept is None:
                    kept = (item, sam_templates.expand(str(name), arguments))
                    expansions[id(item)] = kept
                document = kept[1]
                if document is not None:
                    found.extend(
                        replace_source(s, item_path, f"SAM policy template {name}")
                        for s in _document_statements(resolver, holder, document, item_path, "")
                    )
            continue
        found.extend(_managed_by_name(resolver, holder, item, item_path, managed, bare_names=True))
    return found


def replace_source(statement: Statement, path: Path, source: str) -> Statement:
    """A statement expanded from a SAM policy template points at the template's entry."""
    return replace(statement, path=path, source=source)
