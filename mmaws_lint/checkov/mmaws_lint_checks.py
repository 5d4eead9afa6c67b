"""One checkov check per mmaws-lint rule. checkov asks about one resource at a time; the
first question about a file runs the engine on the whole file (cached), and each check answers
FAILED for resources with a finding of its rule, PASSED otherwise. No rule logic lives here."""

from __future__ import annotations

import inspect
import os
import sys
from typing import Any

from checkov.cloudformation.checks.resource.base_resource_check import BaseResourceCheck
from checkov.common.bridgecrew.severities import BcSeverities, Severities
from checkov.common.models.enums import CheckCategories, CheckResult

from mmaws_lint.app import App
from mmaws_lint.companions import companion_templates
from mmaws_lint.config import find_config
from mmaws_lint.engine import check_app, selected_rules
from mmaws_lint.model import Rule, load_model
from mmaws_lint.template.load import read_template
from mmaws_lint.template.template import Template

_SEVERITY = {"error": BcSeverities.HIGH, "warning": BcSeverities.MEDIUM, "info": BcSeverities.LOW}
_OPTIONS = find_config().values
_MODEL = load_model(os.environ.get("MMAWS_LINT_MODEL") or _OPTIONS.get("model"))
_RULE_IDS = selected_rules(_MODEL, _OPTIONS.get("select", []), _OPTIONS.get("ignore", []))
_FAILING: dict[str, dict[str, set[str]]] = {}  # file -> rule -> failing logical IDs


def _failing(file: str) -> dict[str, set[str]]:
    if file not in _FAILING:
        loaded = read_template(file)
        by_rule: dict[str, set[str]] = {}
        if isinstance(loaded, Template):
            app = App([loaded, *companion_templates(file)])
            for finding in check_app(app, _MODEL, _RULE_IDS).findings:
                if finding.resource and finding.file == file:
                    by_rule.setdefault(finding.rule, set()).add(finding.resource)
        _FAILING[file] = by_rule
    return _FAILING[file]


def _absolute_path(scanned_file: str) -> str:
    """checkov passes '/<path relative to its root folder>'; find the file it means."""
    frame = inspect.currentframe()
    while frame is not None:
        candidate = frame.f_locals.get("file_abs_path")
        if isinstance(candidate, str) and os.path.isfile(candidate):
            return candidate
        frame = frame.f_back
    relative = scanned_file.lstrip("/")
    roots = [os.getcwd()]
    argv = sys.argv
    for index, arg in enumerate(argv[:-1]):
        if arg in ("-d", "--directory"):
            roots.append(argv[index + 1])
    for root in roots:
        candidate = os.path.join(root, relative)
        if os.path.isfile(candidate):
            return os.path.abspath(candidate)
    return scanned_file


class MmawsLintCheck(BaseResourceCheck):
    def __init__(self, rule: Rule) -> None:
        supported = ["*"] if "*" in rule.resource_types else list(rule.resource_types)
        super().__init__(
            name=f"{rule.title} (mmaws-lint)",
            id=rule.id,
            categories=[CheckCategories[_MODEL.family_of(rule).checkov_category]],
            supported_resources=supported,
            guideline=rule.docs_url,
        )
        self.severity = Severities[_SEVERITY[rule.level]]
        self._scanned_file = ""
        self._entity_name = ""

    def run(self, scanned_file: str, entity_configuration: Any, entity_name: str,
            entity_type: str, skip_info: Any) -> Any:  # fmt: skip
        self._scanned_file = scanned_file
        self._entity_name = entity_name
        return super().run(scanned_file, entity_configuration, entity_name, entity_type, skip_info)

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        failing = _failing(_absolute_path(self._scanned_file)).get(self.id, set())
        return CheckResult.FAILED if self._entity_name in failing else CheckResult.PASSED


CHECKS = [MmawsLintCheck(rule) for rule in _MODEL.rules.values()]
