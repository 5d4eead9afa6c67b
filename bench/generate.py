"""Synthetic CloudFormation templates for the benchmark: a realistic mix at any size.

Every template has a network (VPC, subnets, route table, internet gateway, a load balancer
security group) and then repeats a service of 26 resources until the size is reached:
a KMS key with its policy and alias, security groups with inline and standalone rules, an EC2
instance, a launch template and an Auto Scaling group, an RDS instance, an S3 bucket, an SQS
queue with its dead-letter queue, an SNS topic, a Lambda function with its role, and ten
CloudWatch alarms that name their resources by `Ref`, `Fn::GetAtt` and `Fn::Sub` in their
dimensions. Some capacities are left without an alarm and some settings break the model, so
every rule family has findings to report, as in a real code base.

    python bench/generate.py OUT_DIR                    # template-100/1000/5000.yaml
    python bench/generate.py OUT_DIR --sizes 250 --folder 200 --folder-size 60

`--folder N` also writes N templates to OUT_DIR/folder-independent (no exports) and
OUT_DIR/folder-cross-stack (one network stack in ten exports its VPC and subnets, the others
import them), for `mmaws-lint check --jobs`.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

import yaml

SERVICE_SIZE = 26
NETWORK_SIZE = 11
MAX_OUTPUTS = 200  # CloudFormation's limit


def ref(name: str) -> dict[str, Any]:
    return {"Ref": name}


def getatt(name: str, attribute: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [name, attribute]}


def sub(text: str) -> dict[str, Any]:
    return {"Fn::Sub": text}


def network(imports_from: str | None = None) -> dict[str, dict[str, Any]]:
    """The network every service uses; with `imports_from`, a stack that imports the VPC and
    subnets another stack exports (the resources are still declared, so sizes stay equal)."""
    vpc = {"Fn::ImportValue": f"{imports_from}-vpc"} if imports_from else ref("Vpc")
    return {
        "Vpc": {
            "Type": "AWS::EC2::VPC",
            "Properties": {"CidrBlock": "10.0.0.0/16", "EnableDnsHostnames": True},
        },
        "Igw": {"Type": "AWS::EC2::InternetGateway"},
        "IgwAttachment": {
            "Type": "AWS::EC2::VPCGatewayAttachment",
            "Properties": {"VpcId": ref("Vpc"), "InternetGatewayId": ref("Igw")},
        },
        "SubnetA": {
            "Type": "AWS::EC2::Subnet",
            "Properties": {
                "VpcId": vpc,
                "CidrBlock": "10.0.0.0/20",
                "AvailabilityZone": {"Fn::Select": [0, {"Fn::GetAZs": ""}]},
            },
        },
        "SubnetB": {
            "Type": "AWS::EC2::Subnet",
            "Properties": {
                "VpcId": vpc,
                "CidrBlock": "10.0.16.0/20",
                "AvailabilityZone": {"Fn::Select": [1, {"Fn::GetAZs": ""}]},
            },
        },
        "RouteTable": {"Type": "AWS::EC2::RouteTable", "Properties": {"VpcId": vpc}},
        "DefaultRoute": {
            "Type": "AWS::EC2::Route",
            "DependsOn": "IgwAttachment",
            "Properties": {
                "RouteTableId": ref("RouteTable"),
                "DestinationCidrBlock": "0.0.0.0/0",
                "GatewayId": ref("Igw"),
            },
        },
        "SubnetARoutes": {
            "Type": "AWS::EC2::SubnetRouteTableAssociation",
            "Properties": {"SubnetId": ref("SubnetA"), "RouteTableId": ref("RouteTable")},
        },
        "SubnetBRoutes": {
            "Type": "AWS::EC2::SubnetRouteTableAssociation",
            "Properties": {"SubnetId": ref("SubnetB"), "RouteTableId": ref("RouteTable")},
        },
        "LoadBalancerSg": {
            "Type": "AWS::EC2::SecurityGroup",
            "Properties": {
                "GroupDescription": "Public entry point",
                "VpcId": vpc,
                "SecurityGroupIngress": [
                    {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "0.0.0.0/0"}
                ],
            },
        },
        "LoadBalancer": {
            "Type": "AWS::ElasticLoadBalancingV2::LoadBalancer",
            "Properties": {
                "Type": "application",
                "Scheme": "internet-facing",
                "Subnets": [ref("SubnetA"), ref("SubnetB")],
                "SecurityGroups": [ref("LoadBalancerSg")],
            },
        },
    }


def alarm(
    namespace: str,
    metric: str,
    dimension: str,
    value: Any,
    topic: str,
    *,
    threshold: float = 80,
    comparison: str = "GreaterThanThreshold",
    statistic: str = "Average",
) -> dict[str, Any]:
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "Namespace": namespace,
            "MetricName": metric,
            "Dimensions": [{"Name": dimension, "Value": value}],
            "Statistic": statistic,
            "Period": 300,
            "EvaluationPeriods": 3,
            "Threshold": threshold,
            "ComparisonOperator": comparison,
            "AlarmActions": [ref(topic)],
        },
    }


def service(i: int) -> dict[str, dict[str, Any]]:
    """One service: 16 resources and 10 alarms. Resources come before whatever refers to them,
    so a template cut after any of them stays valid."""
    key, alias, app_sg, db_sg = f"Key{i}", f"KeyAlias{i}", f"AppSg{i}", f"DbSg{i}"
    worker, template, group, db = f"Worker{i}", f"AppLt{i}", f"AppAsg{i}", f"Db{i}"
    bucket, dlq, queue, topic = f"Data{i}", f"Dlq{i}", f"Jobs{i}", f"Alerts{i}"
    role, function = f"FnRole{i}", f"Fn{i}"
    burstable = i % 4 == 0  # some services run on burstable classes (WMM503, credit alarms)
    instance_type = "t3.large" if burstable else "m5.large"
    volume = {
        "DeviceName": "/dev/xvda",
        "Ebs": {
            "VolumeType": "gp2" if i % 5 == 0 else "gp3",
            "VolumeSize": 50,
            "Encrypted": True,
            "KmsKeyId": ref(key),
        },
    }
    resources: dict[str, dict[str, Any]] = {
        key: {
            "Type": "AWS::KMS::Key",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "Description": f"Data key of service {i}",
                "EnableKeyRotation": True,
                "PendingWindowInDays": 30,
                "KeyPolicy": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "EnableIamPolicies",
                            "Effect": "Allow",
                            "Principal": {
                                "AWS": sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")
                            },
                            "Action": "kms:*",
                            "Resource": "*",
                        },
                        {
                            "Sid": "AllowLogs",
                            "Effect": "Allow",
                            "Principal": {"Service": sub("logs.${AWS::Region}.amazonaws.com")},
                            "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*"],
                            "Resource": "*",
                        },
                    ],
                },
            },
        },
        alias: {
            "Type": "AWS::KMS::Alias",
            "Properties": {"AliasName": f"alias/service-{i}", "TargetKeyId": ref(key)},
        },
        app_sg: {
            "Type": "AWS::EC2::SecurityGroup",
            "Properties": {
                "GroupDescription": f"Service {i} application",
                "VpcId": ref("Vpc"),
                "SecurityGroupIngress": [
                    {
                        "IpProtocol": "tcp",
                        "FromPort": 443,
                        "ToPort": 443,
                        "SourceSecurityGroupId": ref("LoadBalancerSg"),
                    },
                    # an IP range inside the VPC where a group reference belongs (WMM201)
                    {
                        "IpProtocol": "tcp",
                        "FromPort": 8080,
                        "ToPort": 8080,
                        "CidrIp": "10.0.0.0/16",
                    },
                ],
            },
        },
        db_sg: {
            "Type": "AWS::EC2::SecurityGroup",
            "Properties": {"GroupDescription": f"Service {i} database", "VpcId": ref("Vpc")},
        },
        f"DbIngress{i}": {
            "Type": "AWS::EC2::SecurityGroupIngress",
            "Properties": {
                "GroupId": ref(db_sg),
                "IpProtocol": "tcp",
                "FromPort": 5432,
                "ToPort": 5432,
                "SourceSecurityGroupId": getatt(app_sg, "GroupId"),
            },
        },
        f"AppEgress{i}": {
            "Type": "AWS::EC2::SecurityGroupEgress",
            "Properties": {
                "GroupId": getatt(app_sg, "GroupId"),
                "IpProtocol": "tcp",
                "FromPort": 5432,
                "ToPort": 5432,
                "DestinationSecurityGroupId": getatt(db_sg, "GroupId"),
            },
        },
        worker: {
            "Type": "AWS::EC2::Instance",
            "Properties": {
                "ImageId": "ami-0123456789abcdef0",
                "InstanceType": instance_type,
                "SubnetId": ref("SubnetA"),
                "SecurityGroupIds": [ref(app_sg)],
                "BlockDeviceMappings": [volume],
            },
        },
        template: {
            "Type": "AWS::EC2::LaunchTemplate",
            "Properties": {
                "LaunchTemplateData": {
                    "ImageId": "ami-0123456789abcdef0",
                    "InstanceType": instance_type,
                    "SecurityGroupIds": [ref(app_sg)],
                    "BlockDeviceMappings": [volume],
                }
            },
        },
        group: {
            "Type": "AWS::AutoScaling::AutoScalingGroup",
            "Properties": {
                "MinSize": "2",
                "MaxSize": "6",
                "LaunchTemplate": {
                    "LaunchTemplateId": ref(template),
                    "Version": getatt(template, "LatestVersionNumber"),
                },
                # every seventh group stays in one subnet (WMM502)
                "VPCZoneIdentifier": [ref("SubnetA")]
                if i % 7 == 0
                else [ref("SubnetA"), ref("SubnetB")],
            },
        },
        db: {
            "Type": "AWS::RDS::DBInstance",
            "DeletionPolicy": "Snapshot",
            "UpdateReplacePolicy": "Snapshot",
            "Properties": {
                "Engine": "postgres",
                "DBInstanceClass": "db.t4g.medium" if burstable else "db.r6g.large",
                "AllocatedStorage": "100",
                "StorageType": "gp3",
                "StorageEncrypted": True,
                "KmsKeyId": ref(key),
                "MasterUsername": "app",
                "ManageMasterUserPassword": True,
                "VPCSecurityGroups": [getatt(db_sg, "GroupId")],
            },
        },
        bucket: {
            "Type": "AWS::S3::Bucket",
            "Properties": {
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [
                        {
                            "ServerSideEncryptionByDefault": {
                                # every sixth bucket keeps SSE-S3 (WMM402)
                                "SSEAlgorithm": "AES256" if i % 6 == 0 else "aws:kms",
                                **({} if i % 6 == 0 else {"KMSMasterKeyID": getatt(key, "Arn")}),
                            },
                            "BucketKeyEnabled": True,
                        }
                    ]
                }
            },
        },
        dlq: {
            "Type": "AWS::SQS::Queue",
            "Properties": {"KmsMasterKeyId": ref(key), "MessageRetentionPeriod": 1209600},
        },
        queue: {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "KmsMasterKeyId": ref(key),
                "RedrivePolicy": {"deadLetterTargetArn": getatt(dlq, "Arn"), "maxReceiveCount": 5},
            },
        },
        topic: {"Type": "AWS::SNS::Topic", "Properties": {"KmsMasterKeyId": ref(alias)}},
        role: {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                },
                "ManagedPolicyArns": [
                    sub(
                        "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
                    )
                ],
            },
        },
        function: {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Runtime": "python3.12",
                "Handler": "index.handler",
                "Role": getatt(role, "Arn"),
                "KmsKeyArn": getatt(key, "Arn"),
                "DeadLetterConfig": {"TargetArn": getatt(dlq, "Arn")},
                "Environment": {"Variables": {"QUEUE_URL": ref(queue)}},
                "Code": {"ZipFile": "def handler(event, context):\n    return event\n"},
            },
        },
        f"WorkerCpu{i}": alarm("AWS/EC2", "CPUUtilization", "InstanceId", ref(worker), topic),
        f"WorkerStatus{i}": alarm(
            "AWS/EC2",
            "StatusCheckFailed",
            "InstanceId",
            ref(worker),
            topic,
            threshold=1,
            comparison="GreaterThanOrEqualToThreshold",
            statistic="Maximum",
        ),
        # every eighth group alarm is set too high (WMM103)
        f"AsgCpu{i}": alarm(
            "AWS/EC2",
            "CPUUtilization",
            "AutoScalingGroupName",
            ref(group),
            topic,
            threshold=95 if i % 8 == 0 else 75,
        ),
        f"DbCpu{i}": alarm("AWS/RDS", "CPUUtilization", "DBInstanceIdentifier", ref(db), topic),
        f"DbStorage{i}": alarm(
            "AWS/RDS",
            "FreeStorageSpace",
            "DBInstanceIdentifier",
            ref(db),
            topic,
            threshold=10737418240,
            comparison="LessThanThreshold",
            statistic="Minimum",
        ),
        f"DbMemory{i}": alarm(
            "AWS/RDS",
            "FreeableMemory",
            "DBInstanceIdentifier",
            sub(f"${{{db}}}"),
            topic,
            threshold=268435456,
            comparison="LessThanThreshold",
        ),
        f"QueueAge{i}": alarm(
            "AWS/SQS",
            "ApproximateAgeOfOldestMessage",
            "QueueName",
            getatt(queue, "QueueName"),
            topic,
            threshold=3600,
        ),
        f"DlqAge{i}": alarm(
            "AWS/SQS",
            "ApproximateAgeOfOldestMessage",
            "QueueName",
            getatt(dlq, "QueueName"),
            topic,
            threshold=86400,
        ),
        f"FnErrors{i}": alarm(
            "AWS/Lambda", "Errors", "FunctionName", sub(f"${{{function}}}"), topic, threshold=0
        ),
        f"FnThrottles{i}": alarm(
            "AWS/Lambda", "Throttles", "FunctionName", sub(f"${{{function}}}"), topic, threshold=0
        ),
    }
    assert len(resources) == SERVICE_SIZE
    return resources


def template(
    size: int, *, name: str = "app", exports: bool = False, imports_from: str | None = None
) -> dict[str, Any]:
    """A template of exactly `size` resources (at least the network's)."""
    resources = network(imports_from)
    index = 0
    while len(resources) < size:
        for logical_id, body in service(index).items():
            if len(resources) == size:
                break
            resources[logical_id] = body
        index += 1
    resources = dict(list(resources.items())[:size])
    outputs: dict[str, Any] = {}
    for logical_id, body in resources.items():
        if len(outputs) >= MAX_OUTPUTS - 3:
            break
        if body["Type"] in ("AWS::SQS::Queue", "AWS::S3::Bucket", "AWS::SNS::Topic"):
            outputs[f"{logical_id}Ref"] = {"Value": ref(logical_id)}
    if exports:
        for logical_id in ("Vpc", "SubnetA", "SubnetB"):
            outputs[f"{logical_id}Export"] = {
                "Value": ref(logical_id),
                "Export": {"Name": f"{name}-{logical_id.lower().replace('subnet', 'subnet-')}"},
            }
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"mmaws-lint benchmark template {name} ({size} resources)",
        "Resources": resources,
        "Outputs": outputs,
    }


