"""The encryption family beyond its fixtures: what EMM405 says about the data stores a key
protects, that settings and the data-store catalog drive the checks, and that every catalog row
is proven by fixtures."""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

import pytest
from fixture_marks import FIXTURES

import mmaws_lint
from mmaws_lint.checks.encryption.catalog import AWS_MANAGED, AWS_OWNED, NONE, USE_KEY, catalog
from mmaws_lint.model import Model, apply_overrides, shipped_model

KEY = """
  {name}:
    Type: AWS::KMS::Key
    Properties:
      EnableKeyRotation: true
      KeyPolicy:
        Statement:
          - Effect: Allow
            Principal: {{AWS: !Sub "arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:root"}}
            Action: kms:*
            Resource: "*"
"""


def _write(folder: Path, name: str, text: str) -> str:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _findings(paths: list[str], rule: str, model: Model | None = None) -> list:
    result = mmaws_lint.lint_result(paths, select=[rule], model=model)
    assert not result.errors, [str(p) for p in result.errors]
    return [f for f in result.findings if f.rule == rule]


ENCRYPTION_RULES = sorted(r.id for r in shipped_model().rules.values() if r.family == "encryption")


@pytest.mark.parametrize("rule_id", ENCRYPTION_RULES)
def test_each_example_shows_the_fixed_form(rule_id: str, tmp_path: Path) -> None:
    rule = shipped_model().rules[rule_id]
    assert any(f"Type: {kind}" in rule.example for kind in rule.resource_types)
    template = _write(
        tmp_path, "example.yaml", "Resources:\n" + textwrap.indent(rule.example, "  ")
    )
    assert _findings([template], rule_id) == []


MALFORMED = """Resources:
  R0:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: {Ref: R0}
      PolicyDocument: {"Fn::If": [{"Fn::Select": [{}]}, {"Fn::Select": [{}]}, {"Fn::Select": [{}]}]}
  B:
    Type: AWS::S3::Bucket
    Properties:
      BucketEncryption: {"Fn::If": [{"a": 1}, [], {"Ref": "AWS::NoValue"}]}
  K:
    Type: AWS::KMS::Key
    DeletionPolicy: {"Fn::If": [[1], {}, 3]}
    Properties:
      KeyPolicy: {"Fn::If": [{"x": 1}, {"Statement": {"Fn::If": [{}, 1, 2]}}, "not json"]}
      EnableKeyRotation: {"Fn::If": [{}, {}, []]}
      PendingWindowInDays: {"Fn::If": [{}, "x", 5]}
      KeySpec: [1]
  P:
    Type: AWS::Backup::BackupPlan
    Properties:
      BackupPlan:
        BackupPlanRule:
          - CopyActions:
              - DestinationBackupVaultArn: {"Fn::If": [{}, 1, {"Ref": "AWS::AccountId"}]}
  Q:
    Type: AWS::SQS::Queue
    Properties: {KmsMasterKeyId: {"Fn::If": [[], {"Fn::Sub": [1, 2]}, {"Fn::Join": [{}, []]}]}}
  G:
    Type: AWS::DynamoDB::GlobalTable
    Properties:
      Replicas: {"Fn::If": [{}, [1, {"Ref": "AWS::NoValue"}], {}]}
      SSESpecification: [1]
  L:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties: {Type: [1], LoadBalancerAttributes: [{"Key": {}, "Value": []}, 5]}
  I:
    Type: AWS::EC2::Instance
    Properties: {BlockDeviceMappings: [{"Ebs": [], "DeviceName": {}}, {"Ebs": {"Encrypted": {}}}]}
"""


def test_malformed_values_never_raise(tmp_path: Path) -> None:
    """Intrinsics with the wrong shapes anywhere a rule looks (found by property tests)."""
    template = _write(tmp_path, "malformed.yaml", MALFORMED)
    result = mmaws_lint.lint_result([template], select=ENCRYPTION_RULES)
    assert [str(problem) for problem in result.problems] == []


