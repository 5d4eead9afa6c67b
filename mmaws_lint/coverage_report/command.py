"""The `coverage` subcommand: read the templates, build the report, write one format."""

from __future__ import annotations

import argparse
import json
import sys

from ..app import App
from ..conventions import add_stack_name_argument
from ..model import ModelError, load_model
from ..template.discover import discover
from .html import render_html
from .markdown import render_markdown
from .rows import build_report

FORMATS = ("markdown", "html", "json")


def parser() -> argparse.ArgumentParser:
    result = argparse.ArgumentParser(
        prog="mmaws-lint coverage",
        description="Report the monitoring coverage of finite resources: one row per resource,"
        " one column per capacity the model names for its type (CPU, storage, credits,"
        " backlog, errors…), each cell the alarm that watches it (threshold, whether it"
        " notifies), missing, or optional (watched only when a condition holds), with totals"
        " per stack and per resource type. Reads the same alarm index as WMM101.",
    )
    result.add_argument("paths", nargs="+", metavar="PATH", help="templates, folders, cdk.out")
    result.add_argument(
        "--format",
        choices=FORMATS,
        default="markdown",
        help="markdown (fits a pull-request comment, the default), html (one self-contained"
        " file, sortable with JavaScript, printable) or json",
    )
    result.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of stdout")
    result.add_argument("--model", metavar="FILE", help="model override file")
    add_stack_name_argument(result)
    return result


def main(argv: list[str]) -> int:
    arguments = parser().parse_args(argv)
    try:
        model = load_model(arguments.model)
    except ModelError as error:
        print(f"mmaws-lint coverage: {error}", file=sys.stderr)
        return 2
    apps, failed = [], False
    for unit in discover(arguments.paths, dict(arguments.stack_name)):
        templates, problems = unit.load()
        for problem in problems:
            failed |= not problem.skipped
            label = "note" if problem.skipped else "error"
            print(f"mmaws-lint coverage: {label}: {problem}", file=sys.stderr)
        if templates:
            apps.append(App(templates))
    report = build_report(apps, model)
    if arguments.format == "json":
        text = json.dumps(report.as_json(), indent=2) + "\n"
    elif arguments.format == "html":
        text = render_html(report)
    else:
        text = render_markdown(report)
    if arguments.output:
        with open(arguments.output, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        sys.stdout.write(text)
    return 2 if failed else 0