# ---- YAML with short-form tags, as people write it ------------------------------------------


class _Tagged:
    def __init__(self, tag: str, value: Any) -> None:
        self.tag, self.value = tag, value


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent(dumper: yaml.SafeDumper, data: _Tagged) -> yaml.Node:
    if isinstance(data.value, list):
        return dumper.represent_sequence(data.tag, data.value, flow_style=True)
    if isinstance(data.value, dict):
        return dumper.represent_mapping(data.tag, data.value)
    return dumper.represent_scalar(data.tag, str(data.value))


_Dumper.add_representer(_Tagged, _represent)


def _short(node: Any) -> Any:
    if isinstance(node, list):
        return [_short(item) for item in node]
    if not isinstance(node, dict):
        return node
    if len(node) == 1:
        ((key, value),) = node.items()
        if key == "Ref":
            return _Tagged("!Ref", value)
        if key == "Fn::GetAtt":
            return _Tagged("!GetAtt", ".".join(value))
        if key.startswith("Fn::") and key != "Fn::ImportValue":
            return _Tagged("!" + key[4:], _short(value))
    return {key: _short(value) for key, value in node.items()}


_QUOTED_TAG_ARGUMENT = re.compile(r"(![A-Za-z]+) '([A-Za-z0-9:._-]+)'")


