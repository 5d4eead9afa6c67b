"""Intrinsic functions with arguments of the wrong shape are unknown, read once for every rule:
no rule crashes on them and none decides on them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import mmaws_lint
from mmaws_lint.template.intrinsics import MALFORMED, intrinsic
from mmaws_lint.template.resolve import UNKNOWN, Resolver
from mmaws_lint.template.template import Template

MALFORMED_NODES = {
    "ref-list": {"Ref": []},
    "ref-map": {"Ref": {}},
    "ref-number": {"Ref": 5},
    "ref-null": {"Ref": None},
    "getatt-number": {"Fn::GetAtt": 5},
    "getatt-one-item": {"Fn::GetAtt": ["Group"]},
    "getatt-list-name": {"Fn::GetAtt": [["Group"], "Arn"]},
    "getatt-map-name": {"Fn::GetAtt": [{}, "Arn"]},
    "sub-list-text": {"Fn::Sub": [["x"], {}]},
    "sub-list-variables": {"Fn::Sub": ["${A}", ["A", "b"]]},
    "sub-number": {"Fn::Sub": 7},
    "select-one-item": {"Fn::Select": [0]},
    "select-list-index": {"Fn::Select": [[0], ["a", "b"]]},
    "select-number": {"Fn::Select": 0},
    "findinmap-short": {"Fn::FindInMap": ["Map"]},
    "findinmap-list-key": {"Fn::FindInMap": [["Map"], {}, "Key"]},
    "findinmap-null-key": {"Fn::FindInMap": ["Map", None, "Key"]},
    "if-list-condition": {"Fn::If": [[], "a", "b"]},
    "if-map-condition": {"Fn::If": [{}, "a", "b"]},
    "if-two-items": {"Fn::If": ["Cond", "a"]},
    "if-text": {"Fn::If": "Cond"},
    "condition-list": {"Condition": []},
    "join-map-delimiter": {"Fn::Join": [{}, ["a"]]},
    "split-list": {"Fn::Split": [[","], "a,b"]},
    "import-list": {"Fn::ImportValue": ["Name"]},
}


def _template_with(node: object) -> dict:
    """Every place a rule reads an intrinsic from, holding `node`."""
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Conditions": {"Cond": node, "Other": {"Fn::Not": [node]}},
        "Mappings": {"Map": {"Key": {"Key": ["subnet-0aaaaaaaaaaaaaaa1"]}}},
        "Resources": {
            "Subnets": {
                "Type": "AWS::AutoScaling::AutoScalingGroup",
                "Properties": {"MinSize": "1", "MaxSize": "2", "VPCZoneIdentifier": [node]},
            },
            "Zones": {
                "Type": "AWS::AutoScaling::AutoScalingGroup",
                "Condition": node,
                "Properties": {"MinSize": "1", "MaxSize": "2", "AvailabilityZones": [node]},
            },
            "WholeList": {
                "Type": "AWS::AutoScaling::AutoScalingGroup",
                "Properties": {"MinSize": node, "MaxSize": "2", "VPCZoneIdentifier": node},
            },
            "Web": {
                "Type": "AWS::EC2::Instance",
                "Properties": {
                    "ImageId": node,
                    "InstanceType": node,
                    "SubnetId": node,
                    "SecurityGroupIds": [node],
                    "CreditSpecification": {"CPUCredits": node},
                },
            },
            "Group": {
                "Type": "AWS::EC2::SecurityGroup",
                "Properties": {
                    "GroupDescription": "x",
                    "VpcId": node,
                    "SecurityGroupIngress": [
                        {"IpProtocol": "tcp", "FromPort": node, "ToPort": 22, "CidrIp": node}
                    ],
                },
            },
            "Ingress": {
                "Type": "AWS::EC2::SecurityGroupIngress",
                "Properties": {"GroupId": node, "IpProtocol": "-1", "CidrIp": node},
            },
            "Queue": {
                "Type": "AWS::SQS::Queue",
                "Properties": {"KmsMasterKeyId": node, "RedrivePolicy": node},
            },
            "Alarm": {
                "Type": "AWS::CloudWatch::Alarm",
                "Properties": {
                    "Namespace": "AWS/SQS",
                    "MetricName": "ApproximateAgeOfOldestMessage",
                    "Dimensions": [{"Name": "QueueName", "Value": node}],
                    "AlarmActions": [node],
                },
            },
            "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketEncryption": node}},
            "Key": {
                "Type": "AWS::KMS::Key",
                "Properties": {"KeyPolicy": {"Statement": [{"Principal": node, "Action": node}]}},
            },
            "Database": {
                "Type": "AWS::RDS::DBInstance",
                "Properties": {"Engine": "mysql", "StorageEncrypted": node, "KmsKeyId": node},
            },
            "Branches": {
                "Type": "AWS::EC2::Volume",
                "Properties": {"Size": {"Fn::If": ["Cond", node, node]}, "Encrypted": node},
            },
        },
        "Outputs": {"Out": {"Value": node, "Export": {"Name": node}}},
    }


@pytest.mark.parametrize("case", sorted(MALFORMED_NODES))
def test_no_rule_crashes_on_a_malformed_intrinsic(tmp_path: Path, case: str) -> None:
    file = tmp_path / f"{case}.json"
    file.write_text(json.dumps(_template_with(MALFORMED_NODES[case])))
    result = mmaws_lint.lint_result(str(file))
    assert result.problems == [], result.problems
    assert result.linted == [str(file)]


@pytest.mark.parametrize("case", sorted(MALFORMED_NODES))
def test_a_malformed_intrinsic_is_unknown(case: str) -> None:
    node = MALFORMED_NODES[case]
    assert intrinsic(node) == (MALFORMED, node)
    template = Template(file="t.yaml", data=_template_with(node), stack_name="t")  # type: ignore[arg-type]
    assert Resolver(template).values(node) == {(UNKNOWN,)}


@pytest.mark.parametrize(
    "node",
    [
        {"Ref": "Name"},
        {"Fn::GetAtt": "Group.GroupId"},
        {"Fn::GetAtt": ["Group", {"Ref": "Attribute"}]},
        {"Fn::Sub": ["${A}", {"A": "b"}]},
        {"Fn::Select": [{"Ref": "Index"}, {"Fn::GetAZs": ""}]},
        {"Fn::FindInMap": ["Map", {"Ref": "AWS::Region"}, 32, {"DefaultValue": "x"}]},
        {"Fn::If": ["Cond", {"Ref": "AWS::NoValue"}, ["a"]]},
        {"Fn::Join": ["", {"Ref": "List"}]},
        {"Fn::ImportValue": {"Fn::Sub": "${AWS::StackName}-x"}},
    ],
)
def test_well_formed_intrinsics_are_read_as_written(node: dict) -> None:
    [(name, argument)] = node.items()
    assert intrinsic(node) == (name, argument)
