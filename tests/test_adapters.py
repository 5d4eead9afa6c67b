"""The cfn-lint plugin and the checkov checks report what the CLI reports.

Parity: for every single-template fixture, the CLI, cfn-lint with the pack appended and checkov
with the pack's external checks report the same set of (rule, resource) pairs.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from entry_points import OFFLINE, api_pairs, cfn_lint_pairs, checkov_pairs
from fixture_marks import fixture_cases

import mmaws_lint

SINGLE_FILES = [case for case in fixture_cases() if case.is_file()]
BIN = Path(sys.executable).parent


def _cfn_lint_matches(files: list[Path]) -> list[dict]:
    done = subprocess.run(
        [str(BIN / "cfn-lint"), "--format", "json", "--include-checks", "I",
         "--append-rules=mmaws_lint.cfn_lint", "--", *map(str, files)],
        capture_output=True, text=True, env=OFFLINE,
    )  # fmt: skip
    assert done.returncode in range(0, 32), done.stderr
    return json.loads(done.stdout or "[]")


@pytest.fixture(scope="module")
def cfn_lint_results() -> dict[str, set[tuple[str, str]]]:
    return cfn_lint_pairs(SINGLE_FILES)


@pytest.fixture(scope="module")
def checkov_results() -> dict[str, set[tuple[str, str]]]:
    return checkov_pairs(SINGLE_FILES, require_scanned=False)


@pytest.mark.parametrize(
    "file", SINGLE_FILES, ids=[f"{f.parent.name}/{f.name}" for f in SINGLE_FILES]
)
def test_cfn_lint_parity(file: Path, cfn_lint_results) -> None:
    assert cfn_lint_results[str(file)] == api_pairs(file)


@pytest.mark.parametrize(
    "file", SINGLE_FILES, ids=[f"{f.parent.name}/{f.name}" for f in SINGLE_FILES]
)
def test_checkov_parity(file: Path, checkov_results) -> None:
    assert checkov_results[str(file.resolve())] == api_pairs(file)


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_cfn_lint_as_vs_code_calls_it_points_at_the_resource(tmp_path: Path, suffix: str) -> None:
    source = next(f for f in SINGLE_FILES if f.name == f"fail-instance{suffix}")
    [match] = [m for m in _cfn_lint_matches([source]) if m["Rule"]["Id"] == "WMM501"]
    [finding] = [f for f in mmaws_lint.lint([str(source)]) if f.rule == "WMM501"]
    start = match["Location"]["Start"]
    assert (start["LineNumber"], start["ColumnNumber"]) == (finding.line, finding.column)
    line = source.read_text().splitlines()[finding.line - 1]
    assert line[finding.column - 1 :].lstrip('"').startswith(finding.resource)


def test_cfnlintrc_append_rules_is_discovered(tmp_path: Path) -> None:
    source = next(f for f in SINGLE_FILES if f.name == "fail-instance.yaml")
    shutil.copy(source, tmp_path / "template.yaml")
    (tmp_path / ".cfnlintrc").write_text("append_rules:\n  - mmaws_lint.cfn_lint\n")
    done = subprocess.run(
        [str(BIN / "cfn-lint"), "--format", "parseable", "template.yaml"],
        capture_output=True, text=True, cwd=tmp_path, env=OFFLINE,
    )  # fmt: skip
    assert "WMM501" in done.stdout, done.stdout + done.stderr


def test_cfn_lint_resource_level_ignore_checks(tmp_path: Path) -> None:
    template = tmp_path / "t.yaml"
    template.write_text(
        "Resources:\n  A:\n    Type: AWS::EC2::Instance\n    Metadata:\n      cfn-lint:\n"
        "        config: {ignore_checks: [WMM501]}\n    Properties: {ImageId: ami-12345678}\n"
        "  B:\n    Type: AWS::EC2::Instance\n    Properties: {ImageId: ami-12345678}\n"
    )
    hits = [m for m in _cfn_lint_matches([template]) if m["Rule"]["Id"] == "WMM501"]
    assert [m["Location"]["Path"][1] for m in hits] == ["B"]


def test_a_rule_crash_inside_cfn_lint_is_shown_not_dropped(monkeypatch) -> None:
    from cfnlint.decode import decode_str
    from cfnlint.template import Template

    import mmaws_lint.cfn_lint as plugin
    from mmaws_lint.checks import CHECKS, load_checks

    def broken(ctx):
        raise ValueError("boom")

    load_checks()  # registered first, or loading them later finds two checks for WMM501
    monkeypatch.setitem(CHECKS, "WMM501", broken)
    monkeypatch.setattr(plugin, "ENGINE", plugin._Engine())
    data, _ = decode_str("Resources:\n  Web:\n    Type: AWS::EC2::Instance\n")
    cfn = Template("t.yaml", data, ["us-east-1"])
    with pytest.raises(RuntimeError, match="internal error in WMM501: ValueError: boom"):
        plugin.WMM501().match(cfn)
    assert plugin.WMM001().match(cfn) == []


def test_sam_globals_without_the_transform_do_not_crash_the_plugin(tmp_path: Path) -> None:
    # cfn-lint keeps Globals when it does not run the SAM translator; its string nodes
    # cannot be copied, which once made every rule of the pack an E0002.
    template = tmp_path / "t.yaml"
    template.write_text(
        "Globals:\n  Function:\n    Runtime: python3.12\n    Timeout: 5\nResources:\n"
        "  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {Handler: index.handler, CodeUri: .}\n"
    )
    matches = _cfn_lint_matches([template])
    assert [m for m in matches if m["Rule"]["Id"] == "E0002"] == []
    assert "WMM101" in {m["Rule"]["Id"] for m in matches}
