"""Serverless and messaging (WMM701-EMM710-IMM711).

`index` follows event sources, mappings and subscriptions across the run; `async_failures`,
`queues`, `batches`, `topics`, `chains`, `retries`, `idempotency` and `logs` judge them;
importing them registers their checks.
"""

from . import async_failures, batches, chains, idempotency, logs, queues, retries, topics

__all__ = [
    "async_failures",
    "batches",
    "chains",
    "idempotency",
    "logs",
    "queues",
    "retries",
    "topics",
]
