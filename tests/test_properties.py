"""Property-based tests (hypothesis) over generated templates.

Templates nest intrinsic functions at random (`Ref`, `Fn::GetAtt` in both forms, `Fn::Sub` as a
string and as a list, `Fn::Join`, `Fn::Select`, `Fn::If`, `Fn::FindInMap`, `Fn::ImportValue`,
`Fn::Split`, `AWS::NoValue`, and functions with nonsense arities and argument types) inside the
properties the rules read, over the resource types `rules/*.yaml` cover. Properties:

- the engine never raises, reports no `internal error` and lints every generated file, and the
  YAML and JSON serialisations of one template give the same findings;
- the CLI/API, cfn-lint with `--append-rules=mmaws_lint.cfn_lint` and checkov with the pack's
  external checks report the same (rule, resource) pairs.

The parity property starts cfn-lint and checkov once per example over a batch of files (each
costs seconds to start), so it runs few examples; the never-raises property runs in-process.
Both are derandomized (and use no example database), so CI sees the same examples on every run.
Cases the properties found are pinned at the end of the file as plain tests.
"""

from __future__ import annotations

import contextvars
import copy
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from entry_points import api_pairs, cfn_lint_pairs, checkov_pairs
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import mmaws_lint

# ---- names a template can point at ----------------------------------------------------------

RESOURCE_IDS = [f"R{i}" for i in range(8)]
PARAMETERS = ["Env", "NoDefault", "Cidr", "Subnets", "Port", "InstanceType"]
CONDITIONS = ["IsProd", "NotProd", "InUsEast1"]
MAPPING = "Sizes"
EXPORTS = ["shared-key-arn", "shared-vpc-cidr", "shared-topic", "nobody-exports-this"]
REF_NAMES = [
    *RESOURCE_IDS,
    *PARAMETERS,
    "AWS::Region",
    "AWS::AccountId",
    "AWS::StackName",
    "AWS::Partition",
    "AWS::NoValue",
    "Missing",
]
ATTRIBUTES = ["Arn", "KeyId", "GroupId", "CidrBlock", "QueueName", "TopicName", "Endpoint.Address"]


def _odd_scalars(text: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**40), 2**40),
        st.floats(allow_nan=False, allow_infinity=False, width=32),
        text,
        st.just([]),
        st.just({}),
    )


# Any text for the engine; printable text for parity: cfn-lint and checkov read JSON with a YAML
# parser first, which rejects C1 control characters and surrogate-pair escapes that JSON allows
# (the engine falls back to a JSON parser), so such a file would be unreadable to them.
ANY_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=6)
PRINTABLE = st.text(st.characters(codec="ascii", categories=("L", "N", "P", "Zs")), max_size=6)


# ---- intrinsic functions ---------------------------------------------------------------------


def ref() -> st.SearchStrategy[dict]:
    return st.builds(lambda name: {"Ref": name}, st.sampled_from(REF_NAMES))


def getatt() -> st.SearchStrategy[dict]:
    target = st.sampled_from([*RESOURCE_IDS, "Missing"])
    attr = st.sampled_from(ATTRIBUTES)
    return st.one_of(
        st.builds(lambda r, a: {"Fn::GetAtt": f"{r}.{a}"}, target, attr),
        st.builds(lambda r, a: {"Fn::GetAtt": [r, a]}, target, attr),
    )


SUB_TEXT = st.lists(
    st.sampled_from(
        [
            "arn:aws:kms:",
            "${AWS::Region}",
            ":${AWS::AccountId}:key/",
            "${R0}",
            "${R1.Arn}",
            "${R2}-001",
            "${Env}",
            "${NoDefault}",
            "${Cidr}",
            "${Var}",
            "${!Literal}",
            "${Missing.Attr}",
            "10.0.0.0/16",
            "-",
            "",
        ]
    ),
    max_size=4,
).map("".join)


class _Hole:
    """Where a shape of intrinsic functions takes a value of the property being generated."""

    def __repr__(self) -> str:
        return "HOLE"


HOLE = _Hole()


