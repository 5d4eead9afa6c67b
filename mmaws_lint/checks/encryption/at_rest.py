"""Encryption at rest: data stores without encryption, or encrypted only with keys AWS owns.

The catalog in rules/encryption.yaml says, per resource type, how encryption is switched on and
which property names the key; `encryption_catalog.judge` turns a resource into outcomes, one per
configuration (`Fn::If` branches, block device mappings, replicas). The key rules live in
`encryption_keys.py`, the backup rule in `encryption_backup.py`.
"""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Finding
from ...template.resolve import Target
from .. import Context, check
from .catalog import (
    AWS_MANAGED,
    AWS_OWNED,
    NONE,
    Outcome,
    StoreKind,
    catalog,
    deployed,
    judge,
)
from .index import SseS3Signs, sse_s3_only_buckets


@check("WMM401")
def data_store_without_encryption(ctx: Context) -> Iterator[Finding]:
    kinds = catalog(ctx.model.data)
    for resource in deployed(ctx.app.resources(*kinds)):
        kind = kinds[resource.type]
        outcome = _first(judge(ctx.resolver(resource), resource, kind), {NONE})
        if outcome is not None:
            yield ctx.finding(
                resource,
                f"{resource.logical_id} is {kind.called} without encryption at rest, readable by"
                f" anyone who gets its disks, snapshots or backups; {kind.remedy}",
                path=outcome.path,
            )


@check("WMM402")
def data_store_with_aws_key(ctx: Context) -> Iterator[Finding]:
    kinds = catalog(ctx.model.data)
    sse_s3_only = sse_s3_only_buckets(ctx.app, SseS3Signs.from_settings(ctx.rule.settings))
    for resource in deployed(ctx.app.resources(*kinds)):
        if Target(resource.template.file, resource.logical_id) in sse_s3_only:
            continue
        kind = kinds[resource.type]
        outcome = _first(judge(ctx.resolver(resource), resource, kind), {AWS_OWNED, AWS_MANAGED})
        if outcome is not None:
            yield ctx.finding(
                resource, _aws_key_message(resource.logical_id, kind, outcome), path=outcome.path
            )


def _aws_key_message(logical_id: str, kind: StoreKind, outcome: Outcome) -> str:
    return (
        f"{logical_id} ({kind.called}) is encrypted only with {kind.describe(outcome)}, whose key"
        f" policy you cannot write or share with a backup account; {kind.remedy}"
    )


def _first(outcomes: list[Outcome], states: set[str]) -> Outcome | None:
    return next((outcome for outcome in outcomes if outcome.state in states), None)
