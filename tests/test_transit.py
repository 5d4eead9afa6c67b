"""Encryption in transit (WMM408-IMM412) beyond its fixtures: the allow-lists are dated data
that `explain` shows and `--model` extends, listener rules are judged with their listener across
stacks, and unknown values stay silent."""

from __future__ import annotations

import datetime
import textwrap
from pathlib import Path

import pytest

import mmaws_lint
from mmaws_lint.cli import main
from mmaws_lint.model import Model, apply_overrides, shipped_model

# The allow-lists of WMM409 name the TLS policies AWS offered when they were last checked. AWS
# adds policies (post-quantum ones in 2025) and retires defaults, so the lists are reviewed at
# least once a year: this test fails when `policies_checked_on` is older than that.
REVIEW_EVERY_DAYS = 365
ALLOW_LISTS = (
    "elb_ssl_policies",
    "cloudfront_minimum_protocol_versions",
    "api_gateway_security_policies",
    "opensearch_tls_security_policies",
)


def _findings(tmp_path: Path, files: dict[str, str], rule: str, model: Model | None = None):
    paths = []
    for name, text in files.items():
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        paths.append(str(path))
    result = mmaws_lint.lint_result(paths, select=[rule], model=model)
    assert not result.errors, [str(p) for p in result.errors]
    return result.findings


def test_allow_lists_were_reviewed_within_a_year() -> None:
    settings = shipped_model().rule("WMM409").settings
    checked = datetime.date.fromisoformat(str(settings["policies_checked_on"]))
    age = (datetime.date.today() - checked).days
    assert age >= 0, "policies_checked_on is in the future"
    assert age <= REVIEW_EVERY_DAYS, (
        f"the WMM409 allow-lists were checked {age} days ago: compare them with the ELB,"
        " CloudFront, API Gateway and OpenSearch documentation, then move policies_checked_on"
    )


def test_allow_lists_hold_the_recommended_values_and_not_the_defaults() -> None:
    settings = shipped_model().rule("WMM409").settings
    for name in ALLOW_LISTS:
        assert settings[name], name
        assert len(set(settings[name])) == len(settings[name]), f"{name} has duplicates"
    assert settings["elb_recommended_ssl_policy"] in settings["elb_ssl_policies"]
    assert settings["elb_default_ssl_policy"] not in settings["elb_ssl_policies"]
    recommended = settings["cloudfront_recommended_minimum_protocol_version"]
    assert recommended in settings["cloudfront_minimum_protocol_versions"]
    assert (
        settings["api_gateway_default_security_policy"] in settings["api_gateway_security_policies"]
    )


def test_explain_shows_the_allow_lists_and_their_date(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "WMM409"]) == 0
    out = capsys.readouterr().out
    settings = shipped_model().rule("WMM409").settings
    assert f"policies_checked_on: {settings['policies_checked_on']}" in out
    for name in ALLOW_LISTS:
        assert name in out
        for policy in settings[name]:
            assert policy in out


NEW_POLICY_LISTENER = """\
Resources:
  Listener:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties:
      LoadBalancerArn: arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/a/1
      Port: 443
      Protocol: HTTPS
      SslPolicy: ELBSecurityPolicy-TLS13-1-2-FUTURE-2027-01
      Certificates: [{CertificateArn: arn:aws:acm:us-east-1:111122223333:certificate/a}]
      DefaultActions: [{Type: fixed-response, FixedResponseConfig: {StatusCode: "200"}}]
"""


def test_a_policy_missing_from_the_list_is_reported_until_it_is_added(tmp_path: Path) -> None:
    files = {"listener.yaml": NEW_POLICY_LISTENER}
    [finding] = _findings(tmp_path, files, "WMM409")
    assert "ELBSecurityPolicy-TLS13-1-2-FUTURE-2027-01 is not on the TLS 1.2+ allow-list" in (
        finding.message
    )
    model = shipped_model()
    listed = [
        *model.rule("WMM409").settings["elb_ssl_policies"],
        "ELBSecurityPolicy-TLS13-1-2-FUTURE-2027-01",
    ]
    extended = apply_overrides(
        model, {"rules": {"WMM409": {"settings": {"elb_ssl_policies": listed}}}}
    )
    assert _findings(tmp_path, files, "WMM409", extended) == []


