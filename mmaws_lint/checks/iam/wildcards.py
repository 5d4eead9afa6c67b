"""WMM301 (wildcard actions) and WMM302 (scopable actions on every resource)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...findings import Finding
from ...template.nodes import Path
from ...template.scenarios import Scenario, all_found, describe_when
from .. import Context
from . import action_data
from .index import policy_index
from .policies import Statement, action_regex


def wildcard_actions(ctx: Context) -> Iterator[Finding]:
    index = policy_index(ctx)
    for holder in index.holders:
        if index.only_a_boundary(holder):
            continue
        scenarios = ctx.scenarios(holder)
        violating, breaches = all_found(
            scenarios,
            lambda scenario, h=holder: [
                (f"{s.source} {_wildcards_of(s)}", s.action_path)
                for s in index.statements(h, scenario)
                if s.allows and _wildcards_of(s)
            ],
        )
        if violating:
            yield ctx.finding(
                holder,
                f"{holder.logical_id} grants wildcard actions ({_listed(breaches, 3)})"
                f"{describe_when(violating, scenarios)}; allow only the actions the workload"
                " calls, named one by one",
                path=breaches[0][1],
            )


def _wildcards_of(statement: Statement) -> str:
    if statement.not_action:
        return "allows everything but its NotAction list"
    wild = [a for a in statement.written_actions if a == "*" or a.endswith(":*")]
    return f"allows {', '.join(wild)}" if wild else ""


def scopable_actions_on_every_resource(ctx: Context) -> Iterator[Finding]:
    index = policy_index(ctx)
    listed = int(ctx.setting("listed_actions", 4))
    exceptions = [action_regex(a) for a in ctx.data("iam_resource_scope_exceptions")]
    wildcard_counts: dict[tuple[str, str], int] = {}  # (service, wildcard) -> scopable actions
    for holder in index.holders:
        if index.only_a_boundary(holder):
            continue
        scenarios = ctx.scenarios(holder)
        candidates = [
            (scenario, statement)
            for scenario in scenarios
            for statement in index.statements(holder, scenario)
            if _may_be_scoped(statement)
        ]
        if not candidates:
            continue
        levels = action_data.resource_levels()  # read only when a run has such a statement
        if levels is None:
            return
        violating: list[Scenario] = []
        items: list[str] = []
        path: Path | None = None
        for scenario, statement in candidates:
            scopable = _scopable(levels, statement, exceptions, wildcard_counts)
            if not scopable:
                continue
            if scenario not in violating:
                violating.append(scenario)
            path = path or statement.action_path
            more = f" and {len(scopable) - listed} more" if len(scopable) > listed else ""
            text = f"{', '.join(scopable[:listed])}{more} in {statement.source}"
            if text not in items:
                items.append(text)
        if violating and path is not None:
            yield ctx.finding(
                holder,
                f"{holder.logical_id} allows actions that support resource-level permissions on"
                f" every resource ({'; '.join(items)}){describe_when(violating, scenarios)};"
                " name the resources (ARNs) they act on",
                path=path,
            )


def _may_be_scoped(statement: Statement) -> bool:
    return (
        statement.allows
        and statement.on_every_resource
        and not statement.conditional
        and not statement.not_action
        and statement.actions is not None
        and "*" not in statement.actions
    )


def _scopable(
    levels: action_data.ResourceLevels,
    statement: Statement,
    exceptions: list[re.Pattern[str]],
    cache: dict[tuple[str, str], int],
) -> list[str]:
    """The written actions (or wildcards, with how many scopable actions they grant) that could
    have named resources."""
    found = []
    for written in statement.written_actions:
        service, _, name = written.lower().partition(":")
        actions = levels.actions(service)
        if actions is None or not name:
            continue
        if "*" in name or "?" in name:
            key = (service, name)
            if key not in cache:
                pattern = action_regex(name)
                granted = [
                    scoped and not _excepted(f"{service}:{action}", exceptions)
                    for action, scoped in actions.items()
                    if pattern.fullmatch(action)
                ]
                # A wildcard mostly made of list and describe actions (ec2:Describe*) is the
                # way to grant them; one mostly made of scopable actions (s3:Get*) is not.
                cache[key] = sum(granted) if sum(granted) * 2 > len(granted) else 0
            if cache[key]:
                found.append(f"{written} ({cache[key]} scopable actions)")
        elif actions.get(name) and not _excepted(f"{service}:{name}", exceptions):
            found.append(written)
    return found


def _excepted(action: str, exceptions: list[re.Pattern[str]]) -> bool:
    return any(pattern.fullmatch(action) for pattern in exceptions)


def _listed(breaches: list[tuple[str, Path]], limit: int) -> str:
    texts = [text for text, _ in breaches]
    more = f"; and {len(texts) - limit} more" if len(texts) > limit else ""
    return "; ".join(texts[:limit]) + more
