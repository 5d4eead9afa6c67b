"""Run the three entry points on template files and read back (rule, resource) pairs:
the Python API, cfn-lint with the pack appended, checkov with the pack's external checks."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import mmaws_lint
from mmaws_lint.checkov import OFFLINE_ENVIRONMENT, checks_directory

OUR_RULE = re.compile(r"^[EWI]MM\d{3}$")
BIN = Path(sys.executable).parent
OFFLINE = {**os.environ, **OFFLINE_ENVIRONMENT}


def api_pairs(file: Path) -> set[tuple[str, str]]:
    result = mmaws_lint.lint_result([str(file)])
    assert not [p for p in result.problems if "internal error" in p.message], result.problems
    return {(f.rule, f.resource) for f in result.findings if f.resource}


def cfn_lint_pairs(files: list[Path]) -> dict[str, set[tuple[str, str]]]:
    done = subprocess.run(
        [str(BIN / "cfn-lint"), "--format", "json", "--include-checks", "I",
         "--append-rules=mmaws_lint.cfn_lint", "--", *map(str, files)],
        capture_output=True, text=True, env=OFFLINE,
    )  # fmt: skip
    assert done.returncode in range(0, 32), done.stderr[-3000:]
    pairs: dict[str, set[tuple[str, str]]] = {str(f): set() for f in files}
    for match in json.loads(done.stdout or "[]"):
        rule, path = match["Rule"]["Id"], match["Location"]["Path"] or []
        assert rule != "E0000", match  # the file must have parsed, or the comparison is moot
        if OUR_RULE.match(rule) and len(path) >= 2 and path[0] == "Resources":
            pairs[match["Filename"]].add((rule, path[1]))
    return pairs


def checkov_pairs(
    files: list[Path], require_scanned: bool = True
) -> dict[str, set[tuple[str, str]]]:
    checkov = shutil.which("checkov", path=str(BIN)) or shutil.which("checkov")
    if checkov is None:
        pytest.skip("checkov is not installed (pip install 'mmaws-lint[checkov]')")
    done = subprocess.run(
        [checkov, "--framework", "cloudformation", "--external-checks-dir", checks_directory(),
         "--skip-download", "--compact", "-o", "json", "-f", *map(str, files)],
        capture_output=True, text=True, env=OFFLINE,
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr[-3000:]
    reports = json.loads(done.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    pairs: dict[str, set[tuple[str, str]]] = {str(f.resolve()): set() for f in files}
    scanned: set[str] = set()
    for report in reports:
        results = report.get("results", {})
        for record in [*results.get("failed_checks", []), *results.get("passed_checks", [])]:
            scanned.add(str(Path(record["file_abs_path"]).resolve()))
        for record in results.get("failed_checks", []):
            if OUR_RULE.match(record["check_id"]):
                resource = record["resource"].split(".", 1)[1]
                pairs[str(Path(record["file_abs_path"]).resolve())].add(
                    (record["check_id"], resource)
                )
    unparsed = [f for f in pairs if f not in scanned]
    assert not (require_scanned and unparsed), f"checkov did not scan {unparsed}"
    return pairs
