"""Compute family (WMM502 to WMM506): settings users override, the CDK app done right, condition
handling, linear cost, and the real-world corpus. Per-case behaviour is in fixtures/WMM50x."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from fixture_marks import FIXTURES

import mmaws_lint
from mmaws_lint.app import App
from mmaws_lint.checks.burstable import is_burstable
from mmaws_lint.engine import check_app
from mmaws_lint.model import Model, apply_overrides, shipped_model
from mmaws_lint.template.load import parse_template
from mmaws_lint.template.scenarios import ConditionSpace
from mmaws_lint.template.template import Template

FAMILY = ["WMM502", "WMM503", "WMM504", "WMM505", "WMM506"]
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def _model_with(rule_id: str, **settings: Any) -> Model:
    return apply_overrides(shipped_model(), {"rules": {rule_id: {"settings": settings}}})


def _flagged(case: str, rule_id: str, model: Model | None = None) -> set[str | None]:
    result = mmaws_lint.lint_result([str(FIXTURES / case)], select=[rule_id], model=model)
    assert not result.errors
    return {finding.resource for finding in result.findings if finding.rule == rule_id}


def _template(text: str) -> Template:
    template = parse_template(text.encode(), "inline.yaml")
    assert isinstance(template, Template)
    return template


def test_two_azs_are_not_enough_when_the_setting_asks_for_three() -> None:
    case = "WMM502/pass-several-azs.yaml"
    assert _flagged(case, "WMM502") == set()
    flagged = _flagged(case, "WMM502", _model_with("WMM502", min_availability_zones=3))
    assert {"ParameterGroup", "ResourceGroup", "MapGroup", "ZonesGroup"} <= flagged
    # Fn::GetAZs spans every AZ of the region: how many is not known, so it stays silent.
    assert "AllZonesGroup" not in flagged


def test_unlimited_credits_stop_counting_when_no_mode_is_exempt() -> None:
    case = "WMM503/pass-ec2-instance.yaml"
    assert _flagged(case, "WMM503") == set()
    flagged = _flagged(case, "WMM503", _model_with("WMM503", exempt_credit_modes=[]))
    assert {"Unlimited", "UnlimitedEitherWay"} <= flagged
    assert flagged.isdisjoint({"Fixed", "ChosenAtDeploy", "FromSsm", "DefaultType"})


def test_flagged_volume_types_are_a_setting() -> None:
    case = "WMM504/pass-volumes.yaml"
    assert _flagged(case, "WMM504") == set()
    model = _model_with("WMM504", flagged_volume_types=["gp2", "io2"])
    assert _flagged(case, "WMM504", model) == {"Fast"}


def test_instance_store_names_are_a_setting() -> None:
    case = "WMM506/pass-ebs-only.yaml"
    assert _flagged(case, "WMM506") == set()
    model = _model_with("WMM506", instance_store_name_pattern="ephemeral[0-9A-Z]+")
    assert _flagged(case, "WMM506", model) == {"Misspelled"}


def test_the_cdk_app_done_right_reports_nothing_of_the_family() -> None:
    result = mmaws_lint.lint_result([str(FIXTURES / "WMM503" / "pass-cdk-app")], select=FAMILY)
    assert not result.errors
    assert [f.message for f in result.findings] == []


def test_the_cdk_app_findings_carry_construct_paths() -> None:
    result = mmaws_lint.lint_result([str(FIXTURES / "WMM503" / "fail-cdk-app")], select=FAMILY)
    assert {f.rule for f in result.findings} == set(FAMILY)
    assert all(f.cdk_path and f.cdk_path.startswith("ComputeStack/") for f in result.findings)


def test_conditions_defined_from_each_other_are_chosen_together() -> None:
    template = _template(
        """
        Parameters:
          Env: {Type: String}
        Conditions:
          IsProd: !Equals [!Ref Env, prod]
          IsNotProd: !Not [Condition: IsProd]
          IsProdInEurope: !And [Condition: IsProd, !Equals [!Ref "AWS::Region", eu-west-1]]
        Resources:
          Topic: {Type: AWS::SNS::Topic}
        """
    )
    space = ConditionSpace.of(template)
    found = space.scenarios({"IsProd", "IsNotProd"}) or []
    assert sorted((s.truths for s in found), key=lambda t: t["IsProd"]) == [
        {"IsProd": False, "IsNotProd": True},
        {"IsProd": True, "IsNotProd": False},
    ]
    for scenario in space.scenarios({"IsProd", "IsProdInEurope"}) or []:
        assert scenario.truths["IsProd"] or not scenario.truths["IsProdInEurope"]


@pytest.mark.parametrize(
    ("service", "instance_type", "burstable"),
    [
        ("ec2", "t3a.nano", True),
        ("ec2", "T4G.Large", True),
        ("ec2", "m7g.large", False),
        ("ec2", "db.t3.micro", False),
        ("rds", "db.t4g.micro", True),
        ("rds", "db.r7g.large", False),
        ("elasticache", "cache.t4g.small", True),
        ("elasticache", "cache.m7g.large", False),
        ("opensearch", "t3.small.search", True),
        ("opensearch", "t2.micro.elasticsearch", True),
        ("opensearch", "m7g.large.search", False),
    ],
)
def test_burstable_classes_in_the_model_data(
    service: str, instance_type: str, burstable: bool
) -> None:
    assert is_burstable(service, instance_type, shipped_model().data) is burstable


def _scaled_template(groups: int) -> Template:
    """`groups` launch templates on t3, each used by a group in one subnet."""
    lines = ["Resources:"]
    for index in range(groups):
        lines += [
            f"  Template{index}:",
            "    Type: AWS::EC2::LaunchTemplate",
            "    Properties:",
            "      LaunchTemplateData: {InstanceType: t3.micro}",
            f"  Group{index}:",
            "    Type: AWS::AutoScaling::AutoScalingGroup",
            "    Properties:",
            "      MinSize: '1'",
            "      MaxSize: '2'",
            f"      VPCZoneIdentifier: [subnet-{index:08x}]",
            f"      LaunchTemplate: {{LaunchTemplateId: !Ref Template{index}, Version: '1'}}",
        ]
    return _template("\n".join(lines))


def _check_seconds(template: Template) -> tuple[float, int]:
    """The best of three runs (a fresh App each time, so nothing is cached between them)."""
    timings, findings = [], 0
    for _ in range(3):
        start = time.perf_counter()
        findings = len(check_app(App([template]), shipped_model(), FAMILY).findings)
        timings.append(time.perf_counter() - start)
    return min(timings), findings


def test_cost_grows_linearly_with_the_number_of_resources() -> None:
    small, large = _scaled_template(250), _scaled_template(2000)
    small_seconds, small_findings = _check_seconds(small)
    large_seconds, large_findings = _check_seconds(large)
    assert (small_findings, large_findings) == (2 * 250, 2 * 2000)
    # 8x the resources: linear work takes about 8x the time, quadratic work 64x.
    assert large_seconds < 20 * max(small_seconds, 0.01)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not available")
def test_the_corpus_raises_no_internal_error() -> None:
    result = mmaws_lint.lint_result([str(CORPUS)], select=FAMILY, jobs=os.cpu_count() or 1)
    internal = [str(problem) for problem in result.problems if "internal error" in problem.message]
    assert internal == []
