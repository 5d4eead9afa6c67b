"""Sharding benchmark: the whole corpus linted serially, then each of N shards run one after the
other (each shard's wall time is what a single CI runner would see). Prints the numbers the
README's "Large estates" section quotes.

    .venv/bin/python bench/shards.py [--shards 4] [PATH]   (default ../shared/corpus)
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MMAWS_LINT = Path(sys.executable).parent / "mmaws-lint"


def timed(*args: str, cwd: Path) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(
        [str(MMAWS_LINT), "check", "--no-config", *args, "."],
        cwd=cwd, capture_output=True, text=True,
    )  # fmt: skip
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-200:]
    return time.perf_counter() - start, summary


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("path", nargs="?", default=str(ROOT.parent / "shared" / "corpus"))
    args = parser.parse_args()
    folder = Path(args.path).resolve()
    whole, summary = timed(cwd=folder)
    print(f"serial: {whole:.1f} s  ({summary})")
    times = []
    for index in range(1, args.shards + 1):
        seconds, summary = timed("--shard", f"{index}/{args.shards}", cwd=folder)
        times.append(seconds)
        print(f"shard {index}/{args.shards}: {seconds:.1f} s  ({summary})")
    slowest = max(times)
    print(f"slowest shard: {slowest:.1f} s; serial / slowest = {whole / slowest:.2f}"
          f" (ideal {args.shards})")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
