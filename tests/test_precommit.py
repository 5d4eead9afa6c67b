"""The pre-commit hooks work for real: `pre-commit try-repo` against this checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ONE_INSTANCE, ROOT

GOOD = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      KmsMasterKeyId: arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    pre_commit = Path(sys.executable).parent / "pre-commit"
    if not pre_commit.exists() or shutil.which("git") is None:
        pytest.skip("pre-commit or git is not installed")
    folder = tmp_path_factory.mktemp("project")
    environment = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path_factory.mktemp("pre-commit-home")),
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
    }  # fmt: skip
    (folder / "bad.yaml").write_text(ONE_INSTANCE)
    (folder / "good.yaml").write_text(GOOD)
    (folder / "package.json").write_text('{"name": "not-a-template"}\n')
    subprocess.run(["git", "init", "-q"], cwd=folder, check=True, env=environment)
    subprocess.run(["git", "add", "."], cwd=folder, check=True, env=environment)
    return folder, environment


def try_repo(project: tuple[Path, dict[str, str]], hook: str, *files: str):
    folder, environment = project
    pre_commit = Path(sys.executable).parent / "pre-commit"
    return subprocess.run(
        [str(pre_commit), "try-repo", str(ROOT), hook, "--files", *files],
        cwd=folder, env=environment, capture_output=True, text=True, timeout=900,
    )  # fmt: skip


def test_mmaws_lint_hook_fails_bad_template(project) -> None:
    done = try_repo(project, "mmaws-lint", "bad.yaml")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "WMM501" in done.stdout


def test_mmaws_lint_hook_passes_good_template_and_skips_non_templates(project) -> None:
    done = try_repo(project, "mmaws-lint", "good.yaml", "package.json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "WMM" not in done.stdout


def test_cfn_lint_hook_runs_the_pack(project) -> None:
    bad = try_repo(project, "mmaws-lint-cfn-lint", "bad.yaml")
    assert bad.returncode != 0 and "WMM501" in bad.stdout, bad.stdout + bad.stderr
    good = try_repo(project, "mmaws-lint-cfn-lint", "good.yaml")
    assert "WMM" not in good.stdout, good.stdout
