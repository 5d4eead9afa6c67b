"""All templates of one unit of work, with the indexes rules share, each built once."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import cached_property
from typing import Any, TypeVar

from .template.resolve import Resolver, Target, as_literal
from .template.scenarios import ALWAYS, OPEN, ConditionSpace, Scenario, condition_names
from .template.template import Resource, Template

T = TypeVar("T")


class App:
    def __init__(self, templates: list[Template]) -> None:
        self.templates = templates
        self._resolvers: dict[int, Resolver] = {}
        self._spaces: dict[int, ConditionSpace] = {}
        self._scenarios: dict[int, list[Scenario]] = {}
        self._shared: dict[str, Any] = {}

    def resolver(self, template: Template) -> Resolver:
        key = id(template)
        if key not in self._resolvers:
            self._resolvers[key] = Resolver(template, self)
        return self._resolvers[key]

    def conditions(self, template: Template) -> ConditionSpace:
        """The truth values `template`'s conditions can take together (each template its own)."""
        key = id(template)
        if key not in self._spaces:
            self._spaces[key] = ConditionSpace.of(template)
        return self._spaces[key]

    def scenarios(self, resource: Resource, related: Iterable[Resource] = ()) -> list[Scenario]:
        """The scenarios `resource` can be deployed in, over the conditions it uses.

        Its own `Condition` holds in each; every `Fn::If` in its properties is fixed, and so
        are those of `related` resources of the same template and their Conditions (a policy
        attached to a role, say), so a finding can name what decides. `[ALWAYS]` when nothing
        is conditional, `[]` when its Condition can never hold, `[OPEN]` (fixes nothing, rules
        see every branch) when there are too many to enumerate.
        """
        extra = [r for r in related if r.template is resource.template and r is not resource]
        if extra:
            return self._enumerate_scenarios(resource, extra)
        key = id(resource)
        found = self._scenarios.get(key)
        if found is None:
            found = self._enumerate_scenarios(resource, [])
            self._scenarios[key] = found
        return found

    def _enumerate_scenarios(self, resource: Resource, related: list[Resource]) -> list[Scenario]:
        names = condition_names(resource.properties)
        for policy in (resource.deletion_policy, resource.update_replace_policy):
            if isinstance(policy, dict):
                names |= condition_names(policy)
        for other in related:
            names |= condition_names(other.properties)
            if other.condition:
                names.add(other.condition)
        required = {resource.condition: True} if resource.condition else {}
        if not names and not required:
            return [ALWAYS]
        found = self.conditions(resource.template).scenarios(names | set(required), required)
        if found is None:
            return [] if resource.never_deployed else [OPEN]
        return found

    def coexist(self, a: Resource, b: Resource, a_scenario: Scenario | None = None) -> bool:
        """Can `a` (in `a_scenario`, when given) and `b` be deployed together?

        Templates of one run keep their conditions apart, so resources of two templates can.
        """
        if a.template is not b.template:
            return True
        truths: dict[str, bool] = dict(a_scenario.truths) if a_scenario is not None else {}
        for resource in (a, b):
            if resource.condition:
                if truths.get(resource.condition) is False:
                    return False
                truths[resource.condition] = True
        return self.conditions(a.template).possible(truths)

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
