"""WMM704 (a poison record can block a stream) and IMM711 (SQS batches without partial batch
responses): how an event source mapping handles a batch that fails."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ...findings import Finding
from ...template.numbers import whole_number
from ...template.resolve import Resolver
from ...template.scenarios import Scenario, describe_when
from ...template.template import Resource
from ...template.walk import ABSENT, OPAQUE, lookup, lowered, possible_literals
from .. import Context, check
from .helpers import absent, index_of, listed
from .index import Mapping

_STREAM_KINDS = {"kinesis": "Kinesis stream", "dynamodb": "DynamoDB stream"}
_BOUND, _BISECT, _DESTINATION = "bound", "bisect", "destination"
_GAPS = {  # what is missing, what happens, what to set
    _BOUND: (
        "a bound on retries",
        "a record that always fails is retried until it expires, and its shard stops meanwhile",
        "MaximumRetryAttempts (or MaximumRecordAgeInSeconds)",
    ),
    _BISECT: (
        "batch splitting",
        "the failing record takes the good records of its batch with it",
        "BisectBatchOnFunctionError: true (or FunctionResponseTypes [ReportBatchItemFailures])",
    ),
    _DESTINATION: (
        "an OnFailure destination",
        "records given up on are dropped without trace",
        "DestinationConfig.OnFailure",
    ),
}
# What is missing in one scenario, or None when nothing is (or it is unknown).
Judge = Callable[[Context, Mapping, Resolver, Scenario], list[str] | None]


@check("WMM704")
def poison_record_blocks_stream(ctx: Context) -> Iterator[Finding]:
    yield from _per_holder(ctx, ("kinesis", "dynamodb"), _stream_gaps, _stream_message)


@check("IMM711")
def sqs_batch_without_partial_failures(ctx: Context) -> Iterator[Finding]:
    yield from _per_holder(ctx, ("sqs",), _batch_gaps, _batch_message)


def _per_holder(
    ctx: Context,
    kinds: tuple[str, ...],
    judge: Judge,
    message: Callable[[Mapping, list[str], str], str],
) -> Iterator[Finding]:
    """One finding per mapping holder (a SAM function may hold several mappings)."""
    by_holder: dict[int, tuple[Resource, list[tuple[Mapping, str]]]] = {}
    for mapping in index_of(ctx).mappings:
        if mapping.kind not in kinds:
            continue
        scenarios = ctx.scenarios(mapping.holder)
        bad: list[Scenario] = []
        gaps: list[str] = []
        for scenario in scenarios:
            if mapping.holder.type == "AWS::Serverless::Function" and absent(
                mapping.holder.properties, mapping.path[1:-1], scenario
            ):
                continue
            found = judge(ctx, mapping, ctx.resolver(mapping.holder, scenario), scenario)
            if found:
                bad.append(scenario)
                gaps.extend(g for g in found if g not in gaps)
        if bad:
            text = message(mapping, gaps, describe_when(bad, scenarios))
            entry = by_holder.setdefault(id(mapping.holder), (mapping.holder, []))
            entry[1].append((mapping, text))
    for holder, items in by_holder.values():
        path = () if holder.type != "AWS::Serverless::Function" else items[0][0].path[:-1]
        yield ctx.finding(holder, "; ".join(text for _, text in items), path=path)


def _response_types(resolver: Resolver, mapping: Mapping, scenario: Scenario) -> set[str] | None:
    """FunctionResponseTypes in this scenario; None when unknown."""
    found: set[str] = set()
    for value, _ in lookup(mapping.settings, ("FunctionResponseTypes", "*"), scenario=scenario):
        if value is ABSENT:
            continue
        literals = None if value is OPAQUE else resolver.literals(value)
        if literals is None:
            return None
        found |= literals
    return found


def _stream_gaps(
    ctx: Context, mapping: Mapping, resolver: Resolver, scenario: Scenario
) -> list[str] | None:
    settings = mapping.settings
    gaps = []
    retries = possible_literals(resolver, settings, ("MaximumRetryAttempts",), "-1")
    age = possible_literals(resolver, settings, ("MaximumRecordAgeInSeconds",), "-1")
    if retries == {"-1"} and age == {"-1"}:
        gaps.append(_BOUND)
    bisect = lowered(
        possible_literals(resolver, settings, ("BisectBatchOnFunctionError",), "false")
    )
    batch = possible_literals(resolver, settings, ("BatchSize",), "100")
    responses = _response_types(resolver, mapping, scenario)
    if (
        bisect == {"false"}
        and responses is not None
        and "ReportBatchItemFailures" not in responses
        and batch != {"1"}
    ):
        gaps.append(_BISECT)
    if absent(settings, ("DestinationConfig", "OnFailure"), scenario):
        gaps.append(_DESTINATION)
    return gaps


def _stream_message(mapping: Mapping, gaps: list[str], when: str) -> str:
    kind = _STREAM_KINDS.get(mapping.kind or "", "stream")
    source = f" {mapping.sources[0].logical_id}" if mapping.sources else ""
    missing = listed([_GAPS[gap][0] for gap in gaps])
    effects = "; ".join(_GAPS[gap][1] for gap in gaps)
    fixes = listed([_GAPS[gap][2] for gap in gaps])
    return f"{mapping.name} reads {kind}{source} without {missing}{when}: {effects}; set {fixes}"


def _batch_gaps(
    ctx: Context, mapping: Mapping, resolver: Resolver, scenario: Scenario
) -> list[str] | None:
    sizes = possible_literals(resolver, mapping.settings, ("BatchSize",), "10")
    if sizes is None or not all((whole_number(size) or 0) > 1 for size in sizes):
        return None
    responses = _response_types(resolver, mapping, scenario)
    if responses is None or "ReportBatchItemFailures" in responses:
        return None
    return [max(sizes, key=int)]


def _batch_message(mapping: Mapping, gaps: list[str], when: str) -> str:
    source = f" {mapping.sources[0].logical_id}" if mapping.sources else ""
    return (
        f"{mapping.name} reads SQS queue{source} in batches of up to {gaps[0]} without"
        f" ReportBatchItemFailures{when}: one failing message returns the whole batch to the"
        " queue, so the others run again; add FunctionResponseTypes [ReportBatchItemFailures]"
        " and return batchItemFailures from the handler"
    )
