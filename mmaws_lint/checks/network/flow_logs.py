"""WMM204: VPCs without a flow log that records rejected traffic.

A flow log covers a VPC when it names it and both can be deployed together (their Conditions
can hold at once). A flow log whose VPC is only known at deploy time (a parameter, or an import
whose export name is built from a parameter) may cover any VPC that another template of the run
could hand it: those VPCs are not reported, since nobody can tell.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ...app import App
from ...findings import Finding
from ...template.resolve import Parts, Resolver, Sym, intrinsic
from ...template.template import Resource, Template
from .. import Context, check
from .attachments import GroupKey, branches, key_of

VPC = "AWS::EC2::VPC"
FLOW_LOG = "AWS::EC2::FlowLog"
_DEPLOY_TIME = ("param", "import", "unknown")


@dataclass(frozen=True)
class FlowLog:
    resource: Resource
    traffic_types: frozenset[str] | None  # None: not known before deployment

    def records_rejects(self, reject_types: set[str]) -> bool | None:
        """True when every choice records rejects; None when unknown."""
        if self.traffic_types is None:
            return None
        return self.traffic_types <= reject_types


@dataclass(frozen=True)
class UnknownTarget:
    """A flow log whose VPC is decided at deploy time, and which VPCs of the run it may be."""

    flow_log: FlowLog
    any_other_template: bool  # a parameter or an unreadable value: any VPC handed over
    import_names: tuple[Parts, ...] = ()  # import names, Sym parts unknown

    def may_watch(self, vpc: Resource, exported: dict[GroupKey, list[Parts]]) -> bool:
        if vpc.template is self.flow_log.resource.template:
            return False  # a stack cannot receive its own VPC's ID before creating it
        if self.any_other_template:
            return True
        return any(
            _may_be_same_name(imported, name)
            for imported in self.import_names
            for name in exported.get(key_of(vpc), [])
        )


@dataclass
class FlowLogIndex:
    watched: dict[GroupKey, list[FlowLog]] = field(default_factory=lambda: defaultdict(list))
    unknown: list[UnknownTarget] = field(default_factory=list)
    exported: dict[GroupKey, list[Parts]] = field(default_factory=dict)

    def naming(self, vpc: Resource) -> list[FlowLog]:
        return self.watched.get(key_of(vpc), [])

    def maybe_watching(self, vpc: Resource) -> list[FlowLog]:
        return [u.flow_log for u in self.unknown if u.may_watch(vpc, self.exported)]


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
            unknown = _unknown_target(resolver, flow_log, target)
            if unknown is not None:
                index.unknown.append(unknown)
    if index.unknown:
        index.exported = _exported_names(ctx.app)
    return index


def _may_name_a_vpc(resolver: Resolver, flow_log: Resource) -> bool:
    kinds = resolver.literals(flow_log.prop("ResourceType"))
    return kinds is None or "vpc" in {kind.lower() for kind in kinds}


def _unknown_target(resolver: Resolver, flow_log: FlowLog, node: Any) -> UnknownTarget | None:
    """What the deploy-time part of a flow log's ResourceId may be; None when it is all known."""
    any_other = False
    imports: list[Parts] = []
    for value, _ in branches(node, ()):
        function = intrinsic(value)
        if function is not None and function[0] == "Fn::ImportValue":
            if resolver.export_values(function[1]) is None:  # nobody in the run exports it
                imports.extend(resolver.values(function[1]) or {(Sym("unknown"),)})
            continue
        for parts in resolver.values(value):
            if any(isinstance(p, Sym) and p.kind in _DEPLOY_TIME for p in parts):
                any_other = True
    if not any_other and not imports:
        return None
    return UnknownTarget(flow_log, any_other, tuple(imports))


def _exported_names(app: App) -> dict[GroupKey, list[Parts]]:
    """VPC (file, logical ID) -> the names its ID is exported under, deploy-time parts kept."""
    exported: dict[GroupKey, list[Parts]] = defaultdict(list)
    for template in app.templates:
        naming = _naming(template)
        resolver = app.resolver(template)
        for output in template.outputs.values():
            export = output.get("Export") if isinstance(output, dict) else None
            if not isinstance(export, dict) or "Name" not in export:
                continue
            names = naming.values(export["Name"])
            for target in resolver.references(output.get("Value")):
                exported[(target.file, target.logical_id)].extend(names)
    return exported


def _naming(template: Template) -> Resolver:
    return Resolver(template, None, {"AWS::StackName": template.stack_name})


def _may_be_same_name(imported: Parts, exported: Parts) -> bool:
    """Can an import name with deploy-time parts be this export name? An export name with
    deploy-time parts of its own may be anything."""
    if any(isinstance(part, Sym) for part in exported):
        return True
    pattern = "".join(re.escape(p) if isinstance(p, str) else ".*" for p in imported)
    return re.fullmatch(pattern, "".join(str(p) for p in exported), re.DOTALL) is not None


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
