"""`mmaws-lint alarms`: the generated alarms, merged into their template, pass cfn-lint and
leave WMM101 (and WMM102/WMM103) with nothing to say about the resources they watch."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import cfn_flip
import pytest
from conftest import cfn_lint_errors, copy_case
from fixture_marks import FIXTURES

import mmaws_lint
from mmaws_lint.alarms import generate_for_paths, main
from mmaws_lint.model import apply_overrides, shipped_model
from mmaws_lint.template.decode import decode_text

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
FAIL_CASES = sorted((FIXTURES / "WMM101").glob("fail-*"))
PASS_CASES = sorted((FIXTURES / "WMM101").glob("pass-*"))
MONITORING_RULES = ["WMM101", "WMM102", "WMM103"]


def _merge(template_file: Path, fragment: dict[str, Any]) -> None:
    """Merge a fragment into a template in place, written back as JSON."""
    data = decode_text(template_file.read_text(encoding="utf-8"))
    for section in ("Parameters", "Resources"):
        data.setdefault(section, {}).update(fragment.get(section, {}))
    template_file.write_text(json.dumps(data, indent=1), encoding="utf-8")


def _generate_and_merge(case: Path, tmp_path: Path) -> tuple[Path, dict[str, dict[str, Any]]]:
    """Copy the case, generate its alarms, merge each fragment into its template."""
    copy = copy_case(case, tmp_path)
    fragments, problems = generate_for_paths([str(copy)], shipped_model())
    assert not problems
    originals = {file: Path(file).read_text(encoding="utf-8") for file in fragments}
    for file, fragment in fragments.items():
        _merge(Path(file), fragment)
    for file, original in originals.items():
        before = cfn_lint_errors(original)
        if any(rule == "E0000" for rule, _ in before):
            continue  # cfn-lint cannot parse the original (duplicate keys): nothing to compare
        new_errors = cfn_lint_errors(Path(file).read_text(encoding="utf-8")) - before
        assert not new_errors, (file, new_errors)
    return copy, fragments


def _generated_ids(fragments: dict[str, dict[str, Any]]) -> set[str]:
    return {logical_id for fragment in fragments.values() for logical_id in fragment["Resources"]}


@pytest.mark.parametrize("case", FAIL_CASES, ids=[c.name for c in FAIL_CASES])
def test_generated_alarms_pass_cfn_lint_and_watch_every_capacity(
    case: Path, tmp_path: Path
) -> None:
    copy, fragments = _generate_and_merge(case, tmp_path)
    assert fragments, "a fail case has unwatched capacities to generate alarms for"
    result = mmaws_lint.lint_result([str(copy)], select=MONITORING_RULES)
    assert not result.errors
    assert [f.message for f in result.findings if f.rule == "WMM101"] == []
    generated = _generated_ids(fragments)
    assert [f for f in result.findings if f.resource in generated] == []


@pytest.mark.parametrize("case", PASS_CASES, ids=[c.name for c in PASS_CASES])
def test_nothing_to_generate_when_everything_is_watched(case: Path) -> None:
    fragments, problems = generate_for_paths([str(case)], shipped_model())
    assert (fragments, problems) == ({}, [])


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _only_fragment(path: Path, **kwargs: Any) -> dict[str, Any]:
    fragments, _ = generate_for_paths([str(path)], kwargs.pop("model", shipped_model()), **kwargs)
    assert list(fragments) == [str(path)]
    return fragments[str(path)]


def test_thresholds_follow_the_resource(tmp_path: Path) -> None:
    template = _write(
        tmp_path,
        "t.yaml",
        """
Resources:
  Database:
    Type: AWS::RDS::DBInstance
    Properties:
      Engine: postgres
      DBInstanceClass: db.m7g.large
      AllocatedStorage: "500"
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      MessageRetentionPeriod: 3600
""",
    )
    resources = _only_fragment(template)["Resources"]
    assert resources["DatabaseStorageAlarm"]["Properties"]["Threshold"] == 500 * 1024**3 // 10
    assert resources["QueueBacklogAlarm"]["Properties"]["Threshold"] == 2880


def test_replication_group_alarm_watches_every_node(tmp_path: Path) -> None:
    template = _write(
        tmp_path,
        "t.yaml",
        """
Resources:
  Cache:
    Type: AWS::ElastiCache::ReplicationGroup
    Properties:
      ReplicationGroupDescription: cache
      CacheNodeType: cache.t4g.small
      NumCacheClusters: 3
""",
    )
    alarm = _only_fragment(template)["Resources"]["CacheCPUCreditsAlarm"]["Properties"]
    nodes = [q["MetricStat"]["Metric"]["Dimensions"][0]["Value"] for q in alarm["Metrics"][:-1]]
    assert nodes == [{"Fn::Sub": f"${{Cache}}-00{n}"} for n in (1, 2, 3)]
    assert alarm["Metrics"][-1] == {
        "Id": "result",
        "Expression": "MIN([m1_0, m1_1, m1_2])",
        "ReturnData": True,
    }


def test_condition_and_topic_parameter(tmp_path: Path) -> None:
    template = _write(
        tmp_path,
        "t.yaml",
        """
Parameters:
  Pager:
    Type: String
Conditions:
  IsProd: !Equals [!Ref "AWS::AccountId", "111122223333"]
Resources:
  Stream:
    Type: AWS::Kinesis::Stream
    Condition: IsProd
    Properties:
      ShardCount: 1
