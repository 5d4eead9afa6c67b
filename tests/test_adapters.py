"""The cfn-lint plugin and the checkov checks report what the CLI reports.

Parity: for every single-template fixture, the CLI, cfn-lint with the pack appended and checkov
with the pack's external checks report the same set of (rule, resource) pairs.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fixture_marks import fixture_cases

import mmaws_lint
from mmaws_lint.checkov import checks_directory

OUR_RULE = re.compile(r"^[EWI]MM\d{3}$")
SINGLE_FILES = [case for case in fixture_cases() if case.is_file()]
BIN = Path(sys.executable).parent
OFFLINE = {
    **os.environ,
    "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true",
    "BC_SKIP_MAPPING": "TRUE",
    "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false",
    "LOG_LEVEL": "ERROR",
}


def cli_pairs(file: Path) -> set[tuple[str, str]]:
    return {(f.rule, f.resource) for f in mmaws_lint.lint([str(file)]) if f.resource}


def _cfn_lint_matches(files: list[Path]) -> list[dict]:
    done = subprocess.run(
        [str(BIN / "cfn-lint"), "--format", "json", "--include-checks", "I",
         "--append-rules=mmaws_lint.cfn_lint", "--", *map(str, files)],
        capture_output=True, text=True, env=OFFLINE,
    )  # fmt: skip
    assert done.returncode in range(0, 32), done.stderr
    return json.loads(done.stdout or "[]")


@pytest.fixture(scope="module")
def cfn_lint_pairs() -> dict[str, set[tuple[str, str]]]:
    pairs: dict[str, set[tuple[str, str]]] = {str(f): set() for f in SINGLE_FILES}
    for match in _cfn_lint_matches(SINGLE_FILES):
        rule, path = match["Rule"]["Id"], match["Location"]["Path"] or []
        if OUR_RULE.match(rule) and len(path) >= 2 and path[0] == "Resources":
            pairs[match["Filename"]].add((rule, path[1]))
    return pairs


@pytest.fixture(scope="module")
def checkov_pairs() -> dict[str, set[tuple[str, str]]]:
    checkov = shutil.which("checkov", path=str(BIN)) or shutil.which("checkov")
    if checkov is None:
        pytest.skip("checkov is not installed (pip install 'mmaws-lint[checkov]')")
    done = subprocess.run(
        [checkov, "--framework", "cloudformation", "--external-checks-dir", checks_directory(),
         "--skip-download", "--compact", "-o", "json", "-f", *map(str, SINGLE_FILES)],
        capture_output=True, text=True, env=OFFLINE,
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr[-2000:]
    reports = json.loads(done.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    pairs: dict[str, set[tuple[str, str]]] = {str(f): set() for f in SINGLE_FILES}
    for report in reports:
        for record in report.get("results", {}).get("failed_checks", []):
            if OUR_RULE.match(record["check_id"]):
                resource = record["resource"].split(".", 1)[1]
                pairs[str(Path(record["file_abs_path"]).resolve())].add(
                    (record["check_id"], resource)
                )
    return pairs


@pytest.mark.parametrize(
    "file", SINGLE_FILES, ids=[f"{f.parent.name}/{f.name}" for f in SINGLE_FILES]
)
def test_cfn_lint_parity(file: Path, cfn_lint_pairs) -> None:
    assert cfn_lint_pairs[str(file)] == cli_pairs(file)


@pytest.mark.parametrize(
    "file", SINGLE_FILES, ids=[f"{f.parent.name}/{f.name}" for f in SINGLE_FILES]
)
def test_checkov_parity(file: Path, checkov_pairs) -> None:
    assert checkov_pairs[str(file.resolve())] == cli_pairs(file)


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
    from mmaws_lint.checks import CHECKS

    def broken(ctx):
        raise ValueError("boom")

    monkeypatch.setitem(CHECKS, "WMM501", broken)
    monkeypatch.setattr(plugin, "ENGINE", plugin._Engine())
    data, _ = decode_str("Resources:\n  Web:\n    Type: AWS::EC2::Instance\n")
    cfn = Template("t.yaml", data, ["us-east-1"])
    with pytest.raises(RuntimeError, match="internal error in WMM501: ValueError: boom"):
        plugin.WMM501().match(cfn)
    assert plugin.WMM001().match(cfn) == []
