"""`mmaws-lint explain TYPE` and docs/resource-types.md: what the model holds for one resource
type, gathered from the data, so that a new family's knowledge shows up without code."""

from __future__ import annotations

from dataclasses import replace

import pytest
from conftest import ROOT

from mmaws_lint import docs
from mmaws_lint.cli import main
from mmaws_lint.model import Family, Model, shipped_model
from mmaws_lint.resource_types import knowledge, known_types, render_markdown


def explain(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["explain", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_explain_a_database_instance_prints_what_every_family_holds(capsys) -> None:
    code, out, _ = explain(capsys, "AWS::RDS::DBInstance")
    assert code == 0
    for rule_id in ("WMM101", "WMM401", "WMM402", "WMM503", "WMM504"):
        assert f"  {rule_id} " in out
    assert "Rules for every type: WMM001" in out
    assert "switch: StorageEncrypted" in out and "managed: aws/rds" in out  # encryption
    assert "CPUCreditBalance" in out and "FreeStorageSpace" in out  # finite capacities
    assert "property: DBInstanceClass" in out  # where the class is named
    assert "compute · data.burstable_classes.rds:" in out and "db.t3" in out  # its classes
    assert "properties: [VPCSecurityGroups]" in out  # where its security groups are


def test_every_type_the_model_knows_can_be_explained(capsys) -> None:
    types = known_types(shipped_model())
    assert "AWS::RDS::DBInstance" in types and "AWS::EC2::Instance" in types
    for resource_type in types:
        code, out, err = explain(capsys, resource_type)
        assert code == 0, err
        assert out.startswith(resource_type + "\n")


def test_an_unknown_type_is_a_usage_error_with_a_hint(capsys) -> None:
    code, _, err = explain(capsys, "aws::rds::dbinstance")
    assert code == 2 and "did you mean AWS::RDS::DBInstance?" in err
    code, _, err = explain(capsys, "AWS::Nothing::Here")
    assert code == 2 and "knows nothing about 'AWS::Nothing::Here'" in err


def test_a_new_familys_data_shows_up_without_code() -> None:
    model = shipped_model()
    family = Family("queues", "8", "Queues", "", "GENERAL_SECURITY", "rules/queues.yaml")
    grown = replace(
        model,
        data={**model.data, "queue_limits": {"AWS::SQS::Queue": {"max_receive_count": 5}}},
        families={**model.families, "queues": replace(family, data_keys=("queue_limits",))},
    )
    assert isinstance(grown, Model)
    found = knowledge(grown, "AWS::SQS::Queue")
    [excerpt] = [e for e in found.excerpts if e.family == "queues"]
    assert excerpt.where == "data.queue_limits.AWS::SQS::Queue"
    assert excerpt.value == {"max_receive_count": 5}
    assert "## AWS::SQS::Queue" in render_markdown(grown)


def test_docs_resource_types_is_generated_from_the_model() -> None:
    text = (ROOT / "docs" / "resource-types.md").read_text(encoding="utf-8")
    assert text == render_markdown(shipped_model()), "run python -m mmaws_lint.docs"
    assert docs.main(["--check"]) == 0
