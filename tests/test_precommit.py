"""Both pre-commit hooks, run for real through `pre-commit try-repo` in a test repository: a
cross-stack pair with one file changed, `--all-files` over many files (pre-commit splits them into
batches), a Helm template, an empty YAML, a workflow and a `.template` file.

Every case is a `try-repo` call, and every call installs the hooks' Python environment afresh:
try-repo keeps its store in a temporary folder of its own (PRE_COMMIT_HOME is not read), and pip
installs the hook repository and its dependencies there. What keeps the module short (measured on
2 cores; one call took ~24 s before, ~10 s for the mmaws-lint hook, ~17 s with cfn-lint's):

- the pip of each install resolves against a wheelhouse built once per module (`pip wheel` of
  the hook repository and of its build requirements), with `PIP_NO_INDEX`: no index is read;
- `PIP_COMPILE=0` (pip's `--no-compile`): pip does not byte-compile the ~3,000 modules of the
  dependencies (sympy, cfn-lint, networkx), ~15 s of a ~24 s install; the installed packages are
  the same, and a hook compiles what it imports when it runs (~3 s more for cfn-lint);
- one call runs both hooks (no hook id) where both have a case on the same files; each hook's
  status, exit code and output are read from its own section of pre-commit's `--verbose` report,
  so every case keeps its own findings and exit code (7 calls for the 8 tests' 10 cases);
- the calls run side by side, as many as there are CPUs (at least two): a call is mostly one
  pip or hook process."""

from __future__ import annotations

import functools
import itertools
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import FIXTURES, ONE_INSTANCE, ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

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
BOTH = None  # no hook id: try-repo runs every hook of the repository
NOT_TEMPLATES = ("good.yaml", "package.json", "empty.yaml",
                 "charts/web/templates/deployment.yaml", ".github/workflows/ci.yml")  # fmt: skip
NEVER_TEMPLATES = (".github/workflows/ci.yml", "charts/web/templates/deployment.yaml",
                   "package.json")  # fmt: skip
# a hook's section of `pre-commit run --verbose`: its status line, then its id, duration and,
# when it failed, its exit code; its output follows until the next section
SECTION = re.compile(
    r"^.*?\.+(?:\(no files to check\))?(?P<status>Passed|Failed|Skipped)\n"
    r"- hook id: (?P<id>\S+)\n(?:- duration: .*\n)?(?:- exit code: (?P<code>\d+)\n)?",
    re.M,
)


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


@dataclass(frozen=True)
class Hook:
    status: str  # Passed, Failed or Skipped
    exit_code: int | None  # None when pre-commit had no files for it
    output: str


@dataclass(frozen=True)
class Run:
    """One `pre-commit try-repo` call: its exit code, its report, and each hook's section."""

    returncode: int
    stdout: str
    stderr: str

    @functools.cached_property
    def hooks(self) -> dict[str, Hook]:
        found = list(SECTION.finditer(self.stdout))
        sections = {}
        for match, following in zip(found, [*found[1:], None], strict=True):
            end = following.start() if following else len(self.stdout)
            code = match["code"] or (None if match["status"] == "Skipped" else "0")
            sections[match["id"]] = Hook(
                match["status"], None if code is None else int(code),
                self.stdout[match.end():end].strip(),
            )  # fmt: skip
        return sections

    def __getitem__(self, hook: str) -> Hook:
        assert hook in self.hooks, f"no section for {hook}:\n{self.stdout}\n{self.stderr}"
        return self.hooks[hook]


@pytest.fixture(scope="module")
def hook_repository(tmp_path_factory) -> tuple[Path, str]:
    """This checkout's working tree committed into a scratch repository: `try-repo` on a dirty
    checkout would commit a shadow copy per call."""
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
def wheelhouse(tmp_path_factory, hook_repository) -> Path:
    """Wheels of everything the hook environment's `pip install .` needs: the hook repository's
    dependencies and its build requirements (for pip's isolated build of the repository)."""
    repository, _ = hook_repository
    folder = tmp_path_factory.mktemp("wheelhouse")
    build = tomllib.loads((repository / "pyproject.toml").read_text())["build-system"]
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--wheel-dir", str(folder),
         str(repository), *build["requires"]],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return folder


