"""The Python entry point. `lint_result` is the call to use: it returns the findings and
what could not be linted; `lint` returns the findings alone."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from .engine import Result, run, selected_rules
from .findings import Finding
from .model import Model, load_model

LOG = logging.getLogger("mmaws_lint")


def lint_result(
    paths: str | Iterable[str],
    *,
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    model: Model | str | None = None,
    jobs: int = 1,
    stack_names: dict[str, str] | None = None,
) -> Result:
    """Lint files, folders and cdk.out assemblies (the recommended call).

    The `Result` has `findings`, `errors` (anything that makes the run incomplete, as exit code
    2 on the command line), `unlinted_files` (files no rule could read) and `rule_failures` (a
    rule that crashed on a file the other rules linted). An empty `findings` list only means
    "clean" when `errors` is empty too.
    """
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
    """Lint and return the findings only.

    Files that could not be linted and rules that failed are NOT returned: an empty list can
    mean "nothing was checked". They are logged as a warning on the `mmaws_lint` logger; use
    `lint_result` to get them.
    """
    result = lint_result(
        paths, select=select, ignore=ignore, model=model, jobs=jobs, stack_names=stack_names
    )
    if result.errors:
        LOG.warning(
            "mmaws-lint: %d file(s) could not be linted and %d rule failure(s) are not in the"
            " findings; call mmaws_lint.lint_result() to get them: %s",
            len(result.unlinted_files),
            len(result.rule_failures),
            "; ".join(str(problem) for problem in result.errors[:3]),
        )
    return result.findings