def test_deletable_key_names_the_data_stores_it_protects(tmp_path: Path) -> None:
    stack = _write(
        tmp_path,
        "data.yaml",
        "Resources:"
        + KEY.format(name="DataKey")
        + KEY.format(name="UnusedKey")
        + """
  DataKeyAlias:
    Type: AWS::KMS::Alias
    Properties: {AliasName: alias/data, TargetKeyId: !Ref DataKey}
  Uploads:
    Type: AWS::S3::Bucket
    Properties:
      BucketEncryption:
        ServerSideEncryptionConfiguration:
          - ServerSideEncryptionByDefault:
              SSEAlgorithm: aws:kms
              KMSMasterKeyID: !GetAtt DataKey.Arn
  Jobs:
    Type: AWS::SQS::Queue
    Properties: {KmsMasterKeyId: !Ref DataKeyAlias}
  Audit:
    Type: AWS::Logs::LogGroup
    Properties: {KmsKeyId: alias/data}
Outputs:
  DataKeyArn:
    Value: !GetAtt DataKey.Arn
    Export: {Name: data-key-arn}
""",
    )
    consumer = _write(
        tmp_path,
        "consumer.yaml",
        """Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      KeySchema: [{AttributeName: id, KeyType: HASH}]
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      SSESpecification: {SSEEnabled: true, KMSMasterKeyId: !ImportValue data-key-arn}
""",
    )
    messages = {f.resource: f.message for f in _findings([stack, consumer], "EMM405")}
    assert set(messages) == {"DataKey", "UnusedKey"}
    for store in ("Uploads", "Jobs", "Audit", "Orders"):
        assert store in messages["DataKey"]
    assert "unreadable" not in messages["UnusedKey"]


def test_settings_decide_the_pending_window(tmp_path: Path) -> None:
    template = _write(
        tmp_path,
        "keys.yaml",
        """Resources:
  ShortWindow:
    Type: AWS::KMS::Key
    DeletionPolicy: Retain
    UpdateReplacePolicy: Retain
    Properties: {EnableKeyRotation: true, PendingWindowInDays: 14}
""",
    )
    assert [f.resource for f in _findings([template], "EMM405")] == ["ShortWindow"]
    relaxed = apply_overrides(
        shipped_model(), {"rules": {"EMM405": {"settings": {"min_pending_window_days": 14}}}}
    )
    assert _findings([template], "EMM405", relaxed) == []


def test_the_catalog_decides_what_a_missing_key_means(tmp_path: Path) -> None:
    template = _write(tmp_path, "topic.yaml", "Resources:\n  Alerts:\n    Type: AWS::SNS::Topic\n")
    assert [f.resource for f in _findings([template], "WMM401")] == ["Alerts"]
    changed = apply_overrides(
        shipped_model(),
        {"data": {"encryption_data_stores": {"AWS::SNS::Topic": {"keyless_state": AWS_MANAGED}}}},
    )
    assert _findings([template], "WMM401", changed) == []
    assert [f.resource for f in _findings([template], "WMM402", changed)] == ["Alerts"]


def test_catalog_rows_use_known_states() -> None:
    states = {NONE, AWS_OWNED, AWS_MANAGED, USE_KEY}
    for kind in catalog(shipped_model().data).values():
        assert kind.absent_state in states | {None}, kind.type
        assert kind.keyless_state in states - {USE_KEY} | {None}, kind.type
        assert set(kind.switch_states.values()) <= states, kind.type
        assert kind.switch or not kind.switch_states, kind.type
        assert kind.how or kind.fix, kind.type


@pytest.mark.parametrize("resource_type", sorted(catalog(shipped_model().data)))
def test_every_catalog_row_has_pass_and_fail_fixtures(resource_type: str) -> None:
    def mentions(prefix: str) -> bool:
        return any(
            f"Type: {resource_type}\n" in path.read_text(encoding="utf-8")
            or f'"Type": "{resource_type}"' in path.read_text(encoding="utf-8")
            for rule in ("WMM401", "WMM402")
            for path in (FIXTURES / rule).rglob(f"{prefix}*")
            if path.is_file()
        )

    assert mentions("fail-"), f"no fail fixture shows a {resource_type}"
    assert mentions("pass-"), f"no pass fixture shows a {resource_type}"


