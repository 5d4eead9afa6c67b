"""Cross-stack companions: a template linted alone (pre-commit batch, editor, checkov) gets the
findings a whole-project run gives for it."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES
from entry_points import cfn_lint_pairs, checkov_pairs

from mmaws_lint import companions
from mmaws_lint.cli import main
from mmaws_lint.companions import WILDCARD, find_companions, name_pattern, patterns_overlap

CROSS_STACK_CASES = sorted(
    p for p in FIXTURES.glob("*/*-cross-stack") if p.is_dir() and not any(p.glob("**/cdk.out"))
)


def project_with(tmp_path: Path, case: Path) -> Path:
    """A project (git top level) holding the case's templates under stacks/."""
    root = tmp_path / "project"
    shutil.copytree(case, root / "stacks")
    (root / ".git").mkdir()
    return root


def cli_pairs(capsys, *args: str) -> tuple[int, set[tuple[str, str, str]]]:
    code = main(["check", "--format", "json", "--no-config", *args])
    out, _ = capsys.readouterr()
    return code, {(Path(f["file"]).name, f["rule"], f["resource"]) for f in json.loads(out)}


@pytest.mark.parametrize(
    ("left", "right", "overlap"),
    [
        ("app-ApiName", "app-ApiName", True),
        ("app-ApiName", "app-Other", False),
        (f"{WILDCARD}-ApiName", "app-ApiName", True),
        (f"{WILDCARD}-ApiName", f"{WILDCARD}-JobsName", False),
        (f"prod-{WILDCARD}", f"{WILDCARD}-VpcId", True),
        (f"prod-{WILDCARD}", f"dev-{WILDCARD}", False),
        (f"a{WILDCARD}b", "ac", False),
    ],
)
def test_name_patterns_overlap_when_some_name_fits_both(left, right, overlap) -> None:
    assert patterns_overlap(left, right) is overlap
    assert patterns_overlap(right, left) is overlap


def test_name_patterns_of_sub_and_join() -> None:
    assert name_pattern({"Fn::Sub": "${AWS::StackName}-Vpc"}) == f"{WILDCARD}-Vpc"
    assert name_pattern({"Fn::Sub": ["${Env}-${!Literal}", {}]}) == f"{WILDCARD}-${{Literal}}"
    join = {"Fn::Join": ["-", [{"Ref": "Env"}, "Vpc"]]}
    assert name_pattern(join) == f"{WILDCARD}-Vpc"
    assert name_pattern({"Ref": "Name"}) == WILDCARD


