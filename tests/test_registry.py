"""The registry cannot drift from the model: every rule entry has its check and every check its
entry, every predicate the data names exists, rule IDs carry their family's digit, and a family
is one data file plus one package whose `__init__.py` only registers."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT

from mmaws_lint.checks import CHECKS, PREDICATES, load_checks
from mmaws_lint.model import (
    PREDICATE_KEYS,
    ModelError,
    load_family_files,
    load_model,
    shipped_model,
)

RULES = ROOT / "rules"
CHECKS_FOLDER = ROOT / "mmaws_lint" / "checks"
FAMILY_FILES = sorted(RULES.glob("*.yaml"))


def family_document(name: str) -> dict[str, Any]:
    return yaml.safe_load((RULES / f"{name}.yaml").read_text(encoding="utf-8"))


def predicate_uses(node: Any) -> list[tuple[str, str]]:
    """(key, name) of every `when:`/`variant:` in a data tree."""
    if isinstance(node, dict):
        found = [(k, v) for k, v in node.items() if k in PREDICATE_KEYS and isinstance(v, str)]
        return found + [use for value in node.values() for use in predicate_uses(value)]
    if isinstance(node, list):
        return [use for item in node for use in predicate_uses(item)]
    return []


def test_every_rule_entry_has_a_check_and_every_check_an_entry() -> None:
    assert set(load_checks()) == set(shipped_model().rules)


def test_every_check_lives_in_its_family_package() -> None:
    model = shipped_model()
    for rule_id, function in load_checks().items():
        family = model.rules[rule_id].family
        assert function.__module__.startswith(f"mmaws_lint.checks.{family}."), rule_id


@pytest.mark.parametrize("file", FAMILY_FILES, ids=lambda f: f.stem)
def test_rule_ids_carry_the_family_digit(file: Path) -> None:
    document = yaml.safe_load(file.read_text(encoding="utf-8"))
    assert document["family"] == file.stem
    assert document["rules"], f"{file.name} has no rules"
    for rule in document["rules"]:
        assert rule["id"][3] == document["digit"], f"{file.name}: {rule['id']}"


def test_family_digits_are_unique() -> None:
    digits = [yaml.safe_load(f.read_text())["digit"] for f in FAMILY_FILES]
    assert len(digits) == len(set(digits))


def test_every_predicate_the_data_names_exists() -> None:
    load_checks()
    uses = [use for file in FAMILY_FILES for use in predicate_uses(family_document(file.stem))]
    assert uses, "the monitoring catalog names predicates"
    assert {name for _, name in uses} <= set(PREDICATES)


@pytest.mark.parametrize("file", FAMILY_FILES, ids=lambda f: f.stem)
def test_a_family_is_one_data_file_and_one_package_whose_init_only_registers(file: Path) -> None:
    package = CHECKS_FOLDER / file.stem
    assert (package / "__init__.py").is_file(), f"{file.stem} has no package under checks/"
    tree = ast.parse((package / "__init__.py").read_text(encoding="utf-8"))
    for statement in tree.body:
        docstring = isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
        names_all = isinstance(statement, ast.Assign) and [
            t.id for t in statement.targets if isinstance(t, ast.Name)
        ] == ["__all__"]
        imports = isinstance(statement, (ast.Import, ast.ImportFrom))
        assert docstring or names_all or imports, f"{file.stem}/__init__.py line {statement.lineno}"
    registered = {f.__module__.split(".")[2] for f in CHECKS.values()}
    assert file.stem in registered


# ---- the model refuses what would drift, naming the file and the entry ----------------------


@pytest.fixture
def family_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    shutil.copytree(RULES, folder, ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def test_the_copied_folder_loads_as_the_shipped_model(family_folder: Path) -> None:
    model = load_family_files(family_folder)
    assert model.rules == shipped_model().rules
    assert list(model.families) == list(shipped_model().families)


def test_a_misspelt_predicate_is_a_model_error_naming_file_and_entry(family_folder: Path) -> None:
    file = family_folder / "monitoring.yaml"
    text = file.read_text(encoding="utf-8")
    assert "when: rds_burstable\n" in text
    file.write_text(text.replace("when: rds_burstable\n", "when: rds_burstabel\n", 1))
    with pytest.raises(ModelError) as raised:
        load_family_files(family_folder)
    message = str(raised.value)
    assert message.startswith("rules/monitoring.yaml: data.monitoring_finite_resources.")
    assert "[AWS::RDS::DBInstance]" in message and "[CPU credits]" in message
    assert "when names no predicate 'rds_burstabel'" in message


def test_a_misspelt_variant_is_a_model_error(family_folder: Path) -> None:
    file = family_folder / "monitoring.yaml"
    text = file.read_text(encoding="utf-8")
    file.write_text(text.replace("variant: rds_standalone", "variant: rds_stand_alone", 1))
    with pytest.raises(ModelError, match="variant names no predicate 'rds_stand_alone'"):
        load_family_files(family_folder)


def test_a_rule_id_outside_its_family_digit_is_a_model_error(family_folder: Path) -> None:
    file = family_folder / "compute.yaml"
    file.write_text(file.read_text(encoding="utf-8").replace("id: WMM506", "id: WMM606"))
    with pytest.raises(ModelError, match=r"rules/compute.yaml: rule WMM606 .* family digit 5"):
        load_family_files(family_folder)


def test_a_misspelt_predicate_in_a_user_override_names_the_override(tmp_path: Path) -> None:
    catalog = shipped_model().data["monitoring_finite_resources"]
    changed = [dict(entry) for entry in catalog]
    changed[0] = {**changed[0], "variant": "ec2_is_big"}
    override = tmp_path / "model.yaml"
    override.write_text(yaml.safe_dump({"data": {"monitoring_finite_resources": changed}}))
    with pytest.raises(ModelError) as raised:
        load_model(str(override))
    assert str(raised.value).startswith(f"{override}: data.monitoring_finite_resources.0[")
    assert "variant names no predicate 'ec2_is_big'" in str(raised.value)


def test_a_user_override_naming_a_known_predicate_loads(tmp_path: Path) -> None:
    catalog = shipped_model().data["monitoring_finite_resources"]
    changed = [dict(entry) for entry in catalog]
    changed[0] = {**changed[0], "variant": "ec2_credits_can_run_out"}
    override = tmp_path / "model.yaml"
    override.write_text(yaml.safe_dump({"data": {"monitoring_finite_resources": changed}}))
    loaded = load_model(str(override))
    assert loaded.data["monitoring_finite_resources"][0]["variant"] == "ec2_credits_can_run_out"


def test_family_metadata_comes_from_the_family_files() -> None:
    model = shipped_model()
    for file in FAMILY_FILES:
        document = family_document(file.stem)
        family = model.families[file.stem]
        assert (family.digit, family.title, family.checkov_category) == (
            document["digit"],
            document["title"],
            document["checkov_category"],
        )
    assert [f.digit for f in model.families.values()] == sorted(
        f.digit for f in model.families.values()
    )
