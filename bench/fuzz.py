"""The long fuzzing run: many structural mutants through the API, the cfn-lint plugin's rules
and the command line; prints failures (to reproduce with --only), the slowest files and the
totals. The mutations are in tests/fuzzing.py; tests/test_fuzz.py is the short run.

    .venv/bin/python bench/fuzz.py --mutants 20000 --seed 1
    .venv/bin/python bench/fuzz.py --seed 1 --only 4711 --keep /tmp/mutant   # one mutant again
"""

from __future__ import annotations

import argparse
import collections
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import fuzzing

Timing = tuple[float, str, str, str, list[str]]  # CPU s, entry point, mutant, seed file, kinds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mutants", type=int, default=2000, help="how many (default 2000)")
    parser.add_argument("--seed", type=int, default=1, help="which mutants (default 1)")
    parser.add_argument("--start", type=int, default=0, help="first mutant number")
    parser.add_argument("--only", type=int, help="run one mutant, by number")
    parser.add_argument("--no-corpus", action="store_true", help="mutate the fixtures only")
    parser.add_argument("--no-export-cycles", action="store_true", help="leave out export cycles")
    parser.add_argument(
        "--cli-every", type=int, default=10, help="also lint every Nth mutant with the CLI"
    )
    parser.add_argument(
        "--plugin-every", type=int, default=1, help="lint every Nth mutant with the plugin's rules"
    )
    parser.add_argument("--bound", type=float, default=2.0, help="CPU seconds a mutant may take")
    parser.add_argument("--keep", type=Path, help="write the mutants (and the CLI batch) here")
    parser.add_argument("--json", type=Path, help="write the summary as JSON")
    args = parser.parse_args()

    sources = fuzzing.seed_files(corpus=not args.no_corpus)
    start, count = (args.only, 1) if args.only is not None else (args.start, args.mutants)
    work = Path(tempfile.mkdtemp(prefix="mmaws-fuzz-"))
    cli_folder = args.keep or work / "cli"
    cli_folder.mkdir(parents=True, exist_ok=True)
    cycles = not args.no_export_cycles
    failures: list[str] = []
    timings: list[Timing] = []
    kinds: collections.Counter[str] = collections.Counter()
    cli_batch = 0
    fuzzing.warm_up(work)
    started = time.perf_counter()
    try:
        for index, mutant in enumerate(
            fuzzing.mutants(args.seed, count, sources, start, cycles=cycles)
        ):
            kinds.update(mutant.mutations)
            outcomes = [("api", fuzzing.check_api(mutant, work))]
            if args.plugin_every and index % args.plugin_every == 0:
                outcomes.append(("cfn-lint plugin", fuzzing.check_plugin(mutant)))
            for entry, outcome in outcomes:
                timings.append(
                    (outcome.cpu_seconds, entry, mutant.name, mutant.source, mutant.mutations)
                )
                if outcome.failure:
                    failures.append(
                        f"{mutant.name} ({entry}) {mutant.mutations} of {mutant.source}:"
                        f" {outcome.failure}"
                    )
                if outcome.cpu_seconds > args.bound:
                    failures.append(
                        f"{mutant.name} ({entry}) took {outcome.cpu_seconds:.2f} s of CPU"
                        f" ({outcome.seconds:.2f} s wall)"
                    )
            if args.keep or (args.cli_every and index % args.cli_every == 0):
                fuzzing.write_mutant(mutant, cli_folder)
                cli_batch += 1
            if cli_batch >= 500 or (cli_batch and index == count - 1):
                failures.extend(f"(cli) {line}" for line in fuzzing.check_cli(cli_folder))
                if not args.keep:
                    shutil.rmtree(cli_folder)
                    cli_folder.mkdir()
                cli_batch = 0
            if (index + 1) % 1000 == 0:
                print(f"{index + 1} mutants, {len(failures)} failures, "
                      f"{time.perf_counter() - started:.0f} s", flush=True)  # fmt: skip
                if args.json:  # a long run stopped early still leaves its numbers
                    _summary(args, start, index + 1, started, cycles, kinds, failures, timings)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _summary(args, start, count, started, cycles, kinds, failures, timings, echo=True)
    return 1 if failures else 0


def _summary(
    args: argparse.Namespace,
    start: int,
    done: int,
    started: float,
    cycles: bool,
    kinds: collections.Counter[str],
    failures: list[str],
    timings: list[Timing],
    echo: bool = False,
) -> None:
    elapsed = time.perf_counter() - started
    slowest = sorted(timings, reverse=True)[:20]
    if echo:
        print(f"\nseed {args.seed}, mutants {start}..{start + done - 1} ({done}), "
              f"{elapsed:.0f} s, export cycles {'on' if cycles else 'off'}")  # fmt: skip
        print("mutations:", ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))
        print("slowest (CPU seconds):")
        for seconds, entry, name, source, mutations in slowest[:5]:
            print(f"  {seconds:6.3f} s  {entry:15} {name}  {mutations}  {source}")
        print(f"failures: {len(failures)}")
        for failure in failures:
            print(f"  {failure}")
    if args.json:
        args.json.write_text(json.dumps({
            "seed": args.seed, "start": start, "mutants": done, "seconds": elapsed,
            "export_cycles": cycles, "mutations": kinds, "failures": failures,
            "slowest": slowest,
        }, indent=2))  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
