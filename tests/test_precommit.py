"""Both pre-commit hooks, run for real (`pre-commit try-repo`, and `pre-commit run` with a
configuration naming this checkout's hooks at a fixed commit, which installs them once) in a test
repository: a cross-stack pair with one file changed, `--all-files` over many files (pre-commit
splits them into batches), a Helm template, an empty YAML, a workflow and a `.template` file."""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, ONE_INSTANCE, ROOT

GOOD = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      KmsMasterKeyId: arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab
"""
HELM = '{{- include "web.labels" . }}\nkind: Deployment\nmetadata:\n  name: {{ .Values.name }}\n'
WORKFLOW = "name: ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n"
FINDING = re.compile(r"^(\S+):(\d+):(\d+): ([EWI]MM\d{3}) ", re.M)
BIN = Path(sys.executable).parent
PAIRS = 12


def queue_stack(index: int) -> str:
    return (
        f"Resources:\n  Jobs:\n    Type: AWS::SQS::Queue\n"
        f"    Properties: {{KmsMasterKeyId: alias/team{index}}}\n"
        f"Outputs:\n  Name:\n    Value: !GetAtt Jobs.QueueName\n"
        f"    Export: {{Name: team{index}-jobs}}\n"
    )


def alarm_stack(index: int) -> str:
    return (
        "Resources:\n  Age:\n    Type: AWS::CloudWatch::Alarm\n    Properties:\n"
        "      Namespace: AWS/SQS\n      MetricName: ApproximateAgeOfOldestMessage\n"
        f"      Dimensions: [{{Name: QueueName, Value: !ImportValue team{index}-jobs}}]\n"
        "      Statistic: Maximum\n      Period: 60\n      EvaluationPeriods: 1\n"
        "      Threshold: 600\n      ComparisonOperator: GreaterThanThreshold\n"
        "      AlarmActions: [arn:aws:sns:eu-west-1:111122223333:ops]\n"
    )


@pytest.fixture(scope="module")
def hook_repository(tmp_path_factory) -> tuple[Path, str]:
    """This checkout's working tree committed into a scratch repository. `try-repo` on a dirty
    checkout makes a new shadow commit per call, and so a new hook environment per call
    (minutes each); one fixed commit installs the hooks once for the module."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("git or a git checkout is not available")
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode().split("\0")  # fmt: skip
    repository = tmp_path_factory.mktemp("hook-repository")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (repository / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, repository / name)
    environment = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
                   "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}  # fmt: skip
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "snapshot"]):
        subprocess.run(["git", *command], cwd=repository, env=environment, check=True)
    revision = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repository, capture_output=True, text=True, check=True
    ).stdout.strip()
    return repository, revision


@pytest.fixture(scope="module")
def project(tmp_path_factory, hook_repository) -> tuple[Path, dict[str, str]]:
    pre_commit = BIN / "pre-commit"
    if not pre_commit.exists():
        pytest.skip("pre-commit is not installed")
    folder = tmp_path_factory.mktemp("project")
    repository, revision = hook_repository
    environment = {
        "MMAWS_HOOK_REPOSITORY": str(repository),
        "MMAWS_HOOK_REVISION": revision,
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "PRE_COMMIT_HOME": str(tmp_path_factory.mktemp("pre-commit-home")),
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
    }  # fmt: skip
    files = {
        "bad.yaml": ONE_INSTANCE,
        "good.yaml": GOOD,
        "package.json": '{"name": "not-a-template"}\n',
        "empty.yaml": "",
        "charts/web/templates/deployment.yaml": HELM,
        ".github/workflows/ci.yml": WORKFLOW,
        "legacy/web.template": ONE_INSTANCE,
    }
    for index in range(PAIRS):
        files[f"estate/team{index:02d}/queue.yaml"] = queue_stack(index)
        files[f"estate/team{index:02d}/alarms.yaml"] = alarm_stack(index)
    for name, content in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(content)
    shutil.copytree(FIXTURES / "WMM101" / "pass-cross-stack", folder / "stacks")
    (folder / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {repository}\n    rev: {revision}\n    hooks:\n"
        "      - id: mmaws-lint\n      - id: mmaws-lint-cfn-lint\n"
    )
    subprocess.run(["git", "init", "-q"], cwd=folder, check=True, env=environment)
    subprocess.run(["git", "add", "."], cwd=folder, check=True, env=environment)
    subprocess.run(["git", "commit", "-qm", "estate"], cwd=folder, check=True, env=environment)
    # one stack of the pair changes; its companion does not
    app = folder / "stacks" / "app.yaml"
    app.write_text(app.read_text().replace("Description:", "Description: edited;"))
    subprocess.run(["git", "add", "."], cwd=folder, check=True, env=environment)
    return folder, environment