@pytest.mark.parametrize("case", CROSS_STACK_CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_each_file_with_companions_reports_what_the_whole_project_run_reports(
    capsys, tmp_path: Path, case: Path, monkeypatch
) -> None:
    root = project_with(tmp_path, case)
    monkeypatch.chdir(root)
    _, whole = cli_pairs(capsys, "stacks")
    for file in sorted((root / "stacks").iterdir()):
        _, alone = cli_pairs(capsys, "--companions", f"stacks/{file.name}")
        assert alone == {pair for pair in whole if pair[0] == file.name}, file.name


def test_without_companions_the_importing_stack_is_missing(capsys, tmp_path, monkeypatch) -> None:
    root = project_with(tmp_path, FIXTURES / "WMM101" / "pass-cross-stack")
    monkeypatch.chdir(root)
    code, alone = cli_pairs(capsys, "--select", "WMM101", "stacks/app.yaml")
    assert code == 1 and {rule for _, rule, _ in alone} == {"WMM101"}
    code, together = cli_pairs(capsys, "--select", "WMM101", "--companions", "stacks/app.yaml")
    assert code == 0 and together == set()


def test_companions_are_context_only(capsys, tmp_path: Path, monkeypatch) -> None:
    root = project_with(tmp_path, FIXTURES / "WMM101" / "fail-cross-stack")
    monkeypatch.chdir(root)
    _, pairs = cli_pairs(capsys, "--companions", "stacks/monitoring.yaml")
    assert {file for file, _, _ in pairs} <= {"monitoring.yaml"}
    main(["check", "--companions", "--no-config", "stacks/monitoring.yaml"])
    out, _ = capsys.readouterr()
    assert "in 1 template" in out


def test_switched_off_in_the_project_configuration(capsys, tmp_path, monkeypatch) -> None:
    root = project_with(tmp_path, FIXTURES / "WMM101" / "pass-cross-stack")
    (root / ".mmaws-lint.yaml").write_text("companions: false\n")
    assert find_companions([str(root / "stacks" / "app.yaml")]) == []
    (root / ".mmaws-lint.yaml").write_text("select: [WMM1]\n")
    assert find_companions([str(root / "stacks" / "app.yaml")]) == [
        os.path.realpath(root / "stacks" / "monitoring.yaml")
    ]


def test_no_project_no_discovery(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "WMM101" / "pass-cross-stack", tmp_path / "loose")
    assert find_companions([str(tmp_path / "loose" / "app.yaml")]) == []


def test_index_is_cached_and_follows_edits(tmp_path: Path, monkeypatch) -> None:
    root = project_with(tmp_path, FIXTURES / "WMM101" / "pass-cross-stack")
    app, monitoring = root / "stacks" / "app.yaml", root / "stacks" / "monitoring.yaml"
    assert find_companions([str(app)]) == [os.path.realpath(monitoring)]
    cache = root / companions.CACHE_DIR / companions.CACHE_FILE
    assert "stacks/monitoring.yaml" in json.loads(cache.read_text())
    assert (root / companions.CACHE_DIR / ".gitignore").read_text().strip().endswith("*")

    decoded = []
    real_signature = companions.signature_of
    monkeypatch.setattr(
        companions, "signature_of", lambda f: decoded.append(f) or real_signature(f)
    )
    assert find_companions([str(app)]) == [os.path.realpath(monitoring)]
    assert decoded == []  # nothing changed: nothing read again

    monitoring.write_text(monitoring.read_text().replace("ImportValue", "Sub"))
    os.utime(monitoring, ns=(1, 1))  # a different modification time, whatever the clock
    assert find_companions([str(app)]) == []
    assert [Path(f).name for f in decoded] == ["monitoring.yaml"]


def test_companions_are_bounded(tmp_path: Path, monkeypatch) -> None:
    root = tmp_path / "project"
    (root / ".git").mkdir(parents=True)
    (root / "app.yaml").write_text(
        "Resources:\n  Q: {Type: AWS::SQS::Queue}\n"
        "Outputs:\n  Q: {Value: !Ref Q, Export: {Name: shared-queue}}\n"
    )
    for index in range(10):
        (root / f"m{index}.yaml").write_text(
            f"Resources:\n  A{index}:\n    Type: AWS::SNS::Topic\n"
            "    Properties: {DisplayName: !ImportValue shared-queue}\n"
        )
    monkeypatch.setattr(companions, "MAX_COMPANIONS", 3)
    assert len(find_companions([str(root / "app.yaml")])) == 3
    monkeypatch.setattr(companions, "MAX_SCAN_FILES", 4)
    monkeypatch.setattr(companions, "MAX_COMPANIONS", 64)
    assert len(find_companions([str(root / "app.yaml")])) == 3  # 4 files scanned, app among them


def test_cfn_lint_as_vs_code_runs_it_sees_the_companions(capsys, tmp_path, monkeypatch) -> None:
    """`cfn-lint --format json --include-checks I --append-rules=mmaws_lint.cfn_lint -- FILE`
    reports for FILE what the CLI reports when it lints FILE with its companions."""
    for case in CROSS_STACK_CASES:
        root = project_with(tmp_path / case.parent.name / case.name, case)
        monkeypatch.chdir(root)
        for file in sorted((root / "stacks").iterdir()):
            _, expected = cli_pairs(capsys, "--companions", str(file))
            editor = cfn_lint_pairs([file])[str(file)]
            assert editor == {(rule, resource) for _, rule, resource in expected}, file


def test_checkov_sees_the_companions(capsys, tmp_path, monkeypatch) -> None:
    root = project_with(tmp_path, FIXTURES / "WMM101" / "pass-cross-stack")
    monkeypatch.chdir(root)
    app = root / "stacks" / "app.yaml"
    _, expected = cli_pairs(capsys, "--companions", str(app))
    found = checkov_pairs([app])[str(app.resolve())]
    assert found == {(rule, resource) for _, rule, resource in expected}
