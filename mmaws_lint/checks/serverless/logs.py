"""WMM709: containers, API stages and state machines whose logs go nowhere."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ...findings import Finding
from ...template.nodes import Path
from ...template.scenarios import Scenario, describe_when
from ...template.template import Resource
from ...template.walk import lookup, lowered, possible_literals
from .. import Context, check
from .helpers import absent, listed

# What is missing in one scenario (empty: nothing), and where to point.
Gap = tuple[str, Path] | None

_STAGES: dict[str, tuple[tuple[str, ...], str]] = {
    "AWS::ApiGateway::Stage": (("AccessLogSetting", "DestinationArn"), "AccessLogSetting"),
    "AWS::ApiGatewayV2::Stage": (("AccessLogSettings", "DestinationArn"), "AccessLogSettings"),
    "AWS::Serverless::Api": (("AccessLogSetting", "DestinationArn"), "AccessLogSetting"),
    "AWS::Serverless::HttpApi": (("AccessLogSettings", "DestinationArn"), "AccessLogSettings"),
}
_IMPLICIT_APIS = {  # SAM event type -> (property naming an explicit API, Globals section, setting)
    "Api": ("RestApiId", "Api", "AccessLogSetting"),
    "HttpApi": ("ApiId", "HttpApi", "AccessLogSettings"),
}


@check("WMM709")
def logs_go_nowhere(ctx: Context) -> Iterator[Finding]:
    judges: dict[str, Callable[[Context, Resource, Scenario], Gap]] = {
        "AWS::ECS::TaskDefinition": _containers,
        "AWS::ApiGateway::Deployment": _deployment_stage,
        "AWS::StepFunctions::StateMachine": _state_machine,
        "AWS::Serverless::StateMachine": _state_machine,
        **{resource_type: _stage for resource_type in _STAGES},
    }
    for resource in ctx.app.resources(*judges):
        scenarios = ctx.scenarios(resource)
        bad: list[Scenario] = []
        gaps: list[str] = []
        path: Path = ()
        for scenario in scenarios:
            gap = judges[resource.type](ctx, resource, scenario)
            if gap:
                bad.append(scenario)
                if gap[0] not in gaps:
                    gaps.append(gap[0])
                path = path or gap[1]
        if bad:
            yield ctx.finding(
                resource,
                f"{resource.logical_id} {' and '.join(gaps)}{describe_when(bad, scenarios)}",
                path=path,
            )
    yield from _implicit_apis(ctx)


def _containers(ctx: Context, task: Resource, scenario: Scenario) -> Gap:
    resolver = ctx.resolver(task, scenario)
    silent = []
    first: Path = ()
    items = lookup(
        task.properties, ("ContainerDefinitions", "*"), ("Properties",), scenario=scenario
    )
    for container, path in items:
        if not isinstance(container, dict):
            continue
        essential = lowered(possible_literals(resolver, container, ("Essential",), "true"))
        if essential != {"true"} or not absent(container, ("LogConfiguration",), scenario):
            continue
        silent.append(resolver.literal(container.get("Name")) or "a container")
        first = first or path
    if not silent:
        return None
    return (
        f"runs essential container{'s' if len(silent) > 1 else ''} {listed(silent)} without a"
        " LogConfiguration: its output is lost when the task stops; add LogConfiguration"
        " (LogDriver awslogs with a log group, or awsfirelens)",
        first,
    )


def _stage(ctx: Context, stage: Resource, scenario: Scenario) -> Gap:
    keys, setting = _STAGES[stage.type]
    if not absent(stage.properties, keys, scenario):
        return None
    return (
        f"writes no access logs: requests to this stage leave no trace; set {setting} with a"
        " DestinationArn (a log group) and a Format",
        ("Properties", setting) if setting in stage.properties else (),
    )


def _deployment_stage(ctx: Context, deployment: Resource, scenario: Scenario) -> Gap:
    if absent(deployment.properties, ("StageName",), scenario):
        return None  # the stage is its own AWS::ApiGateway::Stage resource
    if not absent(
        deployment.properties, ("StageDescription", "AccessLogSetting", "DestinationArn"), scenario
    ):
        return None
    return (
        "creates its stage without access logs: requests leave no trace; set"
        " StageDescription.AccessLogSetting (or declare the stage as an AWS::ApiGateway::Stage"
        " with AccessLogSetting)",
        ("Properties", "StageName"),
    )


def _state_machine(ctx: Context, machine: Resource, scenario: Scenario) -> Gap:
    setting = (
        "Logging" if machine.type == "AWS::Serverless::StateMachine" else "LoggingConfiguration"
    )
    resolver = ctx.resolver(machine, scenario)
    levels = lowered(possible_literals(resolver, machine.properties, (setting, "Level"), "OFF"))
    if levels != {"off"}:
        return None  # logs in this scenario, or unknown
    kind = "Type" if machine.type == "AWS::Serverless::StateMachine" else "StateMachineType"
    express = lowered(possible_literals(resolver, machine.properties, (kind,), "STANDARD"))
    history = (
        "an Express workflow keeps no execution history, so its logs are the only record"
        if express == {"express"}
        else "the execution history shows what happened but is not searchable with the rest of"
        " the application's logs"
    )
    return (
        f"logs no executions ({history}); set {setting} with Level ERROR or ALL and a log group"
        " in Destinations",
        ("Properties", setting) if setting in machine.properties else (),
    )


def _implicit_apis(ctx: Context) -> Iterator[Finding]:
    """SAM creates one API per template for function events without an explicit API; its
    access logs come only from Globals."""
    for template in ctx.app.templates:
        globals_ = template.data.get("Globals")
        by_function: dict[int, tuple[Resource, list[str], Path]] = {}
        functions = template.resources_of("AWS::Serverless::Function")
        for event_type, (explicit, section, setting) in _IMPLICIT_APIS.items():
            configured = isinstance(globals_, dict) and isinstance(globals_.get(section), dict)
            if configured and setting in globals_[section]:
                continue
            found = _first_implicit_event(functions, event_type, explicit)
            if found is None:
                continue
            function, name = found
            api = "ServerlessRestApi" if event_type == "Api" else "ServerlessHttpApi"
            entry = by_function.setdefault(
                id(function), (function, [], ("Properties", "Events", name))
            )
            entry[1].append(
                f"{event_type} event {name} joins the API SAM creates ({api}), which writes no"
                f" access logs: requests leave no trace; set Globals.{section}.{setting} or"
                f" declare the API with {setting}"
            )
        for function, texts, path in by_function.values():
            yield ctx.finding(
                function, f"{function.logical_id}'s " + "; its ".join(texts), path=path
            )


def _first_implicit_event(
    functions: list[Resource], event_type: str, explicit: str
) -> tuple[Resource, str] | None:
    for function in functions:
        events = function.prop("Events")
        for name, event in events.items() if isinstance(events, dict) else ():
            if not isinstance(event, dict) or event.get("Type") != event_type:
                continue
            properties = event.get("Properties")
            if not isinstance(properties, dict) or explicit not in properties:
                return function, str(name)
    return None
