"""checkov external-checks directory: `checkov --external-checks-dir $(mmaws-lint checkov-dir)`.

checkov imports every other `.py` file in this folder; this `__init__` is never imported by it
and must not import checkov, so `mmaws-lint checkov-dir` works without checkov installed.
"""

from __future__ import annotations

from pathlib import Path

# What keeps checkov offline and quiet: no update check, no download of its check mapping, no
# package scan. Pass them in the environment (and `--skip-download` on the command line).
OFFLINE_ENVIRONMENT = {
    "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true",
    "BC_SKIP_MAPPING": "TRUE",
    "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false",
    "LOG_LEVEL": "ERROR",
}


def checks_directory() -> str:
    return str(Path(__file__).resolve().parent)
