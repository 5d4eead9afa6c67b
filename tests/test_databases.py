"""Databases family (WMM601 to IMM607): conditions named in messages, settings and data users
override, how user data is read, and the cost on a large template. Per-case behaviour is in
fixtures/WMM60x, EMM603 and IMM60x."""

from __future__ import annotations

import time

import pytest
from fixture_marks import FIXTURES

import mmaws_lint
from mmaws_lint.app import App
from mmaws_lint.checks.databases.self_managed import _engines, engines_in_script
from mmaws_lint.engine import check_app
from mmaws_lint.model import Model, apply_overrides, shipped_model
from mmaws_lint.template.load import parse_template
from mmaws_lint.template.template import Template

FAMILY = ["WMM601", "WMM602", "EMM603", "WMM604", "IMM605", "IMM606", "IMM607"]


def _messages(case: str, rule_id: str, model: Model | None = None) -> dict[str, str]:
    result = mmaws_lint.lint_result([str(FIXTURES / case)], select=[rule_id], model=model)
    assert not result.errors
    return {f.resource or "": f.message for f in result.findings if f.rule == rule_id}


def test_messages_name_the_deciding_condition() -> None:
    single_az = _messages("WMM601/fail-rds-instances.yaml", "WMM601")
    assert "when IsProd is false" in single_az["ProdOnlyMultiAz"]
    assert "when IsProd" not in single_az["NoMultiAz"]
    reader = _messages("WMM601/fail-clusters.yaml", "WMM601")["ServerlessV2"]
    assert "1 instance when HasReader is false" in reader
    vanishing = _messages("EMM603/fail-stateful.yaml", "EMM603")["Orders"]
    assert vanishing.count("when IsProd is false") == 2
    backups = _messages("WMM604/fail-no-backups.yaml", "WMM604")["Database"]
    assert "when IsProd is false" in backups


def test_one_finding_names_every_missing_guard() -> None:
    messages = _messages("EMM603/fail-stateful.yaml", "EMM603")
    documents = messages["Documents"]
    for guard in ("no DeletionPolicy", "no UpdateReplacePolicy", "DeletionProtection is off"):
        assert guard in documents
    # RDS keeps a snapshot on stack deletion by default, but not on replacement.
    assert "no DeletionPolicy" not in messages["Database"]
    assert "UpdateReplacePolicy" in messages["Database"]


def test_minimum_cluster_size_is_a_setting() -> None:
    model = apply_overrides(
        shipped_model(), {"rules": {"WMM601": {"settings": {"min_cluster_instances": 1}}}}
    )
    flagged = _messages("WMM601/fail-clusters.yaml", "WMM601", model)
    assert "Aurora" not in flagged and "Documents" not in flagged
    assert "Pinned" in flagged  # both instances still pin one AZ


def test_stateful_types_are_data() -> None:
    model = apply_overrides(
        shipped_model(), {"data": {"databases_stateful_types": {"AWS::Cognito::UserPool": None}}}
    )
    assert "Users" in _messages("EMM603/fail-stateful.yaml", "EMM603")
    assert "Users" not in _messages("EMM603/fail-stateful.yaml", "EMM603", model)


ENGINES = _engines(shipped_model().data["databases_self_managed_engines"])


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("#!/bin/bash\nyum install -y mariadb105-server\n", ["MySQL/MariaDB"]),
        ("apt-get update && apt-get install -y redis-server", ["Redis/Valkey"]),
        ("chkconfig mysqld on", ["MySQL/MariaDB"]),
        ("docker run -d -p 5432:5432 -e POSTGRES_PASSWORD=x postgres:16", ["PostgreSQL"]),
        ("nohup /opt/kafka/bin/kafka-server-start.sh config.properties &", ["Kafka"]),
        # clients, libraries, comments and container names are not servers
        ("dnf install -y mariadb105 postgresql15 redis-tools", []),
        ("pip3 install redis pymongo", []),
        ("#service mysqld start\nyum install -y nginx", []),
        ("docker run -d --name mysql myapp:1", []),
        ("mysql -h db.example -u app -e 'SELECT 1'", []),
        ("yum install -y https://dev.mysql.com/get/mysql80-community-release-el7-3.noarch.rpm", []),
    ],
)
def test_self_managed_engines_in_user_data(script: str, expected: list[str]) -> None:
    assert [engine.name for engine in engines_in_script(script, ENGINES)] == expected


def _large_template(clusters: int) -> Template:
    lines = ["Resources:"]
    for n in range(clusters):
        lines += [
            f"  Cluster{n}:",
            "    Type: AWS::RDS::DBCluster",
            "    Properties: {Engine: aurora-mysql, MasterUsername: app}",
            f"  Writer{n}:",
            "    Type: AWS::RDS::DBInstance",
            f"    Properties: {{Engine: aurora-mysql, DBClusterIdentifier: !Ref Cluster{n},"
            " DBInstanceClass: db.r7g.large}",
            f"  Files{n}:",
            "    Type: AWS::EFS::FileSystem",
        ]
    lines += [
        "  Selection:",
        "    Type: AWS::Backup::BackupSelection",
        "    Properties:",
        "      BackupPlanId: plan",
        "      BackupSelection:",
        "        SelectionName: tagged",
        "        IamRoleArn: arn:aws:iam::111122223333:role/backup",
        "        ListOfTags:",
        "          - {ConditionType: STRINGEQUALS, ConditionKey: backup, ConditionValue: v}",
    ]
    template = parse_template("\n".join(lines).encode(), "large.yaml")
    assert isinstance(template, Template)
    return template


def _seconds(clusters: int) -> float:
    template = _large_template(clusters)
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        check_app(App([template]), shipped_model(), FAMILY)
        best = min(best, time.perf_counter() - start)
    return best


def test_cost_grows_about_linearly() -> None:
    small, large = _seconds(50), _seconds(400)
    assert large < small * 8 * 3, (small, large)  # 8x the resources, generous for noise
