"""Where a compute finding goes: on the resource, or once on the parameter whose default
gave the offending value."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from ...findings import Finding
from ...template.nodes import Path
from ...template.template import Resource, Template
from .. import Context
from .values import Origin, name_list


def resource_path(path: Path) -> Path:
    """A path for `ctx.finding`: a property absent from `Properties` points at the resource."""
    return () if path == ("Properties",) else path


@dataclass
class ParameterUse:
    template: Template
    value: str
    users: list[str] = field(default_factory=list)


class ParameterFindings:
    """Findings on a parameter's `Default`, one per parameter however many resources use it."""

    def __init__(self) -> None:
        self.uses: dict[tuple[str, str], ParameterUse] = {}

    def add(self, resource: Resource, origin: Origin) -> None:
        assert origin.parameter is not None
        key = (resource.template.file, origin.parameter)
        use = self.uses.setdefault(key, ParameterUse(resource.template, origin.value))
        use.users.append(resource.logical_id)

    def findings(self, ctx: Context, message: Callable[[str, str, str], str]) -> Iterator[Finding]:
        """`message(parameter, value, users)` words each finding."""
        for (_, name), use in self.uses.items():
            yield ctx.template_finding(
                use.template,
                message(name, use.value, name_list(use.users)),
                ("Parameters", name, "Default"),
            )
