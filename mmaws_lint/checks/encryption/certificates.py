"""IMM412: listeners and distributions that serve an IAM server certificate instead of one from
Certificate Manager.

A certificate is outside ACM when its ARN is an IAM `server-certificate` ARN (written out, from
a parameter default, or built with `Fn::Sub`), when it references an AWS::IAM::ServerCertificate
of the run, or when CloudFront names it with IamCertificateId. Parameters without a default
and imports nobody exports stay unknown.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from ...app import App
from ...findings import Finding
from ...template.resolve import Resolver
from ...template.scenarios import Scenario
from ...template.template import Resource
from ...template.walk import ABSENT, OPAQUE, lookup
from .. import Context, check
from .breaches import Breach, report

IAM_SERVER_CERTIFICATE = "AWS::IAM::ServerCertificate"
# Resource type -> where it names certificates (the last key is the property to fix).
CERTIFICATE_PROPERTIES: dict[str, tuple[tuple[str, ...], ...]] = {
    "AWS::ElasticLoadBalancingV2::Listener": (("Certificates", "*", "CertificateArn"),),
    "AWS::ElasticLoadBalancingV2::ListenerCertificate": (("Certificates", "*", "CertificateArn"),),
    "AWS::ElasticLoadBalancing::LoadBalancer": (("Listeners", "*", "SSLCertificateId"),),
    "AWS::CloudFront::Distribution": (
        ("DistributionConfig", "ViewerCertificate", "AcmCertificateArn"),
        ("DistributionConfig", "ViewerCertificate", "IamCertificateId"),
    ),
}


@check("IMM412")
def certificate_outside_acm(ctx: Context) -> Iterator[Finding]:
    for resource in ctx.app.resources(*CERTIFICATE_PROPERTIES):
        yield from report(
            ctx,
            resource,
            lambda r, resolver, scenario: _judge(ctx.app, r, resolver, scenario),
            "serves a certificate uploaded to IAM, which nobody renews",
            "request it from Certificate Manager (AWS::CertificateManager::Certificate with DNS"
            " validation) and name the ACM certificate ARN instead",
        )


def _judge(app: App, resource: Resource, resolver: Resolver, scenario: Scenario) -> list[Breach]:
    found = []
    for keys in CERTIFICATE_PROPERTIES[resource.type]:
        for value, where in lookup(resource.properties, keys, ("Properties",), scenario=scenario):
            if value is ABSENT or value is OPAQUE or value is None:
                continue
            if keys[-1] == "IamCertificateId":
                found.append(Breach("its ViewerCertificate names an IamCertificateId", where))
            elif _from_iam(app, resolver, value):
                found.append(Breach(f"{_where(keys, where)} is an IAM server certificate", where))
    return found


def _from_iam(app: App, resolver: Resolver, node: object) -> bool:
    for target in resolver.references(node):
        resource = app.resource_at(target)
        if resource is not None and resource.type == IAM_SERVER_CERTIFICATE:
            return True
    for parts in resolver.values(node):
        literal_text = "".join(part for part in parts if isinstance(part, str))
        if ":iam::" in literal_text and ":server-certificate/" in literal_text:
            return True
    return False


def _where(keys: Sequence[str], path: tuple) -> str:
    """The property, numbered when it sits in a list item (`Certificates`, `Listeners`)."""
    if "*" not in keys:
        return keys[-1]
    list_key = keys[keys.index("*") - 1]
    steps = list(path)
    for position, step in enumerate(steps[:-1]):
        if step == list_key and isinstance(steps[position + 1], int):
            return f"{keys[-1]} #{steps[position + 1] + 1}"
    return keys[-1]
