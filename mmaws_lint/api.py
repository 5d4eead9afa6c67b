"""The Python entry point."""

from __future__ import annotations

from collections.abc import Iterable

from .engine import Result, run, selected_rules
from .findings import Finding
from .model import Model, load_model


def lint_result(
    paths: str | Iterable[str],
    *,
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    model: Model | str | None = None,
    jobs: int = 1,
    stack_names: dict[str, str] | None = None,
) -> Result:
    """Lint files, folders and cdk.out assemblies; return findings and unreadable files."""
    path_list = [paths] if isinstance(paths, str) else list(paths)
    loaded = model if isinstance(model, Model) else load_model(model)
    rule_ids = selected_rules(loaded, select, ignore)
    return run(path_list, loaded, rule_ids, jobs=jobs, stack_names=stack_names)


def lint(
    paths: str | Iterable[str],
    *,
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    model: Model | str | None = None,
    jobs: int = 1,
    stack_names: dict[str, str] | None = None,
) -> list[Finding]:
    """Lint and return the findings (files that could not be read are left out)."""
    return lint_result(
        paths, select=select, ignore=ignore, model=model, jobs=jobs, stack_names=stack_names
    ).findings
