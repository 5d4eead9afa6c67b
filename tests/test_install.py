"""A plain (non-editable) install carries the model and works outside the checkout."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ONE_INSTANCE, ROOT

BUILD_LEFTOVERS = (".venv", ".git", "build", "*.egg-info", "__pycache__", "fixtures", "bench")


def test_wheel_install_outside_checkout(tmp_path: Path) -> None:
    # Build from a copy: a developer's build/ folder may hold modules that no longer exist.
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*BUILD_LEFTOVERS))
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
         "--target", str(target), str(source)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    assert (target / "mmaws_lint" / "model_data" / "compute.yaml").is_file()
    template = tmp_path / "elsewhere" / "template.yaml"
    template.parent.mkdir()
    template.write_text(ONE_INSTANCE)
    environment = {**os.environ, "PYTHONPATH": str(target)}
    done = subprocess.run(
        [sys.executable, "-c", "from mmaws_lint.cli import main; raise SystemExit(main())",
         "check", "--format", "json", str(template)],
        capture_output=True, text=True, cwd=template.parent, env=environment,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    findings = json.loads(done.stdout)
    assert ("WMM501", "Web") in {(f["rule"], f["resource"]) for f in findings}
    probe = subprocess.run(
        [sys.executable, "-c", "import mmaws_lint; print(mmaws_lint.__file__)"],
        capture_output=True, text=True, cwd=template.parent, env=environment,
    )  # fmt: skip
    assert probe.stdout.strip().startswith(str(target))
