"""Project promises that are not about one rule: README quick start, CI, generated docs."""

from __future__ import annotations

import re

from conftest import ROOT

from mmaws_lint import docs
from mmaws_lint.model import shipped_model
from mmaws_lint.template.decode import decode_text


def quick_start_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    return [line for line in block.splitlines() if line.strip() and not line.startswith("#")]


def test_readme_quick_start_has_two_commands_and_ci_runs_the_test_command() -> None:
    install_and_run, test_command = quick_start_commands()
    assert "pip install ." in install_and_run and "mmaws-lint check examples/" in install_and_run
    example = install_and_run.rsplit(" ", 1)[1]
    assert (ROOT / example).is_file()
    assert "pytest" in test_command
    assert test_command in (ROOT / ".ci" / "run").read_text()


def test_docs_are_generated_from_the_model() -> None:
    assert docs.main(["--check"]) == 0, "docs/rules.md is stale: run python -m mmaws_lint.docs"


def test_every_rule_is_documented_with_an_example() -> None:
    text = (ROOT / "docs" / "rules.md").read_text()
    for rule in shipped_model().rules.values():
        assert f"### {rule.id}\n" in text
        assert rule.level == {"E": "error", "W": "warning", "I": "info"}[rule.id[0]]
        assert decode_text(rule.example), f"{rule.id}: the example must be CloudFormation YAML"


def test_every_shipped_model_file_validates_against_the_schema() -> None:
    import json

    import jsonschema
    import yaml

    schema = json.loads((ROOT / "rules" / "schema.json").read_text())
    files = sorted((ROOT / "rules").glob("*.yaml"))
    assert files
    for file in files:
        jsonschema.validate(yaml.safe_load(file.read_text()), schema)
