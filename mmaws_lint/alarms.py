"""`mmaws-lint alarms PATH…`: write the CloudWatch alarms that WMM101 finds missing.

For every finite capacity no alarm watches, the command prints one `AWS::CloudWatch::Alarm`
built from the catalog (`data.monitoring_finite_resources`: metric, statistic, threshold and
period, each default documented there), sending to an SNS topic given as a parameter, and
carrying the resource's `Condition`. The output is a CloudFormation fragment (`Parameters` and
`Resources`) to merge into the template that holds the resources; with several templates, one
fragment per template, keyed by file.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any

from cfn_flip import to_yaml

from .app import App
from .checks.monitoring.catalog import (
    AlarmSpec,
    Capacity,
    Environment,
    holds,
    property_at,
    resource_key,
)
from .checks.monitoring.coverage import Unwatched, unwatched_resources
from .conventions import add_stack_name_argument
from .engine import check_app
from .model import Model, ModelError, load_model
from .template.discover import discover
from .template.load import LoadProblem
from .template.template import Resource, Template

DEFAULT_TOPIC_PARAMETER = "AlarmTopicArn"
# A metric-math alarm may read at most 10 metrics; one query is the aggregating expression.
MAX_ALARM_QUERIES = 10
_NOT_ALPHANUMERIC = re.compile(r"[^A-Za-z0-9]")


def main(argv: list[str]) -> int:
    arguments = _parser().parse_args(argv)
    try:
        model = load_model(arguments.model)
    except ModelError as error:
        print(f"mmaws-lint alarms: {error}", file=sys.stderr)
        return 2
    if arguments.write:
        return _write(arguments, model)
    if arguments.topic and not arguments.topic.startswith("arn:"):
        arguments.topic_parameter = arguments.topic
    fragments, problems = generate_for_paths(
        arguments.paths, model, arguments.topic_parameter, dict(arguments.stack_name)
    )
    for problem in problems:
        print(f"mmaws-lint alarms: {problem}", file=sys.stderr)
    text = render(fragments, arguments.format)
    if arguments.output:
        with open(arguments.output, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        sys.stdout.write(text)
    return 2 if problems else 0


def _write(arguments: argparse.Namespace, model: Model) -> int:
    from .alarms_write import write_for_paths

    topic = arguments.topic or arguments.topic_parameter
    written, refusals, problems = write_for_paths(
        arguments.paths, model, topic, dict(arguments.stack_name)
    )
    for file, alarms in written.items():
        print(f"{file}: added {len(alarms)} alarms ({', '.join(alarms)})")
    if not written and not refusals:
        print("mmaws-lint alarms: nothing to add, every finite capacity is watched")
    for message in [*refusals, *map(str, problems)]:
        print(f"mmaws-lint alarms: {message}", file=sys.stderr)
    return 2 if refusals or problems else 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mmaws-lint alarms",
        description="Print the CloudWatch alarms missing on finite resources (WMM101) as a"
        " CloudFormation fragment to merge into each template, or merge them in with --write.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="templates, folders, cdk.out")
    parser.add_argument(
        "--format", choices=("yaml", "json"), default="yaml", help="fragment format (default yaml)"
    )
    parser.add_argument("--output", metavar="FILE", help="write to FILE instead of stdout")
    parser.add_argument("--model", metavar="FILE", help="model override file")
    parser.add_argument(
        "--topic-parameter",
        default=DEFAULT_TOPIC_PARAMETER,
        metavar="NAME",
        help=f"parameter holding the SNS topic ARN (default {DEFAULT_TOPIC_PARAMETER})",
    )
    parser.add_argument(
        "--write",
        action="store_true",
        help="merge the alarms into the template files themselves, keeping comments, order,"
        " short-form tags and formatting (JSON keeps its indentation); running it again adds"
        " nothing; refused on CDK output (add alarms in the CDK app)",
    )
    parser.add_argument(
        "--topic",
        metavar="ARN|PARAMETER|TOPIC",
        help="where the alarms notify: an SNS topic ARN, a parameter name (added when the"
        " template lacks it), or the logical ID of an AWS::SNS::Topic in the template"
        f" (default: the parameter {DEFAULT_TOPIC_PARAMETER})",
    )
    add_stack_name_argument(parser)
    return parser


def generate_for_paths(
    paths: list[str],
    model: Model,
    topic_parameter: str = DEFAULT_TOPIC_PARAMETER,
    stack_names: dict[str, str] | None = None,
) -> tuple[dict[str, dict[str, Any]], list[LoadProblem]]:
    """Fragments by template file, and the inputs that could not be read."""
    fragments: dict[str, dict[str, Any]] = {}
    problems: list[LoadProblem] = []
    for unit in discover(paths, stack_names):
        templates, unit_problems = unit.load()
        problems.extend(p for p in unit_problems if not p.skipped)
        if templates:
            fragments.update(generate(App(templates), model, topic_parameter))
    return fragments, problems


def generate(app: App, model: Model, topic_parameter: str) -> dict[str, dict[str, Any]]:
    """One fragment per template of `app` that has unwatched capacities WMM101 reports."""
    reported = {(f.file, f.resource) for f in check_app(app, model, ["WMM101"]).findings}
    environment = Environment(app, model.data)
    fragments: dict[str, dict[str, Any]] = {}
    taken: dict[str, set[str]] = {}
    for unwatched in unwatched_resources(app, model):
        resource = unwatched.resource
        if resource_key(resource) not in reported:
            continue
        template = resource.template
        names = taken.setdefault(template.file, set(template.resources))
        resources = fragments.setdefault(template.file, _empty_fragment(template, topic_parameter))
        for capacity in unwatched.capacities:
            alarm = _alarm(unwatched, capacity, environment, topic_parameter)
            if alarm is not None:
                logical_id = _unique_id(resource.logical_id, capacity.name, names)
                resources["Resources"][logical_id] = alarm
    return {file: fragment for file, fragment in fragments.items() if fragment["Resources"]}


def _empty_fragment(template: Template, topic_parameter: str) -> dict[str, Any]:
    fragment: dict[str, Any] = {"Resources": {}}
    if topic_parameter not in template.parameters:
        fragment = {
            "Parameters": {
                topic_parameter: {
                    "Type": "String",
                    "Description": "ARN of the SNS topic that receives the alarms on finite"
                    " resources (written by mmaws-lint alarms)",
                }
            },
            **fragment,
        }
    return fragment


def _unique_id(logical_id: str, capacity: str, taken: set[str]) -> str:
    words = "".join(word[:1].upper() + word[1:] for word in capacity.split())
    base = _NOT_ALPHANUMERIC.sub("", f"{logical_id}{words}Alarm")
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}{number}", number + 1
    taken.add(candidate)
    return candidate


# ---- one alarm ------------------------------------------------------------------------------


def _alarm(
    unwatched: Unwatched, capacity: Capacity, environment: Environment, topic_parameter: str
) -> dict[str, Any] | None:
    resource, entry = unwatched.resource, unwatched.entry
    spec = next((a for a in capacity.alarms if holds(a.when, resource, environment)), None)
    if spec is None:
        return None
    dimension_sets = _dimension_sets(resource, entry.dimensions, environment)
    properties: dict[str, Any] = {
        "AlarmDescription": f"{capacity.name} of {resource.logical_id}"
        f" ({', '.join(capacity.metrics)}); written by mmaws-lint alarms for WMM101",
    }
    if len(spec.metrics) == 1 and spec.expression is None and len(dimension_sets) == 1:
        properties.update(
            Namespace=entry.namespace,
            MetricName=next(iter(spec.metrics.values())),
            Dimensions=dimension_sets[0],
            Statistic=spec.statistic,
            Period=spec.period,
        )
    else:
        properties["Metrics"] = _metric_math(entry.namespace, spec, dimension_sets)
    properties["EvaluationPeriods"] = spec.evaluation_periods
    if spec.datapoints:
        properties["DatapointsToAlarm"] = int(spec.datapoints)
    properties["Threshold"] = _threshold(resource, spec, environment)
    properties["ComparisonOperator"] = spec.comparison
    if spec.missing_data:
        properties["TreatMissingData"] = spec.missing_data
    properties["AlarmActions"] = [{"Ref": topic_parameter}]
    properties["OKActions"] = [{"Ref": topic_parameter}]
    alarm: dict[str, Any] = {"Type": "AWS::CloudWatch::Alarm"}
    if resource.condition:
        alarm["Condition"] = resource.condition
    alarm["Properties"] = properties
    return alarm


def _threshold(resource: Resource, spec: AlarmSpec, environment: Environment) -> float | int:
    value = spec.threshold
    source = spec.threshold_from
    if source:
        path = source["property"]
        node = property_at(resource.properties, tuple([path] if isinstance(path, str) else path))
        literal = environment.resolver(resource).literal(node) if node is not None else None
        try:
            base = float(literal) if literal is not None else None
        except ValueError:
            base = None
        if base is not None and base > 0:
            value = base * float(source.get("fraction", 1)) * float(source.get("scale", 1))
    return int(value) if float(value).is_integer() else round(value, 6)


def _metric_math(
    namespace: str, spec: AlarmSpec, dimension_sets: list[list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    """Queries for a metric-math alarm: the spec's expression for each dimension set (one per
    cache node), combined with MAX (MIN for a low-balance alarm) when there are several."""
    per_set = len(spec.metrics) + (1 if spec.expression else 0)
    dimension_sets = dimension_sets[: max(1, (MAX_ALARM_QUERIES - 1) // per_set)]
    several = len(dimension_sets) > 1
    queries: list[dict[str, Any]] = []
    results: list[str] = []
    for index, dimensions in enumerate(dimension_sets):
        suffix = f"_{index}" if several else ""
        for query_id, metric in spec.metrics.items():
            stat = {"Namespace": namespace, "MetricName": metric, "Dimensions": dimensions}
            queries.append(
                {
                    "Id": f"{query_id}{suffix}",
                    "MetricStat": {"Metric": stat, "Period": spec.period, "Stat": spec.statistic},
                    "ReturnData": False,
                }
            )
        if spec.expression is None:
            results.append(f"{next(iter(spec.metrics))}{suffix}")
            continue
        expression = spec.expression
        for query_id in spec.metrics:
            expression = re.sub(rf"\b{re.escape(query_id)}\b", f"{query_id}{suffix}", expression)
        if several:
            queries.append({"Id": f"node{suffix}", "Expression": expression, "ReturnData": False})
            expression = f"node{suffix}"
        results.append(expression)
    if several:
        aggregate = "MIN" if spec.comparison.startswith("LessThan") else "MAX"
        final = f"{aggregate}([{', '.join(results)}])"
    else:
        final = results[0]
    queries.append({"Id": "result", "Expression": final, "ReturnData": True})
    return queries


# ---- dimensions -----------------------------------------------------------------------------


def _dimension_sets(
    resource: Resource, dimensions: dict[str, str], environment: Environment
) -> list[list[dict[str, Any]]]:
    """The dimension lists that name the resource's metrics: one, or one per cache node."""
    sets: list[list[dict[str, Any]]] = [[]]
    for name, source in dimensions.items():
        values = _dimension_values(resource, source, environment)
        sets = [[*current, {"Name": name, "Value": value}] for current in sets for value in values]
    return sets