def _shapes(nonsense: bool, text: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    """Intrinsic functions nesting each other around `HOLE`s, with values of the wrong type;
    `nonsense` adds wrong arities, wrong argument shapes, unknown functions and conditions
    that do not exist (without it, what checkov's renderer survives: it crashes the whole run
    on a nested `Fn::If` naming an undefined condition).

    One recursive strategy shared by every property: hypothesis validates a strategy on first
    use, and a recursive strategy per property made each example cost half a second."""
    base = st.one_of(st.just(HOLE), st.just(HOLE), ref(), getatt(), _odd_scalars(text))

    def extend(child: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        lists = st.lists(child, max_size=3)
        condition = st.sampled_from([*CONDITIONS, "Missing"] if nonsense else CONDITIONS)
        forms = [
            st.builds(lambda c, a, b: {"Fn::If": [c, a, b]}, condition, child, child),
            st.builds(lambda c, a: {"Fn::If": [c, a, {"Ref": "AWS::NoValue"}]}, condition, child),
            st.builds(lambda text: {"Fn::Sub": text}, SUB_TEXT),
            st.builds(lambda text, v: {"Fn::Sub": [text, {"Var": v}]}, SUB_TEXT, child),
            st.builds(
                lambda sep, items: {"Fn::Join": [sep, items]},
                st.sampled_from(["", "-", ","]),
                lists,
            ),
            st.builds(lambda items: {"Fn::Join": [",", items]}, child),
            st.builds(
                lambda i, items: {"Fn::Select": [i, items]},
                st.one_of(st.integers(0, 3), st.sampled_from(["0", "1", "x"])),
                st.one_of(lists, child),
            ),
            st.builds(
                lambda top, second: {"Fn::FindInMap": [MAPPING, top, second]},
                st.one_of(st.sampled_from(["small", "large", "nope"]), child),
                st.sampled_from(["InstanceType", "VolumeType", "Cidrs", "Port", "nope"]),
            ),
            st.builds(
                lambda top, default: {
                    "Fn::FindInMap": [MAPPING, top, "InstanceType", {"DefaultValue": default}]
                },
                st.sampled_from(["small", "nope"]),
                child,
            ),
            st.builds(
                lambda name: {"Fn::ImportValue": name}, st.one_of(st.sampled_from(EXPORTS), child)
            ),
            st.builds(
                lambda sep, text: {"Fn::Split": [sep, text]}, st.sampled_from([",", "", "-"]), child
            ),
            st.builds(lambda v: {"Fn::Base64": v}, child),
            st.builds(lambda v: {"Fn::Cidr": [v, 6, 5]}, child),
            st.just({"Fn::GetAZs": ""}),
            lists,
        ]
        if nonsense:  # nonsense arities, argument types and function names
            forms += [
                st.builds(lambda v: {"Fn::If": v}, child),
                st.builds(lambda v: {"Fn::If": [v, v]}, child),
                st.builds(lambda v: {"Fn::If": [v, v, v]}, child),
                # a common slip: the condition written inline instead of named
                st.builds(
                    lambda c, a, b: {"Fn::If": [c, a, b]},
                    st.sampled_from([{"Ref": "Env"}, {"Condition": "IsProd"}, ["IsProd"]])
                    | st.just({"Fn::Equals": [{"Ref": "Env"}, "prod"]}),
                    child,
                    child,
                ),
                st.builds(lambda v: {"Fn::Join": v}, child),
                st.builds(lambda v: {"Fn::Join": [v]}, child),
                st.builds(lambda v: {"Fn::Select": [v]}, child),
                st.builds(lambda v: {"Fn::Select": [v, v, v]}, child),
                st.builds(lambda v: {"Fn::Sub": [v, v, v]}, child),
                st.builds(lambda v: {"Fn::Sub": [v]}, child),
                st.builds(lambda v: {"Fn::GetAtt": v}, child),
                st.builds(lambda v: {"Fn::GetAtt": [v, v, v]}, child),
                st.just({"Fn::GetAtt": []}),
                st.builds(lambda v: {"Ref": v}, child),
                st.builds(lambda v: {"Fn::FindInMap": v}, child),
                st.builds(lambda v: {"Fn::FindInMap": [v, v, v, v, v]}, child),
                st.builds(lambda v: {"Fn::ImportValue": [v, v]}, child),
                st.builds(lambda v: {"Fn::Split": v}, child),
                st.builds(lambda v: {"Fn::Bogus": v}, child),
                st.builds(lambda v: {"Condition": v}, child),
                st.builds(lambda a, b: {"Ref": "R0", "Fn::If": [a, b]}, child, child),
            ]
        return st.one_of(*forms)

    return st.recursive(base, extend, max_leaves=5)


# What `templates` is drawing for ("full" or "parity"); property values read it while drawn.
SHAPES = {"full": _shapes(True, ANY_TEXT), "parity": _shapes(False, PRINTABLE)}
MODE: contextvars.ContextVar[str] = contextvars.ContextVar("mode", default="full")


def _fill(shape: Any, value: Any) -> Any:
    if shape is HOLE:
        return value()
    if isinstance(shape, list):
        return [_fill(item, value) for item in shape]
    if isinstance(shape, dict):
        return {key: _fill(item, value) for key, item in shape.items()}
    return copy.deepcopy(shape)


# Every rule reads through `Fn::If`, so values also get one at the top, where rules walk the
# branches; its condition may be a name, an undefined name, or the common slip of writing the
# condition inline instead of naming it.
IF_CONDITIONS = {
    "full": st.sampled_from(
        [*CONDITIONS, "Missing", {"Ref": "Env"}, {"Condition": "IsProd"}, ["IsProd"], 5]
    ),
    "parity": st.sampled_from(CONDITIONS),
}


@st.composite
def _value(draw: st.DrawFn, leaf: st.SearchStrategy[Any]) -> Any:
    mode = MODE.get()
    choice = draw(st.integers(0, 9))
    if choice < 6:
        return draw(leaf)
    if choice < 9:
        return _fill(draw(SHAPES[mode]), lambda: draw(leaf))
    condition = draw(IF_CONDITIONS[mode])
    return {"Fn::If": [condition, draw(leaf), draw(leaf | st.just({"Ref": "AWS::NoValue"}))]}


def v(*values: Any) -> st.SearchStrategy[Any]:
    """A property value: one of `values` (strategies or constants), maybe inside intrinsics."""
    strategies = [x for x in values if isinstance(x, st.SearchStrategy)]
    constants = [x for x in values if not isinstance(x, st.SearchStrategy)]
    if constants:
        strategies.append(st.sampled_from(constants).map(copy.deepcopy))
    return _value(st.one_of(*strategies))


def props(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries({}, optional=fields)


def listed(item: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A list property: a literal list of items, or an intrinsic giving a list."""
    return st.one_of(st.lists(item, max_size=3), v(st.lists(item, max_size=3), {"Ref": "Subnets"}))


# ---- property values the rules read -----------------------------------------------------------

BOOL = v(True, False, "true", "false", "True", "FALSE", "yes")
INSTANCE_TYPE = v(
    "t3.micro", "t2.small", "t4g.large", "m5.large", "c7g.xlarge", "T3.MICRO", "t3", "",
    {"Fn::FindInMap": [MAPPING, "small", "InstanceType"]}, {"Ref": "InstanceType"},
)  # fmt: skip
DB_CLASS = v("db.t3.micro", "db.t4g.medium", "db.r6g.large", "db.serverless", "db.m5")
CACHE_NODE = v("cache.t3.micro", "cache.t4g.small", "cache.r6g.large", "cache.m5")
SEARCH_TYPE = v("t3.small.search", "r6g.large.search", "t2.micro.elasticsearch", "m5.large")
VOLUME_TYPE = v("gp2", "gp3", "io1", "io2", "st1", "sc1", "standard", "GP2", "")
CIDR = v(
    "10.0.0.0/16", "10.1.2.0/24", "0.0.0.0/0", "192.168.0.0/16", "172.16.0.0/12", "8.8.8.8/32",
    "10.0.0.0/8", "300.1.1.1/33", "not-a-cidr", {"Ref": "Cidr"},
    {"Fn::ImportValue": "shared-vpc-cidr"},
)  # fmt: skip
CIDR6 = v("::/0", "2001:db8::/32", "fd00::/8", "fe80::1/128", "::/")
PORT = v(22, 80, 443, 3306, 3389, 5432, 0, -1, 65535, 70000, "22", "any", {"Ref": "Port"})
PROTOCOL = v("tcp", "udp", "icmp", "-1", -1, 6, "all", "TCP")
KMS_KEY = v(
    "alias/aws/s3", "alias/aws/ebs", "alias/custom", "arn:aws:kms:us-east-1:111122223333:key/abcd",
    "aws/sqs", "1234abcd-12ab-34cd-56ef-1234567890ab", {"Fn::ImportValue": "shared-key-arn"},
)  # fmt: skip
SSE_ALGORITHM = v("AES256", "aws:kms", "aws:kms:dsse", "aes256", "none")
METRIC = v(
    "CPUUtilization", "StatusCheckFailed", "CPUCreditBalance", "FreeStorageSpace",
    "FreeableMemory", "BurstBalance", "ApproximateAgeOfOldestMessage", "Errors", "Throttles",
    "EngineCPUUtilization", "DatabaseMemoryUsagePercentage", "BurstCreditBalance",
    "PacketsDropCount", "ErrorPortAllocation", "IteratorAgeMilliseconds", "mem_used_percent",
)  # fmt: skip
NAMESPACE = v(
    "AWS/EC2", "AWS/RDS", "AWS/EBS", "AWS/SQS", "AWS/Lambda", "AWS/ElastiCache", "AWS/EFS",
    "AWS/NATGateway", "AWS/ES", "AWS/DynamoDB", "AWS/Kinesis", "AWS/ECS", "AWS/Redshift", "CWAgent",
)  # fmt: skip
DIMENSION_NAMES = st.sampled_from(
    ["InstanceId", "AutoScalingGroupName", "DBInstanceIdentifier", "DBClusterIdentifier",
     "VolumeId", "QueueName", "FunctionName", "CacheClusterId", "FileSystemId", "NatGatewayId",
     "DomainName", "ClientId", "TableName", "StreamName", "ClusterName", "ServiceName"]
)  # fmt: skip
DIMENSION_VALUE = v(
    {"Ref": "R0"}, {"Ref": "R1"}, {"Fn::GetAtt": ["R2", "QueueName"]}, {"Fn::Sub": "${R3}-001"},
    {"Fn::Sub": "${R4}"}, "orders", "web-asg", {"Ref": "NoDefault"},
    {"Fn::ImportValue": "shared-topic"},
)  # fmt: skip
DIMENSIONS = listed(st.fixed_dictionaries({"Name": DIMENSION_NAMES, "Value": DIMENSION_VALUE}))
COMPARISON = v(
    "GreaterThanThreshold", "GreaterThanOrEqualToThreshold", "LessThanThreshold",
    "LessThanOrEqualToThreshold", "GreaterThanUpperThreshold", "Bogus",
)  # fmt: skip
THRESHOLD = v(
    st.integers(-5, 200), st.floats(0, 1000, allow_nan=False), "95", "80", "x", "1e3", "nan"
)
ACTIONS = listed(v({"Ref": "R5"}, {"Ref": "R6"}, "arn:aws:sns:us-east-1:111122223333:ops", ""))
PRINCIPAL = v(
    "*", {"AWS": "*"}, {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}},
    {"AWS": ["arn:aws:iam::111122223333:root", "*"]}, {"Service": "logs.amazonaws.com"},
    {"AWS": {"Ref": "AWS::AccountId"}}, {"CanonicalUser": "abc"},
)  # fmt: skip
STATEMENT = st.fixed_dictionaries(
    {"Effect": v("Allow", "Deny", "allow")},
    optional={
        "Sid": v("Enable IAM policies", "Anyone"),
        "Principal": PRINCIPAL,
        "NotPrincipal": PRINCIPAL,
        "Action": v("kms:*", ["kms:Decrypt", "kms:Encrypt"], "kms:Create*", "*", "s3:GetObject"),
        "Resource": v("*", {"Fn::GetAtt": "R0.Arn"}),
        "Condition": v(
            {"StringEquals": {"kms:CallerAccount": {"Ref": "AWS::AccountId"}}},
            {"Bool": {"aws:SecureTransport": "false"}},
            {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
            {"StringEquals": {"aws:PrincipalOrgID": "o-123"}},
        ),
    },
)
POLICY = v(
    st.fixed_dictionaries({"Version": st.just("2012-10-17"), "Statement": listed(STATEMENT)})
)
BLOCK_DEVICE = st.fixed_dictionaries(
    {"DeviceName": v("/dev/xvda", "/dev/sdb", "/dev/sda1", "xvdf")},
    optional={
        "Ebs": v(
            props(
                VolumeType=VOLUME_TYPE,
                Encrypted=BOOL,
                KmsKeyId=KMS_KEY,
                VolumeSize=v(8, 100, "20"),
                SnapshotId=v("snap-123"),
            )
        ),
        "VirtualName": v("ephemeral0", "ephemeral1"),
        "NoDevice": v({}, ""),
    },
)
SG_RULE = props(
    IpProtocol=PROTOCOL,
    FromPort=PORT,
    ToPort=PORT,
    CidrIp=CIDR,
    CidrIpv6=CIDR6,
    SourceSecurityGroupId=v({"Ref": "R1"}, {"Fn::GetAtt": "R2.GroupId"}, "sg-123"),
    DestinationSecurityGroupId=v({"Ref": "R1"}, "sg-123"),
    SourcePrefixListId=v("pl-123"),
    Description=v("rule"),
)
LAUNCH_TEMPLATE_REF = props(
    LaunchTemplateId=v({"Ref": "R0"}, {"Ref": "R1"}, "lt-123"),
    LaunchTemplateName=v({"Ref": "R2"}, "web"),
    Version=v({"Fn::GetAtt": "R0.LatestVersionNumber"}, "1", "$Latest"),
)
CREDITS = v("standard", "unlimited", "STANDARD")

PROPERTIES: dict[str, st.SearchStrategy[dict]] = {
    "AWS::EC2::VPC": props(CidrBlock=CIDR, EnableDnsSupport=BOOL),
    "AWS::EC2::FlowLog": props(
        ResourceId=v({"Ref": "R0"}, {"Ref": "R1"}, "vpc-123"),
        ResourceType=v("VPC", "Subnet", "NetworkInterface"),
        TrafficType=v("ALL", "ACCEPT", "REJECT"),
    ),
    "AWS::EC2::Subnet": props(
        VpcId=v({"Ref": "R0"}),
        CidrBlock=CIDR,
        AvailabilityZone=v("us-east-1a", {"Fn::Select": [0, {"Fn::GetAZs": ""}]}),
    ),
    "AWS::EC2::SecurityGroup": props(
        GroupDescription=v("web"),
        VpcId=v({"Ref": "R0"}, "vpc-123"),
        SecurityGroupIngress=listed(SG_RULE),
        SecurityGroupEgress=listed(SG_RULE),
    ),
    "AWS::EC2::SecurityGroupIngress": props(
        GroupId=v({"Ref": "R1"}, {"Fn::GetAtt": "R2.GroupId"}, "sg-123"),
        IpProtocol=PROTOCOL,
        FromPort=PORT,
        ToPort=PORT,
        CidrIp=CIDR,
        CidrIpv6=CIDR6,
        SourceSecurityGroupId=v({"Ref": "R3"}, "sg-456"),
    ),
    "AWS::EC2::SecurityGroupEgress": props(
        GroupId=v({"Ref": "R1"}, "sg-123"),
        IpProtocol=PROTOCOL,
        FromPort=PORT,
        ToPort=PORT,
        CidrIp=CIDR,
        DestinationSecurityGroupId=v({"Ref": "R3"}, "sg-456"),
    ),
    "AWS::EC2::NetworkAcl": props(VpcId=v({"Ref": "R0"})),
    "AWS::EC2::NetworkAclEntry": props(
        NetworkAclId=v({"Ref": "R0"}, {"Ref": "R1"}),
        RuleNumber=v(100, "200"),
        Protocol=v(-1, 6),
        RuleAction=v("allow", "deny"),
        CidrBlock=CIDR,
    ),
    "AWS::EC2::Instance": props(
        ImageId=v("ami-12345678"),
        InstanceType=INSTANCE_TYPE,
        SubnetId=v({"Ref": "R1"}, "subnet-1"),
        SecurityGroupIds=listed(v({"Ref": "R2"}, "sg-1")),
        BlockDeviceMappings=listed(BLOCK_DEVICE),
        CreditSpecification=v(props(CPUCredits=CREDITS)),
        AvailabilityZone=v("us-east-1a"),
    ),
    "AWS::EC2::Volume": props(
        AvailabilityZone=v("us-east-1a"),
        Size=v(100, "8"),
        VolumeType=VOLUME_TYPE,
        Encrypted=BOOL,
        KmsKeyId=KMS_KEY,
        SnapshotId=v("snap-1"),
    ),
    "AWS::EC2::LaunchTemplate": props(
        LaunchTemplateName=v("web"),
        LaunchTemplateData=v(
            props(
                InstanceType=INSTANCE_TYPE,
                ImageId=v("ami-1"),
                BlockDeviceMappings=listed(BLOCK_DEVICE),
                CreditSpecification=v(props(CpuCredits=CREDITS)),
                SecurityGroupIds=listed(v({"Ref": "R2"})),
                InstanceRequirements=v({"VCpuCount": {"Min": 2}}),
            )
        ),
    ),
    "AWS::AutoScaling::LaunchConfiguration": props(
        ImageId=v("ami-1"),
        InstanceType=INSTANCE_TYPE,
        BlockDeviceMappings=listed(BLOCK_DEVICE),
        SecurityGroups=listed(v({"Ref": "R2"})),
    ),
    "AWS::AutoScaling::AutoScalingGroup": props(
        MinSize=v("1", 2),
        MaxSize=v("4", 1),
        AvailabilityZones=listed(v("us-east-1a", "us-east-1b"))
        | v({"Fn::GetAZs": ""}, {"Fn::GetAZs": {"Ref": "AWS::Region"}}),
        VPCZoneIdentifier=listed(v({"Ref": "R1"}, {"Ref": "R2"}, "subnet-1", "subnet-1,subnet-2")),
        LaunchTemplate=v(LAUNCH_TEMPLATE_REF),
        LaunchConfigurationName=v({"Ref": "R3"}),
        MixedInstancesPolicy=v(
            props(
                LaunchTemplate=v(
                    props(
                        LaunchTemplateSpecification=v(LAUNCH_TEMPLATE_REF),
                        Overrides=listed(props(InstanceType=INSTANCE_TYPE)),
                    )
                )
            )
        ),
        AutoScalingGroupName=v("web-asg", {"Fn::Sub": "${AWS::StackName}-asg"}),
    ),
    "AWS::AutoScaling::ScalingPolicy": props(
        AutoScalingGroupName=v({"Ref": "R0"}, "web-asg"),
        PolicyType=v("TargetTrackingScaling", "SimpleScaling"),
        TargetTrackingConfiguration=v(
            props(
                PredefinedMetricSpecification=v(
                    props(PredefinedMetricType=v("ASGAverageCPUUtilization", "ASGAverageNetworkIn"))
                ),
                CustomizedMetricSpecification=v(
                    props(MetricName=METRIC, Namespace=NAMESPACE, Dimensions=DIMENSIONS)
                ),
                TargetValue=v(50, "70"),
            )
        ),
    ),
    "AWS::RDS::DBInstance": props(
        DBInstanceClass=DB_CLASS,
        Engine=v("mysql", "postgres", "aurora-mysql", "sqlserver-ex"),
        StorageType=v("gp2", "gp3", "io1", "standard"),
        AllocatedStorage=v("20", 100),
        StorageEncrypted=BOOL,
        KmsKeyId=KMS_KEY,
        DBClusterIdentifier=v({"Ref": "R1"}, "aurora"),
        DBInstanceIdentifier=v("orders", {"Fn::Sub": "${Env}-db"}),
        DBSnapshotIdentifier=v("snap"),
        SourceDBInstanceIdentifier=v("other"),
    ),
    "AWS::RDS::DBCluster": props(
        Engine=v("aurora-mysql", "aurora-postgresql"),
        StorageEncrypted=BOOL,
        KmsKeyId=KMS_KEY,
        DBClusterIdentifier=v("aurora"),
        SnapshotIdentifier=v("snap"),
    ),
    "AWS::ElastiCache::CacheCluster": props(
        CacheNodeType=CACHE_NODE,
        Engine=v("redis", "memcached"),
        NumCacheNodes=v(1),
        ClusterName=v("cache"),
    ),
    "AWS::ElastiCache::ReplicationGroup": props(
        CacheNodeType=CACHE_NODE,
        ReplicationGroupDescription=v("cache"),
        ReplicationGroupId=v("orders", {"Fn::Sub": "${Env}-cache"}),
        AtRestEncryptionEnabled=BOOL,
        KmsKeyId=KMS_KEY,
        Engine=v("redis", "valkey"),
    ),
    "AWS::EFS::FileSystem": props(
        ThroughputMode=v("bursting", "elastic", "provisioned", "BURSTING"),
        PerformanceMode=v("generalPurpose", "maxIO"),
        Encrypted=BOOL,
        KmsKeyId=KMS_KEY,
    ),
    "AWS::S3::Bucket": props(
        BucketName=v("logs", {"Fn::Sub": "${AWS::StackName}-data"}),
        BucketEncryption=v(
            props(
                ServerSideEncryptionConfiguration=listed(
                    props(
                        ServerSideEncryptionByDefault=v(
                            props(SSEAlgorithm=SSE_ALGORITHM, KMSMasterKeyID=KMS_KEY)
                        ),
                        BucketKeyEnabled=BOOL,
                    )
                )
            )
        ),
        AccessControl=v("Private", "LogDeliveryWrite", "PublicRead"),
        WebsiteConfiguration=v({"IndexDocument": "index.html"}),
        LoggingConfiguration=v(props(DestinationBucketName=v({"Ref": "R0"}, "logs"))),
    ),
    "AWS::S3::BucketPolicy": props(Bucket=v({"Ref": "R0"}, "logs"), PolicyDocument=POLICY),
    "AWS::KMS::Key": props(
        KeyPolicy=POLICY,
        EnableKeyRotation=BOOL,
        KeySpec=v("SYMMETRIC_DEFAULT", "RSA_2048", "HMAC_256"),
        KeyUsage=v("ENCRYPT_DECRYPT", "SIGN_VERIFY"),
        PendingWindowInDays=v(7, 30, "7"),
        Origin=v("AWS_KMS", "EXTERNAL"),
    ),
    "AWS::KMS::ReplicaKey": props(KeyPolicy=POLICY, PrimaryKeyArn=v({"Fn::GetAtt": "R0.Arn"})),
    "AWS::KMS::Alias": props(
        AliasName=v("alias/custom", "alias/aws/s3"), TargetKeyId=v({"Ref": "R0"}, "abcd")
    ),
    "AWS::SQS::Queue": props(
        QueueName=v("orders", {"Fn::Sub": "${AWS::StackName}-q"}),
        KmsMasterKeyId=KMS_KEY,
        SqsManagedSseEnabled=BOOL,
        MessageRetentionPeriod=v(60, "1209600"),
        RedrivePolicy=v(
            props(deadLetterTargetArn=v({"Fn::GetAtt": "R3.Arn"}), maxReceiveCount=v(3))
        ),
    ),
    "AWS::SNS::Topic": props(TopicName=v("ops"), KmsMasterKeyId=KMS_KEY),
    "AWS::Lambda::Function": props(
        FunctionName=v("worker", {"Fn::Sub": "${Env}-fn"}),
        Runtime=v("python3.12", "nodejs20.x"),
        Handler=v("index.handler"),
        Role=v({"Fn::GetAtt": "R1.Arn"}),
        Code=v({"ZipFile": "def handler(e, c): pass"}),
        KmsKeyArn=KMS_KEY,
        ReservedConcurrentExecutions=v(0, 10),
        DeadLetterConfig=v(props(TargetArn=v({"Fn::GetAtt": "R2.Arn"}))),
        Environment=v(props(Variables=v({"A": "1"}, {"Fn::If": ["IsProd", {"A": "1"}, {}]}))),
    ),
    "AWS::DynamoDB::Table": props(
        TableName=v("orders"),
        BillingMode=v("PAY_PER_REQUEST", "PROVISIONED"),
        SSESpecification=v(
            props(SSEEnabled=BOOL, SSEType=v("KMS", "AES256"), KMSMasterKeyId=KMS_KEY)
        ),
    ),
    "AWS::Kinesis::Stream": props(
        Name=v("events"),
        ShardCount=v(1, "2"),
        StreamEncryption=v(props(EncryptionType=v("KMS", "NONE"), KeyId=KMS_KEY)),
        StreamModeDetails=v(props(StreamMode=v("ON_DEMAND", "PROVISIONED"))),
    ),
    "AWS::Logs::LogGroup": props(LogGroupName=v("/app"), KmsKeyId=KMS_KEY),
    "AWS::SecretsManager::Secret": props(KmsKeyId=KMS_KEY, Name=v("db")),
    "AWS::Backup::BackupVault": props(BackupVaultName=v("vault"), EncryptionKeyArn=KMS_KEY),
    "AWS::Backup::BackupPlan": props(
        BackupPlan=v(
            props(
                BackupPlanName=v("daily"),
                BackupPlanRule=listed(
                    props(
                        RuleName=v("daily"),
                        TargetBackupVault=v({"Ref": "R0"}),
                        CopyActions=listed(
                            props(
                                DestinationBackupVaultArn=v(
                                    "arn:aws:backup:us-east-1:444455556666:backup-vault:b",
                                    {"Fn::GetAtt": "R1.BackupVaultArn"},
                                    {"Fn::Sub": "arn:aws:backup:${AWS::Region}:${VAULT}"},
                                )
                            )
                        ),
                    )
                ),
            )
        )
    ),
    "AWS::EC2::NatGateway": props(SubnetId=v({"Ref": "R1"}), AllocationId=v("eipalloc-1")),
    "AWS::ECS::Service": props(
        Cluster=v({"Ref": "R0"}, "default"), ServiceName=v("web"), DesiredCount=v(2)
    ),
    "AWS::OpenSearchService::Domain": props(
        DomainName=v("search"),
        ClusterConfig=v(
            props(
                InstanceType=SEARCH_TYPE,
                DedicatedMasterEnabled=BOOL,
                DedicatedMasterType=SEARCH_TYPE,
            )
        ),
        EncryptionAtRestOptions=v(props(Enabled=BOOL, KmsKeyId=KMS_KEY)),
    ),
    "AWS::Redshift::Cluster": props(
        NodeType=v("dc2.large", "ra3.xlplus"),
        Encrypted=BOOL,
        KmsKeyId=KMS_KEY,
        ClusterIdentifier=v("warehouse"),
    ),
    "AWS::ElasticLoadBalancingV2::LoadBalancer": props(
        Type=v("application", "network", "gateway"),
        Scheme=v("internet-facing", "internal"),
        SecurityGroups=listed(v({"Ref": "R1"}, "sg-1")),
        Subnets=listed(v({"Ref": "R2"})),
    ),
    "AWS::CloudWatch::Alarm": props(
        AlarmName=v("cpu", {"Fn::Sub": "${AWS::StackName}-cpu"}),
        MetricName=METRIC,
        Namespace=NAMESPACE,
        Dimensions=DIMENSIONS,
        Statistic=v("Average", "Maximum"),
        Period=v(60, 300),
        EvaluationPeriods=v(1, "3"),
        Threshold=THRESHOLD,
        ComparisonOperator=COMPARISON,
        AlarmActions=ACTIONS,
        ActionsEnabled=BOOL,
        Metrics=listed(
            st.one_of(
                props(
                    Id=v("m1"),
                    ReturnData=BOOL,
                    MetricStat=v(
                        props(
                            Metric=v(
                                props(MetricName=METRIC, Namespace=NAMESPACE, Dimensions=DIMENSIONS)
                            ),
                            Period=v(300),
                            Stat=v("Average"),
                        )
                    ),
                ),
                props(
                    Id=v("e1"),
                    Expression=v(
                        "m1 * 100",
                        'SELECT AVG(CPUUtilization) FROM SCHEMA("AWS/EC2", InstanceId)',
                        'SELECT MAX(ApproximateAgeOfOldestMessage) FROM "AWS/SQS"',
                    ),
                    ReturnData=BOOL,
                ),
            )
        ),
    ),
    "AWS::CloudWatch::CompositeAlarm": props(
        AlarmName=v("composite"),
        AlarmRule=v(
            'ALARM("cpu")',
            {"Fn::Sub": "ALARM(${R0}) OR ALARM(${R1})"},
            {"Fn::Sub": 'ALARM("${NoDefault}")'},
        ),
        AlarmActions=ACTIONS,
    ),
    "AWS::ApplicationAutoScaling::ScalingPolicy": props(
        ScalingTargetId=v({"Ref": "R0"}),
        ResourceId=v({"Fn::Sub": "service/${R1}/web"}),
        TargetTrackingScalingPolicyConfiguration=v(
            props(
                PredefinedMetricSpecification=v(
                    props(PredefinedMetricType=v("ECSServiceAverageCPUUtilization"))
                )
            )
        ),
    ),
    "Custom::Thing": props(ServiceToken=v({"Fn::GetAtt": "R0.Arn"}), Value=v("x")),
}
SAM_PROPERTIES: dict[str, st.SearchStrategy[dict]] = {
    "AWS::Serverless::Function": props(
        Runtime=v("python3.12"),
        Handler=v("app.handler"),
        CodeUri=v("src/"),
        FunctionName=v("worker"),
        VpcConfig=v(props(SecurityGroupIds=listed(v({"Ref": "R1"})))),
    ),
    "AWS::Serverless::SimpleTable": props(SSESpecification=v(props(SSEEnabled=BOOL))),
}

# hypothesis draws the first choice most often: make it types that many rules read
TYPES = ["AWS::EC2::Instance", "AWS::CloudWatch::Alarm", "AWS::EC2::SecurityGroup", "AWS::KMS::Key"]
TYPES += sorted(set(PROPERTIES) - set(TYPES))
DELETION_POLICY = v("Delete", "Retain", "Snapshot", "RetainExceptOnCreate", "retain")
SUPPRESSION_IDS = st.sampled_from(
    ["WMM501", "WMM101", "EMM405", "WMM1*", "WMM403", "W", "WMM5", "E3002"]
)
RESOURCE_METADATA = st.one_of(
    st.just({}),
    st.builds(
        lambda rule, reason: {"mmaws-lint": {"ignore": [{"id": rule, **reason}]}},
        SUPPRESSION_IDS,
        st.sampled_from([{}, {"reason": "Accepted by the team"}, {"reason": " "}]),
    ),
    st.builds(lambda rule: {"mmaws-lint": {"ignore": [rule]}}, SUPPRESSION_IDS),
    st.builds(lambda rule: {"checkov": {"skip": [{"id": rule, "comment": "ok"}]}}, SUPPRESSION_IDS),
    st.builds(lambda rule: {"cfn-lint": {"config": {"ignore_checks": [rule]}}}, SUPPRESSION_IDS),
    st.just({"aws:cdk:path": "App/Stack/Resource"}),
)
ODD = _odd_scalars(ANY_TEXT)
ODD_METADATA = st.one_of(
    RESOURCE_METADATA,
    st.builds(lambda odd: {"mmaws-lint": odd}, ODD),
    st.builds(lambda odd: {"mmaws-lint": {"ignore": odd}}, ODD),
    st.builds(lambda odd: {"mmaws-lint": {"ignore": [{"id": odd, "reason": odd}]}}, ODD),
    st.builds(lambda odd: {"cfn-lint": {"config": odd}}, ODD),
    st.builds(lambda odd: {"cfn-lint": {"config": {"ignore_checks": [odd]}}}, ODD),
    st.builds(lambda odd: {"checkov": {"skip": [odd]}}, ODD),
    ODD,
)


def template_parameters() -> dict[str, Any]:
    return {
        "Env": {"Type": "String", "Default": "prod", "AllowedValues": ["prod", "dev"]},
        "NoDefault": {"Type": "String"},
        "Cidr": {"Type": "String", "Default": "10.0.0.0/16"},
        "Subnets": {"Type": "CommaDelimitedList", "Default": "subnet-1,subnet-2"},
        "Port": {"Type": "Number", "Default": 22},
        "InstanceType": {"Type": "String", "Default": "t3.micro"},
    }


CONDITION_BODIES = {
    "IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
    "NotProd": {"Fn::Not": [{"Condition": "IsProd"}]},
    "InUsEast1": {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]},
}
MAPPINGS = {
    MAPPING: {
        "small": {
            "InstanceType": "t3.micro",
            "VolumeType": "gp2",
            "Cidrs": ["10.0.0.0/8", "0.0.0.0/0"],
            "Port": 22,
        },
        "large": {
            "InstanceType": "m5.large",
            "VolumeType": "gp3",
            "Cidrs": ["192.168.0.0/16"],
            "Port": 443,
        },
    }
}


@st.composite
def templates(draw: st.DrawFn, *, parity: bool = False) -> dict[str, Any]:
    token = MODE.set("parity" if parity else "full")
    try:
        return _template(draw, parity)
    finally:
        MODE.reset(token)


def _template(draw: st.DrawFn, parity: bool) -> dict[str, Any]:
    """A template over the covered resource types.

    `parity`: only what all three entry points can read, so that a difference is a bug of ours.
    - No resource-level `Condition`: checkov evaluates conditions with the parameters' defaults
      and drops resources whose condition is false before any check sees them, while the CLI
      and cfn-lint judge every resource whatever its condition (a difference by design).
    - No SAM types: cfn-lint runs the SAM translator before rules see the template.
    - `Properties` stay mappings and logical IDs alphanumeric: checkov skips the whole file
      otherwise.
    - Intrinsic functions keep their arity and argument shapes, name defined conditions, and
      `Fn::Select` picks no bare number from a literal list: checkov's variable renderer
      crashes the whole run on those (`len(True)`, `'Fn::' in 22`, `None.get`). Values of the
      wrong type still appear everywhere else.
    - Printable text only, and YAML short-form tags only where checkov's reader accepts them
      (see `PRINTABLE` and `_well_formed`).
    """
    types = TYPES if parity else TYPES + sorted(SAM_PROPERTIES)
    count = draw(st.integers(1, len(RESOURCE_IDS)))
    resources: dict[str, Any] = {}
    for logical_id in RESOURCE_IDS[:count]:
        resource_type = draw(st.sampled_from(types))
        strategy = {**PROPERTIES, **SAM_PROPERTIES}[resource_type]
        body: dict[str, Any] = {"Type": resource_type}
        if parity or draw(st.integers(0, 9)):
            body["Properties"] = draw(strategy)
        else:  # no Properties, or Properties that are not a mapping
            shape = draw(st.sampled_from(["absent", "null", "list", "string"]))
            if shape != "absent":
                body["Properties"] = {"null": None, "list": [1, 2], "string": "x"}[shape]
        for key, strategy in (
            ("DeletionPolicy", DELETION_POLICY),
            ("UpdateReplacePolicy", DELETION_POLICY),
            ("Metadata", RESOURCE_METADATA if parity else ODD_METADATA),
        ):
            if draw(st.booleans()):
                body[key] = draw(strategy)
        if not parity and draw(st.integers(0, 3)) == 0:
            body["Condition"] = draw(st.sampled_from([*CONDITIONS, "Missing"]))
        if draw(st.integers(0, 5)) == 0:
            body["DependsOn"] = draw(st.sampled_from(RESOURCE_IDS))
        resources[logical_id] = body
    template: dict[str, Any] = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": template_parameters(),
        "Conditions": dict(CONDITION_BODIES),
        "Mappings": MAPPINGS,
        "Resources": resources,
    }
    if not parity:
        if draw(st.booleans()):
            template["Conditions"]["Broken"] = draw(v({"Fn::Equals": ["a"]}))
        if draw(st.booleans()):
            parameter = props(Type=ODD, Default=ODD, AllowedValues=ODD)
            template["Parameters"]["Odd"] = draw(parameter | ODD)
            template["Mappings"] = {**MAPPINGS, "Odd": draw(ODD | st.dictionaries(PRINTABLE, ODD))}
        if draw(st.integers(0, 4)) == 0:
            template["Transform"] = "AWS::Serverless-2016-10-31"
            template["Globals"] = {"Function": {"Runtime": "python3.12", "Timeout": 30}}
    if draw(st.booleans()):
        template["Metadata"] = draw(RESOURCE_METADATA if parity else ODD_METADATA)
    outputs = {}
    exports = draw(st.lists(st.sampled_from(EXPORTS[:3]), max_size=2, unique=True))
    for index, name in enumerate(exports):
        outputs[f"Out{index}"] = {
            "Value": draw(v({"Ref": "R0"}, {"Fn::GetAtt": "R1.Arn"}, "10.0.0.0/16")),
            "Export": {"Name": draw(v(name, {"Fn::Sub": "${AWS::StackName}-" + name}))},
        }
    if outputs:
        template["Outputs"] = outputs
    return _checkov_safe(template) if parity else template


def _checkov_safe(node: Any) -> Any:
    """checkov's renderer crashes the whole run when `Fn::Select` picks a number, boolean or
    null from a literal list (`'Fn::' in 22`); such items become strings for the parity run."""
    if isinstance(node, list):
        return [_checkov_safe(item) for item in node]
    if not isinstance(node, dict):
        return node
    result = {key: _checkov_safe(value) for key, value in node.items()}
    arguments = result.get("Fn::Select")
    if isinstance(arguments, list) and len(arguments) == 2 and isinstance(arguments[1], list):
        arguments[1] = [
            item if isinstance(item, (str, list, dict)) else json.dumps(item)
            for item in arguments[1]
        ]
    return result


# ---- serialisation -------------------------------------------------------------------------

_SHORT = {"Ref": "!Ref", "Condition": "!Condition"} | {
    f"Fn::{name}": f"!{name}"
    for name in ("GetAtt", "Sub", "Join", "Select", "If", "FindInMap", "ImportValue", "Split",
                 "Base64", "Cidr", "GetAZs", "Equals", "Not")
}  # fmt: skip


class _Tagged:
    def __init__(self, tag: str, value: Any) -> None:
        self.tag, self.value = tag, value


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_tagged(dumper: yaml.SafeDumper, data: _Tagged) -> yaml.Node:
    if isinstance(data.value, dict):
        return dumper.represent_mapping(data.tag, data.value)
    if isinstance(data.value, list):
        return dumper.represent_sequence(data.tag, data.value)
    return dumper.represent_scalar(data.tag, data.value)


_Dumper.add_representer(_Tagged, _represent_tagged)


def _well_formed(key: str, arg: Any) -> bool:
    """Arguments checkov's YAML reader accepts in short form (it rejects, or crashes the whole
    run on, e.g. `!Ref {...}` or `!GetAtt [[...]]`); other functions stay in long form there."""
    pair = isinstance(arg, list) and len(arg) == 2
    if key in ("Ref", "Condition"):
        return isinstance(arg, str)
    if key == "Fn::GetAtt":
        return isinstance(arg, list) and len(arg) == 2 and all(isinstance(a, str) for a in arg)
    if key == "Fn::Sub":
        return isinstance(arg, str) or (
            isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str)
            and isinstance(arg[1], dict)
        )  # fmt: skip
    if key == "Fn::If":
        return isinstance(arg, list) and len(arg) == 3 and isinstance(arg[0], str)
    if key in ("Fn::Join", "Fn::Split"):
        return pair and isinstance(arg[0], str)
    if key in ("Fn::Select", "Fn::Equals"):
        return pair
    if key == "Fn::FindInMap":
        return isinstance(arg, list) and len(arg) in (3, 4)
    if key == "Fn::Cidr":
        return isinstance(arg, list) and len(arg) == 3
    if key == "Fn::Not":
        return isinstance(arg, list) and len(arg) == 1
    return isinstance(arg, (str, dict))


def _short_form(node: Any, only_well_formed: bool) -> Any:
    """Write intrinsic functions as YAML tags (`!Ref X`, `!GetAtt A.B`) where that is exact."""
    if isinstance(node, list):
        return [_short_form(item, only_well_formed) for item in node]
    if not isinstance(node, dict):
        return node
    if len(node) == 1:
        key, arg = next(iter(node.items()))
        if key in _SHORT and isinstance(arg, (str, list, dict)):
            if only_well_formed and not _well_formed(key, arg):
                return {key: _short_form(arg, only_well_formed)}
            if (
                key == "Fn::GetAtt"
                and isinstance(arg, list)
                and len(arg) == 2
                and all(isinstance(a, str) and a and "." not in a for a in arg)
            ):
                return _Tagged("!GetAtt", ".".join(arg))
            if key == "Fn::GetAtt" and isinstance(arg, str):
                return {key: arg}  # `!GetAtt A.B` would be the list form
            converted = _short_form(arg, only_well_formed)
            if isinstance(converted, _Tagged):  # a node has one tag: `!Base64 {Fn::If: ...}`
                return {key: converted}
            return _Tagged(_SHORT[key], converted)
    return {key: _short_form(value, only_well_formed) for key, value in node.items()}


def dump_yaml(template: dict[str, Any], short: bool, only_well_formed: bool = False) -> str:
    tree = _short_form(template, only_well_formed) if short else template
    return yaml.dump(tree, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=4096)


def dump_json(template: dict[str, Any], ascii_only: bool = True) -> str:
    """JSON; `ascii_only` escapes non-ASCII text, characters beyond the BMP as surrogate pairs,
    which cfn-lint's and checkov's readers reject (they read JSON with a YAML parser first)."""
    return json.dumps(template, indent=2, ensure_ascii=ascii_only)


# ---- running the three entry points -----------------------------------------------------------


# ---- the properties --------------------------------------------------------------------------


def _write(directory: Path, name: str, text: str) -> Path:
    file = directory / name
    file.write_text(text, encoding="utf-8")
    return file


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(template=templates(), short=st.booleans(), ascii_only=st.booleans())
def test_engine_never_raises(template: dict[str, Any], short: bool, ascii_only: bool) -> None:
    with tempfile.TemporaryDirectory() as directory:
        found = {}
        for name, text in (
            ("template.yaml", dump_yaml(template, short)),
            ("template.json", dump_json(template, ascii_only)),
        ):
            file = _write(Path(directory), name, text)
            result = mmaws_lint.lint_result([str(file)])
            crashes = [str(p) for p in result.problems if "internal error" in p.message]
            assert crashes == [], f"{crashes}\n{text}"
            assert result.linted == [str(file)], f"{result.problems}\n{text}"
            found[name] = {(f.rule, f.resource, f.message) for f in result.findings}
        assert found["template.yaml"] == found["template.json"]


BATCH = 20


@settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    database=None,
    # Each example starts cfn-lint and checkov; shrinking would start them hundreds of times.
    # A failure names the file and its text instead.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(batch=st.lists(st.tuples(templates(parity=True), st.sampled_from(["yaml", "json", "short"])),
                      min_size=BATCH, max_size=BATCH))  # fmt: skip
def test_entry_points_report_the_same_pairs(batch: list[tuple[dict[str, Any], str]]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        files = []
        for index, (template, form) in enumerate(batch):
            if form == "json":
                text = dump_json(template, ascii_only=False)
            else:
                text = dump_yaml(template, form == "short", only_well_formed=True)
            suffix = "json" if form == "json" else "yaml"
            files.append(_write(Path(directory).resolve(), f"t{index:02}.{suffix}", text))
        by_cfn_lint = cfn_lint_pairs(files)
        by_checkov = checkov_pairs(files)
        for file in files:
            expected = api_pairs(file)
            text = file.read_text()
            assert by_cfn_lint[str(file)] == expected, f"cfn-lint differs on {file.name}:\n{text}"
            assert by_checkov[str(file)] == expected, f"checkov differs on {file.name}:\n{text}"


# ---- known bugs and regressions ------------------------------------------------------------

PREFIX_IGNORE = """\
Metadata:
  cfn-lint:
    config:
      ignore_checks: [{entry}]
Resources:
  Web:
    Type: AWS::EC2::Instance
    Properties:
      ImageId: ami-12345678
"""


@pytest.fixture(scope="module")
def prefix_ignores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("prefix")
    return {e: _write(directory, f"{e}.yaml", PREFIX_IGNORE.format(entry=e)) for e in ("W", "WMM5")}


@pytest.fixture(scope="module")
def prefix_cfn_lint_pairs(prefix_ignores: dict[str, Path]) -> dict[str, set[tuple[str, str]]]:
    return cfn_lint_pairs(list(prefix_ignores.values()))


@pytest.mark.parametrize("entry", ["W", "WMM5"])
def test_cfn_lint_reads_template_level_ignore_checks_as_prefixes(
    entry: str, prefix_ignores, prefix_cfn_lint_pairs
) -> None:
    assert ("WMM501", "Web") not in prefix_cfn_lint_pairs[str(prefix_ignores[entry])]


# Found by the parity property: the CLI and the checkov checks honoured only whole rule IDs in
# cfn-lint `ignore_checks`, cfn-lint itself reads template-level entries as prefixes.
@pytest.mark.parametrize("entry", ["W", "WMM5"])
def test_template_level_cfn_lint_ignore_prefix_parity(
    entry: str, prefix_ignores, prefix_cfn_lint_pairs
) -> None:
    file = prefix_ignores[entry]
    assert api_pairs(file) == prefix_cfn_lint_pairs[str(file)]


# Hand-written cases the generators found or might miss: each once through the engine.
REGRESSIONS = {
    # `choices` hashed the condition of Fn::If (crashed WMM401, WMM402, EMM405 before f0f4f38)
    "if-condition-inline": "Resources:\n  Data:\n    Type: AWS::EC2::Volume\n    Properties:\n"
    "      Encrypted: {'Fn::If': [{Ref: Env}, true, false]}\n"
    "      KmsKeyId: {'Fn::If': [[IsProd], {Ref: []}, b]}\n",
    "if-condition-not-hashable-in-bucket": "Resources:\n  B:\n    Type: AWS::S3::Bucket\n"
    "    Properties:\n      BucketEncryption:\n        ServerSideEncryptionConfiguration:\n"
    "          - {'Fn::If': [{'Fn::Equals': [a, b]}, {ServerSideEncryptionByDefault:"
    " {SSEAlgorithm: 'aws:kms'}}, {Ref: 'AWS::NoValue'}]}\n",
    "alarm-dimensions-nonsense": "Resources:\n  A:\n    Type: AWS::CloudWatch::Alarm\n"
    "    Properties:\n      MetricName: {'Fn::If': [[x], CPUUtilization]}\n"
    "      Dimensions: [{Name: InstanceId, Value: {'Fn::Sub': [1, 2, 3]}}, 5,"
    " {'Fn::Select': [a]}]\n"
    "      Threshold: {'Fn::Join': 5}\n      ComparisonOperator: !If [C, 1, !Ref AWS::NoValue]\n"
    "      AlarmActions: !Split [',', !GetAtt [a, b, c]]\n",
    "key-policy-nonsense": "Resources:\n  K:\n    Type: AWS::KMS::Key\n"
    "    DeletionPolicy: {'Fn::If': [C, Retain, Delete]}\n"
    "    Properties:\n      KeyPolicy: {Statement: [{Effect: Allow, Principal: {AWS: [[1]]},"
    " Action: {'Fn::FindInMap': [1, 2]}}, 7, null]}\n      PendingWindowInDays: !Ref [x]\n",
}


@pytest.mark.parametrize("name", sorted(REGRESSIONS))
def test_regressions_do_not_crash(tmp_path: Path, name: str) -> None:
    file = _write(tmp_path, f"{name}.yaml", REGRESSIONS[name])
    result = mmaws_lint.lint_result([str(file)])
    assert [p for p in result.problems if "internal error" in p.message] == []
    assert result.linted == [str(file)]
