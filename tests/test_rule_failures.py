"""A rule that could not decide is never a silent pass: every entry point says which rule
failed on which file, and a pack that cannot start says so in one line."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ONE_INSTANCE
from entry_points import OFFLINE

import mmaws_lint
from mmaws_lint.checkov import checks_directory
from mmaws_lint.checks import CHECKS, load_checks
from mmaws_lint.cli import main

BIN = Path(sys.executable).parent
QUEUE = "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n"


@pytest.fixture
def broken_wmm501(monkeypatch) -> None:
    load_checks()

    def broken(ctx):
        raise ValueError("boom")

    monkeypatch.setitem(CHECKS, "WMM501", broken)


@pytest.fixture
def two_templates(tmp_path: Path) -> tuple[Path, Path]:
    web, queue = tmp_path / "web.yaml", tmp_path / "queue.yaml"
    web.write_text(ONE_INSTANCE)
    queue.write_text(QUEUE)
    return web, queue


def test_the_summary_counts_rule_failures_apart_from_files(
    broken_wmm501, two_templates, capsys
) -> None:
    web, queue = two_templates
    unreadable = web.parent / "broken.yaml"
    unreadable.write_text("Resources: [unclosed\n")
    code = main(["check", "--select", "WMM101,WMM501", str(web), str(queue), str(unreadable)])
    out, err = capsys.readouterr()
    assert code == 2
    assert out.splitlines()[-1] == (
        f"2 findings in 2 templates; 1 file could not be linted;"
        f" 2 rule failures (WMM501 on {queue}, WMM501 on {web})"
    )
    expected = (
        f"{web}: error: internal error in WMM501: ValueError: boom; the other rules linted"
        " this file"
    )
    assert expected in err.splitlines()


def test_lint_result_tells_rule_failures_and_lint_warns(broken_wmm501, two_templates, caplog):
    web, _ = two_templates
    result = mmaws_lint.lint_result(str(web), select=["WMM101", "WMM501"])
    assert [f.rule for f in result.findings] == ["WMM101"]
    assert result.unlinted_files == []
    [failure] = result.rule_failures
    assert (failure.rule, failure.file) == ("WMM501", str(web))
    with caplog.at_level(logging.WARNING, logger="mmaws_lint"):
        findings = mmaws_lint.lint(str(web), select=["WMM101", "WMM501"])
    assert [f.rule for f in findings] == ["WMM101"]
    assert "call mmaws_lint.lint_result() to get them" in caplog.text
    assert "internal error in WMM501" in caplog.text


def test_checkov_answers_unknown_not_passed_when_the_rule_crashed(
    broken_wmm501, two_templates, monkeypatch, caplog
) -> None:
    pytest.importorskip("checkov")
    from checkov.common.models.enums import CheckResult

    from mmaws_lint.checkov import mmaws_lint_checks as adapter

    web, _ = two_templates
    monkeypatch.setattr(adapter, "_VERDICTS", {})
    monkeypatch.chdir(web.parent)
    checks = {check.id: check for check in adapter.CHECKS}

    def answer(rule_id: str) -> CheckResult:
        done = checks[rule_id].run(f"/{web.name}", {}, "Web", "AWS::EC2::Instance", None)
        return done["result"]

    with caplog.at_level(logging.ERROR, logger="mmaws_lint"):
        assert answer("WMM501") == CheckResult.UNKNOWN
        assert answer("WMM501") == CheckResult.UNKNOWN
    assert answer("WMM101") == CheckResult.FAILED
    [record] = [r for r in caplog.records if "could not decide" in r.getMessage()]
    assert "internal error in WMM501: ValueError: boom" in record.getMessage()


def test_checkov_answers_unknown_for_a_file_the_engine_cannot_read(monkeypatch, tmp_path):
    pytest.importorskip("checkov")
    from checkov.common.models.enums import CheckResult

    from mmaws_lint.checkov import mmaws_lint_checks as adapter

    monkeypatch.setattr(adapter, "_VERDICTS", {})
    monkeypatch.chdir(tmp_path)
    [check] = [c for c in adapter.CHECKS if c.id == "WMM501"]
    done = check.run("/missing.yaml", {}, "Web", "AWS::EC2::Instance", None)
    assert done["result"] == CheckResult.UNKNOWN


def _invalid_model(tmp_path: Path) -> dict[str, str]:
    model = tmp_path / "model.yaml"
    model.write_text("rules: {WMM999: {enabled: false}}\n")
    return {**OFFLINE, "MMAWS_LINT_MODEL": str(model)}


def test_checkov_with_an_invalid_model_passes_nothing_and_says_why_once(tmp_path: Path) -> None:
    pytest.importorskip("checkov")
    template = tmp_path / "web.yaml"
    template.write_text(ONE_INSTANCE)
    done = subprocess.run(
        [str(BIN / "checkov"), "--framework", "cloudformation", "--skip-download", "--compact",
         "--external-checks-dir", checks_directory(), "-o", "json", "-f", str(template)],
        capture_output=True, text=True, env=_invalid_model(tmp_path), cwd=tmp_path,
    )  # fmt: skip
    results = json.loads(done.stdout)["results"]
    ours = [
        record["check_id"]
        for record in results["passed_checks"] + results["failed_checks"]
        if "MM" in record["check_id"]
    ]
    assert ours == []
    [line] = [line for line in done.stderr.splitlines() if "mmaws-lint" in line]
    assert "could not decide" in line and "unknown rule WMM999" in line
    assert "Traceback" not in done.stderr


def _cfn_lint(files: list[Path], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "cfn-lint"), "--format", "parseable", "--append-rules=mmaws_lint.cfn_lint",
         "--", *map(str, files)],
        capture_output=True, text=True, env=env, cwd=cwd,
    )  # fmt: skip


def test_cfn_lint_with_an_invalid_model_gives_one_line_per_template(two_templates, tmp_path):
    done = _cfn_lint(list(two_templates), _invalid_model(tmp_path), tmp_path)
    assert "Traceback" not in done.stderr + done.stdout
    ours = [line for line in done.stdout.splitlines() if ":E0002:" in line]
    assert len(ours) == 2 and all("unknown rule WMM999" in line for line in ours)
    assert done.returncode & 2  # cfn-lint's exit code for errors


def test_cfn_lint_with_an_unreadable_configuration_gives_one_line_per_template(
    two_templates, tmp_path
) -> None:
    web, _ = two_templates
    (tmp_path / ".mmaws-lint.yaml").write_text("select: [WMM\n")
    env = {k: v for k, v in OFFLINE.items() if k != "MMAWS_LINT_MODEL"}
    done = _cfn_lint([web], env, tmp_path)
    [line] = [line for line in done.stdout.splitlines() if ":E0002:" in line]
    assert "cannot read configuration" in line
    assert done.returncode & 2 and "Traceback" not in done.stderr
    assert not [line for line in done.stdout.splitlines() if ":WMM" in line]


def test_the_plugin_module_imports_with_an_invalid_model(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import mmaws_lint.cfn_lint as p; print(hasattr(p, 'WMM501'))"],
        capture_output=True, text=True, env={**os.environ, **_invalid_model(tmp_path)},
    )  # fmt: skip
    assert (done.returncode, done.stdout, done.stderr) == (0, "True\n", "")