""",
    )
    fragment = _only_fragment(template, topic_parameter="Pager")
    assert "Parameters" not in fragment  # the template already declares it
    alarm = fragment["Resources"]["StreamThroughputAlarm"]
    assert alarm["Condition"] == "IsProd"
    assert alarm["Properties"]["AlarmActions"] == [{"Ref": "Pager"}]


def test_suppressed_resources_get_no_alarm(tmp_path: Path) -> None:
    template = _write(
        tmp_path,
        "t.yaml",
        """
Resources:
  Nat:
    Type: AWS::EC2::NatGateway
    Metadata:
      mmaws-lint:
        ignore:
          - id: WMM101
            reason: Test environment, torn down every night
    Properties:
      SubnetId: subnet-0123456789abcdef0
      ConnectivityType: private
""",
    )
    assert generate_for_paths([str(template)], shipped_model()) == ({}, [])


def test_catalog_override_drops_a_capacity(tmp_path: Path) -> None:
    template = _write(
        tmp_path,
        "t.yaml",
        """
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: arn:aws:iam::111122223333:role/app
      Code: {ZipFile: "x"}
""",
    )
    catalog = [dict(e) for e in shipped_model().data["monitoring_finite_resources"]]
    for entry in catalog:
        if "AWS::Lambda::Function" in entry["types"]:
            entry["capacities"] = [c for c in entry["capacities"] if c["name"] != "failures"]
    model = apply_overrides(shipped_model(), {"data": {"monitoring_finite_resources": catalog}})
    assert list(_only_fragment(template, model=model)["Resources"]) == ["FnConcurrencyAlarm"]


def test_main_prints_yaml_json_and_writes_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = FIXTURES / "WMM101" / "fail-kinesis.yaml"
    assert main([str(case)]) == 0
    printed = capsys.readouterr().out
    assert "Type: AWS::CloudWatch::Alarm" in printed and "!Ref 'Clicks'" in printed
    assert main([str(case), "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert list(document["Resources"]) == ["ClicksThroughputAlarm"]
    output = tmp_path / "alarms.yaml"
    assert main([str(case), "--output", str(output)]) == 0
    assert cfn_flip.load(output.read_text())[0]["Resources"] == document["Resources"]


def test_main_keys_fragments_by_file_when_there_are_several(
    capsys: pytest.CaptureFixture[str],
) -> None:
    cases = [FIXTURES / "WMM101" / name for name in ("fail-kinesis.yaml", "fail-efs.yaml")]
    assert main([*map(str, cases), "--format", "json"]) == 0
    assert sorted(json.loads(capsys.readouterr().out)) == sorted(map(str, cases))
    assert main(list(map(str, cases))) == 0
    assert capsys.readouterr().out.count("Type: AWS::CloudWatch::Alarm") == 3


def test_main_stack_name_links_exports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = copy_case(FIXTURES / "WMM101" / "fail-cross-stack", tmp_path)
    renamed = case / "application.yaml"
    (case / "app.yaml").rename(renamed)
    # Exports named after ${AWS::StackName} now read "application-…": the imports could name
    # any function, so the linter stays silent about the functions.
    assert main([str(case), "--format", "json"]) == 0
    assert "UploadsConcurrencyAlarm" not in capsys.readouterr().out
    assert main([str(case), "--format", "json", "--stack-name", f"{renamed}=app"]) == 0
    assert "UploadsConcurrencyAlarm" in json.loads(capsys.readouterr().out)["Resources"]


def test_main_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(FIXTURES / "WMM101" / "pass-efs.yaml")]) == 0
    assert capsys.readouterr().out == "{}\n"
    assert main([str(tmp_path / "missing.yaml")]) == 2
    broken = _write(tmp_path, "broken.yaml", "Resources:\n  A: [unclosed\n")
    assert main([str(broken)]) == 2
    bad_model = _write(tmp_path, "model.yaml", "rules: {WMM101: {settings: {nope: 1}}}\n")
    assert main([str(FIXTURES / "WMM101" / "pass-efs.yaml"), "--model", str(bad_model)]) == 2
    assert "nope" in capsys.readouterr().err


def _corpus_sample(per_type: int) -> list[Path]:
    """A fixed random sample of corpus templates WMM101 reports on, `per_type` for each kind
    of resource it reports, so every catalog row that occurs in the corpus is exercised."""
    result = mmaws_lint.lint_result([str(CORPUS)], select=["WMM101"], jobs=4)
    by_type: dict[str, set[str]] = {}
    for finding in result.findings:
        by_type.setdefault(str(finding.resource_type), set()).add(finding.file)
    chooser = random.Random(101)
    sample: set[str] = set()
    for resource_type in sorted(by_type):
        files = sorted(by_type[resource_type])
        sample.update(chooser.sample(files, min(per_type, len(files))))
    return [Path(file) for file in sorted(sample)]


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not available")
def test_generated_alarms_on_a_corpus_sample(tmp_path: Path) -> None:
    for index, template in enumerate(_corpus_sample(per_type=2)):
        folder = tmp_path / str(index)
        folder.mkdir()
        copy, fragments = _generate_and_merge(template, folder)
        findings = mmaws_lint.lint(str(copy), select=MONITORING_RULES)
        assert [f.message for f in findings if f.rule == "WMM101"] == [], template
        generated = _generated_ids(fragments)
        assert [f.message for f in findings if f.resource in generated] == [], template
