"""Where failed messages go: the resources of the run named as a dead-letter target.

Shared by monitoring (a dead-letter queue is watched for messages, not for age) and serverless
(a queue that is a dead-letter queue needs no dead-letter queue of its own). Every service names
its dead-letter target under one of a few property names at some depth: SQS and SNS
`RedrivePolicy.deadLetterTargetArn`, Lambda and EventBridge `DeadLetterConfig`, SAM
`DeadLetterQueue`, and `OnFailure` destinations of asynchronous invocation and event source
mappings. The index is built once per run.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..app import App
from ..template.resolve import Sym, intrinsic
from ..template.template import Resource

ResourceKey = tuple[str, str]  # (file, logical ID)

# Property names under which any service (SQS redrive, Lambda, SNS, EventBridge, Pipes,
# Scheduler, event source mappings, SAM) points at a queue that receives failed messages.
# RedrivePolicy (SQS, SNS) holds nothing but its dead-letter target, also when it is written
# as a JSON string (`!Sub '{"deadLetterTargetArn": "${Dlq.Arn}", ...}'`).
DEAD_LETTER_KEYS = frozenset(
    {"RedrivePolicy", "deadLetterTargetArn", "DeadLetterConfig", "DeadLetterQueue", "OnFailure"}
)
_UNKNOWN_SYMBOLS = frozenset({"param", "import", "unknown"})
# Where, inside a dead-letter setting, the target itself is named.
_ARN_KEYS = frozenset({"Arn", "TargetArn", "Destination", "deadLetterTargetArn"})


@dataclass
class DeadLetterIndex:
    """Dead-letter targets by resource, with the resources that name them."""

    referrers: dict[ResourceKey, list[Resource]] = field(default_factory=dict)
    # Resources naming a dead-letter target the linter cannot identify (a parameter, an import
    # nobody in the run exports): that target may be any queue of the run.
    unknown_referrers: list[Resource] = field(default_factory=list)

    @property
    def targets(self) -> set[ResourceKey]:
        return set(self.referrers)


def dead_letter_index(app: App) -> DeadLetterIndex:
    """The run's dead-letter targets; built once per run."""
    return app.shared("dead_letters", _build)


def _build(app: App) -> DeadLetterIndex:
    index = DeadLetterIndex()
    for resource in app.resources():
        resolver = app.resolver(resource.template)
        unknown = False
        for node in nodes_under(resource.properties, DEAD_LETTER_KEYS):
            for target in resolver.references(node):
                index.referrers.setdefault((target.file, target.logical_id), []).append(resource)
            if not unknown and _names_unknown(resolver, node):
                unknown = True
        if unknown:
            index.unknown_referrers.append(resource)
    return index


def _names_unknown(resolver: Any, node: Any) -> bool:
    """True when a target under `node` may be a resource the linter cannot identify."""
    values = [node] if _is_value(node) else list(nodes_under(node, _ARN_KEYS))
    return any(
        isinstance(part, Sym) and part.kind in _UNKNOWN_SYMBOLS
        for value in values
        for parts in resolver.values(value)
        for part in parts
    )


def _is_value(node: Any) -> bool:
    function = intrinsic(node)
    return isinstance(node, str) or (function is not None and function[0] != "Fn::If")


def nodes_under(properties: Any, keys: frozenset[str]) -> Iterator[Any]:
    """Values of the properties named `keys`, at any depth (not below a matched key)."""
    stack = [properties]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key in keys:
                    yield value
                else:
                    stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)