def run_hook(project: tuple[Path, dict[str, str]], hook: str, *arguments: str):
    """`pre-commit run` with the project's configuration (the hook repository at its fixed
    commit): the hook environment is installed once into PRE_COMMIT_HOME and reused, where
    every `try-repo` call installs it afresh (minutes on a busy machine)."""
    folder, environment = project
    return subprocess.run(
        [str(BIN / "pre-commit"), "run", hook, "--color", "never", *arguments],
        cwd=folder, env=environment, capture_output=True, text=True, timeout=900,
    )  # fmt: skip


def try_repo(project: tuple[Path, dict[str, str]], hook: str, *arguments: str):
    folder, environment = project
    return subprocess.run(
        [str(BIN / "pre-commit"), "try-repo", environment["MMAWS_HOOK_REPOSITORY"], hook,
         "--ref", environment["MMAWS_HOOK_REVISION"], *arguments],
        cwd=folder, env=environment, capture_output=True, text=True, timeout=900,
    )  # fmt: skip


def test_mmaws_lint_hook_fails_bad_template(project) -> None:
    done = run_hook(project, "mmaws-lint", "--files", "bad.yaml")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "WMM501" in done.stdout


def test_mmaws_lint_hook_changed_stack_is_linted_with_its_companion(project) -> None:
    """Only stacks/app.yaml changed: the monitoring stack that imports its exports is found and
    counts, so no false WMM101 (`mmaws-lint check stacks/app.yaml` alone reports two)."""
    done = try_repo(project, "mmaws-lint", "--files", "stacks/app.yaml")
    assert "WMM101" not in done.stdout, done.stdout
    assert "stacks/monitoring.yaml" not in done.stdout  # context only


def test_mmaws_lint_hook_notes_for_files_that_are_not_templates(project) -> None:
    names = ("good.yaml", "package.json", "empty.yaml", "charts/web/templates/deployment.yaml",
             ".github/workflows/ci.yml")  # fmt: skip
    done = run_hook(project, "mmaws-lint", "--files", *names)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "WMM" not in done.stdout and "error" not in done.stdout


def test_mmaws_lint_hook_selects_template_files(project) -> None:
    done = run_hook(project, "mmaws-lint", "--files", "legacy/web.template")
    assert done.returncode == 1 and "legacy/web.template:3:3: WMM501" in done.stdout, done.stdout


def test_mmaws_lint_hook_all_files_in_batches_reports_what_one_run_reports(project) -> None:
    folder, environment = project
    done = run_hook(project, "mmaws-lint", "--all-files", "--verbose")
    assert done.returncode == 1, done.stdout + done.stderr
    whole = subprocess.run(
        [str(BIN / "mmaws-lint"), "check", "--no-config", "."],
        cwd=folder, env=environment, capture_output=True, text=True,
    )  # fmt: skip
    expected = {m.groups() for m in FINDING.finditer(whole.stdout)}
    assert expected and {m.groups() for m in FINDING.finditer(done.stdout)} == {
        (file.removeprefix("./"), *rest) for file, *rest in expected
    }
    assert not any("WMM101" in line and "estate/" in line for line in done.stdout.splitlines())


def test_cfn_lint_hook_runs_the_pack(project) -> None:
    bad = run_hook(project, "mmaws-lint-cfn-lint", "--files", "bad.yaml")
    assert bad.returncode != 0 and "WMM501" in bad.stdout, bad.stdout + bad.stderr
    good = run_hook(project, "mmaws-lint-cfn-lint", "--files", "good.yaml")
    assert "WMM" not in good.stdout, good.stdout


def test_cfn_lint_hook_selects_template_files_and_sees_companions(project) -> None:
    done = run_hook(project, "mmaws-lint-cfn-lint", "--files", "legacy/web.template",
                    "stacks/app.yaml")  # fmt: skip
    assert "WMM501" in done.stdout and "legacy/web.template" in done.stdout, done.stdout
    lines = done.stdout.splitlines()
    app_rules = {line.split()[0] for line, where in itertools.pairwise(lines)
                 if where.startswith("stacks/app.yaml:")}  # fmt: skip
    assert app_rules and "WMM101" not in app_rules, done.stdout


def test_cfn_lint_hook_leaves_out_files_that_are_never_templates(project) -> None:
    """The narrowed `exclude` keeps workflows, Helm charts and package.json from cfn-lint; an
    empty .yaml it is given is an error of cfn-lint's own (E1001), hence `files:` to copy."""
    skipped = run_hook(project, "mmaws-lint-cfn-lint", "--files", ".github/workflows/ci.yml",
                       "charts/web/templates/deployment.yaml", "package.json")  # fmt: skip
    assert skipped.returncode == 0 and "(no files to check)" in skipped.stdout, skipped.stdout
    empty = run_hook(project, "mmaws-lint-cfn-lint", "--files", "empty.yaml")
    assert empty.returncode != 0 and "E1001" in empty.stdout
