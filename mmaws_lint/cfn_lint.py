"""cfn-lint plugin: `cfn-lint --append-rules=mmaws_lint.cfn_lint template.yaml`.

Each rule of the model becomes a `CloudFormationLintRule` subclass in this module (cfn-lint
instantiates every such class it finds here). The first rule asked about a template runs the
engine once for all rules; the others read the cached findings. No rule logic lives here.

A rule that crashes is an E0002 match for that rule. When the pack cannot run at all (invalid
`MMAWS_LINT_MODEL` or configuration), the first rule asked about each template raises once:
one E0002 line per template, cfn-lint's exit code for errors, never a traceback.
"""

from __future__ import annotations

import os
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from .app import App
from .companions import companion_templates
from .config import ConfigError, find_config
from .engine import check_app, selected_rules
from .findings import Finding
from .model import Model, ModelError, Rule, load_model
from .template.load import merge_sam_globals
from .template.nodes import Map, Seq
from .template.template import Template

MODEL_ENVIRONMENT_VARIABLE = "MMAWS_LINT_MODEL"


@dataclass
class _Answer:
    """What the pack says about one cfn-lint template."""

    cfn: weakref.ref[Any]
    by_rule: dict[str, list[Finding]] = field(default_factory=dict)
    crashes: dict[str, str] = field(default_factory=dict)  # rule -> why (E0002 for that rule)
    failure: str | None = None  # why the pack could not run at all (one E0002 per template)
    failure_shown: bool = False


class _Engine:
    """Runs the pack once per cfn-lint template and remembers the findings."""

    def __init__(self) -> None:
        self._model: Model | None = None
        self._rule_ids: list[str] = []
        self._setup_error: str | None = None
        self._last: _Answer | None = None

    def _setup(self) -> str | None:
        """Load the configuration and model once; the one-line reason when they are invalid."""
        if self._model is None and self._setup_error is None:
            try:
                options = find_config().values
                model = load_model(
                    os.environ.get(MODEL_ENVIRONMENT_VARIABLE) or options.get("model")
                )
                self._rule_ids = selected_rules(
                    model, options.get("select", []), options.get("ignore", [])
                )
                self._model = model
            except (ConfigError, ModelError) as exc:
                self._setup_error = f"mmaws-lint: {exc}"
        return self._setup_error

    def answer(self, cfn: Any) -> _Answer:
        if self._last is not None and self._last.cfn() is cfn:
            return self._last
        answer = _Answer(weakref.ref(cfn), failure=self._setup())
        if answer.failure is None and self._model is not None:
            try:
                self._lint(cfn, self._model, answer)
            except Exception as exc:  # outside any rule: report it once, not once per rule
                answer.failure = f"mmaws-lint: internal error: {type(exc).__name__}: {exc}"
        self._last = answer
        return answer

    def findings(self, cfn: Any) -> tuple[dict[str, list[Finding]], dict[str, str]]:
        """Findings by rule, and the rules that crashed (cfn-lint shows those as E0002)."""
        answer = self.answer(cfn)
        return answer.by_rule, answer.crashes

    def _lint(self, cfn: Any, model: Model, answer: _Answer) -> None:
        filename = str(getattr(cfn, "filename", None) or "template")
        data = _to_nodes(cfn.template)
        if not isinstance(data, Map):
            data = Map()
        merge_sam_globals(data)
        template = Template(file=filename, data=data, stack_name=Path(filename).stem.split(".")[0])
        companions = companion_templates(filename) if os.path.isfile(filename) else []
        result = check_app(App([template, *companions]), model, self._rule_ids)
        for finding in result.findings:
            if finding.file == filename:  # companions are context, reported when linted
                answer.by_rule.setdefault(finding.rule, []).append(finding)
        answer.crashes = {p.rule: p.message for p in result.rule_failures if p.rule is not None}


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
        answer = ENGINE.answer(cfn)
        if answer.failure is not None:  # the first rule asked shows it; cfn-lint makes it E0002
            if answer.failure_shown:
                return []
            answer.failure_shown = True
            raise RuntimeError(answer.failure)
        if self.id in answer.crashes:
            raise RuntimeError(answer.crashes[self.id])
        return [RuleMatch(list(f.path), f.message) for f in answer.by_rule.get(self.id, [])]

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


def _rule_entries() -> list[Rule]:
    """The rules to define: the configured model's, or the bundled ones when it is invalid
    (the engine then reports why on each template, instead of a traceback at import)."""
    try:
        return list(load_model(os.environ.get(MODEL_ENVIRONMENT_VARIABLE)).rules.values())
    except ModelError:
        return list(load_model(None).rules.values())


for _rule in _rule_entries():
    globals()[_rule.id] = _rule_class(_rule)
