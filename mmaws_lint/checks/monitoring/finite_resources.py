"""WMM101: finite resources without a CloudWatch alarm on each of their capacities."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Finding
from ...template.template import Resource
from .. import Context, check
from .catalog import Entry
from .coverage import Unwatched, unwatched_resources
from .wording import either


@check("WMM101")
def finite_resource_without_alarm(ctx: Context) -> Iterator[Finding]:
    for unwatched in unwatched_resources(ctx.app, ctx.model):
        if unwatched.capacities:  # capacities watched only in some scenarios are IMM104's
            yield ctx.finding(unwatched.resource, unwatched_message(unwatched))


def unwatched_message(unwatched: Unwatched) -> str:
    resource, entry = unwatched.resource, unwatched.entry
    capacities = "; ".join(
        f"{capacity.name} ({either(capacity.metrics)})" for capacity in unwatched.capacities
    )
    return (
        f"{resource.logical_id} is a finite resource with no CloudWatch alarm on {capacities};"
        f" add an AWS::CloudWatch::Alarm per capacity on one of those {entry.namespace} metrics"
        f" with dimension {_dimension_hint(entry, resource)}"
        " (`mmaws-lint alarms` writes them)"
    )


def _dimension_hint(entry: Entry, resource: Resource) -> str:
    logical_id = resource.logical_id
    for name, source in entry.dimensions.items():
        kind, _, argument = source.partition(" ")
        if kind == "ref":
            return f"{name} = !Ref {logical_id}"
        if kind == "getatt":
            return f"{name} = !GetAtt {logical_id}.{argument}"
        if kind == "cache_nodes":
            return f"{name} = !Sub ${{{logical_id}}}-001"
    return f"referencing {logical_id}"
