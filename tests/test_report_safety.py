"""Every report format stays valid whatever text a template puts in IDs, messages and paths:
XML parses, SARIF validates, JSON round-trips, text and GitHub annotations stay one line per
finding without control characters."""

from __future__ import annotations

import json
import re
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from conftest import SARIF_SCHEMA
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mmaws_lint.cli import main
from mmaws_lint.engine import Result
from mmaws_lint.findings import Finding
from mmaws_lint.model import shipped_model
from mmaws_lint.report import FORMATS
from mmaws_lint.template.load import LoadProblem

MODEL = shipped_model()
RULE_IDS = ["WMM501", "WMM101"]
UNSAFE = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
# every code point, lone surrogates included (a JSON template can carry them in \u escapes)
ANY_TEXT = st.text(st.characters(min_codepoint=0, max_codepoint=0x10FFFF), max_size=30)


def finding(rule: str, resource: str, message: str, file: str) -> Finding:
    return Finding(
        file=file, line=3, column=5, rule=rule, resource=resource, message=message,
        level=MODEL.rules[rule].level, end_line=3, end_column=9,
        resource_type="AWS::EC2::Instance", path=("Resources", resource), cdk_path=resource,
    )  # fmt: skip


def result_of(resource: str, message: str, file: str) -> Result:
    return Result(
        findings=[finding("WMM501", resource, message, file), finding("WMM101", "Ok", "m", "a")],
        problems=[LoadProblem(file, message, 2)],
        linted=[file, "a"],
    )


@pytest.fixture(scope="module")
def sarif_validator():
    import jsonschema

    if not SARIF_SCHEMA.exists():
        pytest.skip("SARIF schema not available")
    return jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text()))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(resource=ANY_TEXT, message=ANY_TEXT, file=ANY_TEXT.filter(bool))
def test_every_format_stays_valid(sarif_validator, resource, message, file) -> None:
    result = result_of(resource, message, file)
    reports = {name: render(result, MODEL, RULE_IDS) for name, render in FORMATS.items()}

    decoded = json.loads(reports["json"])
    assert (decoded[0]["resource"], decoded[0]["message"]) == (resource, message)

    sarif = json.loads(reports["sarif"])
    sarif_validator.validate(sarif)
    assert sarif["runs"][0]["results"][0]["message"]["text"] == message

    root = ET.fromstring(reports["junit"].encode("utf-8"))
    assert len(root.findall(".//failure")) == 2 and len(root.findall(".//error")) == 1

    for name in ("text", "github"):
        lines = reports[name].splitlines()
        assert len(lines) == 3, (name, lines)  # two findings and the summary or the error
        assert not any(UNSAFE.search(line) for line in lines), (name, lines)
    assert all(line.startswith("::") for line in reports["github"].splitlines())


def test_control_character_in_a_logical_id_end_to_end(capsys, tmp_path: Path) -> None:
    template = tmp_path / "template.json"
    template.write_text(
        '{"Resources": {"App\\u0001x\\u001b[31m": {"Type": "AWS::EC2::Instance",'
        ' "Properties": {"ImageId": "ami-1"}}}}'
    )
    assert main(["check", "--no-config", "--format", "junit", str(template)]) == 1
    junit, _ = capsys.readouterr()
    assert "App\\x01x\\x1b[31m" in ET.fromstring(junit.encode()).find(".//failure").get("message")
    assert main(["check", "--no-config", str(template)]) == 1
    text, _ = capsys.readouterr()
    assert "\x1b" not in text and "\x01" not in text and "App\\x01x" in text
