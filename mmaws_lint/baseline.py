"""Baselines: adopt the linter on an existing estate by recording today's findings and
reporting only new ones.

A finding's fingerprint is what identifies it across edits: the rule, the file (relative to the
baseline file's folder), the resource, the property path with list positions dropped, and the
message with numbers and whitespace normalised. Line numbers are not part of it, so findings
survive lines moving and unrelated edits. Fingerprints are counted: a baseline holding a
fingerprint twice hides two such findings, a third one is new.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from pathlib import Path
from typing import Any

from .findings import Finding

VERSION = 1


class BaselineError(Exception):
    pass


def fingerprint(finding: Finding, base: str | os.PathLike[str]) -> str:
    file = os.path.relpath(os.path.abspath(finding.file), os.path.abspath(base))
    path = "/".join(str(part) for part in finding.path if not isinstance(part, int))
    message = re.sub(r"\d+", "0", " ".join(finding.message.split()))
    parts = [finding.rule, file.replace(os.sep, "/"), finding.resource or "", path, message]
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:32]


def write_baseline(file: str, findings: list[Finding]) -> None:
    base = Path(file).resolve().parent
    entries = [
        {
            "fingerprint": fingerprint(f, base),
            "rule": f.rule,
            "file": os.path.relpath(os.path.abspath(f.file), base).replace(os.sep, "/"),
            "resource": f.resource,
            "message": f.message,
        }
        for f in findings
    ]
    document = {"tool": "mmaws-lint", "version": VERSION, "findings": entries}
    try:
        Path(file).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise BaselineError(f"{file}: cannot write the baseline: {exc.strerror}") from None


def read_baseline(file: str) -> Counter[str]:
    try:
        document: Any = json.loads(Path(file).read_text(encoding="utf-8"))
    except OSError as exc:
        raise BaselineError(f"{file}: cannot read the baseline: {exc.strerror}") from None
    except ValueError as exc:
        raise BaselineError(f"{file}: not a mmaws-lint baseline (invalid JSON: {exc})") from None
    entries = document.get("findings") if isinstance(document, dict) else None
    if not isinstance(entries, list) or not all(
        isinstance(e, dict) and isinstance(e.get("fingerprint"), str) for e in entries
    ):
        raise BaselineError(f"{file}: not a mmaws-lint baseline (no 'findings' with fingerprints)")
    return Counter(e["fingerprint"] for e in entries)


def new_findings(findings: list[Finding], file: str) -> list[Finding]:
    """The findings the baseline in `file` does not hold."""
    known = read_baseline(file)
    base = Path(file).resolve().parent
    fresh = []
    for finding in findings:
        key = fingerprint(finding, base)
        if known[key] > 0:
            known[key] -= 1
        else:
            fresh.append(finding)
    return fresh
