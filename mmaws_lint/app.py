"""All templates of one unit of work, with the indexes rules share, each built once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cached_property
from typing import Any, TypeVar

from .template.resolve import Resolver, Target, as_literal
from .template.template import Resource, Template

T = TypeVar("T")


class App:
    def __init__(self, templates: list[Template]) -> None:
        self.templates = templates
        self._resolvers: dict[int, Resolver] = {}
        self._shared: dict[str, Any] = {}

    def resolver(self, template: Template) -> Resolver:
        key = id(template)
        if key not in self._resolvers:
            self._resolvers[key] = Resolver(template, self)
        return self._resolvers[key]

    def resources(self, *types: str) -> Iterator[Resource]:
        """Resources of the given types (all when none is given), in a stable order."""
        wanted = set(types)
        for template in self.templates:
            for resource in template.resources.values():
                if not wanted or resource.type in wanted:
                    yield resource

    def resource_at(self, target: Target) -> Resource | None:
        """The resource a reference target names, in whichever template of the run holds it."""
        template = self._templates_by_file.get(target.file)
        return template.resources.get(target.logical_id) if template is not None else None

    @cached_property
    def _templates_by_file(self) -> dict[str, Template]:
        return {template.file: template for template in self.templates}

    def shared(self, name: str, build: Callable[[App], T]) -> T:
        """An index built on first use and shared by every rule of this run."""
        if name not in self._shared:
            self._shared[name] = build(self)
        return self._shared[name]

    @cached_property
    def exports(self) -> dict[str, tuple[Template, Any]]:
        """Literal export name -> (exporting template, exported value node).

        A name exported by two templates of the run (two copies of a stack, or unrelated
        projects linted together) is ambiguous and left out, so imports of it stay unknown.
        """
        index: dict[str, tuple[Template, Any]] = {}
        ambiguous: set[str] = set()
        for template in self.templates:
            naming = Resolver(template, None, {"AWS::StackName": template.stack_name})
            for output in template.outputs.values():
                if not isinstance(output, dict):
                    continue
                export = output.get("Export")
                if not isinstance(export, dict) or "Name" not in export:
                    continue
                for parts in naming.values(export["Name"]):
                    name = as_literal(parts)
                    if name is None:
                        continue
                    if name in index and index[name][0] is not template:
                        ambiguous.add(name)
                    index.setdefault(name, (template, output.get("Value")))
        for name in ambiguous:
            del index[name]
        return index
