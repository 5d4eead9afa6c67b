"""The CodePipeline example (examples/codepipeline/): the pipeline template follows the model it
deploys a linter for, and the buildspec's lint commands, run as CodeBuild runs them, publish a
JUnit report with one failure per finding and fail the build on findings."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import FIXTURES, ROOT
from junitparser import Error, Failure, JUnitXml

import mmaws_lint
from mmaws_lint.cli import main

EXAMPLE = ROOT / "examples" / "codepipeline"
PIPELINE = EXAMPLE / "pipeline.yaml"
BUILDSPEC = EXAMPLE / "buildspec.yml"
BIN = Path(sys.executable).parent
FIXTURE_FOLDERS = ("WMM501", "WMM102")
CDK_APP = FIXTURES / "cdk" / "web-service"
REPORT_GROUP = "mmaws-lint"

# Stands in for `npx` in the CDK test: records its arguments and "synthesizes" by copying a
# committed cloud assembly into ./cdk.out.
FAKE_NPX = """\
#!/usr/bin/env bash
echo "$*" >> npx-calls.txt
[ "$*" = "cdk synth --quiet" ] || exit 64
cp -R "{assembly}" cdk.out
"""


@pytest.fixture(scope="module")
def buildspec() -> dict:
    spec = yaml.safe_load(BUILDSPEC.read_text(encoding="utf-8"))
    assert isinstance(spec, dict)
    return spec


def build_commands(spec: dict) -> list[str]:
    """The build phase's commands: the lint itself. Installation lives in the install phase,
    which the tests skip (mmaws-lint is installed in this environment already)."""
    commands = spec["phases"]["build"]["commands"]
    assert commands and all(isinstance(command, str) for command in commands)
    assert not any("pip install" in command for command in commands)
    return commands


def phase_script(commands: list[str]) -> str:
    """One shell for the whole phase, as CodeBuild runs it (buildspec 0.2: variables carry over
    between commands), stopping at the first command that exits non-zero with its status."""
    lines = []
    for command in commands:
        lines += [command, "status=$?", 'if [ "$status" -ne 0 ]; then exit "$status"; fi']
    return "\n".join(lines) + "\n"


def run_build_phase(spec: dict, workdir: Path, extra_path: Path | None = None):
    path = [str(BIN), os.environ.get("PATH", "")]
    if extra_path is not None:
        path.insert(0, str(extra_path))
    env = {**os.environ, "PATH": os.pathsep.join(path)}
    env.pop("MMAWS_LINT_MODEL", None)
    return subprocess.run(
        ["bash", "-c", phase_script(build_commands(spec))],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def report_file(spec: dict, workdir: Path) -> Path:
    """The one file the buildspec's report group uploads."""
    group = spec["reports"][REPORT_GROUP]
    base = workdir / group.get("base-directory", ".")
    matches = [match for pattern in group["files"] for match in sorted(base.glob(pattern))]
    assert len(matches) == 1, f"report files {group['files']} under {base}: {matches}"
    return matches[0]


def junit_counts(report: Path) -> tuple[int, int]:
    xml = JUnitXml.fromfile(str(report))
    failures = errors = 0
    for suite in xml:
        for case in suite:
            failures += sum(isinstance(r, Failure) for r in case.result)
            errors += sum(isinstance(r, Error) for r in case.result)
    return failures, errors


def test_pipeline_passes_cfn_lint() -> None:
    done = subprocess.run(
        [str(BIN / "cfn-lint"), "--format", "json", "--", str(PIPELINE)],
        cwd=EXAMPLE,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.stdout.strip(), done.stderr
    matches = json.loads(done.stdout)
    errors = [m for m in matches if m["Level"] == "Error" or m["Rule"]["Id"].startswith("E")]
    assert not errors, json.dumps(errors, indent=2)
    assert not done.returncode & 2, done.stderr


def test_pipeline_passes_mmaws_lint(capsys) -> None:
    status = main(["check", "--no-config", str(PIPELINE)])
    assert status == 0, capsys.readouterr().out


def test_buildspec_is_a_codebuild_buildspec(buildspec: dict) -> None:
    assert str(buildspec["version"]) == "0.2"
    install = " ".join(buildspec["phases"]["install"]["commands"])
    # the README's install line: a tagged release from the repository
    assert "pip install" in install and re.search(
        r'"mmaws-lint @ git\+https://\S+@v\d+\.\d+\.\d+"', install
    )
    lint = [c for c in build_commands(buildspec) if c.startswith("mmaws-lint check")]
    assert len(lint) == 1 and "--format junit" in lint[0]
    group = buildspec["reports"][REPORT_GROUP]
    assert group["file-format"] == "JUNITXML"


def test_build_phase_reports_every_finding_and_fails(buildspec: dict, tmp_path: Path) -> None:
    workdir = tmp_path / "repository"
    workdir.mkdir()
    for name in FIXTURE_FOLDERS:
        shutil.copytree(FIXTURES / name, workdir / name)
    expected = mmaws_lint.lint_result(str(workdir))
    assert expected.findings

    done = run_build_phase(buildspec, workdir)

    report = report_file(buildspec, workdir)
    failures, errors = junit_counts(report)
    assert failures == len(expected.findings), done.stderr
    assert errors == len(expected.errors)
    assert done.returncode != 0, "findings must fail the build"
    assert done.returncode == (2 if expected.errors else 1), done.stderr


def test_build_phase_lints_cdk_out_of_a_cdk_app(buildspec: dict, tmp_path: Path) -> None:
    """With a cdk.json the build synthesizes first and lints cdk.out (only)."""
    workdir = tmp_path / "repository"
    workdir.mkdir()
    shutil.copy(CDK_APP / "app.py", workdir / "app.py")
    (workdir / "cdk.json").write_text('{"app": "python3 app.py"}\n', encoding="utf-8")
    # A template outside cdk.out, which the CDK branch must not lint.
    shutil.copytree(FIXTURES / "WMM501", workdir / "WMM501")
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    npx = stubs / "npx"
    npx.write_text(FAKE_NPX.format(assembly=CDK_APP / "cdk.out"), encoding="utf-8")
    npx.chmod(0o755)

    done = run_build_phase(buildspec, workdir, extra_path=stubs)

    assert (workdir / "npx-calls.txt").read_text().splitlines() == ["cdk synth --quiet"]
    expected = mmaws_lint.lint_result(str(workdir / "cdk.out"))
    assert expected.findings
    failures, errors = junit_counts(report_file(buildspec, workdir))
    assert failures == len(expected.findings), done.stderr
    assert errors == len(expected.errors)
    assert done.returncode != 0
