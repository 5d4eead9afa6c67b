"""IMM706: functions allowed to invoke other functions of the same application.

A function's permissions come from its execution role: the role's inline policies, IAM policies
attached to the role (`AWS::IAM::Policy`/`ManagedPolicy` naming it in `Roles`, CDK's
`DefaultPolicy` among them), SAM `Policies` (inline statements and the `LambdaInvokePolicy`
template) and SAM connectors (`Write` from one function to another). Only statements that name
the other function count; `Resource: "*"` says nothing about which one.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from typing import Any

from ...app import App
from ...findings import Finding
from ...template.resolve import intrinsic
from ...template.template import Resource
from .. import Context, check
from ..monitoring import catalog  # a module, not a name: catalog reads this family's index
from .helpers import listed
from .index import FUNCTION_TYPES, FunctionNames, key, named_functions

_POLICY_TYPES = ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")


@check("IMM706")
def functions_calling_functions(ctx: Context) -> Iterator[Finding]:
    actions = [a.lower() for a in ctx.setting("invoke_actions", [])]
    calls = ctx.app.shared("serverless.invokes", lambda app: _invokes(app, actions))
    deployment = catalog.Environment(ctx.app, ctx.model.data).deployment_functions
    for caller in ctx.app.resources(*FUNCTION_TYPES):
        if key(caller) in deployment or "DurableConfig" in caller.properties:
            continue  # a deployment handler, or a durable function: a workflow of its own
        callees = [
            (callee, source)
            for callee, source in calls.get(key(caller), [])
            if callee is not caller
            and key(callee) not in deployment
            and "DurableConfig" not in callee.properties  # a durable function is a workflow
            and ctx.app.coexist(caller, callee)
            and ctx.app.coexist(caller, source)
        ]
        if not callees:
            continue
        names = [callee.logical_id for callee, _ in callees]
        granted = listed(["its own policies" if s is caller else s.logical_id for _, s in callees])
        yield ctx.finding(
            caller,
            f"{caller.logical_id} may invoke {listed(names)} (granted by {granted}): functions"
            " working together belong in a Step Functions workflow that calls each as a Task, or"
            " hand work on through a queue or an event bus; keep a direct invoke only for a"
            " deliberate asynchronous hand-off",
        )


Grants = dict[tuple[str, str], list[tuple[Resource, Resource]]]


class _Grants:
    """caller -> [(callee, the resource granting it)], for the whole run."""

    def __init__(self, app: App, actions: list[str]) -> None:
        self.app = app
        self.actions = actions
        self.names = FunctionNames(app)
        self.found: Grants = {}

    def add(self, callers: list[Resource], holder: Resource, callees: list[Resource]) -> None:
        for callee in callees:
            for caller in callers:
                self.found.setdefault(key(caller), []).append((callee, holder))

    def statements(self, callers: list[Resource], holder: Resource, document: Any) -> None:
        if callers:
            self.add(
                callers,
                holder,
                _invoked_by_statements(self.app, holder, document, self.actions, self.names),
            )


def _invokes(app: App, actions: list[str]) -> Grants:
    grants = _Grants(app, actions)
    by_role: dict[tuple[str, str], list[Resource]] = {}
    for function in app.resources(*FUNCTION_TYPES):
        for target in app.resolver(function.template).references(function.prop("Role")):
            by_role.setdefault((target.file, target.logical_id), []).append(function)
    for resource in app.resources():
        if resource.type == "AWS::IAM::Role":
            callers = by_role.get(key(resource), [])
            policies = resource.prop("Policies")
            for policy in policies if callers and isinstance(policies, list) else []:
                if isinstance(policy, dict):
                    grants.statements(callers, resource, policy.get("PolicyDocument"))
        elif resource.type in _POLICY_TYPES:
            resolver = app.resolver(resource.template)
            callers = [
                caller
                for target in resolver.references(resource.prop("Roles"))
                for caller in by_role.get((target.file, target.logical_id), [])
            ]
            grants.statements(callers, resource, resource.prop("PolicyDocument"))
        elif resource.type == "AWS::Serverless::Function":
            _sam_grants(grants, resource)
        elif resource.type == "AWS::Serverless::Connector":
            _connector(grants, resource, resource.properties)
    return grants.found


def _sam_grants(grants: _Grants, function: Resource) -> None:
    policies = function.prop("Policies")
    resolver = grants.app.resolver(function.template)
    for item in policies if isinstance(policies, list) else [policies]:
        if not isinstance(item, dict) or intrinsic(item) is not None:
            continue
        if "Statement" in item:
            grants.statements([function], function, item)
        template = item.get("LambdaInvokePolicy")
        if isinstance(template, dict):
            named = named_functions(
                grants.app, resolver, template.get("FunctionName"), grants.names
            )
            grants.add([function], function, list(named.resources))
    connectors = function.prop("Connectors")
    for connector in connectors.values() if isinstance(connectors, dict) else ():
        if isinstance(connector, dict) and isinstance(connector.get("Properties"), dict):
            properties = {"Source": {"Id": function.logical_id}, **connector["Properties"]}
            _connector(grants, function, properties)


def _connector(grants: _Grants, holder: Resource, properties: Any) -> None:
    """A SAM connector with Write permission from one function to another."""
    permissions = properties.get("Permissions")
    if not isinstance(permissions, list) or "Write" not in permissions:
        return
    ends = []
    for side in ("Source", "Destination"):
        end = properties.get(side)
        logical_id = end.get("Id") if isinstance(end, dict) else None
        resources = holder.template.resources
        ends.append(resources.get(logical_id) if isinstance(logical_id, str) else None)
    source, destination = ends
    if (
        source is not None
        and destination is not None
        and source.type in FUNCTION_TYPES
        and destination.type in FUNCTION_TYPES
    ):
        grants.add([source], holder, [destination])


def _invoked_by_statements(
    app: App, holder: Resource, document: Any, actions: list[str], names: FunctionNames
) -> list[Resource]:
    if not isinstance(document, dict):
        return []
    resolver = app.resolver(holder.template)
    statements = document.get("Statement")
    found: list[Resource] = []
    for statement in resolver.elements(
        statements if isinstance(statements, list) else [statements]
    ):
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        listed_actions = [
            a.lower()
            for a in resolver.elements(_as_list(statement.get("Action")))
            if isinstance(a, str)
        ]
        if not any(
            fnmatch.fnmatchcase(wanted, pattern) for pattern in listed_actions for wanted in actions
        ):
            continue
        for resource in resolver.elements(_as_list(statement.get("Resource"))):
            found.extend(named_functions(app, resolver, resource, names).resources)
    return list(dict.fromkeys(found))


def _as_list(node: Any) -> Any:
    return node if isinstance(node, list) else [node]
