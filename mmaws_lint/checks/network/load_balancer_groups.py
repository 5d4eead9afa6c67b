"""WMM205: Network Load Balancers created without security groups."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...findings import Finding
from ...template.resolve import intrinsic, is_no_value
from .. import Context, check

LOAD_BALANCER = "AWS::ElasticLoadBalancingV2::LoadBalancer"


@check("WMM205")
def network_load_balancer_without_groups(ctx: Context) -> Iterator[Finding]:
    kinds = {str(t).lower() for t in ctx.setting("types_needing_groups_at_creation", [])}
    for balancer in ctx.app.resources(LOAD_BALANCER):
        resolver = ctx.resolver(balancer)
        types = resolver.literals(balancer.prop("Type", default="application"))
        if types is None or not {t.lower() for t in types} & kinds:
            continue
        if "SecurityGroups" not in balancer.properties:
            path: tuple[Any, ...] = ()
        elif _may_be_empty(balancer.properties["SecurityGroups"]):
            path = ("Properties", "SecurityGroups")
        else:
            continue
        yield ctx.finding(
            balancer,
            f"{balancer.logical_id} is a Network Load Balancer without security groups: its"
            " targets must allow clients by IP range, and groups cannot be added after creation;"
            " set SecurityGroups now and let the targets allow that group",
            path,
        )


def _may_be_empty(node: Any, depth: int = 0) -> bool:
    """True when some `Fn::If` choice leaves the list without any group."""
    if depth > 16 or is_no_value(node):
        return True
    function = intrinsic(node)
    if function and function[0] == "Fn::If":
        choices = function[1][1:] if isinstance(function[1], list) and len(function[1]) == 3 else []
        return any(_may_be_empty(choice, depth + 1) for choice in choices)
    if isinstance(node, list):
        return all(_may_be_empty(item, depth + 1) for item in node)
    return False
