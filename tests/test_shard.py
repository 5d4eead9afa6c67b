"""`--shard K/N`: shards 1..N together report exactly what one run reports, units are never
split, the assignment is stable, and every report format names its shard."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from conftest import FIXTURES, SARIF_SCHEMA

from mmaws_lint.cli import main
from mmaws_lint.shard import Shard, parse_shard, shard_of, unit_key
from mmaws_lint.template.discover import Source, Unit, discover


def run_json(capsys, *args: str) -> tuple[int, list[dict]]:
    code = main(["check", "--no-config", "--format", "json", *args])
    out, _ = capsys.readouterr()
    return code, json.loads(out)


def ordered(findings: list[dict]) -> list[str]:
    return sorted(json.dumps(f, sort_keys=True) for f in findings)


@pytest.fixture(scope="module")
def cross_stack_pairs(tmp_path_factory) -> Path:
    """A generated estate: 40 pairs of a queue stack and a monitoring stack that imports it
    (every other pair watches the queue, the rest watch another metric), and loose templates."""
    folder = tmp_path_factory.mktemp("estate")
    for index in range(40):
        metric = "ApproximateAgeOfOldestMessage" if index % 2 else "NumberOfMessagesSent"
        pair = folder / f"team{index:02d}"
        pair.mkdir()
        (pair / "queue.yaml").write_text(
            f"Resources:\n  Jobs{index}:\n    Type: AWS::SQS::Queue\n"
            f"Outputs:\n  Name:\n    Value: !GetAtt Jobs{index}.QueueName\n"
            f"    Export: {{Name: team{index}-jobs}}\n"
        )
        (pair / "alarms.yaml").write_text(
            f"Resources:\n  Age:\n    Type: AWS::CloudWatch::Alarm\n    Properties:\n"
            f"      Namespace: AWS/SQS\n      MetricName: {metric}\n"
            f"      Dimensions: [{{Name: QueueName, Value: !ImportValue team{index}-jobs}}]\n"
            "      Statistic: Maximum\n      Period: 60\n      EvaluationPeriods: 1\n"
            "      Threshold: 600\n      ComparisonOperator: GreaterThanThreshold\n"
            "      AlarmActions: [arn:aws:sns:eu-west-1:111122223333:ops]\n"
        )
        (pair / "server.yaml").write_text(
            f"Resources:\n  Web{index}:\n    Type: AWS::EC2::Instance\n"
            "    Properties: {ImageId: ami-1}\n"
        )
    return folder


@pytest.mark.parametrize("count", [1, 3, 7])
@pytest.mark.parametrize("where", ["fixtures", "generated"])
def test_union_of_shards_is_the_unsharded_run(
    capsys, monkeypatch, cross_stack_pairs, count: int, where: str
) -> None:
    folder = FIXTURES if where == "fixtures" else cross_stack_pairs
    monkeypatch.chdir(folder)
    _, whole = run_json(capsys, ".")
    assert whole
    parts: list[dict] = []
    for index in range(1, count + 1):
        _, found = run_json(capsys, "--shard", f"{index}/{count}", ".")
        parts.extend(found)
    assert ordered(parts) == ordered(whole)


@pytest.mark.parametrize("count", [3, 7])
def test_no_unit_in_two_shards_and_units_never_split(
    capsys, monkeypatch, cross_stack_pairs, count: int
) -> None:
    monkeypatch.chdir(cross_stack_pairs)
    owners: dict[str, int] = {}
    for index in range(1, count + 1):
        main(["check", "--no-config", "--format", "junit", "--shard", f"{index}/{count}", "."])
        out, _ = capsys.readouterr()
        for suite in ET.fromstring(out).iter("testsuite"):
            file = suite.get("name").removesuffix(f" [shard {index}/{count}]")
            assert file not in owners, f"{file} in shards {owners[file]} and {index}"
            owners[file] = index
    assert len(owners) == 120
    # the linked templates exchange exports: they form one unit, hence one shard
    linked = {owners[f"./team{i:02d}/{name}"] for i in range(40) for name in ("queue.yaml",)}
    linked |= {owners[f"./team{i:02d}/alarms.yaml"] for i in range(40)}
    assert len(linked) == 1
    units = discover(["."])
    assert sum(1 for unit in units if len(unit.sources) > 1) == 1


def test_assignment_is_a_sha256_of_sorted_relative_paths(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    unit = Unit([Source(str(tmp_path / "b.yaml"), True), Source("a.yaml", True)])
    assert unit_key(unit) == "a.yaml\nb.yaml"
    digest = hashlib.sha256(b"a.yaml\nb.yaml").digest()
    assert shard_of(unit, 8) == int.from_bytes(digest[:8], "big") % 8 + 1


def test_assignment_does_not_depend_on_the_hash_seed(cross_stack_pairs) -> None:
    script = (
        "from mmaws_lint.shard import shard_of; from mmaws_lint.template.discover import discover;"
        "print([shard_of(u, 5) for u in discover(['.'])])"
    )
    seen = {
        subprocess.run(
            [sys.executable, "-c", script],
            cwd=cross_stack_pairs,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(seen) == 1


def test_shard_reports_name_their_shard(capsys, monkeypatch, cross_stack_pairs) -> None:
    monkeypatch.chdir(cross_stack_pairs)
    ids = set()
    for index in (1, 2, 3):
        main(["check", "--no-config", "--format", "sarif", "--shard", f"{index}/3", "."])
        out, _ = capsys.readouterr()
        sarif = json.loads(out)
        if SARIF_SCHEMA.exists():
            import jsonschema

            jsonschema.validate(sarif, json.loads(SARIF_SCHEMA.read_text()))
        ids.add(sarif["runs"][0]["automationDetails"]["id"])
    assert ids == {f"mmaws-lint/shard-{k}-of-3/" for k in (1, 2, 3)}
    main(["check", "--no-config", "--shard", "2/3", "."])
    out, _ = capsys.readouterr()
    summary = out.splitlines()[-1]
    assert summary.startswith("shard 2/3: ") and " units of 41; " in summary


def test_shard_with_jobs_is_the_same(capsys, monkeypatch, cross_stack_pairs) -> None:
    monkeypatch.chdir(cross_stack_pairs)
    _, serial = run_json(capsys, "--shard", "2/3", ".")
    _, parallel = run_json(capsys, "--shard", "2/3", "--jobs", "2", ".")
    assert serial == parallel


@pytest.mark.parametrize("text", ["0/3", "4/3", "3", "a/b", "1/0", ""])
def test_invalid_shard_is_a_usage_error(capsys, text: str) -> None:
    assert main(["check", "--no-config", "--shard", text, "."]) == 2
    _, err = capsys.readouterr()
    assert "--shard" in err
    with pytest.raises(ValueError):
        parse_shard(text)


def test_parse_shard() -> None:
    assert parse_shard(" 2/8 ") == Shard(2, 8)


def test_shards_combine_with_exclude_and_baseline(capsys, monkeypatch, cross_stack_pairs) -> None:
    monkeypatch.chdir(cross_stack_pairs)
    first_ten = sorted(f"./{p.name}" for p in cross_stack_pairs.glob("team0*"))
    main(["check", "--no-config", "--write-baseline", "../baseline.json", *first_ten])
    capsys.readouterr()
    options = ("--exclude", "team1*/", "--baseline", "../baseline.json")
    _, whole = run_json(capsys, *options, ".")
    assert whole and not any(f["file"].startswith(("./team0", "./team1")) for f in whole)
    parts: list[dict] = []
    for index in (1, 2, 3):
        parts.extend(run_json(capsys, *options, "--shard", f"{index}/3", ".")[1])
    assert ordered(parts) == ordered(whole)