def _dimension_values(resource: Resource, source: str, environment: Environment) -> list[Any]:
    kind, _, argument = source.partition(" ")
    logical_id = resource.logical_id
    if kind == "ref":
        return [{"Ref": logical_id}]
    if kind == "getatt":
        return [{"Fn::GetAtt": [logical_id, argument]}]
    if kind == "pseudo":
        return [{"Ref": argument}]
    if kind == "literal":
        return [argument]
    if kind == "ecs_cluster_name":
        return [_ecs_cluster_name(resource, environment)]
    if kind == "cache_nodes":
        return [
            {"Fn::Sub": f"${{{logical_id}}}-{node}"} for node in _cache_nodes(resource, environment)
        ]
    raise ValueError(f"unknown dimension source {source!r} in monitoring_finite_resources")


def _ecs_cluster_name(service: Resource, environment: Environment) -> Any:
    """ClusterName of a service: Ref of its cluster (which returns the name), the name part of a
    literal ARN, or the value as written; an ECS service without Cluster runs in `default`."""
    node = service.prop("Cluster")
    if node is None:
        return "default"
    for cluster in environment.referenced(service, node, "AWS::ECS::Cluster"):
        if cluster.template is service.template:
            return {"Ref": cluster.logical_id}
    literal = environment.resolver(service).literal(node)
    if literal is not None:
        return literal.rsplit("cluster/", 1)[-1]
    return node


