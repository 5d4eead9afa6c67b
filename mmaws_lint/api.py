"""The Python entry point: behaves as `mmaws-lint check` (same configuration, same checks on
rule IDs), and raises instead of printing. `lint_result` is the call to use: it returns the
findings and what could not be linted; `lint` returns the findings alone."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from .config import Config, find_config
from .engine import Result, run, selected_rules, unknown_rule_ids
from .findings import Finding
from .ignore import Excludes, WalkFilter
from .model import Model, load_model

LOG = logging.getLogger("mmaws_lint")


def lint_result(
    paths: str | Iterable[str],
    *,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    model: Model | str | None = None,
    jobs: int | None = None,
    stack_names: dict[str, str] | None = None,
    config: bool | str = True,
) -> Result:
    """Lint files, folders and cdk.out assemblies (the recommended call).

    The `Result` has `findings`, `errors` (anything that makes the run incomplete, as exit code
    2 on the command line), `unlinted_files` (files no rule could read) and `rule_failures` (a
    rule that crashed on a file the other rules linted). An empty `findings` list only means
    "clean" when `errors` is empty too.

    `select`/`ignore`/`model`/`jobs`/`stack_names` left out are read from the project
    configuration (`.mmaws-lint.yaml` or `pyproject.toml`, found from the working directory
    upward, or the file named by `config`); `config=False` ignores configuration files.
    Folder walks leave out `exclude:` patterns and what `.gitignore` files ignore, as the CLI.
    Raises `ValueError` for a rule ID or prefix that names no rule, `ModelError` for an invalid
    model and `ConfigError` for an invalid configuration file.
    """
    configuration = configuration_for(config)
    options = configuration.values
    path_list = [paths] if isinstance(paths, str) else list(paths)
    loaded, rule_ids = rules_to_run(configuration, select=select, ignore=ignore, model=model)
    names = {**options.get("stack-names", {}), **(stack_names or {})}
    return run(
        path_list,
        loaded,
        rule_ids,
        jobs=jobs if jobs is not None else options.get("jobs", 1),
        stack_names=names,
        policy=_walk_filter(configuration),
    )


def rules_to_run(
    configuration: Config,
    *,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    model: Model | str | None = None,
) -> tuple[Model, list[str]]:
    """The model and the rule IDs a run uses: arguments first, then the configuration."""
    options = configuration.values
    loaded = model if isinstance(model, Model) else load_model(model or options.get("model"))
    chosen = _ids(select if select is not None else options.get("select", ()))
    skipped = _ids(ignore if ignore is not None else options.get("ignore", ()))
    unknown = unknown_rule_ids(loaded, chosen + skipped)
    if unknown:
        raise ValueError(f"no rule matches {unknown[0]!r} (see `mmaws-lint rules`)")
    return loaded, selected_rules(loaded, chosen, skipped)


def _walk_filter(configuration: Config) -> WalkFilter:
    """What folder walks leave out, as in the CLI: `exclude:` and `.gitignore` files."""
    excludes = Excludes()
    if configuration.source and configuration.values.get("exclude"):
        excludes.add(configuration.values["exclude"], Path(configuration.source).parent)
    gitignore = configuration.values.get("gitignore", True)
    return WalkFilter(excludes, gitignore=gitignore, follow_symlinks=False)


def lint(
    paths: str | Iterable[str],
    *,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    model: Model | str | None = None,
    jobs: int | None = None,
    stack_names: dict[str, str] | None = None,
    config: bool | str = True,
) -> list[Finding]:
    """Lint and return the findings only.

    Files that could not be linted and rules that failed are NOT returned: an empty list can
    mean "nothing was checked". They are logged as a warning on the `mmaws_lint` logger; use
    `lint_result` to get them.
    """
    result = lint_result(
        paths,
        select=select,
        ignore=ignore,
        model=model,
        jobs=jobs,
        stack_names=stack_names,
        config=config,
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


def configuration_for(config: bool | str) -> Config:
    if config is False:
        return Config()
    if isinstance(config, str):
        from .config import load_config_file

        return load_config_file(config)
    return find_config()


def _ids(values: Iterable[str]) -> list[str]:
    if isinstance(values, str):
        values = [values]
    return [part.strip().upper() for value in values for part in value.split(",") if part.strip()]