@pytest.fixture(scope="module")
def project(tmp_path_factory, hook_repository, wheelhouse) -> tuple[Path, dict[str, str]]:
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
        # read by the pip that installs the hook environment (see the module's docstring)
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(wheelhouse),
        "PIP_COMPILE": "0",
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
    subprocess.run(["git", "init", "-q"], cwd=folder, check=True, env=environment)
    subprocess.run(["git", "add", "."], cwd=folder, check=True, env=environment)
    subprocess.run(["git", "commit", "-qm", "estate"], cwd=folder, check=True, env=environment)
    # one stack of the pair changes; its companion does not
    app = folder / "stacks" / "app.yaml"
    app.write_text(app.read_text().replace("Description:", "Description: edited;"))
    subprocess.run(["git", "add", "."], cwd=folder, check=True, env=environment)
    return folder, environment


CASES: dict[str, tuple[str | None, ...]] = {
    # the hook id (BOTH: every hook of the repository) and pre-commit's arguments
    "all files": ("mmaws-lint", "--all-files"),
    "not templates": (BOTH, "--files", *NOT_TEMPLATES),
    "bad template": (BOTH, "--files", "bad.yaml"),
    "cfn-lint pair": ("mmaws-lint-cfn-lint", "--files", "legacy/web.template", "stacks/app.yaml"),
    "changed stack": ("mmaws-lint", "--files", "stacks/app.yaml"),
    ".template file": ("mmaws-lint", "--files", "legacy/web.template"),
    "never templates": ("mmaws-lint-cfn-lint", "--files", *NEVER_TEMPLATES),
}


def cases(*names: str):
    """The `try-repo` calls (CASES) a test reads; the `runs` fixture starts those the selected
    tests read, two or more at a time."""

    def mark(test):
        test.cases = names
        return test

    return mark


@pytest.fixture(scope="module")
def runs(request, project) -> Iterator[dict[str, Future[Run]]]:
    """`pre-commit try-repo` of the hook repository at its commit, one call per case that the
    selected tests read (a case two tests read runs once), side by side on a thread pool."""
    folder, environment = project
    module = sys.modules[__name__]
    needed = dict.fromkeys(
        name for item in request.session.items if getattr(item, "module", None) is module
        for name in getattr(item.function, "cases", ())
    )  # fmt: skip

    def call(hook: str | None, *arguments: str) -> Run:
        done = subprocess.run(
            [str(BIN / "pre-commit"), "try-repo", environment["MMAWS_HOOK_REPOSITORY"],
             *([hook] if hook else []), "--ref", environment["MMAWS_HOOK_REVISION"],
             "--color", "never", "--verbose", *arguments],
            cwd=folder, env=environment, capture_output=True, text=True, timeout=900,
        )  # fmt: skip
        return Run(done.returncode, done.stdout, done.stderr)

    with ThreadPoolExecutor(max(2, os.cpu_count() or 1)) as pool:
        yield {name: pool.submit(call, *CASES[name]) for name in CASES if name in needed}


def run(runs: dict[str, Future[Run]], case: str) -> Run:
    return runs[case].result()


@cases("bad template")
def test_mmaws_lint_hook_fails_bad_template(runs) -> None:
    done = run(runs, "bad template")
    assert done.returncode == 1, done.stdout + done.stderr
    hook = done["mmaws-lint"]
    assert hook.exit_code == 1 and "bad.yaml:3:3: WMM501" in hook.output, done.stdout


