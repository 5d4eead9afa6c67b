"""Monitoring rules beyond the fixtures: messages, model overrides, run-wide indexes and the
cost of the coverage index on large templates."""

from __future__ import annotations

import gc
import json
import time
from pathlib import Path
from typing import Any

from fixture_marks import FIXTURES

import mmaws_lint
from mmaws_lint.app import App
from mmaws_lint.checks.monitoring.catalog import Environment, holds
from mmaws_lint.checks.monitoring.coverage import unwatched_resources
from mmaws_lint.model import apply_overrides, shipped_model
from mmaws_lint.template.load import read_template
from mmaws_lint.template.template import Template

ACTIONS = ["arn:aws:sns:eu-west-1:111122223333:ops"]


def _template_file(tmp_path: Path, resources: dict[str, Any], name: str = "t.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"Resources": resources}), encoding="utf-8")
    return path


def _function(name: str | None = None) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "Runtime": "python3.12",
        "Handler": "index.handler",
        "Role": "arn:aws:iam::111122223333:role/app",
        "Code": {"ZipFile": "def handler(event, context): pass"},
    }
    if name:
        properties["FunctionName"] = name
    return {"Type": "AWS::Lambda::Function", "Properties": properties}


def _alarm(metric: str, value: Any, namespace: str = "AWS/Lambda", **extra: Any) -> dict[str, Any]:
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "Namespace": namespace,
            "MetricName": metric,
            "Dimensions": [{"Name": "FunctionName", "Value": value}],
            "Statistic": "Sum",
            "Period": 60,
            "EvaluationPeriods": 5,
            "Threshold": 0,
            "ComparisonOperator": "GreaterThanThreshold",
            "AlarmActions": ACTIONS,
            **extra,
        },
    }


def test_message_names_each_unwatched_capacity_and_its_metrics(tmp_path: Path) -> None:
    path = _template_file(tmp_path, {"Fn": _function()})
    [finding] = mmaws_lint.lint(str(path), select=["WMM101"])
    assert finding.resource == "Fn"
    assert "concurrency (Throttles); failures (Errors)" in finding.message
    assert "FunctionName = !Ref Fn" in finding.message
    assert "\n" not in finding.message


def test_wrong_namespace_does_not_watch(tmp_path: Path) -> None:
    resources = {
        "Fn": _function(),
        "Throttles": _alarm("Throttles", {"Ref": "Fn"}, namespace="Custom/App"),
        "Errors": _alarm("Errors", {"Ref": "Fn"}),
    }
    [finding] = mmaws_lint.lint(str(_template_file(tmp_path, resources)), select=["WMM101"])
    assert "concurrency (Throttles)" in finding.message
    assert "failures" not in finding.message


def test_metrics_insights_query_watches_its_namespace(tmp_path: Path) -> None:
    query = {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "Metrics": [
                {
                    "Id": "q",
                    "Expression": 'SELECT SUM(Throttles) FROM SCHEMA("AWS/Lambda", FunctionName)',
                    "Period": 60,
                    "ReturnData": True,
                }
            ],
            "EvaluationPeriods": 1,
            "Threshold": 0,
            "ComparisonOperator": "GreaterThanThreshold",
            "AlarmActions": ACTIONS,
        },
    }
    resources = {"Fn": _function(), "AllThrottles": query}
    [finding] = mmaws_lint.lint(str(_template_file(tmp_path, resources)), select=["WMM101"])
    assert "concurrency" not in finding.message and "failures (Errors)" in finding.message


def test_settings_and_catalog_are_overridable() -> None:
    template = str(FIXTURES / "WMM103" / "fail-threshold.yaml")
    relaxed = apply_overrides(
        shipped_model(), {"rules": {"WMM103": {"settings": {"max_threshold": 95}}}}
    )
    relaxed_findings = mmaws_lint.lint(template, select=["WMM103"], model=relaxed)
    assert [f.resource for f in relaxed_findings] == ["CacheMemory"]
    no_disk = apply_overrides(
        shipped_model(),
        {"rules": {"WMM103": {"settings": {"utilization_metrics": ["CPUUtilization"]}}}},
    )
    cpu_findings = mmaws_lint.lint(template, select=["WMM103"], model=no_disk)
    assert [f.resource for f in cpu_findings] == ["DatabaseCpu", "ServiceCpu"]


