"""Which backup selections and snapshot policies cover which resources, built once a run.

An `AWS::Backup::BackupSelection` selects resources by ARN (a reference to a resource of the
run, a wildcard such as `arn:aws:ec2:*:*:volume/*`, or `*`), by tag (`ListOfTags`, any one
matching) and narrows an ARN selection by tag `Conditions` (all matching). An
`AWS::DLM::LifecyclePolicy` snapshots volumes or whole instances carrying one of its target
tags, or, as a default policy, every volume or instance of the Region.

Tags come from the resource, and for instances also from their launch template and Auto
Scaling group (`PropagateAtLaunch`); volumes created with an instance carry the launch
template's volume tags, and the instance's own tags with `PropagateTagsToVolumeOnCreation`.
Stack-level tags are invisible: a resource without a selection's tag key may still receive it
from the stack, unless the template tags its resources with that key itself.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ...app import App
from ...template.resolve import Resolver, Sym, intrinsic
from ...template.template import Resource
from ...template.walk import ABSENT, OPAQUE, lookup
from .clusters import ResourceKey, key_of

INSTANCE = "AWS::EC2::Instance"
VOLUME = "AWS::EC2::Volume"
GROUP = "AWS::AutoScaling::AutoScalingGroup"
LAUNCH_TEMPLATE = "AWS::EC2::LaunchTemplate"
_UNKNOWN = frozenset({"param", "import", "unknown"})
_DLM_KINDS = {"VOLUME": VOLUME, "INSTANCE": INSTANCE}

Tags = dict[str, "set[str] | None"]  # key -> possible values; None: not known
TagTest = tuple[str, "str | None"]  # (key, value); None: any value


@dataclass
class Selector:
    source: Resource
    kinds: frozenset[str]
    everything: bool = False
    targets: set[ResourceKey] = field(default_factory=set)
    tag_groups: list[tuple[TagTest, ...]] = field(default_factory=list)  # any group, every test
    conditions: tuple[TagTest, ...] = ()  # narrow `everything` and `targets`
    consistent: bool = False  # runs pre/post scripts (application-consistent)
    excludes_root: bool = False
    is_backup_plan: bool = True


@dataclass
class Subject:
    """What a selector may cover: a resource seen as one type, with its tags."""

    resource: Resource
    kind: str
    tags: Tags | None  # None: the tags cannot be read
    tagged_keys: frozenset[str]  # tag keys the resource's template uses anywhere


class BackupCoverage:
    def __init__(self, app: App, arn_kinds: dict[str, list[str]]) -> None:
        self.app = app
        self.arn_kinds = arn_kinds
        self.selectors: list[Selector] = []
        self.attached: dict[ResourceKey, list[Resource]] = defaultdict(list)
        self._template_keys: dict[str, frozenset[str]] = {}
        for resource in app.resources(
            "AWS::Backup::BackupSelection", "AWS::DLM::LifecyclePolicy",
            "AWS::EC2::VolumeAttachment", INSTANCE,
        ):  # fmt: skip
            if resource.type == "AWS::Backup::BackupSelection":
                self._add_backup_selection(resource)
            elif resource.type == "AWS::DLM::LifecyclePolicy":
                self._add_dlm_policy(resource)
            elif resource.type == "AWS::EC2::VolumeAttachment":
                self._attach(resource, resource.prop("VolumeId"), resource.prop("InstanceId"))
            else:
                for item, _ in lookup(resource.properties, ("Volumes", "*", "VolumeId")):
                    if item is ABSENT or item is OPAQUE:
                        continue
                    self._attach(resource, item, {"Ref": resource.logical_id})

    # ---- answering ------------------------------------------------------------------------

    def covering(self, subject: Subject) -> list[Selector]:
        return [s for s in self.selectors if self._covers(s, subject)]

    def instances_of(self, volume: Resource) -> list[Resource]:
        return self.attached.get(key_of(volume), [])

    def subject(self, resource: Resource, kind: str, tags: Tags | None) -> Subject:
        return Subject(resource, kind, tags, self.template_tag_keys(resource))

    def template_tag_keys(self, resource: Resource) -> frozenset[str]:
        file = resource.template.file
        if file not in self._template_keys:
            keys: set[str] = set()
            for other in resource.template.resources.values():
                for node in (other.prop("Tags"), other.prop("FileSystemTags")):
                    keys |= set(read_tags(self.app.resolver(other.template), node) or {})
            self._template_keys[file] = frozenset(keys)
        return self._template_keys[file]

    def _covers(self, selector: Selector, subject: Subject) -> bool:
        if subject.kind not in selector.kinds:
            return False
        if not self.app.coexist(subject.resource, selector.source):
            return False
        by_arn = selector.everything or key_of(subject.resource) in selector.targets
        if by_arn and _matches(selector.conditions, subject):
            return True
        return any(_matches(group, subject) for group in selector.tag_groups)

    # ---- reading selections -----------------------------------------------------------------

    def _add_backup_selection(self, resource: Resource) -> None:
        resolver = self.app.resolver(resource.template)
        body = resource.prop("BackupSelection")
        if not isinstance(body, dict):
            return
        selector = Selector(resource, frozenset(self.arn_kinds))
        wildcard_kinds: set[str] = set()
        for item, _ in lookup(body, ("Resources", "*")):
            if item is OPAQUE:
                selector.everything = True
            elif item is not ABSENT:
                wildcard_kinds |= self._add_arn(selector, resolver, item)
        tags = lookup(body, ("ListOfTags", "*"))
        _select_by_each_tag(selector, resolver, tags, "ConditionKey", "ConditionValue")
        conditions: list[TagTest] = []
        for operator in ("StringEquals", "StringLike"):
            for item, _ in lookup(body, ("Conditions", operator, "*")):
                if not isinstance(item, dict):
                    continue
                test = _tag_test(resolver, item.get("ConditionKey"), item.get("ConditionValue"))
                if test is not None:
                    key, value = test
                    if value is not None and operator == "StringLike" and "*" in value:
                        value = None
                    conditions.append((key.removeprefix("aws:ResourceTag/"), value))
        selector.conditions = tuple(conditions)
        self.selectors.append(selector)
        if wildcard_kinds and not selector.everything:
            self.selectors.append(
                Selector(resource, frozenset(wildcard_kinds), True, conditions=selector.conditions)
            )

    def _add_arn(self, selector: Selector, resolver: Resolver, node: Any) -> set[str]:
        """Adds the resources an ARN names; returns the types a wildcard ARN covers."""
        wildcard_kinds: set[str] = set()
        for target in resolver.references(node):
            selector.targets.add((target.file, target.logical_id))
        for parts in resolver.values(node):
            symbols = [p for p in parts if isinstance(p, Sym)]
            if any(s.kind in ("ref", "getatt") for s in symbols):
                continue
            if any(s.kind in _UNKNOWN for s in symbols):
                selector.everything = True
                continue
            text = "".join(p if isinstance(p, str) else "x" for p in parts).lower()
            if text.strip() == "*":
                selector.everything = True
                continue
            for kind, words in self.arn_kinds.items():
                if all(word in text for word in words) and "*" in text.split(words[-1])[-1]:
                    wildcard_kinds.add(kind)
        return wildcard_kinds

    def _add_dlm_policy(self, resource: Resource) -> None:
        resolver = self.app.resolver(resource.template)
        state = resolver.literal(resource.prop("State"))
        if state is not None and state.upper() == "DISABLED":
            return
        default = resolver.literal(resource.prop("DefaultPolicy"))
        consistent = _has_scripts(resource)
        no_reboot = resolver.literal(resource.prop("PolicyDetails", "Parameters", "NoReboot"))
        if no_reboot is not None and no_reboot.lower() == "false":
            consistent = True
        exclude_boot = resolver.literal(
            resource.prop("PolicyDetails", "Parameters", "ExcludeBootVolume")
        )
        if default is not None and default.upper() in _DLM_KINDS:
            self.selectors.append(
                Selector(resource, frozenset({_DLM_KINDS[default.upper()]}), True,
                         consistent=consistent, is_backup_plan=False)
            )  # fmt: skip
            return
        policy_type = resolver.literal(resource.prop("PolicyDetails", "PolicyType"))
        if policy_type is not None and policy_type.upper() == "EVENT_BASED_POLICY":
            return  # copies snapshots shared from another account; creates none
        kinds: set[str] = set()
        for item, _ in lookup(resource.properties, ("PolicyDetails", "ResourceTypes", "*")):
            if item is ABSENT:
                continue
            literal = resolver.literal(item) if item is not OPAQUE else None
            if literal is None:
                kinds |= set(_DLM_KINDS.values())
            elif literal.upper() in _DLM_KINDS:
                kinds.add(_DLM_KINDS[literal.upper()])
        if policy_type is not None and policy_type.upper() == "IMAGE_MANAGEMENT":
            kinds = {INSTANCE}
        selector = Selector(
            resource, frozenset(kinds), consistent=consistent, is_backup_plan=False,
            excludes_root=(exclude_boot or "").lower() == "true",
        )  # fmt: skip
        tags = lookup(resource.properties, ("PolicyDetails", "TargetTags", "*"))
        _select_by_each_tag(selector, resolver, tags, "Key", "Value")
        self.selectors.append(selector)

    def _attach(self, holder: Resource, volume_node: Any, instance_node: Any) -> None:
        resolver = self.app.resolver(holder.template)
        volumes = [self.app.resource_at(t) for t in resolver.references(volume_node)]
        instances = [self.app.resource_at(t) for t in resolver.references(instance_node)]
        for volume in volumes:
            if volume is None or volume.type != VOLUME:
                continue
            for instance in instances:
                if instance is not None and instance.type == INSTANCE:
                    self.attached[key_of(volume)].append(instance)


def _has_scripts(resource: Resource) -> bool:
    schedules = resource.prop("PolicyDetails", "Schedules")
    if not isinstance(schedules, list):
        return False
    for schedule in schedules:
        rule = schedule.get("CreateRule") if isinstance(schedule, dict) else None
        if isinstance(rule, dict) and rule.get("Scripts"):
            return True
    return False


def _select_by_each_tag(
    selector: Selector, resolver: Resolver, items: Iterable, key: str, value: str
) -> None:
    """Each tag item selects on its own (any one matching selects); one that cannot be read
    may select anything."""
    for item, _ in items:
        if isinstance(item, dict):
            test = _tag_test(resolver, item.get(key), item.get(value))
            if test is None:
                selector.everything = True
            else:
                selector.tag_groups.append((test,))


def _tag_test(resolver: Resolver, key: Any, value: Any) -> TagTest | None:
    """(key, value) of a tag condition; None when the key is unknown (matches anything)."""
    name = resolver.literal(key) if key is not None else None
    if not name:
        return None
    literal = resolver.literal(value) if value is not None else None
    return (name, literal)


def _matches(tests: tuple[TagTest, ...], subject: Subject) -> bool:
    if subject.tags is None:
        return True
    for key, value in tests:
        values = subject.tags.get(key, set()) if key in subject.tags else None
        if key not in subject.tags:
            if key in subject.tagged_keys:
                return False  # the template tags with this key itself, and not this resource
            continue  # a stack-level tag may supply it
        if values is None or value is None or value in values:
            continue
        return False
    return True


def read_tags(resolver: Resolver, node: Any) -> Tags | None:
    """Tags of a `Tags`-like property (a list of Key/Value, or a mapping); None if unreadable."""
    if node is None:
        return {}
    tags: Tags = {}
    if isinstance(node, dict) and intrinsic(node) is None:
        for key, value in node.items():
            tags[str(key)] = resolver.literals(value)
        return tags
    for item, _ in lookup(node, ("*",)):
        if item is ABSENT:
            continue
        if not isinstance(item, dict) or intrinsic(item) is not None:
            return None
        key = resolver.literal(item.get("Key"))
        if key is None:
            return None
        values = resolver.literals(item.get("Value"))
        previous = tags.get(key, set())
        tags[key] = None if values is None or previous is None else previous | values
    return tags


def merge_tags(*sources: Tags | None) -> Tags | None:
    merged: Tags = {}
    for tags in sources:
        if tags is None:
            return None
        for key, values in tags.items():
            previous = merged.get(key, set())
            merged[key] = None if values is None or previous is None else previous | values
    return merged


def backup_coverage(app: App, arn_kinds: dict[str, list[str]]) -> BackupCoverage:
    return app.shared("databases.backup_coverage", lambda shared: BackupCoverage(shared, arn_kinds))
