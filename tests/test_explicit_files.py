"""Files pre-commit names that are not CloudFormation templates are notes, not errors;
`--strict` makes them errors; a file that looks like a template and cannot be read is an error."""

from __future__ import annotations

from pathlib import Path

import pytest

from mmaws_lint.cli import main

NOT_TEMPLATES = {
    "empty.yaml": "",
    "helm.yaml": '{{- include "chart.labels" . }}\nkind: Deployment\nname: {{ .Values.name }}\n',
    "workflow.yml": "name: ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n",
    "binary.json": "\0\1\2garbage",
    "data.json": "[1, 2, 3]",
}
BROKEN_TEMPLATES = {
    "versioned.yaml": "AWSTemplateFormatVersion: '2010-09-09'\nResources: {A: [\n",
    "typed.yaml": "Resources:\n  A:\n    Type: AWS::SQS::Queue\n    Properties: {a: [}\n",
    "resources.json": '{"Resources": {"A": }',
}


def run(capsys, *args: str) -> tuple[int, str]:
    code = main(["check", "--no-config", *args])
    _, err = capsys.readouterr()
    return code, err


@pytest.mark.parametrize("name", sorted(NOT_TEMPLATES))
def test_non_template_named_explicitly_is_a_note(capsys, tmp_path: Path, name: str) -> None:
    file = tmp_path / name
    file.write_bytes(NOT_TEMPLATES[name].encode())
    code, err = run(capsys, str(file))
    assert code == 0, err
    assert err.startswith(f"{file}") and ": note: skipped: not a CloudFormation template" in err
    code, err = run(capsys, "--strict", str(file))
    if name in ("workflow.yml", "data.json"):  # valid YAML/JSON: a note in both modes, as before
        assert code == 0 and ": note: " in err
    else:  # unreadable: an error, as before
        assert code == 2 and ": error: " in err


@pytest.mark.parametrize("name", sorted(BROKEN_TEMPLATES))
def test_broken_template_stays_an_error(capsys, tmp_path: Path, name: str) -> None:
    file = tmp_path / name
    file.write_text(BROKEN_TEMPLATES[name])
    code, err = run(capsys, str(file))
    assert code == 2 and ": error: " in err and "note" not in err