def _cache_nodes(group: Resource, environment: Environment) -> list[str]:
    """Node ID suffixes of a replication group: -001… without cluster mode, -0001-001… with
    it; primaries first, so a capped list still watches every shard."""
    resolver = environment.resolver(group)

    def number(*path: str, default: int) -> int:
        value = resolver.literal(group.prop(*path))
        return int(value) if value is not None and value.isdigit() else default

    configuration = group.prop("NodeGroupConfiguration")
    shards = number(
        "NumNodeGroups", default=len(configuration) if isinstance(configuration, list) else 0
    )
    cluster_mode = (resolver.literal(group.prop("ClusterMode")) or "").lower() == "enabled"
    if shards == 0 and not cluster_mode:
        count = number("NumCacheClusters", default=number("ReplicasPerNodeGroup", default=0) + 1)
        return [f"{node:03d}" for node in range(1, max(count, 1) + 1)]
    replicas = number("ReplicasPerNodeGroup", default=1)
    return [
        f"{shard:04d}-{node:03d}"
        for node in range(1, replicas + 2)
        for shard in range(1, max(shards, 1) + 1)
    ]


# ---- output ---------------------------------------------------------------------------------


def render(fragments: dict[str, dict[str, Any]], output_format: str) -> str:
    """One fragment as is; several as a mapping by file (JSON) or commented documents (YAML)."""
    if output_format == "json":
        document: Any = next(iter(fragments.values())) if len(fragments) == 1 else fragments
        return json.dumps(document, indent=2) + "\n"
    if not fragments:
        return "{}\n"
    if len(fragments) == 1:
        return to_yaml(json.dumps(next(iter(fragments.values()))))
    documents = [
        f"# {file}\n{to_yaml(json.dumps(fragment))}" for file, fragment in fragments.items()
    ]
    return "---\n".join(documents)
