"""WMM204: VPCs without a flow log that records rejected traffic."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from ...findings import Finding
from ...template.template import Resource
from .. import Context, check
from .attachments import key_of

VPC = "AWS::EC2::VPC"
FLOW_LOG = "AWS::EC2::FlowLog"


@dataclass(frozen=True)
class FlowLog:
    resource: Resource
    traffic_types: frozenset[str] | None  # None: not known before deployment

    def records_rejects(self, reject_types: set[str]) -> bool | None:
        """True when every choice records rejects; None when unknown."""
        if self.traffic_types is None:
            return None
        return self.traffic_types <= reject_types


def _flow_logs(ctx: Context) -> dict[tuple[str, str], list[FlowLog]]:
    """Resource (file, logical ID) -> the flow logs watching it."""
    watched: dict[tuple[str, str], list[FlowLog]] = defaultdict(list)
    for resource in ctx.app.resources(FLOW_LOG):
        resolver = ctx.resolver(resource)
        types = resolver.literals(resource.prop("TrafficType"))
        flow_log = FlowLog(
            resource, frozenset(t.upper() for t in types) if types is not None else None
        )
        for target in resolver.references(resource.prop("ResourceId")):
            watched[(target.file, target.logical_id)].append(flow_log)
    return watched


@check("WMM204")
def vpc_without_flow_logs(ctx: Context) -> Iterator[Finding]:
    watched = _flow_logs(ctx)
    reject_types = {str(t).upper() for t in ctx.setting("reject_traffic_types", [])}
    for vpc in ctx.app.resources(VPC):
        flow_logs = watched.get(key_of(vpc), [])
        if not flow_logs:
            yield ctx.finding(
                vpc,
                f"{vpc.logical_id} has no flow log, so a packet dropped by a security group or"
                " NACL leaves no trace; add an AWS::EC2::FlowLog with ResourceType VPC,"
                f" ResourceId !Ref {vpc.logical_id} and TrafficType ALL",
            )
            continue
        if any(log.records_rejects(reject_types) is not False for log in flow_logs):
            continue
        for log in flow_logs:
            when = "" if log.traffic_types == {"ACCEPT"} else " in some configurations"
            yield ctx.finding(
                log.resource,
                f"{log.resource.logical_id}, the flow log of {vpc.logical_id}, records only"
                f" accepted traffic{when}, so packets dropped by a security group or NACL leave"
                " no trace; set TrafficType: ALL",
                ("Properties", "TrafficType"),
            )
