"""The built wheel, installed in a fresh virtual environment outside the checkout, carries every
rule: its registry equals the model's rule IDs, and every rule fires through the installed CLI.

A rule whose package is left out of the wheel is listed by `mmaws-lint rules` (the model is
data) but never reports; only an installed wheel shows it.
"""

from __future__ import annotations

import json
import shutil
import site
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, ONE_INSTANCE, ROOT

from mmaws_lint.model import shipped_model

BUILD_LEFTOVERS = (
    ".venv",
    ".git",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    "fixtures",
    "bench",
)


class Installed:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.python = root / "bin" / "python"
        self.cli = root / "bin" / "mmaws-lint"

    def run(self, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(list(args), capture_output=True, text=True, cwd=cwd, timeout=600)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    work = tmp_path_factory.mktemp("install")
    # Build from a copy: a developer's build/ folder may hold modules that no longer exist.
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*BUILD_LEFTOVERS))
    wheels = work / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels),
         str(source)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    (wheel,) = wheels.glob("mmaws_lint-*.whl")
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install",
         "--quiet", "--no-deps", str(wheel)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    # The dependencies come from this interpreter's path, outside the checkout, added as plain
    # paths: their .pth files (among them this checkout's editable install) are not processed.
    where = "import sysconfig; print(sysconfig.get_path('purelib'))"
    target = Path(
        subprocess.run(
            [str(venv / "bin" / "python"), "-c", where], check=True, capture_output=True, text=True
        ).stdout.strip()
    )
    ours = [
        entry
        for entry in dict.fromkeys([*site.getsitepackages(), *sys.path])
        if entry and Path(entry).is_dir() and not _in_checkout(Path(entry))
    ]
    (target / "zz-test-dependencies.pth").write_text("\n".join(ours) + "\n")
    return Installed(venv)


def _in_checkout(entry: Path) -> bool:
    """The checkout's own folders, not a virtual environment kept inside it."""
    return entry.resolve().is_relative_to(ROOT) and "site-packages" not in entry.parts


def test_the_installed_package_is_the_wheel_outside_the_checkout(
    installed: Installed, tmp_path: Path
) -> None:
    probe = installed.run(
        str(installed.python), "-c", "import mmaws_lint; print(mmaws_lint.__file__)", cwd=tmp_path
    )
    assert probe.returncode == 0, probe.stderr
    assert Path(probe.stdout.strip()).is_relative_to(installed.root)
    assert not Path(probe.stdout.strip()).is_relative_to(ROOT)


def test_the_installed_registry_equals_the_models_rule_ids(
    installed: Installed, tmp_path: Path
) -> None:
    script = (
        "import json; from mmaws_lint.checks import load_checks;"
        " from mmaws_lint.model import shipped_model;"
        " print(json.dumps([sorted(load_checks()), sorted(shipped_model().rules)]))"
    )
    done = installed.run(str(installed.python), "-c", script, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    registry, rule_ids = json.loads(done.stdout)
    assert registry == rule_ids == sorted(shipped_model().rules)


def one_fail_fixture(rule_id: str) -> Path:
    files = sorted(f for f in (FIXTURES / rule_id).glob("fail-*") if f.suffix in (".yaml", ".json"))
    assert files, f"{rule_id} has no single-file fail fixture"
    return files[0]


def test_every_rule_fires_through_the_installed_cli(installed: Installed, tmp_path: Path) -> None:
    chosen = {rule_id: one_fail_fixture(rule_id) for rule_id in shipped_model().rules}
    done = installed.run(
        str(installed.cli), "check", "--no-config", "--format", "json",
        "--select", ",".join(chosen),  # every rule by name, so rules off by default run too
        *(str(file) for file in chosen.values()), cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    fired = {(f["rule"], Path(f["file"]).resolve()) for f in json.loads(done.stdout)}
    silent = [rule for rule, file in chosen.items() if (rule, file.resolve()) not in fired]
    assert not silent, f"no finding through the installed CLI for {silent}"


def test_the_installed_cli_lints_a_template_elsewhere(installed: Installed, tmp_path: Path) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(ONE_INSTANCE)
    done = installed.run(
        str(installed.cli), "check", "--format", "json", "template.yaml", cwd=tmp_path
    )
    assert done.returncode == 1, done.stderr
    assert ("WMM501", "Web") in {(f["rule"], f["resource"]) for f in json.loads(done.stdout)}
