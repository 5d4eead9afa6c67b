"""`import mmaws_lint` behaves as the CLI: configuration, rule ID checks, runs from a checkout."""

from __future__ import annotations

import shutil
import site
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ONE_INSTANCE, ROOT

import mmaws_lint


@pytest.mark.parametrize("option", ["select", "ignore"])
def test_unknown_rule_id_raises_value_error(one_instance: Path, option: str) -> None:
    with pytest.raises(ValueError, match="no rule matches 'XYZ9'"):
        mmaws_lint.lint(str(one_instance), **{option: ["XYZ9"]})


def test_prefixes_and_comma_lists_as_the_cli_reads_them(one_instance: Path) -> None:
    assert {f.rule for f in mmaws_lint.lint(str(one_instance), select="wmm501,WMM502")} == {
        "WMM501"
    }


def test_project_configuration_is_read_unless_switched_off(
    tmp_path: Path, monkeypatch, one_instance: Path
) -> None:
    (tmp_path / ".mmaws-lint.yaml").write_text("ignore: [WMM501]\n")
    monkeypatch.chdir(tmp_path)
    assert "WMM501" not in {f.rule for f in mmaws_lint.lint(str(one_instance))}
    assert "WMM501" in {f.rule for f in mmaws_lint.lint(str(one_instance), config=False)}
    assert "WMM501" in {f.rule for f in mmaws_lint.lint(str(one_instance), ignore=[])}
    other = tmp_path / "other.yaml"
    other.write_text("select: [WMM501]\n")
    assert {f.rule for f in mmaws_lint.lint(str(one_instance), config=str(other))} == {"WMM501"}


def test_invalid_configuration_raises(tmp_path: Path, monkeypatch, one_instance: Path) -> None:
    from mmaws_lint.config import ConfigError

    (tmp_path / ".mmaws-lint.yaml").write_text("colour: yes\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r"\.mmaws-lint\.yaml: unknown option 'colour'"):
        mmaws_lint.lint(str(one_instance))


def test_runs_from_a_checkout_that_shadows_the_install(tmp_path: Path) -> None:
    """`python -c 'import mmaws_lint'` in a checkout imports the source tree, which has `rules/`
    but no `mmaws_lint.model_data` package (only a build makes one)."""
    checkout = tmp_path / "checkout"
    shutil.copytree(ROOT / "mmaws_lint", checkout / "mmaws_lint")
    shutil.copytree(ROOT / "rules", checkout / "rules")
    (checkout / "template.yaml").write_text(ONE_INSTANCE)
    # -S: no site hooks (an editable install's finder would supply model_data); the
    # dependencies come from the environment's site-packages on PYTHONPATH.
    code = (
        "import mmaws_lint; assert mmaws_lint.__file__.startswith('mmaws_lint') or "
        "'checkout' in mmaws_lint.__file__, mmaws_lint.__file__; "
        "print(sorted({f.rule for f in mmaws_lint.lint('template.yaml', config=False)}))"
    )
    done = subprocess.run(
        [sys.executable, "-S", "-c", code],
        cwd=checkout,
        env={"PYTHONPATH": ":".join(site.getsitepackages()), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "WMM501" in done.stdout


def test_walks_leave_out_excluded_and_git_ignored_files(tmp_path: Path, monkeypatch) -> None:
    for name in ("infra/app.yaml", "legacy/app.yaml", "build/app.yaml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(ONE_INSTANCE)
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("build/\n")
    (tmp_path / ".mmaws-lint.yaml").write_text("exclude: [legacy/]\n")
    monkeypatch.chdir(tmp_path)
    assert {f.file for f in mmaws_lint.lint(".", select=["WMM501"])} == {"./infra/app.yaml"}
    assert len(mmaws_lint.lint(".", select=["WMM501"], config=False)) == 2
