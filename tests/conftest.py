from __future__ import annotations

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
