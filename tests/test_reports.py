"""Report formats are accepted by the tools that read them."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from conftest import FIXTURES, SARIF_SCHEMA
from junitparser import Error, Failure, JUnitXml

from mmaws_lint.engine import run, selected_rules
from mmaws_lint.model import shipped_model
from mmaws_lint.report import FORMATS


@pytest.fixture(scope="module")
def result_and_rules(tmp_path_factory):
    broken = tmp_path_factory.mktemp("broken") / "broken.yaml"
    broken.write_text("Resources: {A: [\n")
    model = shipped_model()
    rule_ids = selected_rules(model)
    result = run([str(FIXTURES), str(broken)], model, rule_ids)
    assert result.findings and result.errors
    return result, model, rule_ids


def test_sarif_validates_against_the_2_1_0_schema(result_and_rules) -> None:
    if not SARIF_SCHEMA.exists():
        pytest.skip("../shared/reference is absent")
    result, model, rule_ids = result_and_rules
    document = json.loads(FORMATS["sarif"](result, model, rule_ids))
    schema = json.loads(SARIF_SCHEMA.read_text())
    jsonschema.validate(document, schema)
    run_ = document["runs"][0]
    assert len(run_["results"]) == len(result.findings)
    rules = run_["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == rule_ids
    assert all(r["help"]["markdown"] and r["helpUri"] for r in rules)
    for entry in run_["results"]:
        assert rules[entry["ruleIndex"]]["id"] == entry["ruleId"]
    assert run_["invocations"][0]["executionSuccessful"] is False


def test_junit_has_one_failure_per_finding(result_and_rules, tmp_path: Path) -> None:
    result, model, rule_ids = result_and_rules
    report = tmp_path / "junit.xml"
    report.write_text(FORMATS["junit"](result, model, rule_ids))
    xml = JUnitXml.fromfile(str(report))
    failures = errors = cases = 0
    for suite in xml:
        for case in suite:
            cases += 1
            failures += sum(isinstance(r, Failure) for r in case.result)
            errors += sum(isinstance(r, Error) for r in case.result)
    assert failures == len(result.findings)
    assert errors == len(result.errors)
    assert cases >= len(result.linted) * len(rule_ids) - failures


def test_github_annotations(result_and_rules) -> None:
    result, model, rule_ids = result_and_rules
    lines = FORMATS["github"](result, model, rule_ids).splitlines()
    assert len(lines) == len(result.findings) + len(result.errors)
    assert all(
        line.startswith(("::warning file=", "::error file=", "::notice file=")) for line in lines
    )


def test_reports_are_deterministic(result_and_rules) -> None:
    result, model, rule_ids = result_and_rules
    for render in FORMATS.values():
        assert render(result, model, rule_ids) == render(result, model, rule_ids)
