"""checkov external-checks directory: `checkov --external-checks-dir $(mmaws-lint checkov-dir)`.

checkov imports every other `.py` file in this folder; this `__init__` is never imported by it
and must not import checkov, so `mmaws-lint checkov-dir` works without checkov installed.
"""

from __future__ import annotations

from pathlib import Path


def checks_directory() -> str:
    return str(Path(__file__).resolve().parent)
