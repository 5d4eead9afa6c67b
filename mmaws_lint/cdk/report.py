"""What the CDK validation plugin reports for one synthesis, computed without aws-cdk-lib:
the stacks are linted together as one app (cross-stack imports resolve), each finding becomes
a violation, acknowledged findings are left out, and the report fails only at or above
`fail_on`. `plugin.py` turns this into aws-cdk-lib's types."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ..engine import Result, lint_unit
from ..findings import Finding
from ..model import Model
from ..template.discover import stack_templates_unit

PLUGIN_NAME = "mmaws-lint"
# aws-cdk-lib qualifies an acknowledged rule with the plugin's name: `mmaws-lint::WMM501`.
RULE_NAMESPACE = PLUGIN_NAME.replace(" ", "-")
SEVERITIES = ("info", "warning", "error")
FAIL_ON = (*SEVERITIES, "none")
COULD_NOT_LINT = "could-not-lint"

# acknowledged rule ID (as written: `mmaws-lint::WMM501`) -> construct paths it is acknowledged at
Acknowledgements = Mapping[str, Iterable[str]]


@dataclass(frozen=True)
class ViolatingResource:
    template_path: str
    logical_id: str | None
    locations: tuple[str, ...]


@dataclass(frozen=True)
class Violation:
    rule_name: str
    description: str
    severity: str
    fix: str | None
    resources: tuple[ViolatingResource, ...]
    rule_metadata: dict[str, str] = field(default_factory=dict)


@dataclass
class SynthesisReport:
    success: bool
    violations: list[Violation]
    metadata: dict[str, str]
    result: Result  # the run, with the findings that were not acknowledged


def check_fail_on(fail_on: str) -> str:
    if fail_on not in FAIL_ON:
        raise ValueError(f"fail_on must be one of {', '.join(FAIL_ON)}, not {fail_on!r}")
    return fail_on


def synthesis_report(
    template_paths: Iterable[str],
    model: Model,
    rule_ids: list[str],
    *,
    fail_on: str = "error",
    acknowledged: Acknowledgements | None = None,
) -> SynthesisReport:
    check_fail_on(fail_on)
    result = lint_unit(stack_templates_unit(template_paths), model, rule_ids)
    acknowledged_at = _acknowledged_paths(acknowledged or {})
    kept = [f for f in result.findings if not _is_acknowledged(f, acknowledged_at)]
    violations = [_violation(finding, model) for finding in kept]
    problems = result.errors
    violations += [
        Violation(COULD_NOT_LINT, problem.message, "error", None,
                  (ViolatingResource(problem.file, None, ()),))
        for problem in problems
    ]  # fmt: skip
    # "none" sorts above every severity, so nothing reaches it
    failing = [v for v in violations if FAIL_ON.index(v.severity) >= FAIL_ON.index(fail_on)]
    metadata = {
        "rules": str(len(rule_ids)),
        "templates": str(len(result.linted)),
        "findings": str(len(kept)),
        "acknowledged": str(len(result.findings) - len(kept)),
        "could not lint": str(len(problems)),
        "fail_on": fail_on,
    }
    kept_result = Result(kept, result.problems, result.linted)
    return SynthesisReport(not failing, violations, metadata, kept_result)


def _violation(finding: Finding, model: Model) -> Violation:
    rule = model.rules[finding.rule]
    resource = ViolatingResource(finding.file, finding.resource, _locations(finding))
    metadata = {"documentation": rule.docs_url, "template line": str(finding.line)}
    fix = " ".join(rule.fix.split()) or None
    return Violation(finding.rule, finding.message, finding.level, fix, (resource,), metadata)


def _locations(finding: Finding) -> tuple[str, ...]:
    """The property path below the resource (`Properties/KmsMasterKeyId`), as CDK shows it;
    none for a finding on the resource as a whole, the full path for one outside resources."""
    path = finding.path[2:] if finding.resource is not None else finding.path
    return ("/".join(str(part) for part in path),) if path else ()


def _acknowledged_paths(acknowledged: Acknowledgements) -> dict[str, set[str]]:
    by_rule: dict[str, set[str]] = {}
    for qualified, paths in acknowledged.items():
        namespace, _, rule = qualified.replace(" ", "-").rpartition("::")
        if namespace == RULE_NAMESPACE and rule:
            by_rule.setdefault(rule.upper(), set()).update(p.strip("/") for p in paths)
    return by_rule


def _is_acknowledged(finding: Finding, acknowledged_at: dict[str, set[str]]) -> bool:
    """As aws-cdk-lib matches: an acknowledgement on a construct covers it and its children."""
    paths = acknowledged_at.get(finding.rule)
    if not paths or finding.cdk_path is None:
        return False
    own = finding.cdk_path.strip("/")
    return any(p == "" or own == p or own.startswith(p + "/") for p in paths)
