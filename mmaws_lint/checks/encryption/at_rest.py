"""Encryption at rest: data stores without encryption, or encrypted only with keys AWS owns.

The catalog in rules/encryption.yaml says, per resource type, how encryption is switched on and
which property names the key; `catalog.judge` turns a resource into outcomes, one per part
(volume, replica) and value. Both rules read one verdict per scenario of the resource, built
once per run: in a scenario, a part that can be unencrypted is reported by WMM401 only, so a
resource never gets "not encrypted" and "encrypted with an AWS key" for the same deployment.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ...app import App
from ...findings import Finding
from ...template.resolve import Target
from ...template.scenarios import Scenario, describe_when, first_found
from ...template.template import Resource
from .. import Context, check
from .catalog import AWS_MANAGED, AWS_OWNED, NONE, Outcome, StoreKind, catalog, judge
from .index import SseS3Signs, sse_s3_only_buckets

_AWS_KEYS = (AWS_OWNED, AWS_MANAGED)
_RANK = {NONE: 2, AWS_OWNED: 1, AWS_MANAGED: 1}


@dataclass(frozen=True)
class StoreVerdict:
    """What one data store ends up with in each of its scenarios: the outcome that decides
    each part (an unencrypted possibility first), in the order the parts are written."""

    resource: Resource
    kind: StoreKind
    scenarios: list[Scenario]
    parts: dict[Scenario, list[Outcome]]

    def breaking(self, states: tuple[str, ...]) -> tuple[list[Scenario], Outcome | None]:
        """The scenarios in which some part ends up in one of `states`, and the first such part."""
        return first_found(
            self.scenarios, lambda s: next((o for o in self.parts[s] if o.state in states), None)
        )


def store_verdicts(ctx: Context) -> list[StoreVerdict]:
    kinds = catalog(ctx.model.data)
    return ctx.app.shared("encryption.store_verdicts", lambda app: _build(app, kinds))


def _build(app: App, kinds: dict[str, StoreKind]) -> list[StoreVerdict]:
    verdicts: list[StoreVerdict] = []
    for resource in app.resources(*kinds):
        kind = kinds[resource.type]
        # A Region where the service cannot encrypt is not a configuration the author chose.
        scenarios = [
            s for s in app.scenarios(resource) if not any(s.holds(c) for c in kind.region_gaps)
        ]
        base = app.resolver(resource.template)
        parts = {s: _deciding(judge(base.under(s), resource, kind)) for s in scenarios}
        if any(parts.values()):
            verdicts.append(StoreVerdict(resource, kind, scenarios, parts))
    return verdicts


def _deciding(outcomes: list[Outcome]) -> list[Outcome]:
    """One outcome per part, the worst it can be: unencrypted, else an AWS key, else the first
    one written (several values of one scenario come from a mapping or from list items)."""
    by_part: dict[tuple, Outcome] = {}
    for outcome in outcomes:
        known = by_part.get(outcome.unit)
        if known is None or _RANK.get(outcome.state, 0) > _RANK.get(known.state, 0):
            by_part[outcome.unit] = outcome
    return list(by_part.values())


@check("WMM401")
def data_store_without_encryption(ctx: Context) -> Iterator[Finding]:
    for verdict in store_verdicts(ctx):
        violating, outcome = verdict.breaking((NONE,))
        if outcome is None:
            continue
        resource, kind = verdict.resource, verdict.kind
        note = f" {kind.unencrypted_note}" if kind.unencrypted_note else ""
        yield ctx.finding(
            resource,
            f"{resource.logical_id} is {kind.called} without encryption at rest"
            f"{describe_when(violating, verdict.scenarios)}, readable by anyone who gets its"
            f" disks, snapshots or backups; {kind.remedy}{note}",
            path=outcome.path,
        )


@check("WMM402")
def data_store_with_aws_key(ctx: Context) -> Iterator[Finding]:
    sse_s3_only = sse_s3_only_buckets(ctx.app, SseS3Signs.from_settings(ctx.rule.settings))
    for verdict in store_verdicts(ctx):
        resource, kind = verdict.resource, verdict.kind
        if Target(resource.template.file, resource.logical_id) in sse_s3_only:
            continue
        violating, outcome = verdict.breaking(_AWS_KEYS)
        if outcome is None:
            continue
        yield ctx.finding(
            resource,
            f"{resource.logical_id} ({kind.called}) is encrypted only with"
            f" {kind.describe(outcome)}{describe_when(violating, verdict.scenarios)}, whose key"
            f" policy you cannot write or share with a backup account; {kind.remedy}",
            path=outcome.path,
        )