@cases("changed stack")
def test_mmaws_lint_hook_changed_stack_is_linted_with_its_companion(runs) -> None:
    """Only stacks/app.yaml changed: the monitoring stack that imports its exports is found and
    counts, so no false WMM101 (`mmaws-lint check stacks/app.yaml` alone reports two)."""
    done = run(runs, "changed stack")
    hook = done["mmaws-lint"]
    assert hook.exit_code == 1 and "stacks/app.yaml:11:3: WMM402" in hook.output, done.stdout
    assert "WMM101" not in hook.output, done.stdout
    assert "stacks/monitoring.yaml" not in hook.output  # context only


@cases("not templates")
def test_mmaws_lint_hook_notes_for_files_that_are_not_templates(runs) -> None:
    done = run(runs, "not templates")
    hook = done["mmaws-lint"]
    assert hook.status == "Passed" and hook.exit_code == 0, done.stdout + done.stderr
    assert hook.output and "WMM" not in hook.output and "error" not in hook.output, done.stdout


@cases(".template file")
def test_mmaws_lint_hook_selects_template_files(runs) -> None:
    done = run(runs, ".template file")
    hook = done["mmaws-lint"]
    assert hook.exit_code == 1 and "legacy/web.template:3:3: WMM501" in hook.output, done.stdout


@cases("all files")
def test_mmaws_lint_hook_all_files_in_batches_reports_what_one_run_reports(project, runs) -> None:
    folder, environment = project
    done = run(runs, "all files")
    assert done.returncode == 1 and done["mmaws-lint"].exit_code == 1, done.stdout + done.stderr
    whole = subprocess.run(
        [str(BIN / "mmaws-lint"), "check", "--no-config", "."],
        cwd=folder, env=environment, capture_output=True, text=True,
    )  # fmt: skip
    expected = {m.groups() for m in FINDING.finditer(whole.stdout)}
    assert expected and {m.groups() for m in FINDING.finditer(done.stdout)} == {
        (file.removeprefix("./"), *rest) for file, *rest in expected
    }
    assert not any("WMM101" in line and "estate/" in line for line in done.stdout.splitlines())


@cases("bad template", "not templates")
def test_cfn_lint_hook_runs_the_pack(runs) -> None:
    bad = run(runs, "bad template")["mmaws-lint-cfn-lint"]
    assert bad.exit_code and "WMM501" in bad.output and "bad.yaml:3:3" in bad.output, bad
    # good.yaml is one of the files that are not templates for the other hook's case
    good = run(runs, "not templates")["mmaws-lint-cfn-lint"]
    assert "WMM" not in good.output and "good.yaml" not in good.output, good


@cases("cfn-lint pair")
def test_cfn_lint_hook_selects_template_files_and_sees_companions(runs) -> None:
    """Both files go to one cfn-lint process (pre-commit's batches hold four files or more)."""
    done = run(runs, "cfn-lint pair")
    hook = done["mmaws-lint-cfn-lint"]
    assert hook.exit_code and "WMM501" in hook.output, done.stdout + done.stderr
    assert "legacy/web.template:3:3" in hook.output, done.stdout
    lines = hook.output.splitlines()
    app_rules = {line.split()[0] for line, where in itertools.pairwise(lines)
                 if where.startswith("stacks/app.yaml:")}  # fmt: skip
    assert app_rules and "WMM101" not in app_rules, done.stdout


@cases("never templates", "not templates")
def test_cfn_lint_hook_leaves_out_files_that_are_never_templates(runs) -> None:
    """The narrowed `exclude` keeps workflows, Helm charts and package.json from cfn-lint; an
    empty .yaml it is given is an error of cfn-lint's own (E1001), hence `files:` to copy."""
    skipped = run(runs, "never templates")
    assert skipped.returncode == 0 and "(no files to check)" in skipped.stdout, skipped.stdout
    assert skipped["mmaws-lint-cfn-lint"].status == "Skipped", skipped.stdout
    # the same files among those that are not templates: cfn-lint sees only the two YAML ones
    given = run(runs, "not templates")["mmaws-lint-cfn-lint"]
    assert given.exit_code and "E1001" in given.output and "empty.yaml" in given.output, given
    assert not any(name in given.output for name in NEVER_TEMPLATES), given
