"""WMM601: a database, cache, search domain or broker that lives in one Availability Zone."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Finding
from ...template.scenarios import ALWAYS, Scenario, describe_when
from ...template.template import Resource
from .. import Context, check
from .clusters import cluster_index
from .values import breaches, integer, is_false, is_true, literals_in, present

RDS_INSTANCE = "AWS::RDS::DBInstance"
RDS_CLUSTER = "AWS::RDS::DBCluster"
REPLICATION_GROUP = "AWS::ElastiCache::ReplicationGroup"
CACHE_CLUSTER = "AWS::ElastiCache::CacheCluster"
DOMAINS = ("AWS::OpenSearchService::Domain", "AWS::Elasticsearch::Domain")
BROKER = "AWS::AmazonMQ::Broker"
REDSHIFT = "AWS::Redshift::Cluster"


@check("WMM601")
def database_in_one_az(ctx: Context) -> Iterator[Finding]:
    yield from _rds_instances(ctx)
    yield from _clusters(ctx)
    yield from _replication_groups(ctx)
    yield from _cache_clusters(ctx)
    yield from _domains(ctx)
    yield from _brokers(ctx)
    yield from _redshift(ctx)


def is_aurora(ctx: Context, resource: Resource, scenario: Scenario | None = None) -> bool | None:
    """True/False when the engine is known, None when not."""
    engines = literals_in(ctx, resource, scenario or ALWAYS, ("Engine",))
    if not engines:
        return None
    if all(engine.startswith("aurora") for engine in engines):
        return True
    if not any(engine.startswith("aurora") for engine in engines):
        return False
    return None


def standalone_rds_instance(ctx: Context, instance: Resource) -> bool:
    """An RDS instance that is neither in a cluster nor a read replica, of a known non-Aurora
    engine (or an engine taken from a snapshot, which keeps the source's Multi-AZ setting)."""
    if present(instance, "DBClusterIdentifier") or present(instance, "SourceDBInstanceIdentifier"):
        return False
    if present(instance, "SourceDBClusterIdentifier"):
        return False
    return is_aurora(ctx, instance) is False


def _rds_instances(ctx: Context) -> Iterator[Finding]:
    for instance in ctx.app.resources(RDS_INSTANCE):
        if not standalone_rds_instance(ctx, instance):
            continue
        found = breaches(
            ctx,
            instance,
            lambda s, instance=instance: is_false(
                literals_in(ctx, instance, s, ("MultiAZ",), "false")
            ),
        )
        if found:
            yield ctx.finding(
                instance,
                f"{instance.logical_id} is an RDS instance in one Availability Zone"
                f"{found[1]}; set MultiAZ to true so a standby in another AZ takes over"
                " when its host or AZ fails",
                path=("Properties", "MultiAZ") if present(instance, "MultiAZ") else (),
            )


def _clusters(ctx: Context) -> Iterator[Finding]:
    clusters = ctx.data("databases_clusters")
    index = cluster_index(ctx.app, clusters)
    minimum = int(ctx.setting("min_cluster_instances", 2))
    for cluster in ctx.app.resources(*clusters):
        if cluster.type == RDS_CLUSTER and not _fails_over_through_instances(ctx, cluster):
            continue
        instances = index.instances(cluster)
        if not instances:
            # None: some may be out of sight. Empty: the instances are managed elsewhere (a
            # template with a cluster and no instance is not the whole deployment).
            continue
        scenarios = _membership_scenarios(ctx, cluster, instances)
        counts = [_count(ctx, cluster, instances, s) for s in scenarios]
        few = [s for s, count in zip(scenarios, counts, strict=True) if count < minimum]
        kind = _cluster_kind(cluster)
        if few:
            number = min(counts)
            have = (
                "no instance" if number == 0 else f"{number} instance" + ("s" if number > 1 else "")
            )
            yield ctx.finding(
                cluster,
                f"{cluster.logical_id} is {kind} cluster with {have}"
                f"{describe_when(few, scenarios)}, so nothing takes over when its instance or"
                f" AZ fails; run at least {minimum} instances (a writer and a reader) in"
                " different AZs",
            )
            continue
        zones = _pinned_zones(ctx, instances)
        if zones is not None and len(zones) == 1:
            yield ctx.finding(
                cluster,
                f"{cluster.logical_id} is {kind} cluster whose instances all pin"
                f" AvailabilityZone {next(iter(zones))}; leave AvailabilityZone out (or pin"
                " different AZs) so a reader in another AZ can take over",
            )


def _membership_scenarios(
    ctx: Context, cluster: Resource, instances: list[Resource]
) -> list[Scenario]:
    """The cluster's scenarios, over its own conditions and its instances' `Condition`s."""
    names = {i.condition for i in instances if i.condition and i.template is cluster.template}
    if not names:
        return ctx.scenarios(cluster)
    for scenario in ctx.scenarios(cluster):
        names |= set(scenario.truths)
    required = {cluster.condition: True} if cluster.condition else {}
    found = ctx.app.conditions(cluster.template).scenarios(names | set(required), required)
    return found if found else ctx.scenarios(cluster)


def _count(ctx: Context, cluster: Resource, instances: list[Resource], scenario: Scenario) -> int:
    """Instances deployed with the cluster in `scenario` (an unfixed condition counts)."""
    return sum(
        (i.template is not cluster.template or scenario.holds(i.condition) is not False)
        and ctx.app.coexist(cluster, i, scenario)
        for i in instances
    )


def _cluster_kind(cluster: Resource) -> str:
    if cluster.type == RDS_CLUSTER:
        return "an Aurora"
    return "a DocumentDB" if cluster.type.startswith("AWS::DocDB") else "a Neptune"


def _fails_over_through_instances(ctx: Context, cluster: Resource) -> bool:
    """Aurora provisioned or Serverless v2: Aurora Serverless v1 fails over by itself, and a
    Multi-AZ DB cluster (DBClusterInstanceClass) runs three instances across AZs by design."""
    if is_aurora(ctx, cluster) is not True or present(cluster, "DBClusterInstanceClass"):
        return False
    modes = literals_in(ctx, cluster, ALWAYS, ("EngineMode",), "provisioned")
    return modes is not None and "serverless" not in modes


def _pinned_zones(ctx: Context, instances: list[Resource]) -> set[str] | None:
    zones: set[str] = set()
    for instance in instances:
        zone = ctx.resolver(instance).literal(instance.prop("AvailabilityZone"))
        if not zone:
            return None
        zones.add(zone)
    return zones


def _replication_groups(ctx: Context) -> Iterator[Finding]:
    for group in ctx.app.resources(REPLICATION_GROUP):
        if present(group, "GlobalReplicationGroupId"):
            continue

        def single(s: Scenario, group: Resource = group) -> list[str]:
            problems = []
            multi_az = literals_in(ctx, group, s, ("MultiAZEnabled",), "false")
            failover = literals_in(ctx, group, s, ("AutomaticFailoverEnabled",), "false")
            if is_false(multi_az) and is_false(failover):
                problems.append("MultiAZEnabled and AutomaticFailoverEnabled are off")
            nodes = integer(literals_in(ctx, group, s, ("NumCacheClusters",)))
            replicas = integer(literals_in(ctx, group, s, ("ReplicasPerNodeGroup",)))
            if nodes == 1 or replicas == 0:
                problems.append("each shard has one node")
            return problems

        scenarios = ctx.scenarios(group)
        bad = [s for s in scenarios if single(s)]
        if bad:
            problems = single(bad[0])
            yield ctx.finding(
                group,
                f"{group.logical_id} is a replication group in one Availability Zone"
                f" ({' and '.join(problems)}){describe_when(bad, scenarios)}; set"
                " MultiAZEnabled and AutomaticFailoverEnabled to true with at least one"
                " replica per shard (NumCacheClusters 2 or more, or ReplicasPerNodeGroup 1 or"
                " more)",
            )


def _cache_clusters(ctx: Context) -> Iterator[Finding]:
    engines = {e.lower() for e in ctx.data("databases_replicating_cache_engines")}
    for cache in ctx.app.resources(CACHE_CLUSTER):
        if present(cache, "ReplicationGroupId"):
            continue
        found = breaches(
            ctx,
            cache,
            lambda s, cache=cache: bool(
                (values := literals_in(ctx, cache, s, ("Engine",))) and values <= engines
            ),
        )
        if found:
            yield ctx.finding(
                cache,
                f"{cache.logical_id} is a Redis/Valkey cache cluster on its own{found[1]}: one"
                " node in one AZ, with no replica to fail over to; use an"
                " AWS::ElastiCache::ReplicationGroup with MultiAZEnabled and a replica in"
                " another AZ",
                path=("Properties", "Engine"),
            )


def _domains(ctx: Context) -> Iterator[Finding]:
    for domain in ctx.app.resources(*DOMAINS):
        config = "ClusterConfig" if domain.type == DOMAINS[0] else "ElasticsearchClusterConfig"

        def single(s: Scenario, domain: Resource = domain, config: str = config) -> bool:
            aware = literals_in(ctx, domain, s, (config, "ZoneAwarenessEnabled"), "false")
            count = literals_in(ctx, domain, s, (config, "InstanceCount"), "1")
            multi = literals_in(ctx, domain, s, (config, "MultiAZWithStandbyEnabled"), "false")
            return (is_false(aware) and not is_true(multi)) or integer(count) == 1

        found = breaches(ctx, domain, single)
        if found:
            yield ctx.finding(
                domain,
                f"{domain.logical_id} is a search domain in one Availability Zone{found[1]}"
                " (no zone awareness, or one data node); set ZoneAwarenessEnabled with"
                " AvailabilityZoneCount 2 or 3 and an InstanceCount of at least two",
                path=("Properties", config) if present(domain, config) else (),
            )


def _brokers(ctx: Context) -> Iterator[Finding]:
    for broker in ctx.app.resources(BROKER):
        found = breaches(
            ctx,
            broker,
            lambda s, broker=broker: (
                literals_in(ctx, broker, s, ("DeploymentMode",)) == {"single_instance"}
            ),
        )
        if found:
            yield ctx.finding(
                broker,
                f"{broker.logical_id} is a single-instance Amazon MQ broker{found[1]}; use"
                " DeploymentMode ACTIVE_STANDBY_MULTI_AZ (ActiveMQ) or CLUSTER_MULTI_AZ"
                " (RabbitMQ) so a broker in another AZ takes over",
                path=("Properties", "DeploymentMode"),
            )


def _redshift(ctx: Context) -> Iterator[Finding]:
    multi_az_types = {t.lower() for t in ctx.data("databases_redshift_multi_az_node_types")}
    for cluster in ctx.app.resources(REDSHIFT):

        def single(s: Scenario, cluster: Resource = cluster) -> bool:
            node_types = literals_in(ctx, cluster, s, ("NodeType",))
            if not node_types or not node_types <= multi_az_types:
                return False
            return is_false(literals_in(ctx, cluster, s, ("MultiAZ",), "false"))

        found = breaches(ctx, cluster, single)
        if found:
            yield ctx.finding(
                cluster,
                f"{cluster.logical_id} is a Redshift RA3 cluster in one Availability Zone"
                f"{found[1]}; set MultiAZ to true so a standby in another AZ takes over",
                path=("Properties", "MultiAZ") if present(cluster, "MultiAZ") else (),
            )
