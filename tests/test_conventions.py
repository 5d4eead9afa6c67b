"""The conventions users expect from a linter, one test (or a few) per row of the README table,
and the report-file and symlink rules."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ONE_INSTANCE

from mmaws_lint import __version__, terminal
from mmaws_lint.cli import build_parser, main

BIN = Path(sys.executable).parent
TWO_INSTANCES = ONE_INSTANCE + (
    "  Worker:\n    Type: AWS::EC2::Instance\n    Properties:\n      ImageId: ami-1\n"
)


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["check", *args])
    out, err = capsys.readouterr()
    return code, out, err


def findings(capsys, *args: str) -> tuple[int, list[dict]]:
    code, out, err = run(capsys, "--format", "json", "--select", "WMM501", *args)
    assert code != 2 or not out.strip().startswith("["), err
    return code, json.loads(out) if out.strip() else []


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> Path:
    """A git project with templates in infra/, build/ and a vendored folder."""
    for folder in ("infra", "build", "vendor/lib"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "app.yaml").write_text(ONE_INSTANCE)
    (tmp_path / "infra" / "app.generated.yaml").write_text(ONE_INSTANCE)
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def files_of(found: list[dict]) -> set[str]:
    return {Path(f["file"]).as_posix() for f in found}


# --- exclude paths ---------------------------------------------------------------------------


def test_exclude_globs_repeatable(capsys, project: Path) -> None:
    _, found = findings(
        capsys, "--no-config", "--exclude", "build/", "--exclude", "*.generated.yaml", "."
    )
    assert files_of(found) == {"infra/app.yaml", "vendor/lib/app.yaml"}


def test_exclude_in_configuration_is_relative_to_it(capsys, project: Path, monkeypatch) -> None:
    (project / ".mmaws-lint.yaml").write_text("exclude: [vendor/, build/app.yaml]\n")
    monkeypatch.chdir(project / "infra")
    _, found = findings(capsys, "..")
    assert files_of(found) == {"../infra/app.yaml", "../infra/app.generated.yaml"}


def test_excluded_file_named_explicitly_is_not_linted(capsys, project: Path) -> None:
    code, found = findings(capsys, "--no-config", "--exclude", "build/", "build/app.yaml")
    assert code == 0 and found == []


def test_gitignore_respected_when_walking(capsys, project: Path) -> None:
    (project / ".gitignore").write_text("build/\n")
    (project / "vendor" / ".gitignore").write_text("lib/*.yaml\n")
    _, found = findings(capsys, "--no-config", ".")
    assert files_of(found) == {"infra/app.yaml", "infra/app.generated.yaml"}
    _, found = findings(capsys, "--no-config", "--no-gitignore", ".")
    assert len(files_of(found)) == 4
    _, found = findings(capsys, "--no-config", "build/app.yaml")  # named: linted anyway
    assert files_of(found) == {"build/app.yaml"}


def test_gitignore_negation_and_switch_in_configuration(capsys, project: Path) -> None:
    (project / ".gitignore").write_text("*.yaml\n!infra/app.yaml\n")
    _, found = findings(capsys, "--no-config", ".")
    assert files_of(found) == {"infra/app.yaml"}
    (project / ".mmaws-lint.yaml").write_text("gitignore: false\n")
    _, found = findings(capsys, ".")
    assert len(files_of(found)) == 4


# --- do not fail the build -------------------------------------------------------------------


def test_exit_zero(capsys, one_instance: Path, tmp_path: Path) -> None:
    code, out, _ = run(capsys, "--no-config", "--exit-zero", str(one_instance))
    assert code == 0 and "WMM501" in out
    broken = tmp_path / "broken.yaml"
    broken.write_text("AWSTemplateFormatVersion: x\nResources: [\n")
    assert run(capsys, "--no-config", "--exit-zero", str(broken))[0] == 2


# --- baseline --------------------------------------------------------------------------------


def test_baseline_hides_known_findings_across_line_moves(capsys, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    template = tmp_path / "app.yaml"
    template.write_text(TWO_INSTANCES)
    code, out, _ = run(
        capsys, "--no-config", "--select", "WMM501", "--write-baseline", "baseline.json", "app.yaml"
    )
    assert code == 0 and "wrote 2 findings" in out
    assert findings(capsys, "--no-config", "--baseline", "baseline.json", "app.yaml") == (0, [])

    # lines move, resources are reordered, a comment and a description appear
    web, worker = ONE_INSTANCE.split("Resources:\n")[1], TWO_INSTANCES.split(ONE_INSTANCE)[1]
    moved = (
        "# owned by the platform team\nAWSTemplateFormatVersion: '2010-09-09'\n"
        "Description: moved around\nResources:\n" + worker + "\n\n" + web
    )
    template.write_text(moved)
    assert findings(capsys, "--no-config", "--baseline", "baseline.json", "app.yaml") == (0, [])

    template.write_text(moved + "  Batch:\n    Type: AWS::EC2::Instance\n")
    code, found = findings(capsys, "--no-config", "--baseline", "baseline.json", "app.yaml")
    assert code == 1 and [f["resource"] for f in found] == ["Batch"]


def test_baseline_works_from_another_folder(capsys, tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "app.yaml").write_text(ONE_INSTANCE)
    monkeypatch.chdir(tmp_path)
    run(capsys, "--no-config", "--write-baseline", "baseline.json", "infra")
    monkeypatch.chdir(tmp_path / "infra")
    assert findings(capsys, "--no-config", "--baseline", "../baseline.json", "app.yaml") == (0, [])


def test_invalid_baseline_is_one_line(capsys, tmp_path: Path, one_instance) -> None:
    bad = tmp_path / "baseline.json"
    bad.write_text("[1, 2]")
    code, _, err = run(capsys, "--no-config", "--baseline", str(bad), str(one_instance))
    assert code == 2 and err.count("\n") == 1 and "not a mmaws-lint baseline" in err


# --- explicit config -------------------------------------------------------------------------


def test_explicit_config_file(capsys, tmp_path: Path, one_instance: Path) -> None:
    config = tmp_path / "lint.yaml"
    config.write_text("ignore: [WMM501]\n")
    code, out, _ = run(capsys, "--config", str(config), "--select", "WMM5", str(one_instance))
    assert code == 0 and "WMM501" not in out


def test_config_errors_name_the_file(capsys, tmp_path: Path, one_instance: Path) -> None:
    config = tmp_path / "lint.yaml"
    config.write_text("jobs: many\n")
    code, _, err = run(capsys, "--config", str(config), str(one_instance))
    assert code == 2 and f"{config}: 'jobs' must be" in err
    code, _, err = run(capsys, "--config", str(tmp_path / "missing.yaml"), str(one_instance))
    assert code == 2 and "missing.yaml: no such configuration file" in err


# --- stdin -----------------------------------------------------------------------------------


def test_stdin_with_a_name(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(BIN / "mmaws-lint"), "check", "--no-config", "--stdin-filename", "infra/web.yaml",
         "--format", "json", "-"],
        input=ONE_INSTANCE, capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert {(f["file"], f["resource"]) for f in json.loads(done.stdout)} >= {
        ("infra/web.yaml", "Web")
    }
    bare = subprocess.run(
        [str(BIN / "mmaws-lint"), "check", "--no-config", "-"],
        input=ONE_INSTANCE, capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert bare.stdout.startswith("-:3:3: ")


# --- version, help ---------------------------------------------------------------------------


@pytest.mark.parametrize("flag", ["-V", "--version"])
def test_version(capsys, flag: str) -> None:
    assert main([flag]) == 0
    assert capsys.readouterr().out.strip() == f"mmaws-lint {__version__}"


def test_check_help_describes_every_argument(capsys) -> None:
    parser = build_parser()
    check = parser._subparsers._group_actions[0].choices["check"]  # type: ignore[union-attr]
    for action in check._actions:
        assert action.help, f"{action.option_strings or action.dest} has no help"
    assert main(["check", "--help"]) == 0
    out = capsys.readouterr().out
    for action in check._actions:
        for option in action.option_strings:
            assert option in out


# --- colour, links, progress -----------------------------------------------------------------


def test_colour_choices_and_environment(capsys, one_instance: Path, monkeypatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    assert "\x1b[" in run(capsys, "--no-config", "--color", "always", str(one_instance))[1]
    assert "\x1b[" not in run(capsys, "--no-config", str(one_instance))[1]  # not a terminal
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[1;33mWMM501" in run(capsys, "--no-config", str(one_instance))[1]
    assert "\x1b[" not in run(capsys, "--no-config", "--color", "never", str(one_instance))[1]
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in run(capsys, "--no-config", str(one_instance))[1]


def test_colour_decision_on_a_terminal(monkeypatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    assert terminal.use_colour("auto", Terminal()) is True
    assert terminal.use_colour("auto", io.StringIO()) is False
    monkeypatch.setenv("NO_COLOR", "x")
    assert terminal.use_colour("auto", Terminal()) is False
    assert terminal.use_colour("always", io.StringIO()) is True


def test_show_links(capsys, one_instance: Path) -> None:
    _, out, _ = run(capsys, "--no-config", "--select", "WMM501", "--show-links", str(one_instance))
    assert out.splitlines()[1].strip().endswith("docs/rules.md#wmm501")


def test_progress_line_only_on_a_terminal(monkeypatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(terminal, "PROGRESS_AFTER_SECONDS", 0.0)
    stream = Terminal()
    progress = terminal.Progress(stream)
    progress(1, 2)
    progress(2, 2)
    progress.finish()
    assert "mmaws-lint: 2/2 files" in stream.getvalue() and stream.getvalue().endswith("\x1b[K")
    quiet = io.StringIO()
    silent = terminal.Progress(quiet)
    silent(2, 2)
    silent.finish()
    assert quiet.getvalue() == ""


def test_no_progress_when_stderr_is_not_a_terminal(capsys, one_instance, monkeypatch) -> None:
    monkeypatch.setattr(terminal, "PROGRESS_AFTER_SECONDS", 0.0)
    _, _, err = run(capsys, "--no-config", str(one_instance))
    assert err == ""


# --- the report file (issue 18, item 7) --------------------------------------------------------


def test_output_never_replaces_a_linted_file(capsys, one_instance: Path) -> None:
    code, _, err = run(capsys, "--no-config", "-o", str(one_instance), str(one_instance))
    assert code == 2 and "one of the files being linted" in err
    assert one_instance.read_text() == ONE_INSTANCE


def test_output_never_writes_through_a_link(capsys, tmp_path: Path, one_instance: Path) -> None:
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me")
    link = tmp_path / "report.txt"
    link.symlink_to(precious)
    code, _, err = run(capsys, "--no-config", "-o", str(link), str(one_instance))
    assert code == 2 and "symbolic link" in err and err.count("\n") == 1
    assert precious.read_text() == "keep me" and link.is_symlink()


def test_configured_output_is_relative_to_the_configuration(capsys, project, monkeypatch) -> None:
    (project / ".mmaws-lint.yaml").write_text("output: reports/lint.txt\n")
    monkeypatch.chdir(project / "infra")
    assert run(capsys, "app.yaml")[0] == 1
    assert "WMM501" in (project / "reports" / "lint.txt").read_text()


@pytest.mark.parametrize("output", ["/tmp/mmaws-lint-outside.txt", "../outside.txt"])
def test_configured_output_outside_the_project_is_refused(capsys, project, output) -> None:
    (project / ".mmaws-lint.yaml").write_text(f"output: {output}\n")
    code, _, err = run(capsys, "infra/app.yaml")
    assert code == 2 and "outside the project" in err and ".mmaws-lint.yaml" in err
    assert not Path(output).exists() and not (project.parent / "outside.txt").exists()
    outside = project.parent / "chosen.txt"
    assert run(capsys, "-o", str(outside), "infra/app.yaml")[0] == 1  # the user's own choice
    assert outside.is_file()


# --- symlinks (issue 18, item 8) ---------------------------------------------------------------


def test_file_links_leaving_the_folder_are_not_followed(capsys, tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text(ONE_INSTANCE)
    folder = tmp_path / "infra"
    folder.mkdir()
    (folder / "own.yaml").write_text(ONE_INSTANCE)
    (folder / "linked.yaml").symlink_to(outside)
    (folder / "alias.yaml").symlink_to(folder / "own.yaml")  # inside: linted once, as before
    code, out, err = run(capsys, "--no-config", "--select", "WMM501", str(folder))
    assert code == 1 and "linked.yaml" not in out and "1 template" in out
    assert f"{folder / 'linked.yaml'}: note: skipped: a link to a file outside the folder" in err
    code, out, _ = run(
        capsys, "--no-config", "--select", "WMM501", "--follow-symlinks", str(folder)
    )
    assert code == 1 and "linked.yaml" in out and "2 templates" in out
