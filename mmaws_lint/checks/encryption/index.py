"""Indexes the encryption rules share, each built once per run: which data stores use which
KMS key, and which buckets can only be encrypted with SSE-S3 because logs are delivered there."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ...app import App
from ...template.resolve import Parts, Resolver, Sym, Target
from ...template.template import Resource
from ...template.walk import ABSENT, OPAQUE, choices, lookup
from ..deploy_time import DeployTimeReference, deploy_time_reference, exported_names, published
from .catalog import StoreKind, deployed, units
from .policy import documents, scalars, statements

KEY_TYPES = ("AWS::KMS::Key", "AWS::KMS::ReplicaKey")
ALIAS_TYPE = "AWS::KMS::Alias"
_ALIAS_NAME = re.compile(r"(?:^|:)(alias/[A-Za-z0-9/_-]+)$")
_ACCESS_LOG_BUCKET_ATTRIBUTE = "access_logs.s3.bucket"
_DISTRIBUTION = "AWS::CloudFront::Distribution"
_OAI_PRINCIPAL = "cloudfront:user/CloudFront Origin Access Identity"
_OBJECT_READ_ACTIONS = frozenset({"s3:getobject", "s3:*", "*", "s3:get*"})
_S3_DOMAIN = re.compile(r"\.s3(?:[.-][a-z0-9-]+)*\.amazonaws\.com(?:\.cn)?$")


# ---- which data stores use which key -----------------------------------------------------


def key_users(app: App, kinds: dict[str, StoreKind]) -> dict[Target, list[str]]:
    """Key (file, logical ID) -> logical IDs of the data stores whose key property names it,
    directly, through an alias of the run, or through an import of the run."""
    return app.shared("encryption.key_users", lambda built: _build_key_users(built, kinds))


def _build_key_users(app: App, kinds: dict[str, StoreKind]) -> dict[Target, list[str]]:
    aliases = _aliases_by_name(app)
    users: dict[Target, list[str]] = {}
    for resource in deployed(app.resources(*kinds)):
        resolver = app.resolver(resource.template)
        for key in _key_targets(app, resolver, resource, kinds[resource.type], aliases):
            names = users.setdefault(key, [])
            if resource.logical_id not in names:
                names.append(resource.logical_id)
    return users


def _key_targets(
    app: App,
    resolver: Resolver,
    resource: Resource,
    kind: StoreKind,
    aliases: dict[str, list[Target]],
) -> Iterator[Target]:
    if not kind.key:
        return
    for unit, _ in units(kind, resource.properties, ()):
        if not isinstance(unit, dict):
            continue
        for key, _ in lookup(unit, kind.key, ()):
            if key is ABSENT or key is OPAQUE:
                continue
            yield from _keys_named_by(app, resolver, key, aliases)


def _keys_named_by(
    app: App, resolver: Resolver, node: Any, aliases: dict[str, list[Target]]
) -> Iterator[Target]:
    for target in resolver.references(node):
        yield from _as_keys(app, target)
    for parts in resolver.values(node):
        name = _alias_name(parts)
        if name:
            for alias in aliases.get(name, ()):
                yield from _as_keys(app, alias)


def _as_keys(app: App, target: Target) -> Iterator[Target]:
    """The key a referenced resource is: itself, or the target of an alias."""
    resource = app.resource_at(target)
    if resource is None:
        return
    if resource.type in KEY_TYPES:
        yield Target(target.file, target.logical_id)
    elif resource.type == ALIAS_TYPE:
        resolver = app.resolver(resource.template)
        for key in resolver.references(resource.prop("TargetKeyId")):
            found = app.resource_at(key)
            if found is not None and found.type in KEY_TYPES:
                yield Target(key.file, key.logical_id)


def _alias_name(parts: Parts) -> str | None:
    """`alias/name` when a key reference is a literal alias name or alias ARN."""
    if not parts or not isinstance(parts[-1], str):
        return None
    match = _ALIAS_NAME.search(parts[-1])
    return match.group(1) if match else None


def _aliases_by_name(app: App) -> dict[str, list[Target]]:
    found: dict[str, list[Target]] = {}
    for alias in app.resources(ALIAS_TYPE):
        for name in app.resolver(alias.template).literals(alias.prop("AliasName")) or ():
            found.setdefault(name, []).append(Target(alias.template.file, alias.logical_id))
    return found


# ---- buckets that only SSE-S3 can serve -----------------------------------------------------


@dataclass(frozen=True)
class SseS3Signs:
    """What marks a bucket that only SSE-S3 can serve (WMM402's settings)."""

    log_principals: frozenset[str]
    acls: frozenset[str]
    anonymous_condition_keys: frozenset[str]

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> SseS3Signs:
        def lowered(name: str) -> frozenset[str]:
            return frozenset(str(value).lower() for value in settings.get(name) or ())

        return cls(
            lowered("sse_s3_only_log_principals"),
            lowered("sse_s3_only_acls"),
            lowered("anonymous_read_condition_keys"),
        )


def sse_s3_only_buckets(app: App, signs: SseS3Signs) -> set[Target]:
    """Buckets a customer managed key would break: destinations of S3 server access logs and
    of Application/Classic Load Balancer access logs (delivered only to SSE-S3 buckets),
    buckets read anonymously (websites, public ACLs or policies), since S3 decrypts SSE-KMS
    objects only for signed requests, and buckets CloudFront reads through an origin access
    identity, which cannot use a KMS key (an origin access control can)."""
    return app.shared("encryption.sse_s3_only_buckets", lambda built: _build(built, signs))


def _build(app: App, signs: SseS3Signs) -> set[Target]:
    buckets = list(app.resources("AWS::S3::Bucket"))
    by_name = _buckets_by_name(app, buckets)
    found: set[Target] = set()
    unknown: list[DeployTimeReference] = []
    for node, resolver in [
        *_log_destinations(app, buckets),
        *_origins_read_through_identities(app),
    ]:
        found |= _buckets_named_by(resolver, node, by_name)
        unknown.extend(_deploy_time(resolver, node))
    for bucket in buckets:
        resolver = app.resolver(bucket.template)
        acls = {value.lower() for value in resolver.literals(bucket.prop("AccessControl")) or ()}
        if acls & signs.acls or bucket.prop("WebsiteConfiguration") is not None:
            found.add(Target(bucket.template.file, bucket.logical_id))
    for policy in app.resources("AWS::S3::BucketPolicy"):
        resolver = app.resolver(policy.template)
        if _marks_sse_s3_only(resolver, policy.prop("PolicyDocument"), signs):
            found |= _buckets_named_by(resolver, policy.prop("Bucket"), by_name)
            unknown.extend(_deploy_time(resolver, policy.prop("Bucket")))
    if unknown:  # a bucket named only at deploy time may be any bucket another stack hands over
        exported = exported_names(app)
        known = published(app) | {
            (bucket.template.file, bucket.logical_id)
            for bucket in buckets
            if bucket.prop("BucketName") is not None
        }
        found.update(
            Target(bucket.template.file, bucket.logical_id)
            for bucket in buckets
            if any(reference.may_name(bucket, exported, known) for reference in unknown)
        )
    return found


def _deploy_time(resolver: Resolver, node: Any) -> list[DeployTimeReference]:
    found = deploy_time_reference(resolver, (value for value, _ in choices(node)))
    return [found] if found is not None else []


def _log_destinations(app: App, buckets: list[Resource]) -> Iterator[tuple[Any, Resolver]]:
    """Bucket-valued properties of the run that S3 or ALB/CLB access logging writes to."""
    for bucket in buckets:
        target = bucket.prop("LoggingConfiguration", "DestinationBucketName")
        if target is not None:
            yield target, app.resolver(bucket.template)
    for balancer in app.resources("AWS::ElasticLoadBalancingV2::LoadBalancer"):
        resolver = app.resolver(balancer.template)
        if not _may_be_application(resolver, balancer):
            continue
        for attribute in scalars(resolver, balancer.prop("LoadBalancerAttributes")):
            if isinstance(attribute, dict) and attribute.get("Key") == _ACCESS_LOG_BUCKET_ATTRIBUTE:
                yield attribute.get("Value"), resolver
    for balancer in app.resources("AWS::ElasticLoadBalancing::LoadBalancer"):
        target = balancer.prop("AccessLoggingPolicy", "S3BucketName")
        if target is not None:
            yield target, app.resolver(balancer.template)


def _origins_read_through_identities(app: App) -> Iterator[tuple[Any, Resolver]]:
    """Domain names of the S3 origins CloudFront reads through an origin access identity."""
    for distribution in app.resources(_DISTRIBUTION):
        resolver = app.resolver(distribution.template)
        origins = distribution.prop("DistributionConfig", "Origins")
        for origin in scalars(resolver, origins):
            if not isinstance(origin, dict) or _names_something(
                resolver, origin.get("OriginAccessControlId")
            ):
                continue
            config = origin.get("S3OriginConfig")
            if isinstance(config, dict) and _names_something(
                resolver, config.get("OriginAccessIdentity")
            ):
                yield origin.get("DomainName"), resolver


def _names_something(resolver: Resolver, node: Any) -> bool:
    """True when a value may be set to something (an identity, a control), not '' or absent."""
    if node is None:
        return False
    values = resolver.values(node)
    return bool(values) and values != {()}


def _may_be_application(resolver: Resolver, balancer: Resource) -> bool:
    """Network Load Balancers deliver to SSE-KMS buckets too; only ALBs need SSE-S3."""
    types = resolver.literals(balancer.prop("Type"))
    return types is None or not types or "application" in {t.lower() for t in types}


def _buckets_by_name(app: App, buckets: list[Resource]) -> dict[Parts, list[Target]]:
    by_name: dict[Parts, list[Target]] = {}
    for bucket in buckets:
        for parts in app.resolver(bucket.template).values(bucket.prop("BucketName")):
            if any(isinstance(part, Sym) and part.kind != "pseudo" for part in parts):
                continue
            by_name.setdefault(parts, []).append(Target(bucket.template.file, bucket.logical_id))
    return by_name


def _buckets_named_by(
    resolver: Resolver, node: Any, by_name: dict[Parts, list[Target]]
) -> set[Target]:
    found = {Target(t.file, t.logical_id) for t in resolver.references(node)}
    for parts in resolver.values(node):
        found.update(by_name.get(parts, ()))
        found.update(by_name.get(_bucket_of_domain(parts), ()))
    return found


def _bucket_of_domain(parts: Parts) -> Parts:
    """`name` for a bucket's domain name `name.s3.amazonaws.com` (or a Regional one)."""
    if not parts or not isinstance(parts[-1], str):
        return parts
    match = _S3_DOMAIN.search(parts[-1])
    if match is None:
        return parts
    head = parts[-1][: match.start()]
    return (*parts[:-1], head) if head else parts[:-1]


def _marks_sse_s3_only(resolver: Resolver, document: Any, signs: SseS3Signs) -> bool:
    """True when a bucket policy lets a log delivery service write, or anyone read."""
    for policy, path in documents(document, ()):
        if not isinstance(policy, dict):
            continue
        for statement, _ in statements(policy, path) or ():
            if isinstance(statement, dict) and (
                _grants_service(resolver, statement, signs.log_principals)
                or _grants_anonymous_read(resolver, statement, signs.anonymous_condition_keys)
                or _grants_origin_access_identity(resolver, statement)
            ):
                return True
    return False


def _grants_service(resolver: Resolver, statement: dict, services: frozenset[str]) -> bool:
    principal = statement.get("Principal")
    if not isinstance(principal, dict):
        return False
    for service in scalars(resolver, principal.get("Service")):
        if {name.lower() for name in resolver.literals(service) or ()} & services:
            return True
    return False


def _grants_origin_access_identity(resolver: Resolver, statement: dict) -> bool:
    """An Allow to read objects for a CloudFront origin access identity: its canonical user,
    or its `arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity …` principal."""
    principal = statement.get("Principal")
    if resolver.literals(statement.get("Effect")) != {"Allow"} or not isinstance(principal, dict):
        return False
    identity = "CanonicalUser" in principal or any(
        _OAI_PRINCIPAL in part
        for item in scalars(resolver, principal.get("AWS"))
        for parts in resolver.values(item)
        for part in parts
        if isinstance(part, str)
    )
    return identity and _reads_objects(resolver, statement)


def _reads_objects(resolver: Resolver, statement: dict) -> bool:
    actions = {
        a.lower()
        for item in scalars(resolver, statement.get("Action"))
        for a in resolver.literals(item) or ()
    }
    return bool(actions & _OBJECT_READ_ACTIONS)


def _grants_anonymous_read(
    resolver: Resolver, statement: dict, anonymous_keys: frozenset[str]
) -> bool:
    if resolver.literals(statement.get("Effect")) != {"Allow"}:
        return False
    principal = statement.get("Principal")
    principals = principal.get("AWS") if isinstance(principal, dict) else principal
    if not any(resolver.literals(p) == {"*"} for p in scalars(resolver, principals)):
        return False
    if not _reads_objects(resolver, statement):
        return False
    condition = statement.get("Condition")
    tested = {
        str(key).lower()
        for tests in (condition.values() if isinstance(condition, dict) else ())
        if isinstance(tests, dict)
        for key in tests
    }
    return condition is None or (isinstance(condition, dict) and tested <= anonymous_keys)