def test_large_templates_stay_linear(tmp_path: Path) -> None:
    """Key users and log buckets are indexed once per run, so 4x the resources cost ~4x."""

    def template(count: int) -> str:
        body = ["Resources:"]
        for index in range(count):
            body.append(KEY.format(name=f"Key{index}").rstrip("\n"))
            body.append(
                f"  Bucket{index}:\n    Type: AWS::S3::Bucket\n    Properties:\n"
                f"      LoggingConfiguration: {{DestinationBucketName: !Ref Bucket{index + 1}}}\n"
                f"  Queue{index}:\n    Type: AWS::SQS::Queue\n"
                f"    Properties: {{KmsMasterKeyId: !Ref Key{index}}}"
            )
        return "\n".join(body) + "\n"

    def seconds(count: int) -> tuple[float, int]:
        path = _write(tmp_path, f"big{count}.yaml", template(count))
        started = time.perf_counter()
        found = _findings([path], "EMM405") + _findings([path], "WMM402")
        return time.perf_counter() - started, len(found)

    small, small_found = seconds(250)
    large, large_found = seconds(1000)
    # Every key lacks Retain; only Bucket0 is nobody's log destination, so it alone is reported.
    assert (small_found, large_found) == (250 + 1, 1000 + 1)
    assert large < small * 12


def test_findings_name_the_conditions_that_decide_them(tmp_path: Path) -> None:
    template = _write(
        tmp_path,
        "stores.yaml",
        """Parameters:
  SnapshotId: {Type: String, Default: ""}
  KeyArn: {Type: String, Default: ""}
Conditions:
  HasSnapshot: !Not [!Equals [!Ref SnapshotId, ""]]
  HasKey: !Not [!Equals [!Ref KeyArn, ""]]
Resources:
  Cluster:
    Type: AWS::RDS::DBCluster
    Properties:
      Engine: aurora-postgresql
      SnapshotIdentifier: !If [HasSnapshot, !Ref SnapshotId, !Ref AWS::NoValue]
      StorageEncrypted: false
  Always:
    Type: AWS::EFS::FileSystem
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      KmsMasterKeyId: !If [HasKey, !Ref KeyArn, !Ref AWS::NoValue]
""",
    )
    unencrypted = {f.resource: f.message for f in _findings([template], "WMM401")}
    assert set(unencrypted) == {"Cluster", "Always"}
    assert " without encryption at rest when HasSnapshot is false," in unencrypted["Cluster"]
    assert " when " not in unencrypted["Always"]
    aws_key = {f.resource: f.message for f in _findings([template], "WMM402")}
    assert "Queue" in aws_key and " when HasKey is false," in aws_key["Queue"]


def test_one_part_never_gets_both_findings_in_one_scenario(tmp_path: Path) -> None:
    """Past the scenario bound the branches are not correlated; a part that could be
    unencrypted is WMM401's alone, and WMM402 stays silent on it."""
    conditions = "\n".join(f"  C{i}: !Equals [!Ref P{i}, on]" for i in range(12))
    parameters = "\n".join(f"  P{i}: {{Type: String}}" for i in range(12))
    switches = "\n".join(f"      Tag{i}: !If [C{i}, a, b]" for i in range(12))
    template = _write(
        tmp_path,
        "open.yaml",
        f"""Parameters:
{parameters}
Conditions:
{conditions}
Resources:
  Domain:
    Type: AWS::OpenSearchService::Domain
    Properties:
      EncryptionAtRestOptions: !If [C0, {{Enabled: true}}, !Ref AWS::NoValue]
      Unrelated:
{switches}
""",
    )
    assert [f.resource for f in _findings([template], "WMM401")] == ["Domain"]
    assert _findings([template], "WMM402") == []


def test_ebs_encryption_by_default_is_a_model_setting(tmp_path: Path) -> None:
    template = _write(
        tmp_path,
        "volumes.yaml",
        """Resources:
  Worker:
    Type: AWS::EC2::Instance
    Properties:
      ImageId: ami-0123456789abcdef0
      BlockDeviceMappings:
        - DeviceName: /dev/xvda
          Ebs: {VolumeSize: 30}
  Scratch:
    Type: AWS::EC2::Volume
    Properties: {AvailabilityZone: eu-west-1a, Size: 10, Encrypted: false}
""",
    )
    unencrypted = _findings([template], "WMM401")
    assert [f.resource for f in unencrypted] == ["Worker", "Scratch"]
    assert "ebs_encryption_by_default" in unencrypted[0].message
    assert _findings([template], "WMM402") == []
    by_default = apply_overrides(shipped_model(), {"data": {"ebs_encryption_by_default": True}})
    assert _findings([template], "WMM401", by_default) == []
    default_key = _findings([template], "WMM402", by_default)
    assert [f.resource for f in default_key] == ["Worker", "Scratch"]
    assert "default EBS key" in default_key[0].message
