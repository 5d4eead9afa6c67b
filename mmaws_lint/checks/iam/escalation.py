"""EMM303: identities whose policies complete a privilege escalation method and that have no
permissions boundary."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...findings import Finding
from ...template.scenarios import Scenario, describe_when
from ...template.template import Resource
from ...template.walk import ABSENT, choices
from .. import Context
from .index import PolicyIndex, policy_index
from .policies import Statement, names_of

# "*", or an ARN whose resource part is "*" or "type/*" (every role, every function…).
_EVERY_RESOURCE = re.compile(r"\*|arn:[^:]*:[^:]*:[^:]*:[^:]*:(?:[A-Za-z0-9-]+[/:])?\*")
_WHO = {
    "AWS::IAM::Group": "members of {id}",
    "AWS::Serverless::Function": "{id}'s role (made by SAM)",
    "AWS::Serverless::StateMachine": "{id}'s role (made by SAM)",
}
_FIX = {
    "AWS::IAM::Group": "remove or scope those actions (a group cannot have a permissions"
    " boundary; its users can)",
}


def privilege_escalation(ctx: Context) -> Iterator[Finding]:
    index = policy_index(ctx)
    methods = {
        name: [(a.lower(), a) for a in actions]
        for name, actions in ctx.data("iam_escalation_methods").items()
    }
    named: dict[int, frozenset[str]] = {}  # id(statement) -> escalation actions it names
    for identity in index.identities():
        if identity.type not in ctx.rule.resource_types:
            continue
        location = index.locations[identity.type]
        if location.get("own_role_unless") and identity.properties.get("Role") is not None:
            continue
        sources = index.sources(identity)
        scenarios = ctx.app.scenarios(identity, sources)  # its own template's policies too
        violating: list[Scenario] = []
        completed: dict[str, str] = {}  # method -> what completes it (first scenario seen)
        for scenario in scenarios:
            if _has_boundary(identity, index.boundary(identity), scenario):
                continue
            statements = _statements(index, identity, sources, scenario)
            found = _completed_methods(identity, methods, statements, named)
            if found:
                violating.append(scenario)
                for method, text in found.items():
                    completed.setdefault(method, text)
        if not violating:
            continue
        who = _WHO.get(identity.type, "{id}").format(id=identity.logical_id)
        more = f"; and {len(completed) - 2} more methods" if len(completed) > 2 else ""
        fix = _FIX.get(
            identity.type,
            "remove or scope those actions, or set PermissionsBoundary to a policy that caps them",
        )
        yield ctx.finding(
            identity,
            f"{who} can escalate privileges without a permissions boundary"
            f" ({'; '.join(list(completed.values())[:2])}{more})"
            f"{describe_when(violating, scenarios)}; {fix}",
        )


def _has_boundary(identity: Resource, prop: str | None, scenario: Scenario) -> bool:
    if not prop or prop not in identity.properties:
        return False
    return any(
        value is not ABSENT and value is not None
        for value, _ in choices(identity.properties[prop], scenario=scenario)
    )


def _statements(
    index: PolicyIndex, identity: Resource, sources: list[Resource], scenario: Scenario
) -> list[Statement]:
    found = list(index.statements(identity, scenario))
    for source in sources:
        if source.template is identity.template:
            if source.condition and scenario.holds(source.condition) is False:
                continue
            found.extend(index.statements(source, scenario))
        else:
            found.extend(index.statements(source))
    return found


def _completed_methods(
    identity: Resource,
    methods: dict[str, list[tuple[str, str]]],
    statements: list[Statement],
    named: dict[int, frozenset[str]],
) -> dict[str, str]:
    """'Method: action from source, …' for every method the statements complete."""
    denies = [s for s in statements if s.effect == "Deny"]
    if any(s.actions is None for s in denies):
        return {}  # a Deny we cannot read might take any action away
    allows = [s for s in statements if s.allows and not s.conditional and _unrestricted(s)]
    wanted = {action for actions in methods.values() for action, _ in actions}
    denied = set().union(*(_named(d, wanted, named) for d in denies))
    allowed = [(s, _named(s, wanted, named)) for s in allows]
    completed: dict[str, str] = {}
    for method, actions in methods.items():
        by_source: dict[str, list[str]] = {}
        for action, written in actions:
            if action in denied:
                break
            source = next((_source(identity, s) for s, n in allowed if action in n), None)
            if source is None:
                break
            by_source.setdefault(source, []).append(written)
        else:
            granted = "; ".join(f"{', '.join(a)} from {s}" for s, a in by_source.items())
            completed[method] = f"{method}: {granted}"
    return completed


def _named(
    statement: Statement, wanted: set[str], memo: dict[int, frozenset[str]]
) -> frozenset[str]:
    """The escalation actions a statement names (statements are shared for the run)."""
    found = memo.get(id(statement))
    if found is None:
        found = names_of(statement, wanted) or frozenset()
        memo[id(statement)] = found
    return found


def _source(identity: Resource, statement: Statement) -> str:
    if statement.holder is identity:
        return statement.source
    return f"{statement.holder.logical_id} {statement.source}".strip()


def _unrestricted(statement: Statement) -> bool:
    if statement.not_resource:
        return True
    return statement.resources is not None and any(
        _EVERY_RESOURCE.fullmatch(r) for r in statement.resources
    )
