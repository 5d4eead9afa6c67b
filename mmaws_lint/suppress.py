"""Suppressions written in template metadata, in this pack's form and in cfn-lint's and
checkov's, so a team's existing habit works in every entry point."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .findings import Finding
from .template.nodes import Path
from .template.template import Template


@dataclass(frozen=True)
class Suppression:
    rule: str
    reason: str | None
    resource: str | None  # None: the whole template
    path: Path  # where the entry is written, for WMM001
    source: str  # "mmaws-lint", "cfn-lint" or "checkov"


def suppressions(template: Template) -> list[Suppression]:
    found = list(_from_metadata(template.metadata, None, ("Metadata",)))
    for resource in template.resources.values():
        found.extend(
            _from_metadata(resource.metadata, resource.logical_id, (*resource.path, "Metadata"))
        )
    return found


def _from_metadata(metadata: Any, resource: str | None, base: Path):
    if not isinstance(metadata, dict):
        return
    own = metadata.get("mmaws-lint")
    entries = own.get("ignore") if isinstance(own, dict) else None
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        path = (*base, "mmaws-lint", "ignore", index)
        if isinstance(entry, str):
            yield Suppression(entry, None, resource, path, "mmaws-lint")
        elif isinstance(entry, dict) and isinstance(entry.get("id"), str):
            reason = entry.get("reason")
            reason = reason.strip() if isinstance(reason, str) and reason.strip() else None
            yield Suppression(entry["id"], reason, resource, path, "mmaws-lint")
    cfn_lint = metadata.get("cfn-lint")
    config = cfn_lint.get("config") if isinstance(cfn_lint, dict) else None
    checks = config.get("ignore_checks") if isinstance(config, dict) else None
    for index, rule in enumerate(checks if isinstance(checks, list) else []):
        if isinstance(rule, str):
            path = (*base, "cfn-lint", "config", "ignore_checks", index)
            yield Suppression(rule, "cfn-lint ignore_checks", resource, path, "cfn-lint")
    checkov = metadata.get("checkov")
    skips = checkov.get("skip") if isinstance(checkov, dict) else None
    for index, entry in enumerate(skips if isinstance(skips, list) else []):
        if isinstance(entry, dict) and isinstance(entry.get("id"), str):
            comment = entry.get("comment")
            reason = comment if isinstance(comment, str) and comment.strip() else "checkov skip"
            path = (*base, "checkov", "skip", index)
            yield Suppression(entry["id"], reason, resource, path, "checkov")


def is_suppressed(finding: Finding, entries: list[Suppression]) -> bool:
    for entry in entries:
        if entry.reason is None or not _matches(entry, finding.rule):
            continue
        if entry.resource is None or entry.resource == finding.resource:
            return True
    return False


def _matches(entry: Suppression, rule_id: str) -> bool:
    if entry.source == "cfn-lint":  # cfn-lint reads ignore_checks entries as prefixes ("W")
        return bool(entry.rule) and rule_id.startswith(entry.rule)
    pattern = entry.rule
    return rule_id == pattern or (pattern.endswith("*") and rule_id.startswith(pattern[:-1]))
