"""Where mmaws-lint spends its time on some templates: decoding, then each rule in turn.

    python bench/rules_time.py FILE_OR_FOLDER... [--runs 3]

Loads the files as one app (as a cross-stack unit is linted), then times each rule's check
alone, in model order and with the collector frozen as `engine.check_app` does; the template
model and the indexes shared between rules (`App.shared`) are charged to the first rule that
builds them, as in a real run. Minimum over runs, each run on a fresh app.
"""

from __future__ import annotations

import argparse
import gc
import time
from pathlib import Path

from mmaws_lint.app import App
from mmaws_lint.checks import Context, load_checks
from mmaws_lint.engine import selected_rules
from mmaws_lint.model import load_model
from mmaws_lint.template.load import read_template
from mmaws_lint.template.template import Template


def files_of(paths: list[str]) -> list[str]:
    found = []
    for raw in paths:
        path = Path(raw)
        found += sorted(str(p) for p in path.rglob("*.yaml")) if path.is_dir() else [raw]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    files = files_of(args.paths)
    model = load_model(None)
    rule_ids = selected_rules(model)
    checks = load_checks()
    decode: list[float] = []
    per_rule: dict[str, list[float]] = {rule: [] for rule in rule_ids}
    for _ in range(args.runs):
        gc.collect()
        started = time.perf_counter()
        templates = [t for t in map(read_template, files) if isinstance(t, Template)]
        app = App(templates)
        decode.append(time.perf_counter() - started)
        gc.freeze()
        for rule_id in rule_ids:
            started = time.perf_counter()
            list(checks[rule_id](Context(app, model.rules[rule_id], model)))
            per_rule[rule_id].append(time.perf_counter() - started)
        gc.unfreeze()
    resources = sum(len(t.resources) for t in templates)
    total = min(decode) + sum(min(times) for times in per_rule.values())
    print(f"{len(files)} file(s), {resources} resources; minimum of {args.runs} run(s)")
    print(f"{'step':<8} {'seconds':>8} {'share':>6}")
    print(f"{'decode':<8} {min(decode):8.3f} {100 * min(decode) / total:5.1f}%")
    for rule_id, times in sorted(per_rule.items(), key=lambda item: -min(item[1])):
        print(f"{rule_id:<8} {min(times):8.3f} {100 * min(times) / total:5.1f}%")
    print(f"{'total':<8} {total:8.3f}")


if __name__ == "__main__":
    main()