def to_yaml(data: dict[str, Any]) -> str:
    text = yaml.dump(_short(data), Dumper=_Dumper, sort_keys=False, width=120)
    return _QUOTED_TAG_ARGUMENT.sub(r"\1 \2", text)  # `!Ref 'Vpc'` -> `!Ref Vpc`


def write_sizes(out: Path, sizes: list[int]) -> dict[int, Path]:
    out.mkdir(parents=True, exist_ok=True)
    files = {}
    for size in sizes:
        file = out / f"template-{size}.yaml"
        file.write_text(to_yaml(template(size)))
        files[size] = file
    return files


def write_folders(out: Path, count: int, size: int) -> dict[str, Path]:
    """`independent`: no template exports or imports. `cross-stack`: every tenth template is a
    network stack that exports its VPC and subnets; the nine after it import them."""
    folders = {"independent": out / "folder-independent", "cross-stack": out / "folder-cross-stack"}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.yaml"):
            old.unlink()
    for index in range(count):
        name = f"stack-{index:03}"
        (folders["independent"] / f"{name}.yaml").write_text(to_yaml(template(size, name=name)))
        owner = f"stack-{index - index % 10:03}"
        data = (
            template(size, name=name, exports=True)
            if index % 10 == 0
            else template(size, name=name, imports_from=owner)
        )
        (folders["cross-stack"] / f"{name}.yaml").write_text(to_yaml(data))
    return folders


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--sizes", type=int, nargs="*", default=[100, 1000, 5000])
    parser.add_argument("--folder", type=int, default=0, help="also write N templates twice")
    parser.add_argument("--folder-size", type=int, default=100, help="resources per template")
    args = parser.parse_args()
    for size, file in write_sizes(args.out, args.sizes).items():
        print(f"{file}: {size} resources, {file.stat().st_size:,} bytes")
    if args.folder:
        for kind, folder in write_folders(args.out, args.folder, args.folder_size).items():
            print(f"{folder}: {args.folder} templates of {args.folder_size} resources ({kind})")


if __name__ == "__main__":
    main()
