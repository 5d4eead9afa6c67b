"""WMM410: services that accept clear-text connections although they can refuse them.

Service settings are judged property by property (per scenario); database parameter groups are
judged in `transit_parameters` with the databases that use them. ElastiCache Serverless, MSK
Serverless and Amazon MQ brokers only speak TLS, so they have nothing to judge.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from ...findings import Finding
from ...template.numbers import whole_number
from ...template.resolve import Resolver
from ...template.scenarios import Scenario
from ...template.template import Resource
from ...template.walk import ABSENT, OPAQUE, lookup
from .. import Context, check
from .breaches import Breach, report
from .transit_parameters import parameter_group_breaches, parameter_group_types

ServiceJudge = Callable[[Resource, Resolver, Scenario], list[Breach]]


def values_at(
    resource: Resource, resolver: Resolver, scenario: Scenario, keys: Sequence[str], absent: str
) -> list[tuple[set[str], tuple]]:
    """(lower-cased literals, path) for each configuration of a property; unknowns left out."""
    found = []
    for value, where in lookup(resource.properties, keys, ("Properties",), scenario=scenario):
        if value is OPAQUE:
            continue
        if value is ABSENT or value is None:
            found.append(({absent}, where))
            continue
        literals = resolver.literals(value)
        if literals is not None:
            found.append(({literal.lower() for literal in literals}, where))
    return found


def _breaches_when(
    resource: Resource,
    resolver: Resolver,
    scenario: Scenario,
    keys: Sequence[str],
    absent: str,
    bad: set[str],
    text: str,
) -> list[Breach]:
    return [
        Breach(text, where)
        for literals, where in values_at(resource, resolver, scenario, keys, absent)
        if literals & bad
    ]


def _version_below(resolver: Resolver, node: object, minimum: tuple[int, ...]) -> bool:
    """True when a literal engine version is older than `minimum` (absent means the newest)."""
    literal = resolver.literal(node) if node is not None else None
    if not literal:
        return False
    numbers = []
    for piece in literal.split("_")[-1].split("."):
        number = whole_number(piece)
        if number is None or number < 0:
            break
        numbers.append(number)
    return bool(numbers) and tuple(numbers) < minimum


def _elasticsearch_before(resolver: Resolver, domain: Resource, minimum: tuple[int, ...]) -> bool:
    version = domain.prop("ElasticsearchVersion")
    if version is None and domain.type == "AWS::Elasticsearch::Domain":
        return minimum > (1, 5)  # CloudFormation creates Elasticsearch 1.5 when none is named
    if version is None:
        engine = resolver.literal(domain.prop("EngineVersion"))
        if engine is None or not engine.startswith("Elasticsearch_"):
            return False
        version = engine
    return _version_below(resolver, version, minimum)


def _replication_group(resource: Resource, resolver: Resolver, scenario: Scenario) -> list[Breach]:
    if _version_below(resolver, resource.prop("EngineVersion"), (3, 2, 6)):
        return []  # Redis before 3.2.6 cannot encrypt in transit
    found = _breaches_when(
        resource,
        resolver,
        scenario,
        ("TransitEncryptionEnabled",),
        "false",
        {"false"},
        "TransitEncryptionEnabled is false or absent",
    )
    if found:
        return found
    return _breaches_when(
        resource,
        resolver,
        scenario,
        ("TransitEncryptionMode",),
        "required",
        {"preferred"},
        "TransitEncryptionMode preferred still accepts clear-text clients",
    )


def _cache_cluster(resource: Resource, resolver: Resolver, scenario: Scenario) -> list[Breach]:
    engine = resolver.literal(resource.prop("Engine"))
    if engine is None or engine.lower() != "memcached":
        return []  # standalone Redis nodes cannot encrypt in transit (WMM401 asks for a group)
    if _version_below(resolver, resource.prop("EngineVersion"), (1, 6, 12)):
        return []
    return _breaches_when(
        resource,
        resolver,
        scenario,
        ("TransitEncryptionEnabled",),
        "false",
        {"false"},
        "TransitEncryptionEnabled is false or absent",
    )


def _search_domain(resource: Resource, resolver: Resolver, scenario: Scenario) -> list[Breach]:
    found = []
    if not _elasticsearch_before(resolver, resource, (6, 0)):
        found += _breaches_when(
            resource,
            resolver,
            scenario,
            ("NodeToNodeEncryptionOptions", "Enabled"),
            "false",
            {"false"},
            "node-to-node encryption is off",
        )
    found += _breaches_when(
        resource,
        resolver,
        scenario,
        ("DomainEndpointOptions", "EnforceHTTPS"),
        "false",
        {"false"},
        "EnforceHTTPS is false or absent, so the endpoint also answers HTTP",
    )
    return found


def _kafka_cluster(resource: Resource, resolver: Resolver, scenario: Scenario) -> list[Breach]:
    in_transit = ("EncryptionInfo", "EncryptionInTransit")
    return _breaches_when(
        resource,
        resolver,
        scenario,
        (*in_transit, "ClientBroker"),
        "tls",
        {"tls_plaintext", "plaintext"},
        "ClientBroker lets clients connect in plaintext",
    ) + _breaches_when(
        resource,
        resolver,
        scenario,
        (*in_transit, "InCluster"),
        "true",
        {"false"},
        "InCluster is false, so brokers replicate in plaintext",
    )


def _memorydb_cluster(resource: Resource, resolver: Resolver, scenario: Scenario) -> list[Breach]:
    return _breaches_when(
        resource, resolver, scenario, ("TLSEnabled",), "true", {"false"}, "TLSEnabled is false"
    )


SERVICES: dict[str, tuple[ServiceJudge, str]] = {
    "AWS::ElastiCache::ReplicationGroup": (
        _replication_group,
        "set TransitEncryptionEnabled: true and TransitEncryptionMode: required (a new group"
        " for an existing one without it)",
    ),
    "AWS::ElastiCache::CacheCluster": (
        _cache_cluster,
        "set TransitEncryptionEnabled: true (Memcached 1.6.12 or newer)",
    ),
    "AWS::OpenSearchService::Domain": (
        _search_domain,
        "set NodeToNodeEncryptionOptions Enabled and DomainEndpointOptions EnforceHTTPS to true",
    ),
    "AWS::Elasticsearch::Domain": (
        _search_domain,
        "set NodeToNodeEncryptionOptions Enabled and DomainEndpointOptions EnforceHTTPS to true",
    ),
    "AWS::MSK::Cluster": (
        _kafka_cluster,
        "set EncryptionInTransit ClientBroker to TLS and InCluster to true",
    ),
    "AWS::MemoryDB::Cluster": (_memorydb_cluster, "leave TLSEnabled at its default, true"),
}


@check("WMM410")
def transit_encryption_off(ctx: Context) -> Iterator[Finding]:
    for resource in ctx.app.resources(*SERVICES):
        judge, fix = SERVICES[resource.type]
        yield from report(ctx, resource, judge, "accepts clear-text connections", fix)
    for group in ctx.app.resources(*parameter_group_types(ctx.model.data)):
        yield from parameter_group_breaches(ctx, group)
