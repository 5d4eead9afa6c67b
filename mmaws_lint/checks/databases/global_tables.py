"""IMM606: a DynamoDB global table that takes writes in more than one Region."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Finding
from ...template.resolve import Sym
from ...template.scenarios import Scenario
from ...template.walk import ABSENT, OPAQUE, lookup
from .. import Context, check
from .values import breaches, literals_in


@check("IMM606")
def multi_region_writes(ctx: Context) -> Iterator[Finding]:
    for table in ctx.app.resources("AWS::DynamoDB::GlobalTable"):

        def regions(s: Scenario, table=table) -> set[str]:
            consistency = literals_in(ctx, table, s, ("MultiRegionConsistency",), "eventual")
            if consistency == {"strong"}:
                return set()
            resolver = ctx.resolver(table, s)
            found: set[str] = set()
            for value, _ in lookup(table.properties, ("Replicas", "*", "Region"), scenario=s):
                if value is ABSENT or value is OPAQUE:
                    continue
                for parts in resolver.values(value):
                    found.add("".join(p if isinstance(p, str) else _name(p) for p in parts))
            return found

        found = breaches(ctx, table, lambda s: len(regions(s)) > 1)
        if found:
            names = ", ".join(sorted(regions(found[0][0])))
            yield ctx.finding(
                table,
                f"{table.logical_id} is a global table written in several Regions ({names})"
                f"{found[1]}: concurrent writes to one item resolve as last writer wins, and the"
                " lost update raises no error; write each item in one home Region",
                path=("Properties", "Replicas"),
            )


def _name(symbol: Sym) -> str:
    return f"${{{symbol.name}}}" if symbol.kind in ("pseudo", "param", "ref") else f"?{symbol.name}"
