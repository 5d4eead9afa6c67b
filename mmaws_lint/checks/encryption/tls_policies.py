"""WMM409: TLS endpoints whose security policy accepts TLS older than 1.2.

Each service names its policies; the ones accepted are allow-lists in the rule's settings (with
the date they were checked), so a policy AWS adds later is reviewed before it is accepted. An
absent policy is the service's default, which the settings name too.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

from ...findings import Finding
from ...template.nodes import Path
from ...template.resolve import Resolver
from ...template.scenarios import Scenario
from ...template.template import Resource
from ...template.walk import ABSENT, OPAQUE, lookup, possible_literals
from .. import Context, check
from .breaches import Breach, report
from .clear_text import DISTRIBUTION
from .listeners import LISTENER


class PolicyProperty(NamedTuple):
    """Where a resource type names its TLS policy, and which settings judge it."""

    keys: tuple[str, ...]
    allowed: str  # setting: the allow-list
    default: str  # setting: what applies when the property is absent
    recommended: str  # the value to suggest
    needs: tuple[str, ...] = ()  # only judged when this property is there (a SAM custom domain)


_API_GATEWAY = ("api_gateway_security_policies", "api_gateway_default_security_policy", "TLS_1_2")
_OPENSEARCH = (
    "opensearch_tls_security_policies",
    "opensearch_default_tls_security_policy",
    "Policy-Min-TLS-1-2-2019-07",
)
PROPERTIES: dict[str, PolicyProperty] = {
    "AWS::ApiGateway::DomainName": PolicyProperty(("SecurityPolicy",), *_API_GATEWAY),
    "AWS::ApiGatewayV2::DomainName": PolicyProperty(
        ("DomainNameConfigurations", "*", "SecurityPolicy"), *_API_GATEWAY
    ),
    "AWS::Serverless::Api": PolicyProperty(
        ("Domain", "SecurityPolicy"), *_API_GATEWAY, needs=("Domain",)
    ),
    "AWS::Serverless::HttpApi": PolicyProperty(
        ("Domain", "SecurityPolicy"), *_API_GATEWAY, needs=("Domain",)
    ),
    "AWS::OpenSearchService::Domain": PolicyProperty(
        ("DomainEndpointOptions", "TLSSecurityPolicy"), *_OPENSEARCH
    ),
    "AWS::Elasticsearch::Domain": PolicyProperty(
        ("DomainEndpointOptions", "TLSSecurityPolicy"), *_OPENSEARCH
    ),
}
_TLS_PROTOCOLS = {"HTTPS", "TLS"}


@check("WMM409")
def outdated_tls_policy(ctx: Context) -> Iterator[Finding]:
    checked = ctx.setting("policies_checked_on")
    listed = f"not on the TLS 1.2+ allow-list (checked {checked}; `mmaws-lint explain WMM409`)"
    for listener in ctx.app.resources(LISTENER):
        yield from report(
            ctx,
            listener,
            lambda r, resolver, s: _listener(ctx, r, resolver, s, listed),
            "accepts outdated TLS",
            f"set SslPolicy to {ctx.setting('elb_recommended_ssl_policy')} or another policy"
            " of the allow-list",
        )
    for distribution in ctx.app.resources(DISTRIBUTION):
        yield from report(
            ctx,
            distribution,
            lambda r, resolver, s: _distribution(ctx, r, resolver, s, listed),
            "accepts outdated TLS",
            "serve it on an alias with an ACM certificate (in us-east-1) and MinimumProtocolVersion"
            f" {ctx.setting('cloudfront_recommended_minimum_protocol_version')}",
        )
    for resource in ctx.app.resources(*PROPERTIES):
        spec = PROPERTIES[resource.type]
        yield from report(
            ctx,
            resource,
            lambda r, resolver, s, spec=spec: _named_policy(ctx, r, resolver, s, spec, listed),
            "accepts outdated TLS",
            f"set {spec.keys[-1]} to {spec.recommended} or another policy of the allow-list",
        )


def _listener(
    ctx: Context, listener: Resource, resolver: Resolver, scenario: Scenario, listed: str
) -> list[Breach]:
    protocols = possible_literals(resolver, listener.properties, ("Protocol",))
    if not protocols or not {p.upper() for p in protocols} <= _TLS_PROTOCOLS:
        return []
    return _judge(
        resolver,
        scenario,
        listener.properties,
        ("SslPolicy",),
        ("Properties",),
        set(ctx.setting("elb_ssl_policies")),
        ctx.setting("elb_default_ssl_policy"),
        "SslPolicy",
        listed,
    )


def _distribution(
    ctx: Context, distribution: Resource, resolver: Resolver, scenario: Scenario, listed: str
) -> list[Breach]:
    config = ("Properties",)
    found = []
    for certificate, where in lookup(
        distribution.properties,
        ("DistributionConfig", "ViewerCertificate"),
        config,
        scenario=scenario,
    ):
        if certificate is OPAQUE:
            continue
        if certificate is ABSENT or _default_certificate(resolver, certificate):
            found.append(
                Breach(
                    "it uses the default *.cloudfront.net certificate, with which CloudFront"
                    " accepts TLSv1",
                    where,
                )
            )
            continue
        if not isinstance(certificate, dict):
            continue
        found += _judge(
            resolver,
            scenario,
            certificate,
            ("MinimumProtocolVersion",),
            where,
            set(ctx.setting("cloudfront_minimum_protocol_versions")),
            ctx.setting("cloudfront_default_minimum_protocol_version"),
            "MinimumProtocolVersion",
            listed,
        )
    return found


def _default_certificate(resolver: Resolver, certificate: Any) -> bool:
    if not isinstance(certificate, dict):
        return False
    if any(key in certificate for key in ("AcmCertificateArn", "IamCertificateId")):
        return False
    flag = resolver.literals(certificate.get("CloudFrontDefaultCertificate", True))
    return flag is not None and {value.lower() for value in flag} == {"true"}


def _named_policy(
    ctx: Context,
    resource: Resource,
    resolver: Resolver,
    scenario: Scenario,
    spec: PolicyProperty,
    listed: str,
) -> list[Breach]:
    for key in spec.needs:
        if not any(
            value is not ABSENT
            for value, _ in lookup(resource.properties, (key,), scenario=scenario)
        ):
            return []
    return _judge(
        resolver,
        scenario,
        resource.properties,
        spec.keys,
        ("Properties",),
        set(ctx.setting(spec.allowed)),
        ctx.setting(spec.default),
        spec.keys[-1],
        listed,
    )


def _judge(
    resolver: Resolver,
    scenario: Scenario,
    node: Any,
    keys: Sequence[str],
    path: Path,
    allowed: set[str],
    default: str,
    name: str,
    listed: str,
) -> list[Breach]:
    """A breach per value of the policy property that is not on the allow-list."""
    found = []
    for value, where in lookup(node, keys, path, scenario=scenario):
        if value is OPAQUE:
            continue
        if value is ABSENT or value is None:
            if default not in allowed:
                found.append(Breach(f"without {name} it gets {default}, {listed}", where))
            continue
        for literal in sorted(resolver.literals(value) or ()):
            if literal not in allowed:
                found.append(Breach(f"{name} {literal} is {listed}", where))
    return found
