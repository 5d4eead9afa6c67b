"""IMM104: monitoring that a condition switches off.

An alarm with its own `Condition`, or whose actions are `!If [HasTopic, …, AWS::NoValue]`, is
the author's deliberate choice: some deployments of the template are monitored, others not.
That is not a missing alarm (WMM101) nor a silent one (WMM102); it is worth one note per
template, so that whoever deploys production knows which switch turns the monitoring on.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from ...findings import Finding
from ...template.scenarios import deciding_conditions
from ...template.template import Template
from .. import Context, check
from .alarm_actions import ALARM_TYPES, silence
from .coverage import unwatched_resources


@dataclass
class _Switches:
    template: Template
    watched: set[str] = field(default_factory=set)  # resources watched only when …
    watch_conditions: dict[str, bool] = field(default_factory=dict)
    notifying: set[str] = field(default_factory=set)  # alarms that notify only when …
    notify_conditions: dict[str, bool] = field(default_factory=dict)


@check("IMM104")
def optional_monitoring(ctx: Context) -> Iterator[Finding]:
    by_file: dict[str, _Switches] = {}
    for unwatched in unwatched_resources(ctx.app, ctx.model):
        if not unwatched.optional:
            continue
        resource = unwatched.resource
        switches = by_file.setdefault(resource.template.file, _Switches(resource.template))
        switches.watched.add(resource.logical_id)
        for _, names in unwatched.optional:
            switches.watch_conditions.update(dict.fromkeys(sorted(names), True))
    for alarm in ctx.app.resources(*ALARM_TYPES):
        scenarios = ctx.scenarios(alarm)
        if len(scenarios) < 2:
            continue
        silent = [s for s in scenarios if silence(alarm, ctx.resolver(alarm, s)) is not None]
        if not silent or len(silent) == len(scenarios):
            continue
        deciding = deciding_conditions(silent, scenarios)
        if not deciding:
            continue
        switches = by_file.setdefault(alarm.template.file, _Switches(alarm.template))
        switches.notifying.add(alarm.logical_id)
        switches.notify_conditions.update({name: not value for name, value in deciding.items()})
    for file in sorted(by_file):
        switches = by_file[file]
        parts = []
        if switches.watched:
            parts.append(
                f"alarms for {_count(switches.watched, 'resource')} exist only when"
                f" {_truths(switches.watch_conditions)}"
            )
        if switches.notifying:
            parts.append(
                f"{_count(switches.notifying, 'alarm')} notify only when"
                f" {_truths(switches.notify_conditions)}"
            )
        first = sorted({**switches.watch_conditions, **switches.notify_conditions})[0]
        path = ("Conditions", first) if first in switches.template.conditions else ()
        yield ctx.template_finding(
            switches.template,
            "Monitoring is optional in this template: " + "; ".join(parts) + "; make sure"
            " production stacks are deployed with those conditions set",
            path=path,
        )


def _count(names: set[str], noun: str) -> str:
    listed = ", ".join(sorted(names)[:3]) + (", …" if len(names) > 3 else "")
    plural = noun if len(names) == 1 else noun + "s"
    return f"{len(names)} {plural} ({listed})"


def _truths(conditions: dict[str, bool]) -> str:
    return " or ".join(
        f"{name} is {'true' if value else 'false'}" for name, value in sorted(conditions.items())
    )
