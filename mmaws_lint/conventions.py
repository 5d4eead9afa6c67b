"""The `check` options users of ruff, cfn-lint and checkov reach for first, with their logic:
--config, --exclude and .gitignore, --follow-symlinks, stdin, --baseline/--write-baseline,
--exit-zero, --color, --show-links, and --stack-name (also for alarms and coverage). `cli.py`
only wires them in."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from .config import Config, find_config, load_config_file
from .engine import Result
from .ignore import Excludes, WalkFilter
from .report_file import configured_output

STDIN = "-"
COLOR_CHOICES = ("auto", "always", "never")


def add_stack_name_argument(parser: argparse.ArgumentParser) -> None:
    """`--stack-name FILE=NAME`, shared by check, alarms and coverage: a list of (file, name)."""
    parser.add_argument(
        "--stack-name",
        action="append",
        default=[],
        type=_stack_name_pair,
        metavar="FILE=NAME",
        help="deployed stack name of a template, for ${AWS::StackName} in export names",
    )


def _stack_name_pair(value: str) -> tuple[str, str]:
    file, separator, name = value.partition("=")
    if not separator or not file or not name:
        raise argparse.ArgumentTypeError(f"takes FILE=NAME, not {value!r}")
    return file, name


def add_arguments(check: argparse.ArgumentParser) -> None:
    check.add_argument(
        "--config",
        metavar="FILE",
        help="read options from FILE (a .mmaws-lint.yaml or a pyproject.toml) instead of the one"
        " found from the working directory upward",
    )
    check.add_argument(
        "--exclude",
        action="append",
        metavar="GLOB",
        help="leave out paths matching GLOB (.gitignore syntax, relative to the working"
        " directory; repeatable); adds to `exclude:` of the configuration",
    )
    check.add_argument(
        "--no-gitignore",
        action="store_true",
        help="also lint files that .gitignore files ignore when walking folders",
    )
    check.add_argument(
        "--follow-symlinks",
        action="store_true",
        help="lint file links found in a folder that point outside it (skipped by default)",
    )
    check.add_argument(
        "--stdin-filename",
        metavar="NAME",
        help="with PATH `-`: the name the template read from standard input is reported as",
    )
    check.add_argument(
        "--baseline",
        metavar="FILE",
        help="report only findings that are not in the baseline FILE",
    )
    check.add_argument(
        "--write-baseline",
        metavar="FILE",
        help="write today's findings to FILE as a baseline and exit 0",
    )
    check.add_argument(
        "--exit-zero",
        action="store_true",
        help="exit 0 even when there are findings (a file that cannot be linted still exits 2)",
    )
    check.add_argument(
        "--color",
        "--colour",
        choices=COLOR_CHOICES,
        default="auto",
        help="colour rule IDs and levels in text output (default auto: on a terminal, unless"
        " NO_COLOR is set; FORCE_COLOR turns it on)",
    )
    check.add_argument(
        "--show-links",
        action="store_true",
        help="print each finding's documentation link under it in text output",
    )


def configuration(args: argparse.Namespace) -> Config:
    if args.no_config:
        return Config()
    if args.config:
        return load_config_file(args.config)
    return find_config()


def walk_filter(args: argparse.Namespace, config: Config) -> WalkFilter:
    excludes = Excludes()
    if config.source and config.values.get("exclude"):
        excludes.add(config.values["exclude"], Path(config.source).parent)
    excludes.add(args.exclude or [], os.getcwd())
    gitignore = not args.no_gitignore and config.values.get("gitignore", True)
    return WalkFilter(excludes, gitignore=gitignore, follow_symlinks=args.follow_symlinks)


def output_file(args: argparse.Namespace, config: Config) -> str | None:
    """-o as given; `output:` of the configuration relative to it and inside the project."""
    if args.output:
        return args.output
    configured = config.values.get("output")
    if configured and config.source:
        return configured_output(configured, config.source)
    return configured or None


def baseline_file(args: argparse.Namespace, config: Config) -> str | None:
    if args.baseline:
        return args.baseline
    configured = config.values.get("baseline")
    if configured and config.source:
        return str(Path(config.source).parent / configured)
    return configured or None


@contextmanager
def stdin_paths(args: argparse.Namespace) -> Iterator[tuple[list[str], str | None]]:
    """The paths to lint, with `-` replaced by a temporary copy of standard input, and the
    temporary file (None without `-`), to be renamed back with `rename_stdin`."""
    if STDIN not in args.paths:
        yield args.paths, None
        return
    name = args.stdin_filename or "stdin.yaml"
    folder = tempfile.mkdtemp(prefix="mmaws-lint-stdin-")
    try:
        # the same base name: a stack name comes from it, and the suffix tells YAML from JSON
        temporary = os.path.join(folder, os.path.basename(name) or "stdin.yaml")
        with open(temporary, "wb") as handle:
            handle.write(sys.stdin.buffer.read())
        yield [temporary if p == STDIN else p for p in args.paths], temporary
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def rename_stdin(result: Result, temporary: str | None, name: str | None) -> Result:
    if temporary is None:
        return result
    shown = name or STDIN

    def rename(file: str) -> str:
        return shown if file == temporary else file

    return replace(
        result,
        findings=[replace(f, file=rename(f.file)) for f in result.findings],
        problems=[replace(p, file=rename(p.file)) for p in result.problems],
        linted=[rename(f) for f in result.linted],
    )
