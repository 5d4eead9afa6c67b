"""The command line: formats, selection, exit codes, configuration, model overrides."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mmaws_lint.cli import main


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_report_fields(capsys, one_instance: Path) -> None:
    code, out, _ = run_cli(
        capsys, "check", "--format", "json", "--select", "WMM501", str(one_instance)
    )
    assert code == 1
    [finding] = json.loads(out)
    assert finding == {
        "rule": "WMM501",
        "level": "warning",
        "message": finding["message"],
        "file": str(one_instance),
        "line": 3,
        "column": 3,
        "end_line": 3,
        "end_column": 6,
        "resource": "Web",
        "resource_type": "AWS::EC2::Instance",
        "path": ["Resources", "Web"],
        "cdk_path": None,
        "url": "https://github.com/mmaws-lint/mmaws-lint/blob/main/docs/rules.md#wmm501",
    }
    assert "Web" in finding["message"] and "Auto Scaling group" in finding["message"]


def test_bare_paths_mean_check(capsys, one_instance: Path) -> None:
    code, out, _ = run_cli(capsys, "--select", "WMM501", str(one_instance))
    assert code == 1
    assert "WMM501" in out


def test_clean_template_exits_zero(capsys, tmp_path: Path) -> None:
    file = tmp_path / "queue.yaml"
    file.write_text("Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n")
    code, out, _ = run_cli(capsys, "check", "--select", "WMM501", str(file))
    assert code == 0
    assert out.strip() == "0 findings in 1 template"


def test_ignore_and_select_prefixes(capsys, one_instance: Path) -> None:
    code, out, _ = run_cli(
        capsys, "check", "--ignore", "WMM5", "--select", "WMM5", str(one_instance)
    )
    assert code == 0
    assert "WMM501" not in out


def test_unknown_rule_is_a_usage_error(capsys, one_instance: Path) -> None:
    code, _, err = run_cli(capsys, "check", "--select", "XYZ9", str(one_instance))
    assert code == 2
    assert "no rule matches 'XYZ9'" in err


def test_unreadable_file_is_reported_and_others_still_linted(
    capsys, tmp_path, one_instance
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("Resources:\n  A: [unclosed\n")
    code, out, err = run_cli(capsys, "check", "--select", "WMM501", str(broken), str(one_instance))
    assert code == 2
    assert "WMM501" in out
    [line] = err.strip().splitlines()
    assert line.startswith(f"{broken}:") and "error: invalid YAML" in line


def test_explicit_non_template_is_skipped_with_a_note(capsys, tmp_path: Path) -> None:
    manifest = tmp_path / "deployment.yaml"
    manifest.write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n")
    code, _, err = run_cli(capsys, "check", str(manifest))
    assert code == 0
    assert "note: skipped: not a CloudFormation template" in err


def test_folder_walk_skips_non_templates_silently(capsys, tmp_path: Path, one_instance) -> None:
    (tmp_path / "package.json").write_text('{"name": "x"}')
    (tmp_path / "workflow.yml").write_text("on: push\njobs: {}\n")
    code, out, err = run_cli(capsys, "check", "--select", "WMM501", str(tmp_path))
    assert code == 1
    assert err == ""
    assert "1 finding in 1 template" in out


def test_output_file(capsys, tmp_path: Path, one_instance: Path) -> None:
    target = tmp_path / "report.json"
    code, out, _ = run_cli(
        capsys, "check", "--format", "json", "-o", str(target), str(one_instance)
    )
    assert code == 1 and out == ""
    assert any(f["rule"] == "WMM501" for f in json.loads(target.read_text()))


def test_model_override_disables_rule(capsys, tmp_path: Path, one_instance: Path) -> None:
    model = tmp_path / "model.yaml"
    model.write_text("rules:\n  WMM501: {enabled: false}\n")
    _, out, _ = run_cli(capsys, "check", "--model", str(model), str(one_instance))
    assert "WMM501" not in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("rules: [1, 2]\n", "invalid model"),
        ("rules:\n  WMM999: {enabled: false}\n", "unknown rule WMM999"),
        ("rules:\n  WMM501: {colour: red}\n", "invalid model"),
        ("rules:\n  WMM501: {settings: {nope: 1}}\n", "has no setting 'nope'"),
        ("data:\n  nonsense: 1\n", "unknown data key 'nonsense'"),
        ("rules: {WMM501: [\n", "not valid YAML"),
    ],
)
def test_invalid_model_is_one_clear_line(capsys, tmp_path, one_instance, content, message) -> None:
    model = tmp_path / "model.yaml"
    model.write_text(content)
    code, out, err = run_cli(capsys, "check", "--model", str(model), str(one_instance))
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert message in err and str(model) in err


def test_config_file_found_upward(capsys, tmp_path: Path, monkeypatch, one_instance) -> None:
    config = "format: json\nselect: [WMM0, WMM5]\nignore: [WMM001]\n"
    (tmp_path / ".mmaws-lint.yaml").write_text(config)
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    monkeypatch.chdir(nested)
    code, out, _ = run_cli(capsys, "check", str(one_instance))
    assert code == 1
    assert {f["rule"] for f in json.loads(out)} == {"WMM501"}
    code, out, _ = run_cli(capsys, "check", "--format", "text", str(one_instance))
    assert out.startswith(str(one_instance))  # the command line wins


def test_pyproject_config(capsys, tmp_path: Path, monkeypatch, one_instance) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.mmaws-lint]\nselect = ["WMM001"]\n')
    monkeypatch.chdir(tmp_path)
    code, out, _ = run_cli(capsys, "check", str(one_instance))
    assert code == 0 and "WMM501" not in out


def test_invalid_config_is_a_usage_error(capsys, tmp_path, monkeypatch, one_instance) -> None:
    (tmp_path / ".mmaws-lint.yaml").write_text("colour: blue\n")
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(capsys, "check", str(one_instance))
    assert code == 2 and "unknown option 'colour'" in err


def test_stack_name_option_resolves_exports(capsys, tmp_path: Path) -> None:
    (tmp_path / "producer.yaml").write_text(
        "Resources:\n  Web:\n    Type: AWS::EC2::Instance\n"
        "Outputs:\n  Id:\n    Value: !Ref Web\n"
        "    Export: {Name: !Sub '${AWS::StackName}-WebId'}\n"
    )
    code, _, err = run_cli(
        capsys, "check", "--stack-name", f"{tmp_path / 'producer.yaml'}=prod", str(tmp_path)
    )
    assert code in (0, 1) and err == ""
    code, _, err = run_cli(capsys, "check", "--stack-name", "nonsense", str(tmp_path))
    assert code == 2 and "FILE=NAME" in err


def test_rules_and_explain(capsys) -> None:
    code, out, _ = run_cli(capsys, "rules")
    assert code == 0 and "WMM501" in out
    code, out, _ = run_cli(capsys, "rules", "--format", "json")
    assert any(r["id"] == "WMM501" for r in json.loads(out))
    code, out, _ = run_cli(capsys, "explain", "wmm501")
    assert code == 0 and "Auto Scaling group" in out and "Example:" in out
    code, _, err = run_cli(capsys, "explain", "WMM999")
    assert code == 2 and "unknown rule" in err


def test_checkov_dir_prints_the_checks_folder(capsys) -> None:
    code, out, _ = run_cli(capsys, "checkov-dir")
    folder = Path(out.strip())
    assert code == 0
    assert (folder / "__init__.py").is_file() and (folder / "mmaws_lint_checks.py").is_file()


def test_jobs_output_identical_to_serial(capsys) -> None:
    root = Path(__file__).resolve().parent.parent / "fixtures"
    serial = run_cli(capsys, "check", "--format", "json", "--jobs", "1", str(root))
    parallel = run_cli(capsys, "check", "--format", "json", "--jobs", "2", str(root))
    assert serial == parallel
    assert json.loads(serial[1])


def test_console_script_version() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mmaws_lint.cli", "--version"], capture_output=True, text=True
    )
    assert done.returncode == 0 and done.stdout.startswith("mmaws-lint ")


def test_output_folder_is_created(capsys, tmp_path: Path, one_instance: Path) -> None:
    target = tmp_path / "reports" / "nested" / "junit.xml"
    code, _, _ = run_cli(capsys, "check", "--format", "junit", "-o", str(target), str(one_instance))
    assert code == 1 and target.read_text().startswith("<?xml")


def test_unwritable_output_is_one_clear_line(capsys, tmp_path: Path, one_instance: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, _, err = run_cli(capsys, "check", "-o", str(blocker / "report.txt"), str(one_instance))
    assert code == 2 and err.startswith("mmaws-lint: error: cannot write the report to")
