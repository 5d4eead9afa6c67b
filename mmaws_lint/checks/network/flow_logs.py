"""WMM204: VPCs without a flow log that records rejected traffic.

A flow log covers a VPC when it names it and both can be deployed together (their Conditions
can hold at once). A flow log whose VPC is only known at deploy time (a parameter, or an import
whose export name is built from a parameter) may cover any VPC that another template of the run
could hand it: those VPCs are not reported, since nobody can tell.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from ...findings import Finding
from ...template.resolve import Parts, Resolver
from ...template.template import Resource
from .. import Context, check
from ..deploy_time import DeployTimeReference, deploy_time_reference, exported_names, published
from .attachments import GroupKey, branches, key_of

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


@dataclass
class FlowLogIndex:
    watched: dict[GroupKey, list[FlowLog]] = field(default_factory=lambda: defaultdict(list))
    unknown: list[tuple[FlowLog, DeployTimeReference]] = field(default_factory=list)
    exported: dict[GroupKey, list[Parts]] = field(default_factory=dict)
    published: set[GroupKey] = field(default_factory=set)

    def naming(self, vpc: Resource) -> list[FlowLog]:
        return self.watched.get(key_of(vpc), [])

    def maybe_watching(self, vpc: Resource) -> list[FlowLog]:
        return [
            log
            for log, target in self.unknown
            if target.may_name(vpc, self.exported, self.published)
        ]


def _flow_logs(ctx: Context) -> FlowLogIndex:
    index = FlowLogIndex()
    for resource in ctx.app.resources(FLOW_LOG):
        if not ctx.scenarios(resource):
            continue  # its Condition never holds
        resolver = ctx.resolver(resource)
        types = resolver.literals(resource.prop("TrafficType"))
        flow_log = FlowLog(
            resource, frozenset(t.upper() for t in types) if types is not None else None
        )
        target = resource.prop("ResourceId")
        for found in resolver.references(target):
            index.watched[(found.file, found.logical_id)].append(flow_log)
        if _may_name_a_vpc(resolver, resource):
            unknown = deploy_time_reference(resolver, (v for v, _ in branches(target, ())))
            if unknown is not None:
                index.unknown.append((flow_log, unknown))
    if index.unknown:
        index.exported = exported_names(ctx.app)
        index.published = published(ctx.app)
    return index


def _may_name_a_vpc(resolver: Resolver, flow_log: Resource) -> bool:
    kinds = resolver.literals(flow_log.prop("ResourceType"))
    return kinds is None or "vpc" in {kind.lower() for kind in kinds}


@check("WMM204")
def vpc_without_flow_logs(ctx: Context) -> Iterator[Finding]:
    index = _flow_logs(ctx)
    reject_types = {str(t).upper() for t in ctx.setting("reject_traffic_types", [])}
    for vpc in ctx.app.resources(VPC):
        if not ctx.scenarios(vpc):
            continue
        naming = index.naming(vpc)
        flow_logs = [log for log in naming if ctx.app.coexist(vpc, log.resource)]
        flow_logs += index.maybe_watching(vpc)
        if not flow_logs:
            yield ctx.finding(vpc, _no_flow_log_message(vpc, naming))
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


def _no_flow_log_message(vpc: Resource, apart: list[FlowLog]) -> str:
    never_together = ""
    if apart:
        names = ", ".join(sorted({log.resource.logical_id for log in apart}))
        never_together = f" ({names} is never deployed together with it: their Conditions exclude"
        never_together += " each other)"
    return (
        f"{vpc.logical_id} has no flow log{never_together}, so a packet dropped by a security"
        " group or NACL leaves no trace; add an AWS::EC2::FlowLog with ResourceType VPC,"
        f" ResourceId !Ref {vpc.logical_id} and TrafficType ALL"
    )
