"""IAM family: data read lazily and failing safe, policies found wherever they live, and the
CDK app whose synthesized DefaultPolicy statements complete an escalation method."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

import mmaws_lint
from mmaws_lint.checks.iam import action_data, sam_templates
from mmaws_lint.cli import main

FIXTURES = ROOT / "fixtures"
CDK_IAM = FIXTURES / "cdk" / "iam" / "cdk.out"
NO_IAM = ROOT / "examples" / "quickstart" / "template.yaml"
WITH_IAM = FIXTURES / "WMM302" / "fail-every-resource.yaml"
SAM_TEMPLATES = FIXTURES / "WMM302" / "pass-unscopable-or-scoped.yaml"

_PROBE = """
import sys, mmaws_lint
mmaws_lint.lint([sys.argv[1]])
reader = "mmaws_lint.checks.iam.policies" in sys.modules
from mmaws_lint.checks.iam import action_data, sam_templates
print(action_data.loaded(), sam_templates.loaded(), reader)
"""


def _loaded_after_linting(template: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(template)], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_a_template_without_iam_resources_reads_no_iam_data_nor_the_policy_reader() -> None:
    assert _loaded_after_linting(NO_IAM) == "False False False"


def test_reading_the_action_data_does_not_import_cfn_lint() -> None:
    probe = (
        "import sys; from mmaws_lint.checks.iam import action_data;"
        " assert action_data.resource_levels() is not None; print('cfnlint' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.stdout.strip() == "False", done.stderr


def test_iam_data_is_read_when_a_statement_needs_it(tmp_path: Path) -> None:
    assert _loaded_after_linting(WITH_IAM) == "True False True"
    scoped_sam = tmp_path / "scoped.yaml"
    scoped_sam.write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n"
        "    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n"
        "      Handler: a.b\n      CodeUri: src/\n"
        "      Policies: [{SQSPollerPolicy: {QueueName: orders}}]\n"
    )
    assert _loaded_after_linting(scoped_sam) == "False True True"


@pytest.fixture
def fresh_caches():
    action_data._load.cache_clear()
    sam_templates._load.cache_clear()
    yield
    action_data._load.cache_clear()
    sam_templates._load.cache_clear()


def _rule_findings(path: Path, rule: str) -> list[mmaws_lint.Finding]:
    return [f for f in mmaws_lint.lint([str(path)]) if f.rule == rule]


def test_cfn_lint_action_data_has_the_shape_we_read(fresh_caches) -> None:
    levels = action_data.resource_levels()
    assert action_data.unavailable() is None and levels is not None
    assert levels.actions("S3")["getobject"] is True
    assert levels.actions("ec2")["describeinstances"] is False
    assert sum(len(actions) for actions in levels.services.values()) > 15000


@pytest.mark.parametrize(
    "text, reason",
    [
        (None, "cannot be read"),
        ("[1, 2]", "changed shape"),
        (json.dumps({f"svc{i}": {"Actions": {"a": {}}} for i in range(200)}), "changed shape"),
    ],
)
def test_moved_or_reshaped_action_data_silences_wmm302_and_says_why(
    fresh_caches, monkeypatch, capsys, text: str | None, reason: str
) -> None:
    if text is None:
        monkeypatch.setattr(action_data, "FOLDER", ("data", "NoSuchFolder"))
    else:
        monkeypatch.setattr(action_data, "_source_text", lambda: text)
    assert action_data.resource_levels() is None
    assert reason in (action_data.unavailable() or "")
    assert _rule_findings(WITH_IAM, "WMM302") == []
    assert _rule_findings(WITH_IAM, "WMM301") == []  # other rules go on as before
    assert main(["rules"]) == 0
    [row] = [line for line in capsys.readouterr().out.splitlines() if line.startswith("WMM302")]
    assert "limited:" in row and reason in row
    assert main(["explain", "WMM302"]) == 0
    assert "Limited in this installation" in capsys.readouterr().out


def test_without_samtranslator_policy_templates_stay_unknown(
    fresh_caches, monkeypatch, capsys
) -> None:
    monkeypatch.setattr(sam_templates, "PACKAGE", "no_such_samtranslator")
    assert sam_templates.expand("S3CrudPolicy", {"BucketName": "b"}) is None
    assert "not installed" in (sam_templates.unavailable() or "")
    assert main(["explain", "EMM303"]) == 0
    assert "aws-sam-translator is not installed" in capsys.readouterr().out
    # managed policy names in SAM Policies do not need SAM's data
    found = _rule_findings(FIXTURES / "WMM301" / "fail-sam-function.yaml", "WMM301")
    assert [f.resource for f in found] == ["Uploader"]


def test_sam_policy_templates_expand_with_the_authors_arguments(fresh_caches) -> None:
    document = sam_templates.expand("SQSPollerPolicy", {"QueueName": {"Ref": "Queue"}})
    assert document is not None
    [statement] = document["Statement"]
    assert "sqs:ReceiveMessage" in statement["Action"]
    assert statement["Resource"]["Fn::Sub"][1] == {"queueName": {"Ref": "Queue"}}
    assert sam_templates.expand("NoSuchPolicy", {}) is None


def test_sam_policy_template_on_every_resource_is_reported(tmp_path: Path) -> None:
    template = tmp_path / "t.yaml"
    template.write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n"
        "    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n"
        "      Handler: a.b\n      CodeUri: src/\n"
        "      Policies:\n        - VPCAccessPolicy: {}\n"
        "        - CloudWatchDashboardPolicy: {}\n"
    )
    [finding] = _rule_findings(template, "WMM302")
    assert "cloudwatch:PutDashboard" in finding.message
    assert "SAM policy template CloudWatchDashboardPolicy" in finding.message
    assert "CreateNetworkInterface" not in finding.message  # an exception, see rules/iam.yaml
    assert finding.line == 11


def test_cdk_default_policy_completes_an_escalation_on_the_role() -> None:
    found = [f for f in mmaws_lint.lint([str(CDK_IAM)]) if f.rule.endswith(("303", "304", "305"))]
    by_rule = {(f.rule, f.cdk_path) for f in found}
    assert by_rule == {
        ("EMM303", "Iam/BuildRole/Resource"),
        ("EMM304", "Iam/GitHubDeploy/Resource"),
        ("EMM305", "Iam/Audit/Policy/Resource"),
    }
    [escalation] = [f for f in found if f.rule == "EMM303"]
    assert "PassExistingRoleToNewLambdaThenInvoke" in escalation.message
    assert "BuildRoleDefaultPolicy" in escalation.message  # the statements that complete it


def test_policy_attached_by_role_name(tmp_path: Path) -> None:
    template = tmp_path / "t.yaml"
    template.write_text(
        "Resources:\n  Deployer:\n    Type: AWS::IAM::Role\n    Properties:\n"
        "      RoleName: deployer\n      AssumeRolePolicyDocument: {Statement: []}\n"
        "  Keys:\n    Type: AWS::IAM::Policy\n    Properties:\n"
        "      PolicyName: keys\n      Roles: [deployer]\n      PolicyDocument:\n"
        "        Statement: [{Effect: Allow, Action: 'IAM:Create*', Resource: '*'}]\n"
    )
    [finding] = _rule_findings(template, "EMM303")
    assert finding.resource == "Deployer"
    assert "iam:CreatePolicyVersion from Keys policy keys statement 1" in finding.message
