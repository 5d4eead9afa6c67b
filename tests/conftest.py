from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
SARIF_SCHEMA = SHARED / "reference" / "sarif-schema-2.1.0.json"

ONE_INSTANCE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Web:
    Type: AWS::EC2::Instance
    Properties:
      ImageId: ami-0123456789abcdef0
"""


@pytest.fixture
def one_instance(tmp_path: Path) -> Path:
    file = tmp_path / "one-instance.yaml"
    file.write_text(ONE_INSTANCE)
    return file


def copy_case(case: Path, destination: Path) -> Path:
    """A fixture case (a template file or a folder of them) copied into `destination`."""
    target = destination / case.name
    if case.is_dir():
        shutil.copytree(case, target)
    else:
        shutil.copy(case, target)
    return target


def cfn_lint_errors(text: str) -> Counter[tuple[str, str]]:
    """cfn-lint errors by rule and place (messages may list the template's resources)."""
    from cfnlint.api import ManualArgs, lint

    matches = lint(text, config=ManualArgs(regions=["us-east-1"]))
    return Counter(
        (m.rule.id, "/".join(map(str, getattr(m, "path", None) or [])))
        for m in matches
        if m.rule.id.startswith("E")
    )
