"""Rule logic: one package per family, one module per rule (or small group of related rules).

A check is registered with `@check("WMM501")` and receives a `Context`: the app being linted,
its own rule entry (settings) and the model's data (catalogs). It yields findings made with
`ctx.finding(...)`. Family packages in this package are discovered, and each family's
`__init__` imports its rule modules, so adding a family adds a package.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from ..app import App
from ..findings import Finding, finding_at
from ..model import Model, Rule
from ..template.nodes import Path
from ..template.resolve import Resolver
from ..template.scenarios import Scenario
from ..template.template import Resource, Template


@dataclass
class Context:
    app: App
    rule: Rule
    model: Model

    def setting(self, name: str, default: Any = None) -> Any:
        return self.rule.setting(name, default)

    def data(self, key: str) -> Any:
        return self.model.data[key]

    def resolver(self, item: Resource | Template, scenario: Scenario | None = None) -> Resolver:
        """Resolution in the template of `item`, under `scenario` when given."""
        template = item.template if isinstance(item, Resource) else item
        return self.app.resolver(template).under(scenario)

    def scenarios(self, resource: Resource) -> list[Scenario]:
        """The scenarios `resource` can be deployed in (see `App.scenarios`)."""
        return self.app.scenarios(resource)

    def finding(self, resource: Resource, message: str, path: Path = ()) -> Finding:
        return finding_at(self.rule, resource.template, message, resource, path)

    def template_finding(self, template: Template, message: str, path: Path = ()) -> Finding:
        return finding_at(self.rule, template, message, None, path)


CheckFunction = Callable[[Context], Iterable[Finding]]
CHECKS: dict[str, CheckFunction] = {}


def check(rule_id: str) -> Callable[[CheckFunction], CheckFunction]:
    def register(function: CheckFunction) -> CheckFunction:
        if rule_id in CHECKS:
            raise RuntimeError(f"two checks registered for {rule_id}")
        CHECKS[rule_id] = function
        return function

    return register


# Rule ID -> a function saying why the rule cannot fully decide in this installation (a data
# file of another package moved or changed shape), or None; shown by `rules` and `explain`.
LIMITATIONS: dict[str, Callable[[], str | None]] = {}


def limitation(rule_id: str) -> str | None:
    load_checks()
    explain = LIMITATIONS.get(rule_id)
    return explain() if explain is not None else None


# Predicates that model data names in `when:` and `variant:` (see model.PREDICATE_KEYS): the
# model checks every such name against this registry when it loads.
PREDICATES: dict[str, Callable[..., bool]] = {}
P = TypeVar("P", bound=Callable[..., bool])


def predicate(function: P) -> P:
    """Register `function` under its name as a predicate model data may name."""
    if PREDICATES.get(function.__name__, function) is not function:
        raise RuntimeError(f"two predicates named {function.__name__}")
    PREDICATES[function.__name__] = function
    return function


def load_checks() -> dict[str, CheckFunction]:
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    return CHECKS
