"""Every code block of README.md and CONTRIBUTING.md runs (or, when it cannot run here, is
checked as far as it can be and says why): commands run in a sandbox project, configuration and
model files are loaded, template snippets are linted, Python is executed or compiled."""

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
from conftest import FIXTURES, ONE_INSTANCE, ROOT

from mmaws_lint.config import KEYS, load_config_file
from mmaws_lint.model import load_model

BIN = Path(sys.executable).parent
DOCUMENTS = (ROOT / "README.md", ROOT / "CONTRIBUTING.md")
_BLOCK = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
# Commands that install software or need tools this environment does not have: the install
# lines are what .ci/run does, `cdk` needs Node.js, `git tag` is a release step.
NOT_RUN = ("python3 -m venv", "pip install", "cdk synth", "git tag", "git clone")
OFFLINE = {"CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", "BC_SKIP_MAPPING": "TRUE"}


def code_blocks() -> list:
    found = []
    for document in DOCUMENTS:
        for index, match in enumerate(_BLOCK.finditer(document.read_text(encoding="utf-8"))):
            language, body = match.group(1), match.group(2)
            found.append(pytest.param(language, body, id=f"{document.name}-{index}-{language}"))
    return found


@pytest.fixture
def sandbox(tmp_path: Path) -> Path:
    """A project with what the README's examples name: template.yaml, infra/, cdk.out."""
    (tmp_path / "template.yaml").write_text(ONE_INSTANCE)
    shutil.copytree(ROOT / "examples" / "quickstart", tmp_path / "infra")
    shutil.copytree(FIXTURES / "cdk" / "web-service" / "cdk.out", tmp_path / "cdk.out")
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    (tmp_path / "ci").mkdir()
    (tmp_path / "ci" / "mmaws-lint.yaml").write_text("select: [WMM, EMM]\n")
    (tmp_path / ".git").mkdir()
    return tmp_path


def shell_commands(body: str) -> list[str]:
    commands, current = [], ""
    for raw in body.splitlines():
        line = raw.rstrip()
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        current += line
        command = re.sub(r"\s+#\s.*$", "", current).strip()
        current = ""
        if command and not command.startswith("#"):
            commands.append(command)
    return commands


def run_shell(command: str, folder: Path) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, **OFFLINE, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(
        ["bash", "-c", command], cwd=folder, env=environment, capture_output=True, text=True,
        timeout=600,
    )  # fmt: skip


def check_shell(body: str, folder: Path) -> None:
    for command in shell_commands(body):
        if command.startswith(NOT_RUN):
            continue
        done = run_shell(command, folder)
        # cfn-lint's exit code is a bit mask of levels found (2 error, 4 warning, 8 info)
        allowed = range(0, 16, 2) if command.startswith("cfn-lint") else (0, 1)
        assert done.returncode in allowed, f"{command}\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
        if "mmaws-lint check" in command and "-o " not in command:
            assert done.stdout or done.stderr, command


def check_yaml(body: str, folder: Path) -> None:
    document = yaml.safe_load(body)
    hooks = {hook["id"] for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    if isinstance(document, dict) and "repos" in document:  # a .pre-commit-config.yaml
        for repo in document["repos"]:
            for hook in repo["hooks"]:
                assert hook["id"] in hooks, hook
                for key in ("files", "exclude"):
                    if key in hook:
                        re.compile(hook[key])
        return
    if isinstance(document, list) and all(isinstance(h, dict) and "id" in h for h in document):
        assert {hook["id"] for hook in document} <= hooks
        return
    if isinstance(document, dict) and "append_rules" in document:  # a .cfnlintrc
        (folder / ".cfnlintrc").write_text(body)
        done = run_shell("cfn-lint template.yaml", folder)
        assert "WMM501" in done.stdout, done.stdout + done.stderr
        return
    if isinstance(document, dict) and set(document) <= {"rules", "data"}:  # a --model file
        model_file = folder / "model.yaml"
        model_file.write_text(body)
        load_model(str(model_file))
        return
    if isinstance(document, dict) and set(document) <= KEYS:  # .mmaws-lint.yaml
        config = folder / ".mmaws-lint.yaml"
        config.write_text(body)
        if "model" in document:
            (folder / document["model"]).write_text("rules: {}\n")
        load_config_file(config)
        done = run_shell("mmaws-lint check template.yaml", folder)
        assert done.returncode in (0, 1), done.stderr
        return
    if isinstance(document, dict) and "version" in document and "phases" in document:
        assert document["phases"]  # a buildspec: examples/ hold the tested ones
        return
    text = json.dumps(document)
    assert '"Type": "AWS::' in text, f"no check for this YAML block:\n{body}"
    template = body if "Resources" in document else "Resources:\n" + _indent(body)
    (folder / "snippet.yaml").write_text(template)
    done = run_shell("mmaws-lint check --format json snippet.yaml", folder)
    assert done.returncode in (0, 1), done.stderr
    if "ignore:" in body:  # a suppression example: the rule it names is not reported
        ignored = re.findall(r"id: (\w+)", body)
        assert not {f["rule"] for f in json.loads(done.stdout)} & set(ignored)


def _indent(text: str) -> str:
    return "".join(f"  {line}\n" for line in text.splitlines())


def check_python(body: str, folder: Path, monkeypatch) -> None:
    try:
        code = compile(body, "<block>", "exec")
    except SyntaxError as exc:
        if "outside function" not in str(exc):
            raise
        # the body of a check function (it yields findings): compiled as one
        compile("def check(ctx):\n" + _indent(body), "<block>", "exec")
        return
    if "import mmaws_lint" not in body:
        # CDK construct code (needs aws-cdk-lib and an app) or a sketch of a rule module
        # (relative imports): compiled, not run.
        return
    monkeypatch.chdir(folder)
    exec(code, {"__name__": "__readme__"})


@pytest.mark.parametrize(("language", "body"), code_blocks())
def test_code_block(language: str, body: str, sandbox: Path, monkeypatch, capsys) -> None:
    if language == "sh":
        check_shell(body, sandbox)
    elif language == "yaml":
        check_yaml(body, sandbox)
    elif language == "python":
        check_python(body, sandbox, monkeypatch)
    else:
        assert language in ("", "text", "console"), f"no check for {language} blocks"
