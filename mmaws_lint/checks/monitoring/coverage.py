"""Which alarms watch which resources, and which finite capacities nobody watches.

Alarms point at resources through dimension values, not references, so the index reads every
alarm's metrics (plain or metric math) and works out which resources of the run each dimension
value names: by reference (`Ref`, `GetAtt`, `Sub`, `Join`, `If`, `Fn::ImportValue` of an export
of the run), or by a name equal to a resource's explicit name property. A value the linter
cannot follow (a parameter without default, an import nobody in the run exports, a custom
resource or nested stack output) may name any resource, so it watches them all: no finding is
better than a false one.

The index is built once per run (`App.shared`) and is linear in the size of the templates.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ...app import App
from ...model import Model
from ...template.resolve import Parts, Resolver, Sym, as_literal
from ...template.symbols import has_unknown
from ...template.template import Resource
from .catalog import (
    Capacity,
    Entry,
    Environment,
    ResourceKey,
    holds,
    parse_catalog,
    property_at,
    resource_key,
)

ANY_RESOURCE: ResourceKey = ("*", "*")
MetricKey = tuple["str | None", "str | None"]  # (namespace, metric name); None: unknown
ConditionKey = tuple[str, str] | None  # (file, condition name); None: always exists
# ElastiCache names a replication group's nodes <group>-001 or <group>-0001-001.
_CACHE_NODE_SUFFIX = re.compile(r"-\d{3,4}(-\d{3})?$")
_NODE_NAMED_TYPES = frozenset({"AWS::ElastiCache::ReplicationGroup"})
_INSIGHTS_METRIC = re.compile(r"SELECT\s+\w+\s*\(\s*\"?([\w.]+)\"?\s*\)", re.IGNORECASE)
_STATE_MACHINE_TYPES = ("AWS::StepFunctions::StateMachine", "AWS::Serverless::StateMachine")
_DEFINITION_PROPERTIES = ("Definition", "DefinitionString", "DefinitionSubstitutions")
_EXECUTION_FAILURES = frozenset({"ExecutionsFailed", "ExecutionThrottled", "ExecutionsTimedOut"})
_FUNCTION_TYPES = frozenset({"AWS::Lambda::Function", "AWS::Serverless::Function"})
_INSIGHTS_NAMESPACE = re.compile(r"FROM\s+(?:SCHEMA\s*\(\s*)?\"?([\w/.:-]+)\"?", re.IGNORECASE)


@dataclass(frozen=True)
class Unwatched:
    """A resource of the catalog with the capacities no alarm watches (`capacities`), and
    those watched only by alarms that a condition can switch off (`optional`, with the names
    of those conditions)."""

    resource: Resource
    entry: Entry
    capacities: tuple[Capacity, ...]
    optional: tuple[tuple[Capacity, frozenset[str]], ...] = ()


WATCHED, OPTIONAL, MISSING = "watched", "optional", "missing"


@dataclass(frozen=True)
class CapacityCoverage:
    """One capacity of a resource: its state, the conditions of the alarms that watch it only
    in some scenarios (OPTIONAL), and what watches it (alarms, scaling policies, nested stacks
    the resource is handed to)."""

    capacity: Capacity
    state: str
    conditions: frozenset[str]
    watchers: tuple[Resource, ...]


@dataclass(frozen=True)
class ResourceCoverage:
    """A catalog resource with every capacity of its entry; None where a capacity does not
    apply to this resource (the capacity's `when` does not hold)."""

    resource: Resource
    entry: Entry
    capacities: tuple[CapacityCoverage | None, ...]


@dataclass(frozen=True)
class WatchedMetric:
    namespace: Any
    metric: Any
    dimensions: Any


class NameIndex:
    """Resources by their explicit name: literal names (case-insensitive) across the run, and
    names built from parameters or pseudo parameters within their template. Replication
    groups are also found by the names of their nodes (`<group>-001`)."""

    def __init__(self) -> None:
        self._literal: dict[str, set[ResourceKey]] = defaultdict(set)
        self._symbolic: dict[tuple[str, Parts], set[ResourceKey]] = defaultdict(set)
        self._groups_literal: dict[str, set[ResourceKey]] = defaultdict(set)
        self._groups_symbolic: dict[tuple[str, Parts], set[ResourceKey]] = defaultdict(set)

    def add(self, resolver: Resolver, resource: Resource, name_property: str) -> None:
        node = resource.prop(name_property)
        if node is None:
            return
        has_nodes = resource.type in _NODE_NAMED_TYPES
        for parts in resolver.values(node):
            literal = as_literal(parts)
            key = resource_key(resource)
            if literal:
                self._literal[literal.lower()].add(key)
                if has_nodes:
                    self._groups_literal[literal.lower()].add(key)
            elif parts:
                self._symbolic[(resource.template.file, parts)].add(key)
                if has_nodes:
                    self._groups_symbolic[(resource.template.file, parts)].add(key)

    def lookup(self, file: str, parts: Parts) -> set[ResourceKey]:
        literal = as_literal(parts)
        if literal is not None:
            lowered = literal.lower()
            return self._literal.get(lowered) or self._groups_literal.get(
                _CACHE_NODE_SUFFIX.sub("", lowered), set()
            )
        found = self._symbolic.get((file, parts))
        if found or not parts or not isinstance(parts[-1], str):
            return found or set()
        base = _CACHE_NODE_SUFFIX.sub("", parts[-1])
        trimmed = (*parts[:-1], base) if base else parts[:-1]
        return self._groups_symbolic.get((file, trimmed), set())


class AlarmIndex:
    """resource -> (namespace, metric) -> conditions of the alarms watching it."""

    def __init__(self, app: App, model: Model, environment: Environment) -> None:
        self.app = app
        self.environment = environment
        self.catalog = parse_catalog(model.data.get("monitoring_finite_resources", []))
        rule = model.rules.get("WMM101")
        self.opaque_types = frozenset(rule.setting("watching_resource_types", []) if rule else [])
        self.nested_stack_types = frozenset(rule.setting("nested_stack_types", []) if rule else [])
        self.watched: dict[ResourceKey, dict[MetricKey, set[ConditionKey]]] = defaultdict(
            lambda: defaultdict(set)
        )
        # Who watches, by the same keys; read only by the coverage report.
        self.watchers: dict[
            tuple[ResourceKey, MetricKey, ConditionKey], dict[ResourceKey, Resource]
        ] = defaultdict(dict)
        self.names = self._names(model)
        scaling = model.data.get("monitoring_scaling_metrics", {})
        for resource in app.resources():
            if resource.type == "AWS::CloudWatch::Alarm":
                self._add_alarm(resource)
            elif resource.type in self.nested_stack_types:
                self._add_handed_over(resource)
            elif resource.type == "AWS::AutoScaling::ScalingPolicy":
                self._add_group_policy(resource, scaling)
            elif resource.type == "AWS::ApplicationAutoScaling::ScalingPolicy":
                self._add_application_policy(resource, scaling)
        self._add_state_machine_tasks()

    def _mark(
        self, target: ResourceKey, metric: MetricKey, condition: ConditionKey, source: Resource
    ) -> None:
        self.watched[target][metric].add(condition)
        self.watchers[(target, metric, condition)][resource_key(source)] = source

    def _names(self, model: Model) -> NameIndex:
        names = NameIndex()
        name_properties: dict[str, str] = dict(model.data.get("monitoring_named_resources", {}))
        for entry in self.catalog:
            if entry.name_property:
                for resource_type in entry.types:
                    name_properties.setdefault(resource_type, entry.name_property)
        for resource in self.app.resources(*name_properties):
            resolver = self.app.resolver(resource.template)
            names.add(resolver, resource, name_properties[resource.type])
        return names

    # ---- reading alarms -------------------------------------------------------------------

    def _add_alarm(self, alarm: Resource) -> None:
        resolver = self.app.resolver(alarm.template)
        condition = _condition_key(alarm)
        properties = alarm.properties
        if "MetricName" in properties:
            self._add(resolver, condition, alarm, WatchedMetric(
                properties.get("Namespace"), properties["MetricName"], properties.get("Dimensions")
            ))  # fmt: skip
        for query in resolver.elements(properties.get("Metrics")):
            if not isinstance(query, dict):
                continue
            metric = property_at(query, ("MetricStat", "Metric"))
            if isinstance(metric, dict):
                self._add(resolver, condition, alarm, WatchedMetric(
                    metric.get("Namespace"), metric.get("MetricName"), metric.get("Dimensions")
                ))  # fmt: skip
            elif "Expression" in query:
                self._add_insights_query(resolver, condition, alarm, query["Expression"])

    def _add_state_machine_tasks(self) -> None:
        """An alarm on a state machine's failed, throttled or timed-out executions also
        watches the failures and throttles of the functions its tasks invoke: a task error
        fails the execution that the alarm counts."""
        for machine in self.app.resources(*_STATE_MACHINE_TYPES):
            table = self.watched.get(resource_key(machine))
            if not table:
                continue
            conditions = set()
            sources: list[tuple[ConditionKey, Resource]] = []
            for (namespace, metric), found in table.items():
                if namespace in ("AWS/States", None) and (
                    metric in _EXECUTION_FAILURES or metric is None
                ):
                    conditions |= found
                    for condition in found:
                        key = (resource_key(machine), (namespace, metric), condition)
                        sources += [(condition, s) for s in self.watchers.get(key, {}).values()]
            if not conditions:
                continue
            resolver = self.app.resolver(machine.template)
            for name in _DEFINITION_PROPERTIES:
                for target in resolver.references(machine.prop(name)):
                    function = self.app.resource_at(target)
                    if function is None or function.type not in _FUNCTION_TYPES:
                        continue
                    tasks = self.watched[resource_key(function)]
                    for metric in ("Errors", "Throttles"):
                        tasks[("AWS/Lambda", metric)] |= conditions
                        for condition, source in sources:
                            key = (resource_key(function), ("AWS/Lambda", metric), condition)
                            self.watchers[key][resource_key(source)] = source

    def _add_handed_over(self, holder: Resource) -> None:
        """A resource handed to a nested stack may be watched by alarms in that stack, which
        the linter does not see."""
        resolver = self.app.resolver(holder.template)
        for target in resolver.references(holder.prop("Parameters")):
            handed = self.app.resource_at(target)
            # Without the nested stack the resource is not used there either: what the stack
            # does with it (an alarm, a custom resource) is not the author's optional monitoring.
            if handed is not None and self.app.coexist(holder, handed):
                self._mark((target.file, target.logical_id), (None, None), None, holder)

    def _add_insights_query(
        self, resolver: Resolver, condition: ConditionKey, alarm: Resource, node: Any
    ) -> None:
        """A Metrics Insights query (`SELECT AVG(CPUUtilization) FROM SCHEMA(...)`) watches every
        resource of its namespace; plain metric math only combines the metrics around it."""
        for parts in resolver.values(node):
            text = "".join(part for part in parts if isinstance(part, str))
            if not re.match(r"\s*SELECT\b", text, re.IGNORECASE):
                continue
            metric = _INSIGHTS_METRIC.search(text)
            namespace = _INSIGHTS_NAMESPACE.search(text)
            key = (namespace.group(1) if namespace else None, metric.group(1) if metric else None)
            self._mark(ANY_RESOURCE, key, condition, alarm)

    def _add_group_policy(self, policy: Resource, scaling: dict[str, Any]) -> None:
        resolver = self.app.resolver(policy.template)
        configuration = policy.prop("TargetTrackingConfiguration")
        if not isinstance(configuration, dict):
            return
        targets = self._value_targets(resolver, policy.prop("AutoScalingGroupName"))
        self._add_target_tracking(resolver, policy, configuration, targets, scaling)

    def _add_application_policy(self, policy: Resource, scaling: dict[str, Any]) -> None:
        resolver = self.app.resolver(policy.template)
        configuration = policy.prop("TargetTrackingScalingPolicyConfiguration")
        if not isinstance(configuration, dict):
            return
        targets = self._value_targets(resolver, policy.prop("ResourceId"))
        for target in self.environment.referenced(
            policy, policy.prop("ScalingTargetId"), "AWS::ApplicationAutoScaling::ScalableTarget"
        ):
            target_resolver = self.app.resolver(target.template)
            targets |= self._value_targets(target_resolver, target.prop("ResourceId"))
        self._add_target_tracking(resolver, policy, configuration, targets, scaling)

    def _add_target_tracking(
        self,
        resolver: Resolver,
        policy: Resource,
        configuration: dict[str, Any],
        targets: set[ResourceKey],
        scaling: dict[str, Any],
    ) -> None:
        """Target tracking creates its own alarms on the tracked metric of the scaled resource."""
        condition = _condition_key(policy)
        predefined = property_at(
            configuration, ("PredefinedMetricSpecification", "PredefinedMetricType")
        )
        for name in resolver.literals(predefined) or ():
            known = scaling.get(name)
            if isinstance(known, dict):
                for target in targets:
                    self._mark(target, (known["namespace"], known["metric"]), condition, policy)
        custom = configuration.get("CustomizedMetricSpecification")
        if isinstance(custom, dict) and "MetricName" in custom:
            self._add(resolver, condition, policy, WatchedMetric(
                custom.get("Namespace"), custom["MetricName"], custom.get("Dimensions")
            ))  # fmt: skip

    def _add(
        self, resolver: Resolver, condition: ConditionKey, source: Resource, metric: WatchedMetric
    ) -> None:
        namespaces = _names_or_unknown(resolver, metric.namespace)
        metric_names = _names_or_unknown(resolver, metric.metric)
        for target in self._dimension_targets(resolver, metric.dimensions):
            for namespace in namespaces:
                for metric_name in metric_names:
                    self._mark(target, (namespace, metric_name), condition, source)

    def _dimension_targets(self, resolver: Resolver, dimensions: Any) -> set[ResourceKey]:
        # Without dimensions an alarm watches the metric summed over the whole namespace.
        items = resolver.items(dimensions) if dimensions is not None else []
        if items is None:
            return {ANY_RESOURCE}
        found: set[ResourceKey] = set()
        values = [item.get("Value") for item in resolver.elements(items) if isinstance(item, dict)]
        if not values:
            return {ANY_RESOURCE}
        for value in values:
            found |= self._value_targets(resolver, value)
        return found

    def _value_targets(self, resolver: Resolver, node: Any) -> set[ResourceKey]:
        """The resources a dimension value may name."""
        if node is None:
            return set()
        found: set[ResourceKey] = set()
        for target in resolver.references(node):
            resource = self.environment.app.resource_at(target)
            if resource is None:
                continue
            if resource.type in self.opaque_types or resource.type.startswith("Custom::"):
                found.add(ANY_RESOURCE)
            else:
                found.add((target.file, target.logical_id))
        for parts in resolver.values(node):
            symbols = [part for part in parts if isinstance(part, Sym)]
            if any(symbol.kind in ("ref", "getatt") for symbol in symbols):
                continue  # a reference, handled above
            named = self.names.lookup(resolver.template.file, parts)
            if named:
                found |= named
            elif has_unknown(parts):
                found.add(ANY_RESOURCE)
        return found

    # ---- answering --------------------------------------------------------------------------

    def coverage(
        self, resource: Resource, entry: Entry, capacity: Capacity
    ) -> tuple[str, frozenset[str]]:
        """WATCHED when an alarm watches the capacity wherever the resource exists; OPTIONAL
        (with the alarms' conditions) when alarms exist only in some of those scenarios;
        MISSING when no alarm can exist together with the resource."""
        switches: set[str] = set()
        for _, _, condition in self._watching_entries(resource, entry, capacity):
            relation = self._relation(resource, condition)
            if relation == WATCHED:
                return WATCHED, frozenset()
            if relation == OPTIONAL and condition is not None:
                switches.add(condition[1])
        return (OPTIONAL, frozenset(switches)) if switches else (MISSING, frozenset())

    def watching(self, resource: Resource, entry: Entry, capacity: Capacity) -> list[Resource]:
        """The alarms (scaling policies, nested stacks) that watch the capacity in at least one
        scenario where the resource exists: the same lookups as `coverage`."""
        found: dict[ResourceKey, Resource] = {}
        for key, metric_key, condition in self._watching_entries(resource, entry, capacity):
            if self._relation(resource, condition) != MISSING:
                found.update(self.watchers.get((key, metric_key, condition), {}))
        return [found[key] for key in sorted(found)]

    def _watching_entries(
        self, resource: Resource, entry: Entry, capacity: Capacity
    ) -> Iterator[tuple[ResourceKey, MetricKey, ConditionKey]]:
        """Each (resource key, metric key, alarm condition) recorded for the capacity, from the
        most specific metric key to the one where namespace and metric are unknown."""
        for key in self._keys(resource, entry):
            table = self.watched.get(key)
            if not table:
                continue
            for metric in capacity.metrics:
                for metric_key in (
                    (entry.namespace, metric),
                    (None, metric),
                    (entry.namespace, None),
                    (None, None),
                ):
                    for condition in table.get(metric_key, ()):
                        yield key, metric_key, condition

    def _relation(self, resource: Resource, alarm_condition: ConditionKey) -> str:
        """Does an alarm with this Condition exist wherever `resource` does?"""
        if alarm_condition is None:
            return WATCHED
        file, name = alarm_condition
        if file != resource.template.file:
            return OPTIONAL  # each template's conditions are its own: nothing ties them
        space = self.app.conditions(resource.template)
        if name == resource.condition:
            return WATCHED
        held = {resource.condition: True} if resource.condition else {}
        if not space.possible({**held, name: False}):
            return WATCHED  # the alarm's condition holds wherever the resource's does
        if space.possible({**held, name: True}):
            return OPTIONAL
        return MISSING

    def _keys(self, resource: Resource, entry: Entry) -> set[ResourceKey]:
        keys = {resource_key(resource), ANY_RESOURCE}
        resolver = self.app.resolver(resource.template)
        for name in entry.watched_through:
            keys |= self._value_targets(resolver, resource.prop(name))
        return keys

    def covered(self, with_watchers: bool = False) -> Iterator[ResourceCoverage]:
        """Every catalog resource of the run with the state of each capacity of its entry."""
        by_type: dict[str, list[Entry]] = defaultdict(list)
        for entry in self.catalog:
            for resource_type in entry.types:
                by_type[resource_type].append(entry)
        for resource in self.app.resources(*by_type):
            for entry in by_type[resource.type]:
                if not holds(entry.variant, resource, self.environment):
                    continue
                cells: list[CapacityCoverage | None] = []
                for capacity in entry.capacities:
                    if not holds(capacity.when, resource, self.environment):
                        cells.append(None)
                        continue
                    state, switches = self.coverage(resource, entry, capacity)
                    watchers = self.watching(resource, entry, capacity) if with_watchers else []
                    cells.append(CapacityCoverage(capacity, state, switches, tuple(watchers)))
                yield ResourceCoverage(resource, entry, tuple(cells))
                break  # a resource takes the first variant that fits

    def unwatched(self) -> Iterator[Unwatched]:
        for covered in self.covered():
            cells = [cell for cell in covered.capacities if cell is not None]
            missing = tuple(cell.capacity for cell in cells if cell.state == MISSING)
            optional = tuple(
                (cell.capacity, cell.conditions) for cell in cells if cell.state == OPTIONAL
            )
            if missing or optional:
                yield Unwatched(covered.resource, covered.entry, missing, optional)


def _names_or_unknown(resolver: Resolver, node: Any) -> set[str | None]:
    if node is None:
        return {None}
    names = resolver.literals(node)
    return set(names) if names else {None}


def _condition_key(resource: Resource) -> ConditionKey:
    return (resource.template.file, resource.condition) if resource.condition else None


def alarm_index(app: App, model: Model) -> AlarmIndex:
    """The run's alarm index; built once a run."""
    return app.shared(
        "monitoring.alarm_index",
        lambda shared: AlarmIndex(shared, model, Environment(shared, model.data)),
    )


def unwatched_resources(app: App, model: Model) -> list[Unwatched]:
    """Every catalog resource of the run with capacities no alarm watches; built once a run."""
    return app.shared(
        "monitoring.unwatched", lambda shared: list(alarm_index(shared, model).unwatched())
    )


def coverage_table(app: App, model: Model) -> list[ResourceCoverage]:
    """Every catalog resource of the run, each capacity of its entry with its state and what
    watches it: the coverage report's rows, from the index WMM101 reads."""
    return list(alarm_index(app, model).covered(with_watchers=True))
