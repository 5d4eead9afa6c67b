"""cfn-lint plugin: `cfn-lint --append-rules=mmaws_lint.cfn_lint template.yaml`.

Each rule of the model becomes a `CloudFormationLintRule` subclass in this module (cfn-lint
instantiates every such class it finds here). The first rule asked about a template runs the
engine once for all rules; the others read the cached findings. No rule logic lives here.
"""

from __future__ import annotations

import os
import weakref
from pathlib import Path
from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from .app import App
from .companions import companion_templates
from .config import find_config
from .engine import check_app, selected_rules
from .findings import Finding
from .model import Model, Rule, load_model
from .template.load import merge_sam_globals
from .template.nodes import Map, Seq
from .template.template import Template

MODEL_ENVIRONMENT_VARIABLE = "MMAWS_LINT_MODEL"


class _Engine:
    """Runs the pack once per cfn-lint template and remembers the findings."""

    def __init__(self) -> None:
        self._model: Model | None = None
        self._rule_ids: list[str] = []
        self._last: tuple[weakref.ref[Any], dict[str, list[Finding]], dict[str, str]] | None = None

    def model(self) -> Model:
        if self._model is None:
            options = find_config().values
            self._model = load_model(
                os.environ.get(MODEL_ENVIRONMENT_VARIABLE) or options.get("model")
            )
            self._rule_ids = selected_rules(
                self._model, options.get("select", []), options.get("ignore", [])
            )
        return self._model

    def findings(self, cfn: Any) -> tuple[dict[str, list[Finding]], dict[str, str]]:
        """Findings by rule, and the rules that crashed (cfn-lint shows those as E0002)."""
        if self._last is not None and self._last[0]() is cfn:
            return self._last[1], self._last[2]
        model = self.model()
        filename = str(getattr(cfn, "filename", None) or "template")
        data = _to_nodes(cfn.template)
        if not isinstance(data, Map):
            data = Map()
        merge_sam_globals(data)
        template = Template(file=filename, data=data, stack_name=Path(filename).stem.split(".")[0])
        companions = companion_templates(filename) if os.path.isfile(filename) else []
        result = check_app(App([template, *companions]), model, self._rule_ids)
        by_rule: dict[str, list[Finding]] = {}
        for finding in result.findings:
            if finding.file == filename:  # companions are context, reported when linted
                by_rule.setdefault(finding.rule, []).append(finding)
        crashes = {
            rule_id: problem.message
            for problem in result.problems
            for rule_id in self._rule_ids
            if problem.message.startswith(f"internal error in {rule_id}:")
        }
        self._last = (weakref.ref(cfn), by_rule, crashes)
        return by_rule, crashes


ENGINE = _Engine()


def _to_nodes(value: Any) -> Any:
    """cfn-lint's decoded template as the project's nodes. cfn-lint's string nodes cannot be
    copied (SAM Globals are), so strings become plain `str`."""
    if isinstance(value, str):
        return str(value)
    if isinstance(value, dict):
        result = Map()
        for key, child in value.items():
            result[key] = _to_nodes(child)
        return result
    if isinstance(value, list):
        seq = Seq()
        seq.extend(_to_nodes(child) for child in value)
        return seq
    return value


def _rule_class(rule: Rule) -> type[CloudFormationLintRule]:
    def match(self: CloudFormationLintRule, cfn: Any) -> list[RuleMatch]:
        findings, crashes = ENGINE.findings(cfn)
        if self.id in crashes:
            raise RuntimeError(crashes[self.id])
        return [RuleMatch(list(f.path), f.message) for f in findings.get(self.id, [])]

    return type(
        rule.id,
        (CloudFormationLintRule,),
        {
            "id": rule.id,
            "shortdesc": rule.title,
            "description": rule.statement,
            "source_url": rule.docs_url,
            "tags": ["mmaws-lint", rule.family, *rule.resource_types],
            "match": match,
            "__module__": __name__,
        },
    )


for _rule in load_model(os.environ.get(MODEL_ENVIRONMENT_VARIABLE)).rules.values():
    globals()[_rule.id] = _rule_class(_rule)
