"""WMM707: Task states that call Lambda or AWS services without retries with backoff and jitter."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ...findings import Finding
from ...template.scenarios import Scenario, describe_when
from .. import Context, check
from .definitions import Definition, definitions
from .helpers import listed
from .index import FUNCTION_TYPES

MACHINE_TYPES = ("AWS::StepFunctions::StateMachine", "AWS::Serverless::StateMachine")
_INTEGRATION = re.compile(r"^arn:[^:]+:states:::([\w-]+)(?::([\w-]+))?")
_FUNCTION_ARN = re.compile(r"^arn:[^:]+:lambda:[^:]*:[^:]*:function:")


@dataclass
class Gaps:
    unretried: list[str] = field(default_factory=list)
    slow: list[str] = field(default_factory=list)
    steady: list[str] = field(default_factory=list)  # retried without jitter

    def __bool__(self) -> bool:
        return bool(self.unretried or self.slow or self.steady)

    def merge(self, other: Gaps) -> None:
        for mine, theirs in ((self.unretried, other.unretried), (self.slow, other.slow),
                             (self.steady, other.steady)):  # fmt: skip
            mine.extend(name for name in theirs if name not in mine)


@check("WMM707")
def workflow_calls_without_retries(ctx: Context) -> Iterator[Finding]:
    minimum = float(ctx.setting("min_backoff_rate", 1.5))
    lambda_errors = frozenset(ctx.setting("lambda_transient_errors", []))
    catch_all = frozenset(ctx.setting("catch_all_errors", []))
    for machine in ctx.app.resources(*MACHINE_TYPES):
        scenarios = ctx.scenarios(machine)
        total = Gaps()
        bad: list[Scenario] = []
        path: tuple = ()
        for scenario in scenarios:
            gaps = Gaps()
            for definition in definitions(machine, ctx.resolver(machine, scenario)):
                path = path or definition.path
                for name, state in definition.states():
                    service = _called_service(ctx, machine, definition, state)
                    if service is not None:
                        _judge(name, state, service, gaps, minimum, lambda_errors, catch_all)
            if gaps:
                bad.append(scenario)
                total.merge(gaps)
        if bad:
            yield ctx.finding(
                machine,
                _message(machine.logical_id, total, describe_when(bad, scenarios), minimum),
                path=path,
            )


def _called_service(ctx: Context, machine: Any, definition: Definition, state: dict) -> str | None:
    """'lambda', an AWS service name, or None (not a Task, an activity, or unknown)."""
    if state.get("Type") != "Task" or not isinstance(state.get("Resource"), str):
        return None
    resource = state["Resource"]
    integration = _INTEGRATION.match(resource)
    if integration:
        service, action = integration.group(1), integration.group(2)
        return (action or "") if service == "aws-sdk" else service
    if _FUNCTION_ARN.match(resource):
        return "lambda"
    symbol = definition.symbol(resource)
    if symbol is not None and symbol.kind in ("ref", "getatt"):
        template = next((t for t in ctx.app.templates if t.file == symbol.file), None)
        target = template.resources.get(symbol.name) if template is not None else None
        if target is not None and target.type in FUNCTION_TYPES:
            return "lambda"
    return None  # an activity, or a value the linter cannot read


def _judge(
    name: str,
    state: dict,
    service: str,
    gaps: Gaps,
    minimum: float,
    lambda_errors: frozenset[str],
    catch_all: frozenset[str],
) -> None:
    covering = [r for r in _retriers(state) if _covers(r, service, lambda_errors, catch_all)]
    if not covering:
        gaps.unretried.append(name)
        return
    for retrier in covering:
        rate = _number(retrier.get("BackoffRate"), 2.0)
        if rate is not None and rate < minimum and name not in gaps.slow:
            gaps.slow.append(name)
        if str(retrier.get("JitterStrategy", "NONE")).upper() != "FULL" and name not in gaps.steady:
            gaps.steady.append(name)


def _retriers(state: dict) -> list[dict]:
    retry = state.get("Retry")
    return [r for r in retry if isinstance(r, dict)] if isinstance(retry, list) else []


def _covers(
    retrier: dict, service: str, lambda_errors: frozenset[str], catch_all: frozenset[str]
) -> bool:
    attempts = _number(retrier.get("MaxAttempts"), 3.0)
    if attempts is not None and attempts < 1:
        return False
    errors = retrier.get("ErrorEquals")
    names = {e for e in errors if isinstance(e, str)} if isinstance(errors, list) else set()
    if names & catch_all:
        return True
    if service == "lambda":
        return bool(names & lambda_errors)
    prefix = "states.http" if service == "http" else service.lower() + "."
    return any(error.lower().startswith(prefix) for error in names)


def _number(value: Any, default: float) -> float | None:
    if value is None:
        return default
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _message(machine: str, gaps: Gaps, when: str, minimum: float) -> str:
    parts = []
    if gaps.unretried:
        parts.append(
            "no Retry on the transient errors of the Lambda or AWS call (Lambda.ServiceException,"
            " Lambda.TooManyRequestsException, States.TaskFailed or States.ALL) in"
            f" {_states(gaps.unretried)}"
        )
    if gaps.slow:
        parts.append(f"a BackoffRate below {minimum:g} in {_states(gaps.slow)}")
    if gaps.steady:
        parts.append(f"retries without jitter in {_states(gaps.steady)}")
    return (
        f"{machine} has {'; '.join(parts)}{when}: calls to AWS fail transiently and must be"
        " retried with exponential backoff and a random component; give each such Task a Retry"
        f" with BackoffRate {max(minimum, 2):g}, MaxDelaySeconds and JitterStrategy FULL"
    )


def _states(names: list[str]) -> str:
    return ("state " if len(names) == 1 else "states ") + listed(names)
