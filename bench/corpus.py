"""Per-rule finding counts over the real-world corpus, so rule changes are visible in review.

python bench/corpus.py [CORPUS_DIR] [--jobs N]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

import mmaws_lint


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    default = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
    parser.add_argument("corpus", nargs="?", default=str(default))
    parser.add_argument("--jobs", type=int, default=0)
    args = parser.parse_args()
    if not Path(args.corpus).is_dir():
        print(f"no corpus at {args.corpus}", file=sys.stderr)
        return 2
    started = time.monotonic()
    result = mmaws_lint.lint_result([args.corpus], jobs=args.jobs)
    seconds = time.monotonic() - started
    by_rule = Counter(f.rule for f in result.findings)
    print(
        f"{len(result.linted)} templates linted, {len(result.errors)} unreadable, "
        f"{len(result.findings)} findings in {seconds:.1f} s"
    )
    print(f"{'rule':<8} {'findings':>9} {'templates':>10}")
    for rule in sorted(by_rule):
        files = len({f.file for f in result.findings if f.rule == rule})
        print(f"{rule:<8} {by_rule[rule]:>9} {files:>10}")
    crashes = [p for p in result.problems if "internal error" in p.message]
    for problem in crashes:
        print(f"CRASH {problem}", file=sys.stderr)
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
