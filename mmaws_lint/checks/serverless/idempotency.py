"""IMM708: functions that consume at-least-once deliveries must be idempotent (off by default)."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Finding
from ...template.template import Resource
from .. import Context, check
from .helpers import index_of, listed
from .index import described, key

_SOURCE_KINDS = {
    "sqs": "SQS queue",
    "kinesis": "Kinesis stream",
    "dynamodb": "DynamoDB stream",
    "kafka": "Kafka topic",
    "mq": "MQ broker",
    "docdb": "DocumentDB change stream",
}


_FIFO_NOTE = " (a FIFO queue's deduplication does not make the consumer idempotent)"


def _is_fifo(ctx: Context, queue: Resource) -> bool:
    values = ctx.resolver(queue).literals(queue.prop("FifoQueue"))
    return bool(values) and {v.lower() for v in values} == {"true"}


@check("IMM708")
def consumer_must_be_idempotent(ctx: Context) -> Iterator[Finding]:
    index = index_of(ctx)
    for function in index.functions:
        sources = described(
            [
                invocation
                for invocation in index.invocations.get(key(function), [])
                if invocation.source is function or ctx.app.coexist(function, invocation.source)
            ]
        )
        fifo = False
        for mapping in index.mappings_of(function):
            if mapping.holder is not function and not ctx.app.coexist(function, mapping.holder):
                continue
            kind = _SOURCE_KINDS.get(mapping.kind or "", "event source")
            fifo = fifo or any(_is_fifo(ctx, source) for source in mapping.sources)
            names = [source.logical_id for source in mapping.sources]
            sources.append(f"{kind} {listed(names)}" if names else f"a {kind} ({mapping.name})")
        if not sources:
            continue
        yield ctx.finding(
            function,
            f"{function.logical_id} receives events from {listed(sources)}, which deliver at least"
            f" once{_FIFO_NOTE if fifo else ''}: it must be idempotent; ask of every side effect"
            " 'what happens if this line runs twice?' and key writes by the message ID or use"
            " an idempotency utility",
        )
