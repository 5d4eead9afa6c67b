"""The monitoring catalog as typed objects, and the predicates that decide when it applies.

`data.monitoring_finite_resources` (rules/monitoring.yaml) says which capacities of which
resources must be watched. Entries name predicates (`variant`, `when`) defined here, so a user
can move a capacity between resource kinds with `--model` without writing code. Every
predicate answers "could this hold?" over all `Fn::If` branches and parameter defaults, and
answers False when the value is unknown: a capacity the linter cannot prove applies is not
reported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ...app import App
from ...template.resolve import Resolver, is_no_value
from ...template.template import Resource
from ...template.walk import possible_literals
from .. import PREDICATES, predicate
from ..burstable import always_unlimited, is_burstable
from ..dead_letters import dead_letter_index
from ..serverless.index import messaging_index

ResourceKey = tuple[str, str]  # (file, logical ID)


def resource_key(resource: Resource) -> ResourceKey:
    return (resource.template.file, resource.logical_id)


@dataclass(frozen=True)
class AlarmSpec:
    """The alarm `mmaws-lint alarms` writes for one capacity (see the catalog's comments)."""

    metrics: dict[str, str]  # metric-math ID -> metric name; one entry for a plain alarm
    expression: str | None
    statistic: str
    comparison: str
    threshold: float
    threshold_from: dict[str, Any] | None
    period: int
    evaluation_periods: int
    datapoints: int | None
    missing_data: str | None
    when: str | None

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> AlarmSpec:
        metrics = raw.get("metrics") or {"m1": raw["metric"]}
        return cls(
            metrics=dict(metrics),
            expression=raw.get("expression"),
            statistic=raw.get("statistic", "Average"),
            comparison=raw.get("comparison", "GreaterThanThreshold"),
            threshold=float(raw.get("threshold", 0)),
            threshold_from=raw.get("threshold_from"),
            period=int(raw.get("period", 300)),
            evaluation_periods=int(raw.get("evaluation_periods", 3)),
            datapoints=raw.get("datapoints"),
            missing_data=raw.get("missing_data"),
            when=raw.get("when"),
        )


@dataclass(frozen=True)
class Capacity:
    name: str
    metrics: tuple[str, ...]
    when: str | None
    alarms: tuple[AlarmSpec, ...]


@dataclass(frozen=True)
class Entry:
    types: tuple[str, ...]
    namespace: str
    variant: str | None
    name_property: str | None
    watched_through: tuple[str, ...]
    dimensions: dict[str, str]
    capacities: tuple[Capacity, ...] = field(default_factory=tuple)


def parse_catalog(raw: list[dict[str, Any]]) -> list[Entry]:
    entries = []
    for item in raw:
        capacities = []
        for capacity in item.get("capacities") or []:
            alarm = capacity.get("alarm") or []
            alarms = alarm if isinstance(alarm, list) else [alarm]
            capacities.append(
                Capacity(
                    name=capacity["name"],
                    metrics=tuple(capacity["metrics"]),
                    when=capacity.get("when"),
                    alarms=tuple(AlarmSpec.parse(a) for a in alarms),
                )
            )
        entries.append(
            Entry(
                types=tuple(item["types"]),
                namespace=item["namespace"],
                variant=item.get("variant"),
                name_property=item.get("name_property"),
                watched_through=tuple(item.get("watched_through") or ()),
                dimensions=dict(item.get("dimensions") or {}),
                capacities=tuple(capacities),
            )
        )
    return entries


# ---- possible values ----------------------------------------------------------------------


def possible_values(resolver: Resolver, node: Any, default: str | None) -> set[str] | None:
    """Every literal a property can take, `Fn::If` branches expanded; an absent value (or an
    `AWS::NoValue` branch) takes `default`. None when any branch is not a known literal."""
    return possible_literals(resolver, node, when_absent=default)


def _lowered(values: set[str] | None) -> set[str] | None:
    return None if values is None else {value.strip().lower() for value in values}


def property_at(node: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


# ---- the environment predicates read ------------------------------------------------------


class Environment:
    """What predicates need beyond the resource: the run, the model's data, run-wide indexes."""

    def __init__(self, app: App, data: dict[str, Any]) -> None:
        self.app = app
        self.data = data
        self._dead_letter_targets: set[ResourceKey] | None = None
        self._deployment_functions: set[ResourceKey] | None = None

    def resolver(self, resource: Resource) -> Resolver:
        return self.app.resolver(resource.template)

    def referenced(self, resource: Resource, node: Any, *types: str) -> list[Resource]:
        """Resources of `types` that `node` (a property of `resource`) references."""
        found = []
        for target in self.resolver(resource).references(node):
            other = self.app.resource_at(target)
            if other is not None and other.type in types:
                found.append(other)
        return found

    @property
    def dead_letter_targets(self) -> set[ResourceKey]:
        if self._dead_letter_targets is None:
            self._dead_letter_targets = dead_letter_index(self.app).targets
        return self._dead_letter_targets

    @property
    def deployment_functions(self) -> set[ResourceKey]:
        if self._deployment_functions is None:
            self._deployment_functions = _deployment_functions(self)
        return self._deployment_functions


# Environment variables through which the CDK custom resource provider framework passes the
# user's handlers to the function CloudFormation calls.
_PROVIDER_HANDLER_VARIABLES = ("USER_ON_EVENT_FUNCTION_ARN", "USER_IS_COMPLETE_FUNCTION_ARN")
_FUNCTION_TYPES = ("AWS::Lambda::Function", "AWS::Serverless::Function")
_CUSTOM_RESOURCE = "AWS::CloudFormation::CustomResource"


def _deployment_functions(environment: Environment) -> set[ResourceKey]:
    """Functions that only CloudFormation calls, as custom resource handlers."""
    handlers: list[Resource] = []
    for resource in environment.app.resources():
        if resource.type.startswith("Custom::") or resource.type == _CUSTOM_RESOURCE:
            token = resource.prop("ServiceToken")
            handlers.extend(environment.referenced(resource, token, *_FUNCTION_TYPES))
    found: set[ResourceKey] = set()
    while handlers:
        handler = handlers.pop()
        if resource_key(handler) in found:
            continue
        found.add(resource_key(handler))
        variables = handler.prop("Environment", "Variables")
        for name in _PROVIDER_HANDLER_VARIABLES:
            if isinstance(variables, dict) and name in variables:
                handlers.extend(environment.referenced(handler, variables[name], *_FUNCTION_TYPES))
    return found


# ---- predicates ---------------------------------------------------------------------------

Predicate = Callable[[Resource, Environment], bool]


def _values(resource: Resource, environment: Environment, *path: str, default: str | None = None):
    return _lowered(possible_values(environment.resolver(resource), resource.prop(*path), default))


def _credit_modes(
    instance_types: set[str] | None, credit_modes: set[str] | None, environment: Environment
) -> set[str]:
    """The CPU credit modes burstable types among `instance_types` can run in: 'standard',
    where an empty balance throttles the CPU, or 'unlimited', where it bills the surplus."""
    if instance_types is None or credit_modes is None:
        return set()
    unlimited_classes = {
        c.lower() for c in environment.data.get("monitoring_unlimited_by_default", [])
    }
    found: set[str] = set()
    for instance_type in instance_types:
        if not is_burstable("ec2", instance_type, environment.data):
            continue
        found |= credit_modes or {
            "unlimited" if instance_type.split(".")[0] in unlimited_classes else "standard"
        }
    return found


def _launch_template_data(
    resource: Resource, node: Any, environment: Environment
) -> list[tuple[Resource, Any]]:
    """(launch template, its LaunchTemplateData) for a launch template specification."""
    if not isinstance(node, dict):
        return []
    reference = node.get("LaunchTemplateId", node.get("LaunchTemplateName"))
    found = []
    for template in environment.referenced(resource, reference, "AWS::EC2::LaunchTemplate"):
        found.append((template, template.prop("LaunchTemplateData")))
    return found


def _template_types_and_modes(
    template: Resource, data: Any, environment: Environment
) -> tuple[set[str] | None, set[str] | None]:
    resolver = environment.resolver(template)
    if not isinstance(data, dict):
        return None, None
    types = _lowered(possible_values(resolver, data.get("InstanceType"), None))
    credits = property_at(data, ("CreditSpecification", "CpuCredits"))
    return types, _lowered(possible_values(resolver, credits, None))


def _when_absent(own: set[str] | None, inherited: set[str] | None) -> set[str] | None:
    """The resource's own value, or the launch template's when the resource leaves it out."""
    return inherited if own == set() else own


def _instance_credit_modes(resource: Resource, environment: Environment) -> set[str]:
    types = _values(resource, environment, "InstanceType")
    modes = _values(resource, environment, "CreditSpecification", "CPUCredits")
    launch_template = resource.prop("LaunchTemplate")
    if launch_template is None:
        return _credit_modes(types, modes, environment)
    found: set[str] = set()
    for template, data in _launch_template_data(resource, launch_template, environment):
        template_types, template_modes = _template_types_and_modes(template, data, environment)
        found |= _credit_modes(
            _when_absent(types, template_types), _when_absent(modes, template_modes), environment
        )
    return found


def _group_credit_modes(resource: Resource, environment: Environment) -> set[str]:
    mixed = resource.prop("MixedInstancesPolicy", "LaunchTemplate")
    specification = (
        mixed.get("LaunchTemplateSpecification")
        if isinstance(mixed, dict)
        else resource.prop("LaunchTemplate")
    )
    found: set[str] = set()
    overrides = _override_types(resource, mixed, environment)
    if overrides is not None:
        for template, data in _launch_template_data(resource, specification, environment):
            types, modes = _template_types_and_modes(template, data, environment)
            found |= _credit_modes(overrides or types, modes, environment)
    for configuration in environment.referenced(
        resource, resource.prop("LaunchConfigurationName"), "AWS::AutoScaling::LaunchConfiguration"
    ):
        types = _values(configuration, environment, "InstanceType")
        found |= _credit_modes(types, set(), environment)
    return found


@predicate
def ec2_credits_can_run_out(resource: Resource, environment: Environment) -> bool:
    return "standard" in _instance_credit_modes(resource, environment)


@predicate
def ec2_bills_surplus_credits(resource: Resource, environment: Environment) -> bool:
    return "unlimited" in _instance_credit_modes(resource, environment)


@predicate
def group_credits_can_run_out(resource: Resource, environment: Environment) -> bool:
    return "standard" in _group_credit_modes(resource, environment)


@predicate
def group_bills_surplus_credits(resource: Resource, environment: Environment) -> bool:
    return "unlimited" in _group_credit_modes(resource, environment)


def _override_types(resource: Resource, mixed: Any, environment: Environment) -> set[str] | None:
    """Instance types a mixed instances policy overrides with; empty when it does not, None
    when one is unknown (attribute-based selection, an unresolved parameter)."""
    overrides = mixed.get("Overrides") if isinstance(mixed, dict) else None
    if not isinstance(overrides, list):
        return set()
    resolver = environment.resolver(resource)
    found: set[str] = set()
    for override in overrides:
        if not isinstance(override, dict) or "InstanceType" not in override:
            return None
        values = _lowered(possible_values(resolver, override["InstanceType"], None))
        if values is None:
            return None
        found |= values
    return found


@predicate
def volume_bursts(resource: Resource, environment: Environment) -> bool:
    default = environment.data.get("monitoring_default_volume_type", "gp2")
    types = _values(resource, environment, "VolumeType", default=default)
    burst = {t.lower() for t in environment.data.get("monitoring_burst_volume_types", [])}
    return bool(types and types & burst)


@predicate
def rds_cluster_member(resource: Resource, environment: Environment) -> bool:
    cluster = resource.prop("DBClusterIdentifier")
    if cluster is not None and not is_no_value(cluster):
        return True
    engines = _values(resource, environment, "Engine")
    return bool(engines and any(engine.startswith("aurora") for engine in engines))


@predicate
def rds_standalone(resource: Resource, environment: Environment) -> bool:
    return not rds_cluster_member(resource, environment)


def _database_credit_modes(resource: Resource, environment: Environment) -> set[str]:
    """RDS, Aurora, DocumentDB and Neptune run db.t3 and db.t4g in unlimited mode (always),
    older burstable classes in standard mode."""
    classes = _values(resource, environment, "DBInstanceClass")
    found: set[str] = set()
    for db_class in classes or ():
        if is_burstable("rds", db_class, environment.data):
            unlimited = always_unlimited("rds", db_class, environment.data)
            found.add("unlimited" if unlimited else "standard")
    return found


@predicate
def rds_burstable(resource: Resource, environment: Environment) -> bool:
    return "standard" in _database_credit_modes(resource, environment)


@predicate
def rds_bills_surplus_credits(resource: Resource, environment: Environment) -> bool:
    return "unlimited" in _database_credit_modes(resource, environment)


@predicate
def rds_gp2_storage(resource: Resource, environment: Environment) -> bool:
    # RDS's default storage type changed from gp2 to gp3, so only an explicit gp2 counts.
    storage = _values(resource, environment, "StorageType")
    return bool(storage and "gp2" in storage)


@predicate
def cache_burstable(resource: Resource, environment: Environment) -> bool:
    node_types = _values(resource, environment, "CacheNodeType")
    return bool(
        node_types and any(is_burstable("elasticache", t, environment.data) for t in node_types)
    )


@predicate
def cache_is_memcached(resource: Resource, environment: Environment) -> bool:
    default = "redis" if resource.type == "AWS::ElastiCache::ReplicationGroup" else None
    engines = _values(resource, environment, "Engine", default=default)
    return engines == {"memcached"}


@predicate
def efs_bursting_throughput(resource: Resource, environment: Environment) -> bool:
    modes = _values(resource, environment, "ThroughputMode", default="bursting")
    return bool(modes and "bursting" in modes)


@predicate
def efs_general_purpose(resource: Resource, environment: Environment) -> bool:
    modes = _values(resource, environment, "PerformanceMode", default="generalPurpose")
    return bool(modes and "generalpurpose" in modes)


@predicate
def queue_is_dead_letter_target(resource: Resource, environment: Environment) -> bool:
    return resource_key(resource) in environment.dead_letter_targets


@predicate
def queue_is_not_dead_letter_target(resource: Resource, environment: Environment) -> bool:
    return not queue_is_dead_letter_target(resource, environment)


@predicate
def function_serves_workload(resource: Resource, environment: Environment) -> bool:
    """A custom resource handler runs during deployments only: its failures fail the
    deployment, where someone is already watching."""
    return resource_key(resource) not in environment.deployment_functions


@predicate
def table_is_provisioned(resource: Resource, environment: Environment) -> bool:
    modes = _values(resource, environment, "BillingMode", default="PROVISIONED")
    return bool(modes and "provisioned" in modes)


@predicate
def stream_is_provisioned(resource: Resource, environment: Environment) -> bool:
    modes = _values(resource, environment, "StreamModeDetails", "StreamMode", default="PROVISIONED")
    return bool(modes and "provisioned" in modes)


# ---- serverless and messaging family (MM7xx): its index says who reads and delivers what -------


@predicate
def function_reads_stream(resource: Resource, environment: Environment) -> bool:
    if not function_serves_workload(resource, environment):
        return False
    index = messaging_index(environment.app, environment.data)
    return any(m.kind in ("kinesis", "dynamodb") for m in index.mappings_of(resource))


@predicate
def topic_delivers_over_http(resource: Resource, environment: Environment) -> bool:
    index = messaging_index(environment.app, environment.data)
    return any(
        s.protocols and s.protocols & {"http", "https"} for s in index.subscriptions_to(resource)
    )


# ---- databases family (issue 14) ------------------------------------------------------------


@predicate
def instance_is_serverless(resource: Resource, environment: Environment) -> bool:
    """An Aurora, DocumentDB or Neptune serverless instance (class db.serverless)."""
    classes = _values(resource, environment, "DBInstanceClass")
    return classes == {"db.serverless"}


@predicate
def aurora_provisioned_instance(resource: Resource, environment: Environment) -> bool:
    return rds_cluster_member(resource, environment) and not instance_is_serverless(
        resource, environment
    )


@predicate
def aurora_serverless_v1(resource: Resource, environment: Environment) -> bool:
    modes = _values(resource, environment, "EngineMode")
    return modes == {"serverless"}


@predicate
def rds_multi_az_cluster(resource: Resource, environment: Environment) -> bool:
    """A Multi-AZ DB cluster (MySQL or PostgreSQL): its instances are not resources."""
    return resource.prop("DBClusterInstanceClass") is not None


def holds(name: str | None, resource: Resource, environment: Environment) -> bool:
    """True when predicate `name` holds (no name: always); an unknown name never holds."""
    if name is None:
        return True
    predicate = PREDICATES.get(name)
    return predicate is not None and predicate(resource, environment)