def test_composite_rule_naming_unknown_alarms_silences_wmm102(tmp_path: Path) -> None:
    quiet = _alarm("Errors", "fn")
    del quiet["Properties"]["AlarmActions"]
    composite = {
        "Type": "AWS::CloudWatch::CompositeAlarm",
        "Properties": {"AlarmRule": {"Fn::Sub": "ALARM(${Watched})"}, "AlarmActions": ACTIONS},
    }
    path = tmp_path / "t.json"
    path.write_text(
        json.dumps(
            {
                "Parameters": {"Watched": {"Type": "String"}},
                "Resources": {"Quiet": quiet, "Composite": composite},
            }
        )
    )
    assert mmaws_lint.lint(str(path), select=["WMM102"]) == []


def _app(tmp_path: Path, resources: dict[str, Any]) -> App:
    loaded = read_template(str(_template_file(tmp_path, resources)))
    assert isinstance(loaded, Template)
    return App([loaded])


def test_unknown_predicates_never_apply(tmp_path: Path) -> None:
    app = _app(tmp_path, {"Fn": _function()})
    environment = Environment(app, shipped_model().data)
    function = next(app.resources())
    assert holds(None, function, environment)
    assert not holds("no_such_predicate", function, environment)


def test_instance_type_unknown_means_no_credit_capacity(tmp_path: Path) -> None:
    instance = {
        "Type": "AWS::EC2::Instance",
        "Properties": {"ImageId": "ami-0123456789abcdef0", "InstanceType": {"Ref": "Size"}},
    }
    app = _app(tmp_path, {"Server": instance})
    environment = Environment(app, shipped_model().data)
    assert not holds("ec2_credits_can_run_out", next(app.resources()), environment)


def _coverage_seconds(tmp_path: Path, functions: int) -> float:
    """Time to build the coverage index and answer WMM101 for `functions` functions, each
    watched by one alarm by reference and one by name (template loading not included)."""
    resources: dict[str, Any] = {}
    for index in range(functions):
        resources[f"Fn{index}"] = _function(f"fn-{index}")
        resources[f"Fn{index}Errors"] = _alarm("Errors", {"Ref": f"Fn{index}"})
        resources[f"Fn{index}Throttles"] = _alarm("Throttles", f"fn-{index}")
    app = _app(tmp_path, resources)
    assert len(app.templates[0].resources) == 3 * functions  # parsed before the clock starts
    gc.disable()  # a collection pass costs in proportion to every object alive, not our work
    try:
        started = time.perf_counter()
        unwatched = unwatched_resources(app, shipped_model())
        elapsed = time.perf_counter() - started
    finally:
        gc.enable()
    assert unwatched == []
    return elapsed


def test_coverage_grows_linearly_with_template_size(tmp_path: Path) -> None:
    small = min(_coverage_seconds(tmp_path, 400) for _ in range(3))
    large = min(_coverage_seconds(tmp_path, 2000) for _ in range(2))
    # Five times the resources: a quadratic index would take about 25 times as long.
    assert large < small * 12


def test_alarms_a_deployment_acts_on_are_not_silent() -> None:
    template = str(FIXTURES / "WMM102" / "pass-deployment-alarms.yaml")
    assert mmaws_lint.lint(template, select=["WMM102"]) == []
    unaware = apply_overrides(
        shipped_model(), {"rules": {"WMM102": {"settings": {"alarm_consumer_properties": []}}}}
    )
    findings = mmaws_lint.lint(template, select=["WMM102"], model=unaware)
    assert sorted(f.resource for f in findings) == ["Api5xx", "CheckoutErrors"]


def test_message_names_only_capacities_nobody_watches_in_any_scenario(tmp_path: Path) -> None:
    """A capacity watched by an alarm that a condition switches off is optional (IMM104), so
    WMM101 names only the capacities no alarm watches."""
    throttles = _alarm("Throttles", {"Ref": "Fn"})
    throttles["Condition"] = "HasTopic"
    template = {
        "Parameters": {"Topic": {"Type": "String", "Default": ""}},
        "Conditions": {"HasTopic": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Topic"}, ""]}]}},
        "Resources": {"Fn": _function(), "Throttles": throttles},
    }
    path = tmp_path / "t.json"
    path.write_text(json.dumps(template), encoding="utf-8")
    findings = mmaws_lint.lint(str(path), select=["WMM101", "IMM104"])
    [warning] = [f for f in findings if f.rule == "WMM101"]
    assert "failures (Errors)" in warning.message
    assert "concurrency" not in warning.message
    [note] = [f for f in findings if f.rule == "IMM104"]
    assert "alarms for 1 resource (Fn) exist only when HasTopic is true" in note.message
