"""Snapshot of what the linter reports on the CDK apps and the quick-start example.

Each snapshot is a readable text file next to the input; review changes to it like code.
Regenerate after an intended change with `MMAWS_UPDATE_SNAPSHOTS=1 pytest tests/test_snapshots.py`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import ROOT

import mmaws_lint

CASES = {
    "fixtures/cdk/web-service/cdk.out": "fixtures/cdk/web-service/expected-findings.txt",
    "fixtures/cdk/serverless/cdk.out": "fixtures/cdk/serverless/expected-findings.txt",
    "fixtures/cdk/multi-stack/cdk.out": "fixtures/cdk/multi-stack/expected-findings.txt",
    "fixtures/cdk/iam/cdk.out": "fixtures/cdk/iam/expected-findings.txt",
    "fixtures/cdk/fargate-service/cdk.out": "fixtures/cdk/fargate-service/expected-findings.txt",
    "fixtures/cdk/databases/cdk.out": "fixtures/cdk/databases/expected-findings.txt",
    "examples/quickstart/template.yaml": "examples/quickstart/expected-findings.txt",
}


def render(target: Path) -> str:
    result = mmaws_lint.lint_result([str(target)])
    assert not result.errors, [str(p) for p in result.errors]
    lines = []
    for finding in result.findings:
        where = finding.cdk_path or f"{Path(finding.file).name}:{finding.line}"
        lines.append(f"{finding.rule} {finding.resource or '-'} [{where}] {finding.message}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("target", sorted(CASES))
def test_snapshot(target: str) -> None:
    snapshot = ROOT / CASES[target]
    actual = render(ROOT / target)
    if os.environ.get("MMAWS_UPDATE_SNAPSHOTS") == "1":
        snapshot.write_text(actual)
    assert snapshot.exists(), f"no snapshot yet: run MMAWS_UPDATE_SNAPSHOTS=1 pytest {__file__}"
    assert actual == snapshot.read_text()


def test_every_cdk_finding_has_a_construct_path() -> None:
    for target in CASES:
        if "cdk.out" in target:
            for finding in mmaws_lint.lint([str(ROOT / target)]):
                assert finding.cdk_path, finding
