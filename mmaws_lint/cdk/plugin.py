"""mmaws-lint as an aws-cdk-lib policy-validation plugin: the findings of the synthesized
stacks are printed by `cdk synth`, with construct paths, and a finding at or above `fail_on`
stops the synthesis. Newer aws-cdk-lib releases take it with
`Validations.of(app).add_plugins(...)`; older ones (IPolicyValidationPluginBeta1) with
`App(policy_validation_beta1=[...])`."""

from __future__ import annotations

import atexit
import os
import sys
from collections.abc import Iterable
from typing import Any

try:
    import aws_cdk as cdk
    import jsii
except ImportError as exc:  # pragma: no cover - the message is the point
    raise ImportError("mmaws_lint.cdk needs aws-cdk-lib: pip install 'mmaws-lint[cdk]'") from exc

from .._version import __version__
from ..api import configuration_for, rules_to_run
from ..model import Model
from ..report.text import render
from ..template.discover import construct_metadata
from .report import PLUGIN_NAME, SynthesisReport, check_fail_on, synthesis_report

# The stable interface where this aws-cdk-lib has it (2.251.0 on), else the beta one.
STABLE = hasattr(cdk, "IPolicyValidationPlugin")
# From 2.262.0 (which also brought PolicyValidationStack) a failed report raises in the app;
# before, it only set the exit code of the jsii node process, which a Python app never sees.
FAILURE_RAISES = hasattr(cdk, "PolicyValidationStack")
_INTERFACE = cdk.IPolicyValidationPlugin if STABLE else cdk.IPolicyValidationPluginBeta1
_Report = cdk.PolicyValidationPluginReport if STABLE else cdk.PolicyValidationPluginReportBeta1
_Violation = cdk.PolicyViolation if STABLE else cdk.PolicyViolationBeta1
_Resource = cdk.PolicyViolatingResource if STABLE else cdk.PolicyViolatingResourceBeta1
ACKNOWLEDGED_RULES = "aws:cdk:acknowledged-rules"  # Validations.ACKNOWLEDGED_RULES_METADATA_KEY


@jsii.implements(_INTERFACE)
class MmawsLintPlugin:
    """Lint the app's synthesized templates together and report each finding as a violation.

    `select`/`ignore`/`model` as in `mmaws_lint.lint` (left out: read from `.mmaws-lint.yaml`
    or `pyproject.toml` unless `config=False`). `fail_on` is the lowest level that fails the
    synthesis: "error" (default), "warning", "info", or "none" to report only. Unknown rule IDs
    and levels raise `ValueError` when the plugin is made, before anything is synthesized.
    """

    def __init__(
        self,
        *,
        select: Iterable[str] | None = None,
        ignore: Iterable[str] | None = None,
        fail_on: str = "error",
        model: Model | str | None = None,
        config: bool | str = True,
    ) -> None:
        self._fail_on = check_fail_on(fail_on)
        configuration = configuration_for(config)
        self._model, self._rule_ids = rules_to_run(
            configuration, select=select, ignore=ignore, model=model
        )

    @property
    def name(self) -> str:
        return PLUGIN_NAME

    @property
    def version(self) -> str:
        return __version__

    @property
    def rule_ids(self) -> list[str]:
        return list(self._rule_ids)

    def validate(self, context: Any) -> Any:
        template_paths = list(context.template_paths)
        report = self.report(template_paths, _acknowledgements(context, template_paths))
        if not FAILURE_RAISES and not report.success:
            _exit_with_failure_at_the_end()
        elif not STABLE and report.violations:
            # these releases print a report only when it fails: show what passed, too
            below = f"mmaws-lint: findings below fail_on={self._fail_on}, reported only:\n"
            sys.stderr.write(below + render(report.result, self._model, self._rule_ids))
        return _Report(
            success=report.success,
            violations=[
                _Violation(
                    rule_name=violation.rule_name,
                    description=violation.description,
                    severity=violation.severity,
                    fix=violation.fix,
                    rule_metadata=violation.rule_metadata,
                    violating_resources=[
                        _violating_resource(resource) for resource in violation.resources
                    ],
                )
                for violation in report.violations
            ],
            metadata=report.metadata,
        )

    def report(
        self, template_paths: list[str], acknowledged: dict[str, list[str]] | None = None
    ) -> SynthesisReport:
        """The report for these templates, as `validate` builds it (for tests and scripts)."""
        return synthesis_report(
            template_paths,
            self._model,
            self._rule_ids,
            fail_on=self._fail_on,
            acknowledged=acknowledged,
        )


def _violating_resource(resource: Any) -> Any:
    arguments: dict[str, Any] = {
        "template_path": resource.template_path,
        "locations": list(resource.locations),
    }
    if resource.logical_id is not None:
        arguments["resource_logical_id"] = resource.logical_id
    return _Resource(**arguments)


def _acknowledgements(context: Any, template_paths: list[str]) -> dict[str, list[str]]:
    """`Validations.of(construct).acknowledge(...)` entries of the app: rule ID -> construct
    paths. The plugin applies them itself so that `fail_on` counts only what is left (aws-cdk-lib
    would re-judge a report it suppressed in by its own error threshold). Releases without
    `Validations` have none."""
    found: dict[str, list[str]] = {}
    for path, data in construct_metadata(template_paths, ACKNOWLEDGED_RULES):
        for rule_id in data if isinstance(data, dict) else ():
            found.setdefault(str(rule_id), []).append(path)
    root = getattr(context, "app_construct", None)
    if root is not None:
        _acknowledged_outside_stacks(root, found)
    return found


def _acknowledged_outside_stacks(construct: Any, found: dict[str, list[str]]) -> None:
    """The app, its stages and other constructs outside stacks are in no assembly's metadata:
    read them through jsii. A stack's constructs are read from its assembly instead, since a
    jsii call per construct costs milliseconds (0.3 s for a 100-construct app)."""
    for entry in construct.node.metadata:
        if entry.type == ACKNOWLEDGED_RULES and isinstance(entry.data, dict):
            for rule_id in entry.data:
                found.setdefault(str(rule_id), []).append(construct.node.path)
    for child in construct.node.children:
        if not (cdk.Stack.is_stack(child) and not child.nested):
            _acknowledged_outside_stacks(child, found)


_exit_registered = False


def _exit_with_failure_at_the_end() -> None:
    """Releases before 2.262.0 mark a failed validation by setting the exit code of the jsii
    node process, which a Python app never sees: `cdk synth` would succeed. Exit with 1 when
    the app ends instead, as later releases' failed synthesis does."""
    global _exit_registered
    if _exit_registered:
        return
    _exit_registered = True

    def fail() -> None:
        _stop_jsii_runtime()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(1)

    atexit.register(fail)


def _stop_jsii_runtime() -> None:
    """Let the jsii node process finish printing the report before the exit (its own clean-up
    would run after this one, and os._exit skips it)."""
    try:
        from jsii._runtime import kernel

        kernel.provider._process.stop()
    except Exception:  # another jsii layout: the end of the report may be cut short
        pass