LISTENER_STACK = """\
Resources:
  LoadBalancer:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties: {Subnets: [subnet-1, subnet-2]}
  Http:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties:
      LoadBalancerArn: !Ref LoadBalancer
      Port: 80
      Protocol: HTTP
      DefaultActions:
        - Type: fixed-response
          FixedResponseConfig: {StatusCode: "404"}
Outputs:
  HttpListener:
    Value: !Ref Http
    Export: {Name: shared-http-listener}
"""
SERVICE_STACK = """\
Resources:
  Route:
    Type: AWS::ElasticLoadBalancingV2::ListenerRule
    Properties:
      ListenerArn: !ImportValue shared-http-listener
      Priority: 10
      Conditions: [{Field: host-header, Values: [app.example.com]}]
      Actions:
        - Type: ACTION
          TargetGroupArn: arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/t/1
          RedirectConfig: {Protocol: HTTPS, Port: "443", StatusCode: HTTP_301}
"""


def test_a_rule_in_another_stack_forwards_through_the_shared_listener(tmp_path: Path) -> None:
    files = {
        "shared.yaml": LISTENER_STACK,
        "service.yaml": SERVICE_STACK.replace("ACTION", "forward"),
    }
    [finding] = _findings(tmp_path, files, "WMM408")
    assert finding.resource == "Http"
    assert "listener rule Route forwards" in finding.message
    files["service.yaml"] = SERVICE_STACK.replace("ACTION", "redirect")
    assert _findings(tmp_path, files, "WMM408") == []


def test_a_forwarding_default_is_unknown_when_an_unresolved_rule_may_redirect_first(
    tmp_path: Path,
) -> None:
    """A catch-all redirect rule whose listener is a parameter may be the rule that answers
    first on this HTTP listener: its forwarding default action is then not blamed."""
    template = """\
    Parameters:
      ListenerArn: {Type: String}
    Resources:
      Http:
        Type: AWS::ElasticLoadBalancingV2::Listener
        Properties:
          LoadBalancerArn: arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/a/1
          Port: 80
          Protocol: HTTP
          DefaultActions:
            - Type: forward
              TargetGroupArn: arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/t/1
      RedirectAll:
        Type: AWS::ElasticLoadBalancingV2::ListenerRule
        Properties:
          ListenerArn: !Ref ListenerArn
          Priority: 1
          Conditions: [{Field: path-pattern, Values: ["/*"]}]
          Actions: [{Type: redirect, RedirectConfig: {Protocol: HTTPS, StatusCode: HTTP_301}}]
    """
    assert _findings(tmp_path, {"listener.yaml": template}, "WMM408") == []
    only_listener = template.split("      RedirectAll:")[0]
    assert len(_findings(tmp_path, {"listener.yaml": only_listener}, "WMM408")) == 1


def test_parameter_group_findings_name_the_databases_that_use_them(tmp_path: Path) -> None:
    template = """\
    Resources:
      Group:
        Type: AWS::RDS::DBClusterParameterGroup
        Properties:
          Description: aurora mysql
          Family: aurora-mysql8.0
          Parameters: {require_secure_transport: "OFF"}
      Cluster:
        Type: AWS::RDS::DBCluster
        Properties:
          Engine: aurora-mysql
          DBClusterParameterGroupName: !Ref Group
    """
    [finding] = _findings(tmp_path, {"db.yaml": template}, "WMM410")
    assert finding.resource == "Group"
    assert "(used by Cluster)" in finding.message
    assert "require_secure_transport is OFF" in finding.message
