"""Whole-process time of the pre-commit hook (`mmaws-lint check --companions FILE`) on one small
template in a generated repository of N templates (default 500: cross-stack pairs and loose
templates), with companion discovery. The first run fills `.mmaws-lint-cache/`; the figure that
matters is a later run (the cache is kept between commits).

    .venv/bin/python bench/hook.py [--templates 500] [--runs 10]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MMAWS_LINT = Path(sys.executable).parent / "mmaws-lint"


def estate(folder: Path, templates: int) -> Path:
    (folder / ".git").mkdir()
    pairs = templates // 4
    for index in range(pairs):
        team = folder / "stacks" / f"team{index:03d}"
        team.mkdir(parents=True)
        (team / "queue.yaml").write_text(
            "Resources:\n  Jobs:\n    Type: AWS::SQS::Queue\n"
            f"Outputs:\n  Name:\n    Value: !GetAtt Jobs.QueueName\n"
            f"    Export: {{Name: !Sub '${{AWS::StackName}}-jobs-{index}'}}\n"
        )
        (team / "alarms.yaml").write_text(
            "Resources:\n  Age:\n    Type: AWS::CloudWatch::Alarm\n    Properties:\n"
            "      Namespace: AWS/SQS\n      MetricName: ApproximateAgeOfOldestMessage\n"
            f"      Dimensions: [{{Name: QueueName, Value: !ImportValue queue-jobs-{index}}}]\n"
            "      Statistic: Maximum\n      Period: 60\n      EvaluationPeriods: 1\n"
            "      Threshold: 600\n      ComparisonOperator: GreaterThanThreshold\n"
        )
    for index in range(templates - 2 * pairs):
        loose = folder / "services" / f"service{index:03d}.yaml"
        loose.parent.mkdir(parents=True, exist_ok=True)
        loose.write_text(
            "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n"
            + "".join(
                f"  Topic{n}:\n    Type: AWS::SNS::Topic\n    Properties: {{DisplayName: t{n}}}\n"
                for n in range(20)
            )
        )
    return folder / "stacks" / "team000" / "queue.yaml"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--templates", type=int, default=500)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        changed = estate(folder, args.templates)
        count = sum(1 for _ in folder.rglob("*.yaml"))
        times, cpu = [], []
        for _ in range(args.runs + 1):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(
                [str(MMAWS_LINT), "check", "--companions", str(changed.relative_to(folder))],
                cwd=folder, capture_output=True, check=False,
            )  # fmt: skip
            times.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        print(f"{count} templates; first run (fills the cache): {times[0]:.3f} s wall")
        # CPU time is what the run costs on an idle core; wall time adds the machine's load
        print(
            f"later runs: wall median {statistics.median(times[1:]):.3f} s"
            f" (min {min(times[1:]):.3f} s); CPU median {statistics.median(cpu[1:]):.3f} s"
            f" (min {min(cpu[1:]):.3f} s); load average {os.getloadavg()[0]:.1f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
