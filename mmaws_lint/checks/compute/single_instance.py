"""WMM501: a single EC2 instance, outside an Auto Scaling group."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Finding
from .. import Context, check


@check("WMM501")
def single_instance(ctx: Context) -> Iterator[Finding]:
    for instance in ctx.app.resources("AWS::EC2::Instance"):
        yield ctx.finding(
            instance,
            f"{instance.logical_id} is a single EC2 instance, which fails with its host and its AZ;"
            " run it in an Auto Scaling group (min = max = 1 is fine) across at least two AZs",
        )
