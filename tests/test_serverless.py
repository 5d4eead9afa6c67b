"""Serverless and messaging family: behaviour the fixtures do not show on their own."""

from __future__ import annotations

from pathlib import Path

from fixture_marks import FIXTURES

import mmaws_lint
from mmaws_lint.app import App
from mmaws_lint.checks.serverless.definitions import definitions
from mmaws_lint.checks.serverless.index import messaging_index
from mmaws_lint.model import apply_overrides, shipped_model
from mmaws_lint.template.load import parse_template
from mmaws_lint.template.template import Template

CONSUMERS = FIXTURES / "IMM708" / "fail-consumers.yaml"


def _template(tmp_path: Path, text: str) -> Template:
    path = tmp_path / "t.yaml"
    path.write_text(text, encoding="utf-8")
    loaded = parse_template(path.read_bytes(), str(path))
    assert isinstance(loaded, Template)
    return loaded


def test_idempotency_reminder_is_off_by_default_and_on_when_asked() -> None:
    default = mmaws_lint.lint(str(CONSUMERS))
    assert [f for f in default if f.rule == "IMM708"] == []
    selected = mmaws_lint.lint(str(CONSUMERS), select=["IMM708"])
    assert {f.resource for f in selected} == {
        "QueueConsumer", "TopicConsumer", "BusConsumer", "StreamConsumer"
    }  # fmt: skip
    enabled = apply_overrides(shipped_model(), {"rules": {"IMM708": {"enabled": True}}})
    assert {f.rule for f in mmaws_lint.lint(str(CONSUMERS), model=enabled)} >= {"IMM708"}


def test_readme_says_how_to_turn_the_idempotency_reminder_on() -> None:
    readme = (FIXTURES.parent / "README.md").read_text(encoding="utf-8")
    assert "--select IMM708" in readme and "IMM708: {enabled: true}" in readme


def test_definition_string_tokens_still_name_the_function(tmp_path: Path) -> None:
    template = _template(
        tmp_path,
        """
Resources:
  Charge:
    Type: AWS::Lambda::Function
    Properties: {Runtime: python3.12, Handler: i.h, Role: arn:aws:iam::1:role/r, Code: {ZipFile: x}}
  Flow:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      RoleArn: arn:aws:iam::1:role/r
      DefinitionSubstitutions: {Wait: 30}
      DefinitionString: !Sub '{"StartAt": "A", "States": {"A": {"Type": "Task",
        "Resource": "${Charge.Arn}", "TimeoutSeconds": ${Wait}, "End": true}}}'
""",
    )
    app = App([template])
    machine = template.resources["Flow"]
    [definition] = definitions(machine, app.resolver(template))
    [(name, state)] = list(definition.states())
    symbol = definition.symbol(state["Resource"])
    assert (name, symbol.kind, symbol.name, symbol.attr) == ("A", "getatt", "Charge", "Arn")


def test_the_messaging_index_is_built_once_per_run(tmp_path: Path) -> None:
    app = App([_template(tmp_path, "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n")])
    data = shipped_model().data
    assert messaging_index(app, data) is messaging_index(app, data)


def test_sns_fan_out_in_the_cdk_app_is_followed_to_its_consumers() -> None:
    cdk_out = FIXTURES / "cdk" / "serverless" / "cdk.out"
    findings = mmaws_lint.lint(str(cdk_out), select=["WMM702", "WMM703", "WMM705"])
    paths = {(f.rule, f.cdk_path) for f in findings}
    assert ("WMM702", "Serverless/AuditQueue/Resource") in paths
    assert ("WMM703", "Serverless/AuditQueue/Resource") in paths
    assert ("WMM705", "Serverless/AuditQueue/ServerlessOrderEvents3ADE35AA/Resource") in paths
