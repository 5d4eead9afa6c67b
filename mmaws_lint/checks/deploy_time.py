"""References only known at deploy time, and which resources of the run they may name.

A value built from a parameter or from an import nobody in the run exports names a resource
that cannot be told before deployment. Relationship rules treat it as "may be any candidate of
the right kind in another template of the run" (a stack cannot receive its own resources'
names before creating them); an import is narrowed to the resources exported under a name the
import's pattern can match (`${ParentVPCStack}-VPC` matches `network-VPC`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..app import App
from ..template.resolve import Parts, Resolver, Sym, intrinsic
from ..template.symbols import has_unknown
from ..template.template import Resource, Template

ResourceKey = tuple[str, str]


@dataclass(frozen=True)
class DeployTimeReference:
    """What a value only known at deploy time may name."""

    template: Template  # where the value is written
    any_other_template: bool  # a parameter or an unreadable value
    import_names: tuple[Parts, ...] = ()  # import names, Sym parts unknown

    def may_name(
        self, resource: Resource, exported: dict[ResourceKey, list[Parts]], published: set
    ) -> bool:
        """Can the value name `resource`? A parameter can carry only what someone can know: a
        resource its stack publishes (an output, or a name it is given)."""
        if resource.template is self.template:
            return False
        key = (resource.template.file, resource.logical_id)
        if self.any_other_template and (key in published or key in exported):
            return True
        return any(
            may_be_same_name(imported, name)
            for imported in self.import_names
            for name in exported.get((resource.template.file, resource.logical_id), [])
        )


def deploy_time_reference(resolver: Resolver, choices: Iterable[Any]) -> DeployTimeReference | None:
    """The deploy-time part of a value given as its `Fn::If` choices; None when all is known."""
    any_other = False
    imports: list[Parts] = []
    for value in choices:
        function = intrinsic(value)
        if function is not None and function[0] == "Fn::ImportValue":
            if resolver.export_values(function[1]) is None:  # nobody in the run exports it
                imports.extend(resolver.values(function[1]) or {(Sym("unknown"),)})
            continue
        for parts in resolver.values(value):
            if has_unknown(parts):
                any_other = True
    if not any_other and not imports:
        return None
    return DeployTimeReference(resolver.template, any_other, tuple(imports))


def published(app: App) -> set[ResourceKey]:
    """Resources an output of their own template names (exported or not)."""
    return app.shared("deploy_time.published", _build_published)


def _build_published(app: App) -> set[ResourceKey]:
    found: set[ResourceKey] = set()
    for template in app.templates:
        resolver = app.resolver(template)
        for output in template.outputs.values():
            if isinstance(output, dict):
                found.update(
                    (t.file, t.logical_id) for t in resolver.references(output.get("Value"))
                )
    return found


def exported_names(app: App) -> dict[ResourceKey, list[Parts]]:
    """Resource (file, logical ID) -> the names it is exported under, deploy-time parts kept."""
    return app.shared("deploy_time.exported_names", _build_exported_names)


def _build_exported_names(app: App) -> dict[ResourceKey, list[Parts]]:
    exported: dict[ResourceKey, list[Parts]] = defaultdict(list)
    for template in app.templates:
        naming = Resolver(template, None, {"AWS::StackName": template.stack_name})
        resolver = app.resolver(template)
        for output in template.outputs.values():
            export = output.get("Export") if isinstance(output, dict) else None
            if not isinstance(export, dict) or "Name" not in export:
                continue
            names = naming.values(export["Name"])
            for target in resolver.references(output.get("Value")):
                exported[(target.file, target.logical_id)].extend(names)
    return exported


def may_be_same_name(imported: Parts, exported: Parts) -> bool:
    """Can an import name with deploy-time parts be this export name? An export name with
    deploy-time parts of its own may be anything."""
    if any(isinstance(part, Sym) for part in exported):
        return True
    pattern = "".join(re.escape(p) if isinstance(p, str) else ".*" for p in imported)
    return re.fullmatch(pattern, "".join(str(p) for p in exported), re.DOTALL) is not None
