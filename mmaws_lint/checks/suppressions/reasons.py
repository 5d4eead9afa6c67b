"""WMM001: suppressions without a reason, which are not honoured."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Finding, finding_at
from ...suppress import suppressions
from .. import Context, check


@check("WMM001")
def suppression_without_reason(ctx: Context) -> Iterator[Finding]:
    for template in ctx.app.templates:
        for entry in suppressions(template):
            if entry.reason is not None:
                continue
            resource = template.resources.get(entry.resource) if entry.resource else None
            owner = entry.resource or "the template"
            yield finding_at(
                ctx.rule,
                template,
                f"suppression of {entry.rule} on {owner} has no reason, so it is not honoured;"
                " add `reason: <why this exception is safe>` next to its id",
                resource,
                entry.path[len(resource.path) :] if resource else entry.path,
            )
