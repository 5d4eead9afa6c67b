"""WMM702 (queue without a dead-letter queue) and WMM703 (visibility timeout too short for the
consuming function)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...findings import Finding
from ...template.scenarios import Scenario, describe_when
from ...template.template import Resource
from .. import Context, check
from ..dead_letters import dead_letter_index
from .helpers import absent, in_joint, index_of, joint_scenarios, numbers
from .index import Mapping, key

QUEUE = "AWS::SQS::Queue"


@check("WMM702")
def queue_without_dead_letter_queue(ctx: Context) -> Iterator[Finding]:
    dead_letters = dead_letter_index(ctx.app)
    if dead_letters.unknown_referrers:
        return  # a dead-letter target the linter cannot identify may be any queue of the run
    named_dead_letter = re.compile(ctx.setting("dead_letter_name_pattern", "(?!)"))
    for queue in ctx.app.resources(QUEUE):
        names = {queue.logical_id, *(ctx.resolver(queue).literals(queue.prop("QueueName")) or ())}
        if any(named_dead_letter.search(name) for name in names):
            continue
        scenarios = ctx.scenarios(queue)
        referrers = dead_letters.referrers.get(key(queue), [])
        bad = [
            scenario
            for scenario in scenarios
            if absent(queue.properties, ("RedrivePolicy",), scenario)
            and not any(ctx.app.coexist(queue, other, scenario) for other in referrers)
        ]
        if not bad:
            continue
        yield ctx.finding(
            queue,
            f"{queue.logical_id} has no RedrivePolicy{describe_when(bad, scenarios)}: a message"
            " that always fails is received again and again until the retention period deletes"
            " it; add RedrivePolicy with a dead-letter queue (deadLetterTargetArn) and"
            " maxReceiveCount, and alarm on that queue",
            path=("Properties", "RedrivePolicy") if "RedrivePolicy" in queue.properties else (),
        )


@check("WMM703")
def visibility_timeout_too_short(ctx: Context) -> Iterator[Finding]:
    multiple = float(ctx.setting("timeout_multiple", 6))
    default_visibility = float(ctx.setting("default_visibility_timeout", 30))
    default_timeout = float(ctx.setting("default_function_timeout", 3))
    index = index_of(ctx)
    for queue in ctx.app.resources(QUEUE):
        worst: tuple[float, float, float, float, Resource] | None = None
        violating: list[Scenario] = []
        seen: list[Scenario] = []
        for mapping in index.mappings_from(queue):
            if mapping.kind != "sqs":
                continue
            for function in mapping.functions.resources:
                for joint in joint_scenarios(ctx.app, [queue, mapping.holder, function]):
                    queue_scenario = in_joint(joint, queue)
                    if queue_scenario not in seen:
                        seen.append(queue_scenario)
                    found = _shortfall(
                        ctx, joint, queue, mapping, function,
                        (multiple, default_visibility, default_timeout),
                    )  # fmt: skip
                    if found is None:
                        continue
                    if queue_scenario not in violating:
                        violating.append(queue_scenario)
                    if worst is None or found[3] > worst[3]:
                        worst = (*found, function)
        if worst is None:
            continue
        visibility, timeout, window, needed, function = worst
        batching = f" and a {window:g} s batching window" if window else ""
        yield ctx.finding(
            queue,
            f"{queue.logical_id} has a visibility timeout of {visibility:g} s but"
            f" {function.logical_id} consumes it with a {timeout:g} s timeout{batching}"
            f"{describe_when(violating, seen)}: AWS's guidance is at least {multiple:g} x the"
            f" function timeout plus the batching window ({needed:g} s), or messages reappear"
            " while their batch is retried; raise VisibilityTimeout to"
            f" {needed:g} or lower the function's Timeout",
            path=(
                ("Properties", "VisibilityTimeout")
                if "VisibilityTimeout" in queue.properties
                else ()
            ),
        )


def _shortfall(
    ctx: Context,
    joint: dict,
    queue: Resource,
    mapping: Mapping,
    function: Resource,
    settings: tuple[float, float, float],
) -> tuple[float, float, float, float] | None:
    """(visibility, timeout, window, needed) when every value this joint scenario allows is
    too short; None when it is long enough or anything is unknown."""
    multiple, default_visibility, default_timeout = settings
    holder_scenario = in_joint(joint, mapping.holder)
    if mapping.holder is function and absent(
        function.properties, mapping.path[1:-1], holder_scenario
    ):
        return None  # the SAM event is not there in this scenario
    visibility = numbers(
        ctx.resolver(queue, in_joint(joint, queue)), queue.properties, ("VisibilityTimeout",),
        default_visibility,
    )  # fmt: skip
    timeout = numbers(
        ctx.resolver(function, in_joint(joint, function)), function.properties, ("Timeout",),
        default_timeout,
    )  # fmt: skip
    window = numbers(
        ctx.resolver(mapping.holder, holder_scenario), mapping.settings,
        ("MaximumBatchingWindowInSeconds",), 0,
    )  # fmt: skip
    if not visibility or not timeout or not window:
        return None
    needed = multiple * min(timeout) + min(window)
    if max(visibility) >= needed:
        return None
    return max(visibility), min(timeout), min(window), needed
