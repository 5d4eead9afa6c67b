"""The IAM checks as the engine registers them. Each one imports the module holding its logic
(and, through it, the policy reader and the IAM data) only when the run has a resource of its
rule's types, so a run without IAM resources pays nothing for the family."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable

from ...findings import Finding
from .. import LIMITATIONS, Context, check

# rule ID -> (module, function) holding its logic
_LOGIC = {
    "WMM301": ("wildcards", "wildcard_actions"),
    "WMM302": ("wildcards", "scopable_actions_on_every_resource"),
    "EMM303": ("escalation", "privilege_escalation"),
    "EMM304": ("trust", "trust_outside_account"),
    "EMM305": ("resource_policies", "resource_policy_open"),
}


def _lazy(rule_id: str) -> Callable[[Context], Iterable[Finding]]:
    module, function = _LOGIC[rule_id]

    def run(ctx: Context) -> Iterable[Finding]:
        if next(ctx.app.resources(*ctx.rule.resource_types), None) is None:
            return ()
        logic = importlib.import_module(f"{__package__}.{module}")
        return getattr(logic, function)(ctx)

    run.__name__ = function
    run.__doc__ = f"{rule_id}: see {__package__}.{module}.{function}."
    return run


for _rule_id in _LOGIC:
    check(_rule_id)(_lazy(_rule_id))


def _limitation(*sources: str) -> Callable[[], str | None]:
    def explain() -> str | None:
        reasons = [
            importlib.import_module(f"{__package__}.{source}").unavailable() for source in sources
        ]
        return "; ".join(r for r in reasons if r) or None

    return explain


LIMITATIONS["WMM301"] = _limitation("sam_templates")
LIMITATIONS["WMM302"] = _limitation("action_data", "sam_templates")
LIMITATIONS["EMM303"] = _limitation("sam_templates")
