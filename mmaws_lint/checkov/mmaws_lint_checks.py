"""One checkov check per mmaws-lint rule. checkov asks about one resource at a time; the
first question about a file runs the engine on the whole file (cached), and each check answers
FAILED for resources with a finding of its rule, PASSED otherwise. No rule logic lives here.

A check that could not decide (its rule crashed, the file could not be read by the engine, the
configuration or model is invalid) answers UNKNOWN, never PASSED, and says why once per file
on checkov's log (shown at its default level)."""

from __future__ import annotations

import inspect
import logging
import os
import sys
from dataclasses import dataclass, field
from typing import Any

from checkov.cloudformation.checks.resource.base_resource_check import BaseResourceCheck
from checkov.common.bridgecrew.severities import BcSeverities, Severities
from checkov.common.models.enums import CheckCategories, CheckResult

from mmaws_lint.app import App
from mmaws_lint.companions import companion_templates
from mmaws_lint.config import ConfigError, find_config
from mmaws_lint.engine import check_app, selected_rules
from mmaws_lint.model import Model, ModelError, Rule, load_model
from mmaws_lint.template.load import read_template
from mmaws_lint.template.template import Template

LOG = logging.getLogger("mmaws_lint.checkov")
_SEVERITY = {"error": BcSeverities.HIGH, "warning": BcSeverities.MEDIUM, "info": BcSeverities.LOW}
EVERY_RULE = "*"


def _setup() -> tuple[Model, list[str], str | None]:
    """The model and rules to run, or the bundled model and why the configured one failed."""
    try:
        options = find_config().values
        model = load_model(os.environ.get("MMAWS_LINT_MODEL") or options.get("model"))
        return (
            model,
            selected_rules(model, options.get("select", []), options.get("ignore", [])),
            None,
        )
    except (ConfigError, ModelError) as exc:
        bundled = load_model(None)
        return bundled, selected_rules(bundled), str(exc)


_MODEL, _RULE_IDS, _SETUP_ERROR = _setup()


@dataclass
class _Verdict:
    """What the engine said about one file: failing resources per rule, and the rules that
    could not decide (EVERY_RULE when none could) with the reason."""

    failing: dict[str, set[str]] = field(default_factory=dict)
    undecided: dict[str, str] = field(default_factory=dict)
    logged: set[str] = field(default_factory=set)

    def why_undecided(self, rule_id: str) -> str | None:
        return self.undecided.get(rule_id) or self.undecided.get(EVERY_RULE)


_VERDICTS: dict[str, _Verdict] = {}


def _verdict(file: str) -> _Verdict:
    if file not in _VERDICTS:
        try:
            _VERDICTS[file] = _judge(file)
        except Exception as exc:  # never let checkov turn an engine failure into passes
            _VERDICTS[file] = _Verdict(undecided={EVERY_RULE: f"internal error: {exc!r}"})
    return _VERDICTS[file]


def _judge(file: str) -> _Verdict:
    verdict = _Verdict()
    if _SETUP_ERROR is not None:
        verdict.undecided[EVERY_RULE] = _SETUP_ERROR
        return verdict
    loaded = read_template(file)
    if not isinstance(loaded, Template):
        verdict.undecided[EVERY_RULE] = str(loaded) if loaded else f"{file}: not read"
        return verdict
    result = check_app(App([loaded, *companion_templates(file)]), _MODEL, _RULE_IDS)
    for finding in result.findings:
        if finding.resource and finding.file == file:  # companions are context
            verdict.failing.setdefault(finding.rule, set()).add(finding.resource)
    for failure in result.rule_failures:
        verdict.undecided[str(failure.rule)] = str(failure)
    return verdict


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
        verdict = _verdict(_absolute_path(self._scanned_file))
        why = verdict.why_undecided(self.id)
        if why is not None:
            key = self.id if self.id in verdict.undecided else EVERY_RULE
            if key not in verdict.logged:
                verdict.logged.add(key)
                LOG.error("mmaws-lint could not decide %s: %s", self._scanned_file, why)
            return CheckResult.UNKNOWN
        failing = verdict.failing.get(self.id, set())
        return CheckResult.FAILED if self._entity_name in failing else CheckResult.PASSED


CHECKS = [MmawsLintCheck(rule) for rule in _MODEL.rules.values()]
