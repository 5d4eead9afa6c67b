"""Which resources each security group guards, and which rules it holds.

Built once per run (`security_groups(ctx)`) and shared by every rule that needs to know what a
group is attached to: the network family, and later any family asking "who can reach this
database?". A group is identified by (template file, logical ID), so groups imported from
another template of the run are the same group as in their own template.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ...app import App
from ...template.nodes import Path
from ...template.resolve import Resolver, intrinsic, is_no_value
from ...template.scenarios import condition_names
from ...template.template import Resource
from .. import Context

GroupKey = tuple[str, str]

SECURITY_GROUP = "AWS::EC2::SecurityGroup"
INGRESS_RESOURCE = "AWS::EC2::SecurityGroupIngress"
EGRESS_RESOURCE = "AWS::EC2::SecurityGroupEgress"
LOAD_BALANCER_KIND = "load balancer"
INLINE_RULE_KEYS = {"ingress": "SecurityGroupIngress", "egress": "SecurityGroupEgress"}
MAX_BRANCH_DEPTH = 16
MAX_VARIANT_CONDITIONS = 4
# Keys whose `Fn::If` choices must agree within one rule.
VARIANT_KEYS = (
    "CidrIp", "CidrIpv6", "DestinationCidrIp", "DestinationCidrIpv6", "IpProtocol", "FromPort",
    "ToPort",
)  # fmt: skip


@dataclass(frozen=True)
class Attachment:
    """A resource whose ENIs carry the group.

    `kind` comes from the attachment catalog; load balancers are refined to "internal load
    balancer" or "internet-facing load balancer" when their `Scheme` is known. `via` is the
    launch template or configuration through which a fleet gets the group.
    """

    resource: Resource
    name: str
    kind: str
    via: Resource | None = None

    def describe(self) -> str:
        # A load balancer's refined kind says more than its name ("internal load balancer").
        what = self.kind if self.kind.endswith(LOAD_BALANCER_KIND) else self.name
        text = f"{self.resource.logical_id} ({what})"
        if self.via is not None:
            text += f" through {self.via.logical_id}"
        return text


@dataclass(frozen=True)
class GroupRule:
    """One ingress or egress rule: inline in a group, or a standalone rule resource.

    `node` holds the rule's keys (CidrIp, FromPort, …); `path` leads from `owner` to it, so a
    finding can point at one of its keys. `groups` is empty when the group is not in the run.
    """

    owner: Resource
    direction: str
    node: dict
    path: Path
    groups: frozenset[GroupKey]

    @property
    def inline(self) -> bool:
        return self.owner.type == SECURITY_GROUP

    def variants(self) -> list[dict]:
        """The rule once per combination of the conditions its values test.

        `CidrIp: !If [IsProd, 10.0.0.0/8, 0.0.0.0/0]` with `FromPort: !If [IsProd, 22, 443]`
        is two rules (22 from 10.0.0.0/8, 443 from everywhere), not four: choosing each
        condition once keeps the branches of one rule consistent. Beyond a few conditions the
        rule is returned as written, and each `Fn::If` then counts on its own.
        """
        conditions = sorted(condition_names([self.node.get(key) for key in VARIANT_KEYS]))
        if not conditions or len(conditions) > MAX_VARIANT_CONDITIONS:
            return [self.node]
        return [
            {
                key: _choose(value, dict(zip(conditions, choice, strict=True)))
                if key in VARIANT_KEYS
                else value
                for key, value in self.node.items()
            }
            for choice in itertools.product((True, False), repeat=len(conditions))
        ]


@dataclass
class SecurityGroupIndex:
    groups: dict[GroupKey, Resource] = field(default_factory=dict)
    attachments: dict[GroupKey, list[Attachment]] = field(default_factory=dict)
    rules: list[GroupRule] = field(default_factory=list)

    def attached_to(self, groups: frozenset[GroupKey]) -> list[Attachment]:
        return [a for key in sorted(groups) for a in self.attachments.get(key, [])]


def security_groups(ctx: Context) -> SecurityGroupIndex:
    """The run's index; the catalogs come from the model's data, so users can extend them."""
    catalog = ctx.data("network_security_group_attachments")
    users = ctx.data("network_launch_template_users")
    return ctx.app.shared("network.security_groups", lambda app: build_index(app, catalog, users))


def build_index(app: App, catalog: dict[str, Any], users: dict[str, Any]) -> SecurityGroupIndex:
    index = SecurityGroupIndex()
    for resource in app.resources(SECURITY_GROUP):
        index.groups[key_of(resource)] = resource
    launch_groups: dict[GroupKey, list[tuple[GroupKey, Attachment]]] = defaultdict(list)
    for resource in app.resources(*catalog):
        for attachment, group in _direct_attachments(app, resource, catalog[resource.type], index):
            index.attachments.setdefault(group, []).append(attachment)
            # Any attaching resource may be a launch template or configuration named by a fleet.
            launch_groups[key_of(resource)].append((group, attachment))
    for resource in app.resources(*users):
        for launch_key in _launch_references(app, resource, users[resource.type]):
            for group, template_attachment in launch_groups.get(launch_key, []):
                fleet = Attachment(
                    resource, users[resource.type]["name"], "compute", template_attachment.resource
                )
                index.attachments[group].append(fleet)
    for resource in app.resources(SECURITY_GROUP, INGRESS_RESOURCE, EGRESS_RESOURCE):
        index.rules.extend(_rules_of(app, resource, index))
    return index


def key_of(resource: Resource) -> GroupKey:
    return (resource.template.file, resource.logical_id)


def _direct_attachments(
    app: App, resource: Resource, entry: dict[str, Any], index: SecurityGroupIndex
) -> Iterator[tuple[Attachment, GroupKey]]:
    resolver = app.resolver(resource.template)
    kind = _refined_kind(resolver, resource, entry["kind"])
    attachment = Attachment(resource, entry["name"], kind)
    seen: set[GroupKey] = set()
    for dotted in entry.get("properties", []):
        for node in nodes_at(resolver, resource.properties, dotted):
            for group in _groups_in(resolver, node, index):
                if group not in seen:
                    seen.add(group)
                    yield attachment, group


def _refined_kind(resolver: Resolver, resource: Resource, kind: str) -> str:
    """Load balancers: internal or internet-facing (the default) when `Scheme` is known."""
    if kind != LOAD_BALANCER_KIND:
        return kind
    if "Scheme" not in resource.properties:
        return "internet-facing load balancer"
    schemes = resolver.literals(resource.prop("Scheme"))
    if schemes == {"internal"}:
        return "internal load balancer"
    if schemes == {"internet-facing"}:
        return "internet-facing load balancer"
    return LOAD_BALANCER_KIND


def _groups_in(resolver: Resolver, node: Any, index: SecurityGroupIndex) -> Iterator[GroupKey]:
    for target in resolver.references(node):
        key = (target.file, target.logical_id)
        if key in index.groups:
            yield key


def _launch_references(app: App, resource: Resource, entry: dict[str, Any]) -> set[GroupKey]:
    resolver = app.resolver(resource.template)
    found: set[GroupKey] = set()
    for dotted in entry.get("properties", []):
        for node in nodes_at(resolver, resource.properties, dotted):
            found.update((t.file, t.logical_id) for t in resolver.references(node))
    return found


def nodes_at(resolver: Resolver, root: Any, dotted: str) -> Iterator[Any]:
    """Every node at a dotted path (`a.b[].c`), through `Fn::If` branches and list items."""
    nodes = [root]
    for step in dotted.split("."):
        walks_items = step.endswith("[]")
        name = step[:-2] if walks_items else step
        following = []
        for node in nodes:
            for value, _ in branches(node, ()):
                if isinstance(value, dict) and name in value:
                    following.append(value[name])
        if walks_items:
            following = [item for node in following for item in resolver.items(node) or []]
        nodes = following
    return iter(nodes)


def branches(node: Any, path: Path, depth: int = 0) -> Iterator[tuple[Any, Path]]:
    """Each value `node` can take after `Fn::If` choices, with the path that leads to it.

    The path goes through `Fn::If` and the branch index, which locates the chosen value in the
    source; `AWS::NoValue` yields nothing.
    """
    if depth > MAX_BRANCH_DEPTH or is_no_value(node):
        return
    function = intrinsic(node)
    if function and function[0] == "Fn::If" and isinstance(function[1], list):
        arguments = function[1]
        if len(arguments) == 3:
            for choice in (1, 2):
                yield from branches(arguments[choice], (*path, "Fn::If", choice), depth + 1)
        return
    yield node, path


def _rules_of(app: App, resource: Resource, index: SecurityGroupIndex) -> Iterator[GroupRule]:
    if resource.type == SECURITY_GROUP:
        groups = frozenset({key_of(resource)})
        for direction, key in INLINE_RULE_KEYS.items():
            for node, path in inline_rules(resource, key):
                yield GroupRule(resource, direction, node, path, groups)
        return
    resolver = app.resolver(resource.template)
    direction = "ingress" if resource.type == INGRESS_RESOURCE else "egress"
    owners = frozenset(
        group
        for name in ("GroupId", "GroupName")
        if name in resource.properties
        for group in _groups_in(resolver, resource.properties[name], index)
    )
    yield GroupRule(resource, direction, resource.properties, ("Properties",), owners)


def inline_rules(group: Resource, key: str) -> Iterator[tuple[dict, Path]]:
    """The rules of a group's inline list, each with its path, every `Fn::If` choice walked."""
    if key not in group.properties:
        return
    for listing, list_path in branches(group.properties[key], ("Properties", key)):
        if not isinstance(listing, list):
            continue
        for position, item in enumerate(listing):
            for rule, rule_path in branches(item, (*list_path, position)):
                if isinstance(rule, dict) and intrinsic(rule) is None:
                    yield rule, rule_path


def _choose(node: Any, assignment: dict[str, bool], depth: int = 0) -> Any:
    """`node` with each `Fn::If` on an assigned condition replaced by the chosen branch."""
    if depth > MAX_BRANCH_DEPTH:
        return node
    function = intrinsic(node)
    if function and function[0] == "Fn::If" and isinstance(function[1], list):
        arguments = function[1]
        if len(arguments) == 3 and isinstance(arguments[0], str) and arguments[0] in assignment:
            chosen = arguments[1] if assignment[arguments[0]] else arguments[2]
            return _choose(chosen, assignment, depth + 1)
    if isinstance(node, dict):
        return {key: _choose(value, assignment, depth + 1) for key, value in node.items()}
    if isinstance(node, list):
        return [_choose(value, assignment, depth + 1) for value in node]
    return node
