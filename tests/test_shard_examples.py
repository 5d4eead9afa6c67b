"""The sharding examples (examples/codebuild-shards, examples/github-actions-shards): the commands
they run work here, shard by shard, and together report what one unsharded run reports."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
import yaml
from conftest import FIXTURES, ROOT
from junitparser import Failure, JUnitXml

from mmaws_lint.cli import main

BIN = Path(sys.executable).parent
BUILDSPEC = ROOT / "examples" / "codebuild-shards" / "buildspec.yml"
WORKFLOW = ROOT / "examples" / "github-actions-shards" / "mmaws-lint.yml"


@pytest.fixture
def estate(tmp_path: Path) -> Path:
    folder = tmp_path / "estate"
    shutil.copytree(FIXTURES, folder)
    return folder


def bash(script: str, folder: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, **variables, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(
        ["bash", "-c", script], cwd=folder, env=environment, capture_output=True, text=True,
        timeout=600,
    )  # fmt: skip


def unsharded(capsys, folder: Path, report_format: str, monkeypatch) -> str:
    monkeypatch.chdir(folder)
    main(["check", "--jobs", "0", "--format", report_format, "."])
    out, _ = capsys.readouterr()
    return out


def junit_failures(xml: JUnitXml) -> list[tuple[str, str, str]]:
    found = []
    for suite in xml:
        for case in suite:
            for result in case.result:
                if isinstance(result, Failure):
                    found.append((case.classname, case.name, result.message))
    return sorted(found)


def test_codebuild_batch_matrix_lints_every_unit_once(capsys, estate, monkeypatch) -> None:
    spec = yaml.safe_load(BUILDSPEC.read_text())
    shards = spec["batch"]["build-matrix"]["dynamic"]["env"]["variables"]["SHARD"]
    count = spec["env"]["variables"]["SHARDS"]
    assert shards == [str(k) for k in range(1, int(count) + 1)]
    commands = spec["phases"]["build"]["commands"]
    assert not any("pip install" in c for c in commands)
    assert any("pip install" in c for c in spec["phases"]["install"]["commands"])
    reports = []
    for shard in shards:
        done = bash("set -e\n" + "\n".join(commands), estate, SHARD=shard, SHARDS=count)
        assert done.returncode == 1, done.stderr  # the fixtures have findings in every shard
        report = (
            estate
            / spec["reports"]["mmaws-lint"]["base-directory"]
            / (f"mmaws-lint-shard-{shard}.xml")
        )
        assert re.fullmatch(
            spec["reports"]["mmaws-lint"]["files"][0].replace("*", ".*"), report.name
        )
        xml = JUnitXml.fromfile(str(report))
        assert all(f"[shard {shard}/{count}]" in suite.name for suite in xml)
        reports.extend(junit_failures(xml))
    whole = JUnitXml.fromstring(unsharded(capsys, estate, "junit", monkeypatch).encode())
    assert sorted(reports) == junit_failures(whole)


def test_github_workflow_is_valid_and_uploads_one_sarif_per_shard(
    capsys, estate, monkeypatch
) -> None:
    loaded = yaml.safe_load(WORKFLOW.read_text())
    workflow = {"on" if key is True else key: value for key, value in loaded.items()}  # YAML 1.1
    schema = json.loads(
        resources.files("check_jsonschema.builtin_schemas.vendor")
        .joinpath("github-workflows.json")
        .read_text()
    )
    jsonschema.validate(workflow, schema)
    job = workflow["jobs"]["lint"]
    shards = job["strategy"]["matrix"]["shard"]
    assert shards == list(range(1, job["env"]["SHARDS"] + 1))
    [lint_step] = [s for s in job["steps"] if "mmaws-lint check" in s.get("run", "")]
    [upload] = [s for s in job["steps"] if "upload-sarif" in s.get("uses", "")]
    assert upload["if"] == "always()"
    results, ids = [], set()
    for shard in shards:
        script = lint_step["run"].replace("${{ matrix.shard }}", str(shard))
        done = bash(script, estate, SHARDS=str(job["env"]["SHARDS"]))
        assert done.returncode == 1, done.stderr
        sarif_file = upload["with"]["sarif_file"].replace("${{ matrix.shard }}", str(shard))
        run = json.loads((estate / sarif_file).read_text())["runs"][0]
        ids.add(run["automationDetails"]["id"])
        results.extend(json.dumps(r, sort_keys=True) for r in run["results"])
    assert len(ids) == len(shards)
    whole = json.loads(unsharded(capsys, estate, "sarif", monkeypatch))["runs"][0]["results"]
    strip = [json.loads(r) for r in results]
    for entry in [*strip, *whole]:
        entry.pop("ruleIndex", None)
    assert sorted(json.dumps(r, sort_keys=True) for r in strip) == sorted(
        json.dumps(r, sort_keys=True) for r in whole
    )
