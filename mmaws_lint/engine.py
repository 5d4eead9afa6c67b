"""Run the enabled checks over units of work and collect findings and load problems."""

from __future__ import annotations

import gc
import logging
import os
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .app import App
from .checks import CheckFunction, Context, load_checks
from .findings import Finding
from .model import Model
from .shard import Shard, select_units
from .suppress import is_suppressed, suppressions
from .template.discover import Unit, WalkPolicy, discover
from .template.load import LoadProblem

LOG = logging.getLogger("mmaws_lint")
COLLECT_EVERY_UNITS = 25


@dataclass
class Result:
    findings: list[Finding] = field(default_factory=list)
    problems: list[LoadProblem] = field(default_factory=list)
    linted: list[str] = field(default_factory=list)
    shard: Shard | None = None  # set when the run linted one shard of the units

    @property
    def errors(self) -> list[LoadProblem]:
        """Files that could not be linted and rules that failed: the run is incomplete."""
        return [p for p in self.problems if not p.skipped]

    @property
    def unlinted_files(self) -> list[str]:
        """Files no rule could lint (unreadable, not a lintable template)."""
        return sorted({p.file for p in self.errors if p.rule is None})

    @property
    def rule_failures(self) -> list[LoadProblem]:
        """A rule that crashed on a file the other rules linted, one problem each."""
        return [p for p in self.errors if p.rule is not None]


def selected_rules(
    model: Model, select: Iterable[str] = (), ignore: Iterable[str] = ()
) -> list[str]:
    select, ignore = list(select), list(ignore)
    chosen = []
    for rule_id, rule in model.rules.items():
        if not rule.enabled and not any(rule_id == s for s in select):
            continue
        if select and not any(rule_id.startswith(s) for s in select):
            continue
        if any(rule_id.startswith(i) for i in ignore):
            continue
        chosen.append(rule_id)
    return chosen


def unknown_rule_ids(model: Model, ids: Iterable[str]) -> list[str]:
    """The IDs or prefixes among `ids` that name no rule of the model."""
    return [value for value in ids if not any(rule_id.startswith(value) for rule_id in model.rules)]


def check_app(app: App, model: Model, rule_ids: Iterable[str], debug: bool = False) -> Result:
    """Run the given rules on an app; findings come back suppressed and sorted."""
    result = Result()
    checks = load_checks()
    # The decoded templates are long-lived; freezing them keeps the collector from walking
    # them again and again while rules allocate (which would make time grow faster than size).
    freeze = gc.get_freeze_count() == 0  # inside a host (cfn-lint) that froze, leave it be
    if freeze:
        gc.freeze()
    try:
        _run_checks(app, model, rule_ids, checks, result, debug)
    finally:
        if freeze:
            gc.unfreeze()
    by_file = {t.file: suppressions(t) for t in app.templates}
    result.findings = sorted(
        {f for f in result.findings if not is_suppressed(f, by_file.get(f.file, []))},
        key=Finding.sort_key,
    )
    result.linted = [t.file for t in app.templates]
    return result


def _run_checks(
    app: App,
    model: Model,
    rule_ids: Iterable[str],
    checks: dict[str, CheckFunction],
    result: Result,
    debug: bool,
) -> None:
    for rule_id in rule_ids:
        function = checks.get(rule_id)
        if function is None:
            continue
        context = Context(app, model.rules[rule_id], model)
        try:
            result.findings.extend(function(context))
        except Exception as exc:  # a rule bug must not cost the user the other rules
            files = ", ".join(t.file for t in app.templates)
            detail = traceback.format_exc() if debug else f"{type(exc).__name__}: {exc}"
            others = "this file" if len(app.templates) == 1 else "these files"
            message = f"internal error in {rule_id}: {detail}; the other rules linted {others}"
            result.problems.append(LoadProblem(files, message, rule=rule_id))


def lint_unit(unit: Unit, model: Model, rule_ids: list[str], debug: bool = False) -> Result:
    templates, problems = unit.load()
    result = check_app(App(templates), model, rule_ids, debug) if templates else Result()
    result.problems = problems + result.problems
    return result


def _lint_unit_safely(args: tuple[Unit, Model, list[str], bool]) -> Result:
    unit, model, rule_ids, debug = args
    try:
        return lint_unit(unit, model, rule_ids, debug)
    except Exception as exc:  # never lose the other units to one bad file
        files = ", ".join(s.file for s in unit.sources) or "input"
        detail = traceback.format_exc() if debug else f"{type(exc).__name__}: {exc}"
        return Result(problems=[LoadProblem(files, f"internal error: {detail}")])


def run(
    paths: list[str],
    model: Model,
    rule_ids: list[str],
    *,
    jobs: int = 1,
    stack_names: dict[str, str] | None = None,
    debug: bool = False,
    shard: Shard | None = None,
    policy: WalkPolicy | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Result:
    """Lint `paths`; `policy` leaves paths out of folder walks, `progress(files done, total)`
    is called as units finish."""
    units = discover(paths, stack_names, policy)
    if shard is not None:
        units, shard = select_units(units, shard)
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(units) or 1))
    work = [(unit, model, rule_ids, debug) for unit in units]
    total_files, done_files = sum(len(unit.sources) for unit in units), 0
    results = []
    if jobs == 1:
        for index, item in enumerate(work, start=1):
            results.append(_lint_unit_safely(item))
            if index % COLLECT_EVERY_UNITS == 0:
                gc.collect()  # templates link to their resources and back: free them in batches
            if progress is not None:
                done_files += len(item[0].sources)
                progress(done_files, total_files)
    else:
        from concurrent.futures import ProcessPoolExecutor  # a serial run need not import it

        with ProcessPoolExecutor(max_workers=jobs) as pool:
            chunk = max(1, len(work) // (jobs * 4))
            for item, part in zip(
                work, pool.map(_lint_unit_safely, work, chunksize=chunk), strict=True
            ):
                results.append(part)
                if progress is not None:
                    done_files += len(item[0].sources)
                    progress(done_files, total_files)
    total = Result(shard=shard)
    for part in results:
        total.findings.extend(part.findings)
        total.problems.extend(part.problems)
        total.linted.extend(part.linted)
    total.findings.sort(key=Finding.sort_key)
    total.linted.sort()
    total.problems.sort(key=lambda p: (p.file, p.line or 0, p.message))
    return total
