"""Command line: `mmaws-lint check|rules|explain|alarms|coverage|checkov-dir`.

Exit codes: 0 no finding at warning level or above; 1 findings; 2 usage error, invalid model
or configuration, or a file that could not be linted (all findings are still reported).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import traceback
from collections.abc import Sequence

from . import __version__, conventions
from .config import ConfigError
from .model import Model, ModelError, load_model
from .shard import Shard, parse_shard

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
SUBCOMMANDS = ("check", "rules", "explain", "alarms", "coverage", "checkov-dir")
FORMATS = ("text", "json", "sarif", "junit", "github")


class UsageError(Exception):
    pass


def _split_ids(values: Sequence[str] | None) -> list[str]:
    return [
        part.strip().upper() for value in values or [] for part in value.split(",") if part.strip()
    ]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mmaws-lint",
        description="Check CloudFormation, SAM and CDK templates against a mental model of AWS.",
        epilog="Exit codes: 0 clean, 1 findings (warning or error), 2 usage error or a file "
        "that could not be linted. `mmaws-lint PATH...` is short for `mmaws-lint check PATH...`.",
    )
    parser.add_argument("--version", "-V", action="version", version=f"mmaws-lint {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = commands.add_parser("check", help="lint templates, folders and cdk.out assemblies")
    check.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="template files, folders (walked for templates) and cdk.out folders; - reads a"
        " template from standard input",
    )
    check.add_argument("--format", choices=FORMATS, help="report format (default: text)")
    check.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE")
    check.add_argument(
        "--select",
        action="append",
        metavar="ID_OR_PREFIX",
        help="only these rules (repeat or comma-separate; e.g. WMM1,EMM202)",
    )
    check.add_argument(
        "--ignore",
        action="append",
        metavar="ID_OR_PREFIX",
        help="skip these rules (repeat or comma-separate)",
    )
    check.add_argument("--model", metavar="FILE", help="YAML file overriding rule settings")
    check.add_argument(
        "--jobs",
        "-j",
        type=int,
        metavar="N",
        help="lint in N processes (0 = one per CPU; default 1)",
    )
    conventions.add_stack_name_argument(check)
    check.add_argument(
        "--shard",
        metavar="K/N",
        help="lint only the units (cross-stack groups, cdk.out apps) of shard K of N, for N CI"
        " runners; shards 1..N together lint every unit once",
    )
    check.add_argument(
        "--companions",
        action="store_true",
        help="lint named files together with the project's templates that import their exports"
        " or export what they import (the pre-commit hook's mode); report the named files only",
    )
    check.add_argument(
        "--strict",
        action="store_true",
        help="a named file that is not a CloudFormation template is an error, not a note",
    )
    check.add_argument("--no-config", action="store_true", help="ignore configuration files")
    check.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    conventions.add_arguments(check)

    rules = commands.add_parser("rules", help="list the rules")
    rules.add_argument("--model", metavar="FILE")
    rules.add_argument("--format", choices=("text", "json"), default="text")

    explain = commands.add_parser(
        "explain", help="explain a rule, or what the model holds for a resource type"
    )
    explain.add_argument("rule_id", metavar="ID_OR_TYPE", help="WMM501 or AWS::RDS::DBInstance")
    explain.add_argument("--model", metavar="FILE")

    commands.add_parser(
        "alarms", help="write CloudWatch alarms for unwatched finite resources", add_help=False
    )
    commands.add_parser(
        "coverage", help="report which alarm watches each finite capacity", add_help=False
    )
    commands.add_parser("checkov-dir", help="print the directory for checkov --external-checks-dir")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list and args_list[0] not in (*SUBCOMMANDS, "-h", "--help", "--version", "-V"):
        args_list.insert(0, "check")
    if args_list[:1] == ["alarms"]:
        from .alarms import main as alarms_main

        return alarms_main(args_list[1:])
    if args_list[:1] == ["coverage"]:
        from .coverage_report import main as coverage_main

        return coverage_main(args_list[1:])
    parser = build_parser()
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:  # argparse has printed the usage error or the help
        return exc.code if isinstance(exc.code, int) else EXIT_ERROR
    debug = getattr(args, "debug", False)
    try:
        if args.command == "check":
            return _check(args)
        if args.command == "rules":
            return _rules(args)
        if args.command == "explain":
            return _explain(args)
        if args.command == "checkov-dir":
            from .checkov import checks_directory

            print(checks_directory())
            return EXIT_CLEAN
        parser.print_help()
        return EXIT_ERROR
    except (UsageError, ModelError, ConfigError) as exc:
        print(f"mmaws-lint: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the last line of defence: one line, never a traceback
        if debug:
            traceback.print_exc()
        print(f"mmaws-lint: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_ERROR


def _check(args: argparse.Namespace) -> int:
    from . import conventions as conv
    from .baseline import BaselineError, new_findings, write_baseline
    from .companions import find_companions, only_named
    from .engine import run, selected_rules, unknown_rule_ids
    from .explicit import notes_for_non_templates
    from .report import FORMATS as FORMATTERS
    from .report.safe import printable
    from .report_file import ReportFileError, write_report
    from .terminal import Progress, use_colour

    config = conv.configuration(args)
    options = config.values
    if not args.paths:
        raise UsageError("no PATH given (files, folders, a cdk.out folder, or - for stdin)")
    model = load_model(args.model or options.get("model"))
    select = _split_ids(args.select) if args.select else _split_ids(options.get("select"))
    ignore = _split_ids(args.ignore) if args.ignore else _split_ids(options.get("ignore"))
    unknown = unknown_rule_ids(model, select + ignore)
    if unknown:
        raise UsageError(f"no rule matches {unknown[0]!r} (see `mmaws-lint rules`)")
    rule_ids = selected_rules(model, select, ignore)
    stack_names = {**options.get("stack-names", {}), **dict(args.stack_name)}
    jobs = args.jobs if args.jobs is not None else options.get("jobs", 1)
    if jobs < 0:
        raise UsageError("--jobs must be 0 (one per CPU) or more")
    report_format = args.format or options.get("format", "text")
    if report_format not in FORMATTERS:
        raise UsageError(f"unknown format {report_format!r} (formats: {', '.join(FORMATS)})")
    try:
        output = conv.output_file(args, config)
    except ReportFileError as exc:
        raise UsageError(str(exc)) from None
    shard = _shard(args.shard)
    progress = Progress()
    with conv.stdin_paths(args) as (paths, stdin_file):
        context = []
        if args.companions and options.get("companions", True):
            context = find_companions([p for p in paths if os.path.isfile(p)])
        result = run(
            [*paths, *context],
            model,
            rule_ids,
            jobs=jobs,
            stack_names=stack_names,
            debug=args.debug,
            shard=shard,
            policy=conv.walk_filter(args, config),
            progress=progress,
        )
        progress.finish()
        if context:
            result = only_named(result, paths)
        if not args.strict:
            notes_for_non_templates(result, paths)
    result = conv.rename_stdin(result, stdin_file, args.stdin_filename)
    try:
        if args.write_baseline:
            write_baseline(args.write_baseline, result.findings)
            print(f"mmaws-lint: wrote {len(result.findings)} findings to {args.write_baseline}")
            return EXIT_CLEAN
        baseline = conv.baseline_file(args, config)
        if baseline:
            result.findings = new_findings(result.findings, baseline)
    except BaselineError as exc:
        raise UsageError(str(exc)) from None
    if report_format == "text":
        colour = output is None and use_colour(args.color, sys.stdout)
        report = FORMATTERS["text"](result, model, rule_ids, colour=colour, links=args.show_links)
    else:
        report = FORMATTERS[report_format](result, model, rule_ids)
    if output:
        inputs = [*args.paths, *result.linted, *(p.file for p in result.problems)]
        try:
            write_report(output, report, inputs)
        except ReportFileError as exc:
            raise UsageError(str(exc)) from None
    else:
        sys.stdout.write(report)
        sys.stdout.flush()
    for problem in result.problems:
        label = "note" if problem.skipped else "error"
        print(
            printable(
                f"{problem.file}{f':{problem.line}' if problem.line else ''}: {label}: "
                f"{problem.message}"
            ),
            file=sys.stderr,
        )
    if result.errors:
        return EXIT_ERROR
    if any(f.level in ("error", "warning") for f in result.findings) and not args.exit_zero:
        return EXIT_FINDINGS
    return EXIT_CLEAN


def _shard(text: str | None) -> Shard | None:
    if text is None:
        return None
    try:
        return parse_shard(text)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _rules(args: argparse.Namespace) -> int:
    model = load_model(args.model)
    if args.format == "json":
        import json

        rows = [
            {
                "id": r.id,
                "level": r.level,
                "family": r.family,
                "title": r.title,
                "enabled": r.enabled,
                "resource_types": list(r.resource_types),
                "docs": r.docs_url,
            }
            for r in model.rules.values()
        ]
        print(json.dumps(rows, indent=2))
        return EXIT_CLEAN
    from .checks import limitation

    width = max(len(r.title) for r in model.rules.values())
    print(f"{'ID':<7} {'LEVEL':<8} {'FAMILY':<11} {'TITLE':<{width}}")
    for rule in model.rules.values():
        disabled = "" if rule.enabled else "  (disabled)"
        limited = limitation(rule.id)
        disabled += f"  (limited: {limited})" if limited else ""
        print(f"{rule.id:<7} {rule.level:<8} {rule.family:<11} {rule.title}{disabled}")
    return EXIT_CLEAN


def _explain(args: argparse.Namespace) -> int:
    model = load_model(args.model)
    if "::" in args.rule_id:
        return _explain_type(model, args.rule_id)
    rule = model.rules.get(args.rule_id.upper())
    if rule is None:
        raise UsageError(f"unknown rule {args.rule_id!r} (see `mmaws-lint rules`)")
    print(f"{rule.id} ({rule.level}, {rule.family}): {rule.title}\n")
    print(f"Model: {rule.statement}\n")
    print(f"Why it matters: {rule.why}\n")
    print(f"Fix: {rule.fix}\n")
    print("Example:")
    for line in rule.example.splitlines():
        print(f"    {line}")
    print(f"\nApplies to: {', '.join(rule.resource_types)}")
    if rule.peers:
        print(f"Peers: {rule.peers}")
    from .checks import limitation

    limited = limitation(rule.id)
    if limited:
        print(f"Limited in this installation: {limited}")
    if rule.settings:
        print("Settings (override with --model):")
        for key, value in rule.settings.items():
            print(f"    {key}: {value}")
    print(f"Docs: {rule.docs_url}")
    return EXIT_CLEAN


def _explain_type(model: Model, resource_type: str) -> int:
    from .resource_types import knowledge, render_text

    found = knowledge(model, resource_type)
    if not found.known:
        matches = [t for t in _known_types(model) if t.lower() == resource_type.lower()]
        hint = f"; did you mean {matches[0]}?" if matches else ""
        raise UsageError(f"the model knows nothing about {resource_type!r}{hint}")
    sys.stdout.write(render_text(found))
    return EXIT_CLEAN


def _known_types(model: Model) -> list[str]:
    from .resource_types import known_types

    return known_types(model)


def console() -> int:
    """The `mmaws-lint` command: `main`, then an exit that frees nothing.

    The decoded templates form cycles that only the collector frees; at interpreter exit that
    last collection would cost a third of a large run. The process ends anyway, so the objects
    are frozen out of it (in-process callers of `main` keep normal memory management).
    """
    code = main()
    sys.stdout.flush()
    gc.freeze()
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(console())
