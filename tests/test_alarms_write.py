"""`mmaws-lint alarms --write`: the alarms land in the template file itself, everything else
stays as written, a second run adds nothing, WMM101/WMM102 are satisfied for the resources it
handled, cfn-lint finds no new error, and CDK output is refused."""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import pytest
from conftest import cfn_lint_errors, copy_case
from fixture_marks import FIXTURES

import mmaws_lint
from mmaws_lint.alarms import main

FAIL_CASES = sorted((FIXTURES / "WMM101").glob("fail-*"))
CDK_CASES = {"fail-cdk-app"}


def _files(root: Path) -> dict[Path, str]:
    paths = [root] if root.is_file() else sorted(root.rglob("*"))
    return {p: p.read_text(encoding="utf-8") for p in paths if p.suffix in (".yaml", ".json")}


def _added_lines_only(before: str, after: str) -> None:
    """Nothing of the original changed: the diff only adds lines."""
    removed = [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="")
        if line.startswith("-") and not line.startswith("---")
    ]
    assert removed == []


@pytest.mark.parametrize("case", FAIL_CASES, ids=[c.name for c in FAIL_CASES])
def test_write_satisfies_wmm101_and_cfn_lint_and_is_idempotent(
    case: Path, tmp_path: Path, capsys
) -> None:
    copy = copy_case(case, tmp_path)
    before = _files(copy)
    code = main([str(copy), "--write"])
    output = capsys.readouterr()
    if case.name in CDK_CASES:
        assert code == 2
        assert "is CDK output" in output.err and "mmaws-lint coverage" in output.err
        assert _files(copy) == before
        return
    assert code == 0, output.err
    after = _files(copy)
    changed = [file for file in before if before[file] != after[file]]
    assert changed, "a fail case has alarms to add"
    handled: set[str] = set()
    for file in changed:
        _added_lines_only(before[file], after[file])
        original = cfn_lint_errors(before[file])
        if not any(rule == "E0000" for rule, _ in original):
            assert not (cfn_lint_errors(after[file]) - original), file
        for line in output.out.splitlines():
            if line.startswith(f"{file}: added"):
                handled |= {name.strip() for name in line.split("(", 1)[1].rstrip(")").split(",")}
    assert handled
    result = mmaws_lint.lint_result([str(copy)], select=["WMM101", "WMM102"])
    assert not result.errors
    assert [f.message for f in result.findings if f.rule == "WMM101"] == []
    assert [f for f in result.findings if f.resource in handled] == []
    # A second run adds nothing.
    assert main([str(copy), "--write"]) == 0
    assert _files(copy) == after
    assert "nothing to add" in capsys.readouterr().out


TEMPLATE = """\
# The queue of the order service
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Stage: {Type: String, Default: dev}   # flow style stays flow style
Resources:
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub '${Stage}-jobs'   # single quotes stay
      Tags:
      - Key: owner
        Value: !Ref Stage
  Alerts:
    Type: AWS::SNS::Topic
"""


def test_yaml_keeps_comments_tags_quotes_and_indentation(tmp_path: Path, capsys) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(TEMPLATE)
    assert main([str(template), "--write", "--topic", "Alerts"]) == 0
    text = template.read_text()
    assert text.startswith(TEMPLATE)  # every original line, in order, unchanged
    added = text[len(TEMPLATE) :]
    assert "  JobsBacklogAlarm:\n    Type: AWS::CloudWatch::Alarm\n" in added
    assert "      - Name: QueueName\n        Value: !GetAtt Jobs.QueueName\n" in added
    assert "      AlarmActions:\n      - !Ref Alerts\n" in added
    assert "AlarmTopicArn" not in text  # an existing topic resource needs no parameter


def test_topic_as_arn_or_new_parameter(tmp_path: Path, capsys) -> None:
    template = tmp_path / "template.yaml"
    template.write_text("Resources:\n  Jobs:\n    Type: AWS::SQS::Queue\n")
    arn = "arn:aws:sns:eu-west-1:111122223333:ops"
    assert main([str(template), "--write", "--topic", arn]) == 0
    assert f"AlarmActions:\n      - {arn}\n" in template.read_text()
    assert "Parameters" not in template.read_text()
    template.write_text("Resources:\n  Jobs:\n    Type: AWS::SQS::Queue\n")
    assert main([str(template), "--write", "--topic", "OpsTopicArn"]) == 0
    text = template.read_text()
    assert text.startswith("Parameters:\n  OpsTopicArn:\n    Type: String\n")
    assert "- !Ref OpsTopicArn\n" in text


def test_json_keeps_its_indentation_and_order(tmp_path: Path, capsys) -> None:
    template = tmp_path / "template.json"
    original = {
        "Description": "four-space JSON",
        "Resources": {"Jobs": {"Type": "AWS::SQS::Queue"}},
        "Outputs": {"Queue": {"Value": {"Ref": "Jobs"}}},
    }
    template.write_text(json.dumps(original, indent=4) + "\n")
    assert main([str(template), "--write"]) == 0
    text = template.read_text()
    document = json.loads(text)
    assert list(document) == ["Description", "Parameters", "Resources", "Outputs"]
    assert list(document["Resources"]) == ["Jobs", "JobsBacklogAlarm"]
    assert text == json.dumps(document, indent=4) + "\n"
    assert document["Resources"]["JobsBacklogAlarm"]["Properties"]["AlarmActions"] == [
        {"Ref": "AlarmTopicArn"}
    ]
