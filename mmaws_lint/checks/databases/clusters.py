"""Which instances belong to which Aurora, DocumentDB and Neptune cluster, built once a run.

An instance names its cluster in `DBClusterIdentifier`: by reference (`Ref`, an import of an
export of the run) or by the cluster's literal identifier. An instance whose cluster cannot be
worked out (a parameter without default, an import nobody in the run exports) may belong to any
cluster of its kind, so those clusters are undecided; so is a cluster handed to a nested stack
or exported, whose instances may live in a template the run does not see.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ...app import App
from ...template.resolve import Sym, as_literal
from ...template.template import Resource

ResourceKey = tuple[str, str]
_UNKNOWN_SYMBOLS = frozenset({"param", "import", "unknown", "pseudo"})
_NESTED_STACKS = ("AWS::CloudFormation::Stack", "AWS::Serverless::Application")


def key_of(resource: Resource) -> ResourceKey:
    return (resource.template.file, resource.logical_id)


@dataclass
class ClusterIndex:
    members: dict[ResourceKey, list[Resource]] = field(default_factory=lambda: defaultdict(list))
    member_of: dict[ResourceKey, list[Resource]] = field(default_factory=lambda: defaultdict(list))
    undecided_types: set[str] = field(default_factory=set)  # cluster types with unknown members
    undecided: set[ResourceKey] = field(default_factory=set)  # clusters seen from outside

    def instances(self, cluster: Resource) -> list[Resource] | None:
        """The instances of `cluster` in the run; None when some may be out of sight.

        A cluster seen from outside (exported, handed to a nested stack) with no instance beside
        it may keep them in that other template; one with instances beside it keeps them there.
        """
        if cluster.type in self.undecided_types:
            return None
        found = self.members.get(key_of(cluster), [])
        if not found and key_of(cluster) in self.undecided:
            return None
        return found

    def clusters(self, instance: Resource) -> list[Resource]:
        return self.member_of.get(key_of(instance), [])


def cluster_index(app: App, clusters: dict[str, Any]) -> ClusterIndex:
    return app.shared("databases.clusters", lambda shared: _build(shared, clusters))


def _build(app: App, clusters: dict[str, Any]) -> ClusterIndex:
    index = ClusterIndex()
    by_name: dict[tuple[str, str], list[Resource]] = defaultdict(list)
    for cluster_type, spec in clusters.items():
        for cluster in app.resources(cluster_type):
            resolver = app.resolver(cluster.template)
            name = resolver.literal(cluster.prop(spec["name_property"]))
            if name:
                by_name[(cluster_type, name.lower())].append(cluster)
    instance_types = {spec["instance_type"]: t for t, spec in clusters.items()}
    for instance in app.resources(*instance_types):
        cluster_type = instance_types[instance.type]
        node = instance.prop("DBClusterIdentifier")
        if node is None:
            continue
        resolver = app.resolver(instance.template)
        found: list[Resource] = []
        for target in resolver.references(node):
            cluster = app.resource_at(target)
            if cluster is not None and cluster.type == cluster_type:
                found.append(cluster)
        for parts in resolver.values(node):
            symbols = [part for part in parts if isinstance(part, Sym)]
            if any(symbol.kind in ("ref", "getatt") for symbol in symbols):
                continue
            literal = as_literal(parts)
            if literal:
                named = by_name.get((cluster_type, literal.lower()))
                if named:
                    found.extend(named)
                    continue
            index.undecided_types.add(cluster_type)
        for cluster in found:
            index.members[key_of(cluster)].append(instance)
            index.member_of[key_of(instance)].append(cluster)
    _mark_seen_from_outside(app, index, set(clusters))
    return index


def _mark_seen_from_outside(app: App, index: ClusterIndex, cluster_types: set[str]) -> None:
    """Clusters handed to nested stacks or exported may have instances elsewhere."""
    for template in app.templates:
        resolver = app.resolver(template)
        nodes = [
            r.prop("Parameters") for r in template.resources.values() if r.type in _NESTED_STACKS
        ]
        nodes += [
            o.get("Value")
            for o in template.outputs.values()
            if isinstance(o, dict) and "Export" in o
        ]
        for node in nodes:
            for target in resolver.references(node):
                cluster = app.resource_at(target)
                if cluster is not None and cluster.type in cluster_types:
                    index.undecided.add(key_of(cluster))
