"""The network family beyond its fixtures: the shared security-group attachment index, the
user-tunable settings, range lookups, hostile input and linear time."""

from __future__ import annotations

import ipaddress
import json
import random
import time
from pathlib import Path
from typing import Any

import pytest

import mmaws_lint
from mmaws_lint.app import App
from mmaws_lint.checks import Context
from mmaws_lint.checks.network.attachments import SecurityGroupIndex, security_groups
from mmaws_lint.checks.network.ranges import RangeSet
from mmaws_lint.engine import check_app
from mmaws_lint.model import apply_overrides, shipped_model
from mmaws_lint.template.load import read_template
from mmaws_lint.template.template import Template

NETWORK_RULES = ["WMM201", "EMM202", "IMM203", "WMM204", "WMM205"]


def _write(folder: Path, name: str, template: dict[str, Any]) -> Path:
    path = folder / name
    path.write_text(json.dumps(template, indent=1))
    return path


def _index(*files: Path) -> SecurityGroupIndex:
    templates = [read_template(str(f), explicit=True) for f in files]
    assert all(isinstance(t, Template) for t in templates)
    model = shipped_model()
    return security_groups(Context(App(templates), model.rule("WMM201"), model))


def _attached(index: SecurityGroupIndex, group: str) -> set[tuple[str, str, str | None]]:
    return {
        (a.resource.logical_id, a.kind, a.via.logical_id if a.via else None)
        for key, found in index.attachments.items()
        if key[1] == group
        for a in found
    }


def _findings(path: Path, rule: str, overrides: dict[str, Any] | None = None) -> list[str]:
    model = shipped_model()
    if overrides:
        model = apply_overrides(model, {"rules": {rule: {"settings": overrides}}})
    result = mmaws_lint.lint_result([str(path)], select=[rule], model=model)
    assert not result.errors, [str(p) for p in result.errors]
    return [f.resource or "" for f in result.findings if f.rule == rule]


def _group(ingress: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "Type": "AWS::EC2::SecurityGroup",
        "Properties": {"GroupDescription": "g", "SecurityGroupIngress": ingress},
    }


# ---- the attachment index ---------------------------------------------------------------------


def test_fleets_get_the_groups_of_their_launch_template_and_configuration(tmp_path: Path) -> None:
    template = {
        "Resources": {
            "Web": _group([]),
            "Legacy": _group([]),
            "Template": {
                "Type": "AWS::EC2::LaunchTemplate",
                "Properties": {
                    "LaunchTemplateData": {
                        "NetworkInterfaces": [{"DeviceIndex": 0, "Groups": [{"Ref": "Web"}]}]
                    }
                },
            },
            "Configuration": {
                "Type": "AWS::AutoScaling::LaunchConfiguration",
                "Properties": {"SecurityGroups": [{"Ref": "Legacy"}]},
            },
            "Fleet": {
                "Type": "AWS::AutoScaling::AutoScalingGroup",
                "Properties": {
                    "MixedInstancesPolicy": {
                        "LaunchTemplate": {
                            "LaunchTemplateSpecification": {
                                "LaunchTemplateId": {"Ref": "Template"},
                                "Version": {"Fn::GetAtt": ["Template", "LatestVersionNumber"]},
                            }
                        }
                    }
                },
            },
            "OldFleet": {
                "Type": "AWS::AutoScaling::AutoScalingGroup",
                "Properties": {"LaunchConfigurationName": {"Ref": "Configuration"}},
            },
        }
    }
    index = _index(_write(tmp_path, "fleet.json", template))
    assert _attached(index, "Web") == {
        ("Template", "compute", None),
        ("Fleet", "compute", "Template"),
    }
    assert _attached(index, "Legacy") == {
        ("Configuration", "compute", None),
        ("OldFleet", "compute", "Configuration"),
    }


def test_attachments_follow_if_branches_sam_globals_and_load_balancer_schemes(
    tmp_path: Path,
) -> None:
    template = {
        "Transform": "AWS::Serverless-2016-10-31",
        "Conditions": {"InVpc": {"Fn::Equals": ["a", "a"]}},
        "Globals": {"Function": {"VpcConfig": {"SecurityGroupIds": [{"Ref": "Functions"}]}}},
        "Resources": {
            "Functions": _group([]),
            "Shared": _group([]),
            "Api": {"Type": "AWS::Serverless::Function", "Properties": {"Runtime": "python3.12"}},
            "Task": {
                "Type": "AWS::ECS::Service",
                "Properties": {
                    "NetworkConfiguration": {
                        "Fn::If": [
                            "InVpc",
                            {"AwsvpcConfiguration": {"SecurityGroups": [{"Ref": "Shared"}]}},
                            {"Ref": "AWS::NoValue"},
                        ]
                    }
                },
            },
            "Private": {
                "Type": "AWS::ElasticLoadBalancingV2::LoadBalancer",
                "Properties": {"Scheme": "internal", "SecurityGroups": [{"Ref": "Shared"}]},
            },
            "Public": {
                "Type": "AWS::ElasticLoadBalancingV2::LoadBalancer",
                "Properties": {"SecurityGroups": [{"Fn::GetAtt": ["Shared", "GroupId"]}]},
            },
            "Files": {
                "Type": "AWS::EFS::MountTarget",
                "Properties": {"SecurityGroups": [{"Ref": "Shared"}]},
            },
        },
    }
    index = _index(_write(tmp_path, "sam.json", template))
    assert _attached(index, "Functions") == {("Api", "internal service", None)}
    assert _attached(index, "Shared") == {
        ("Task", "compute", None),
        ("Private", "internal load balancer", None),
        ("Public", "internet-facing load balancer", None),
        ("Files", "data store", None),
    }


def test_groups_imported_from_another_template_are_the_same_group(tmp_path: Path) -> None:
    network = {
        "Resources": {"Database": _group([])},
        "Outputs": {
            "DatabaseGroup": {
                "Value": {"Fn::GetAtt": ["Database", "GroupId"]},
                "Export": {"Name": "db-group"},
            }
        },
    }
    data = {
        "Resources": {
            "Cluster": {
                "Type": "AWS::RDS::DBCluster",
                "Properties": {"VpcSecurityGroupIds": [{"Fn::ImportValue": "db-group"}]},
            },
            "OpenToAll": {
                "Type": "AWS::EC2::SecurityGroupIngress",
                "Properties": {
                    "GroupId": {"Fn::ImportValue": "db-group"},
                    "IpProtocol": "tcp",
                    "FromPort": 8000,
                    "ToPort": 8000,
                    "CidrIp": "0.0.0.0/0",
                },
            },
        }
    }
    files = [_write(tmp_path, "network.json", network), _write(tmp_path, "data.json", data)]
    index = _index(*files)
    assert _attached(index, "Database") == {("Cluster", "data store", None)}
    [standalone] = [r for r in index.rules if r.owner.logical_id == "OpenToAll"]
    assert {key[1] for key in standalone.groups} == {"Database"}
    result = mmaws_lint.lint_result([str(f) for f in files], select=["EMM202"])
    assert [(f.resource, f.file) for f in result.findings] == [("OpenToAll", str(files[1]))]


def test_rule_variants_choose_each_condition_once(tmp_path: Path) -> None:
    rule = {
        "IpProtocol": "tcp",
        "FromPort": {"Fn::If": ["Open", 443, 22]},
        "ToPort": {"Fn::If": ["Open", 443, 22]},
        "CidrIp": {"Fn::If": ["Open", "0.0.0.0/0", "10.0.0.0/8"]},
    }
    path = _write(tmp_path, "t.json", {"Resources": {"Group": _group([rule])}})
    [group_rule] = _index(path).rules
    assert sorted((v["FromPort"], v["CidrIp"]) for v in group_rule.variants()) == [
        (22, "10.0.0.0/8"),
        (443, "0.0.0.0/0"),
    ]
    assert _findings(path, "EMM202") == []
    assert _findings(path, "WMM201") == ["Group"]


# ---- settings users override with --model ------------------------------------------------------


def test_on_premises_ranges_silence_internal_ranges(tmp_path: Path) -> None:
    rule = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIp": "10.8.0.0/16"}
    path = _write(tmp_path, "t.json", {"Resources": {"Group": _group([rule])}})
    assert _findings(path, "WMM201") == ["Group"]
    assert _findings(path, "WMM201", {"on_premises_ranges": ["10.8.0.0/14"]}) == []
    assert _findings(path, "WMM201", {"internal_ranges": ["192.168.0.0/16"]}) == []


def test_routed_remote_ranges_can_be_turned_off(tmp_path: Path) -> None:
    template = {
        "Resources": {
            "Gateway": {"Type": "AWS::EC2::VPNGateway", "Properties": {"Type": "ipsec.1"}},
            "ToOffice": {
                "Type": "AWS::EC2::Route",
                "Properties": {
                    "DestinationCidrBlock": "10.9.0.0/16",
                    "GatewayId": {"Ref": "Gateway"},
                },
            },
            "Group": _group([{"IpProtocol": "-1", "CidrIp": "10.9.1.0/24"}]),
        }
    }
    path = _write(tmp_path, "t.json", template)
    assert _findings(path, "WMM201") == []
    assert _findings(path, "WMM201", {"routed_remote_ranges": False}) == ["Group"]


def test_admin_ports_and_internal_kinds_are_settings(tmp_path: Path) -> None:
    template = {
        "Resources": {
            "Group": _group(
                [{"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "CidrIp": "0.0.0.0/0"}]
            ),
            "Function": {
                "Type": "AWS::Lambda::Function",
                "Properties": {"VpcConfig": {"SecurityGroupIds": [{"Ref": "Group"}]}},
            },
        }
    }
    path = _write(tmp_path, "t.json", template)
    assert _findings(path, "EMM202") == ["Group"]
    assert _findings(path, "EMM202", {"internal_kinds": ["data store"]}) == []
    assert _findings(path, "EMM202", {"internal_kinds": [], "admin_ports": {8080: "Jenkins"}}) == [
        "Group"
    ]


def test_flow_log_and_nacl_and_nlb_settings(tmp_path: Path) -> None:
    template = {
        "Resources": {
            "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
            "Log": {
                "Type": "AWS::EC2::FlowLog",
                "Properties": {"ResourceId": {"Ref": "Vpc"}, "TrafficType": "ACCEPT"},
            },
            "Entry": {
                "Type": "AWS::EC2::NetworkAclEntry",
                "Properties": {"NetworkAclId": {"Fn::GetAtt": ["Vpc", "DefaultNetworkAcl"]}},
            },
            "Balancer": {
                "Type": "AWS::ElasticLoadBalancingV2::LoadBalancer",
                "Properties": {"Type": "gateway"},
            },
        }
    }
    path = _write(tmp_path, "t.json", template)
    assert _findings(path, "WMM204") == ["Log"]
    assert _findings(path, "WMM204", {"reject_traffic_types": ["ALL", "REJECT", "ACCEPT"]}) == []
    assert _findings(path, "IMM203") == ["Entry"]
    assert _findings(path, "IMM203", {"report_entries_of_other_acls": False}) == []
    assert _findings(path, "WMM205") == []
    assert _findings(path, "WMM205", {"types_needing_groups_at_creation": ["gateway"]}) == [
        "Balancer"
    ]


# ---- range lookups -----------------------------------------------------------------------------


def _random_network(generator: random.Random) -> ipaddress.IPv4Network:
    prefix = generator.randint(8, 28)
    address = ipaddress.IPv4Address(generator.getrandbits(32) & 0x0AFFFFFF | 0x0A000000)
    return ipaddress.ip_network(f"{address}/{prefix}", strict=False)  # type: ignore[return-value]


def test_range_set_agrees_with_pairwise_comparison() -> None:
    generator = random.Random(2024)
    members = [_random_network(generator) for _ in range(60)]
    members.append(ipaddress.ip_network("fc00::/7"))  # type: ignore[arg-type]
    ranges = RangeSet(members)
    for _ in range(2000):
        probe = _random_network(generator)
        assert ranges.contains(probe) == any(probe.subnet_of(m) for m in members if m.version == 4)
        assert ranges.overlaps(probe) == any(probe.overlaps(m) for m in members if m.version == 4)
    assert ranges.contains(ipaddress.ip_network("fd00::/8"))  # type: ignore[arg-type]
    assert not RangeSet([]).overlaps(ipaddress.ip_network("10.0.0.0/8"))  # type: ignore[arg-type]


# ---- hostile input and time ----------------------------------------------------------------------


HOSTILE_RULES: list[Any] = [
    "not a rule",
    ["a", "list"],
    {"IpProtocol": {"Fn::If": ["Only", "two"]}, "CidrIp": {"Fn::If": []}},
    {"IpProtocol": "tcp", "FromPort": "ssh", "ToPort": None, "CidrIp": 10},
    {"IpProtocol": "tcp", "FromPort": 99999, "ToPort": -5, "CidrIp": "0.0.0.0/0"},
    {"IpProtocol": ["tcp"], "CidrIp": {"Fn::Select": ["x", {"Fn::Cidr": []}]}},
    {"IpProtocol": "-1", "CidrIpv6": {"Fn::ImportValue": {"Fn::Sub": ["${A}", {"A": []}]}}},
    {"CidrIp": {"Fn::FindInMap": ["Missing", "a"]}, "FromPort": 1.5, "ToPort": True},
    {"CidrIp": {"Ref": ["not", "a", "name"]}, "IpProtocol": {"Ref": "AWS::NoValue"}},
    {"CidrIp": {"Fn::GetAtt": "Vpc"}, "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22},
]


@pytest.mark.parametrize("rule", HOSTILE_RULES, ids=range(len(HOSTILE_RULES)))
def test_hostile_values_never_raise(tmp_path: Path, rule: Any) -> None:
    template = {
        "Resources": {
            "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": ["10.0.0.0/16"]}},
            "Group": _group([rule]),
            "Odd": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"SecurityGroupIngress": "x"}},
            "Rule": {"Type": "AWS::EC2::SecurityGroupIngress", "Properties": {"GroupId": [1]}},
            "Log": {"Type": "AWS::EC2::FlowLog", "Properties": {"ResourceId": {"Fn::If": 3}}},
            "Balancer": {
                "Type": "AWS::ElasticLoadBalancingV2::LoadBalancer",
                "Properties": {"Type": ["network"], "SecurityGroups": {"Fn::If": ["c"]}},
            },
            "Fleet": {
                "Type": "AWS::AutoScaling::AutoScalingGroup",
                "Properties": {"LaunchTemplate": "lt", "MixedInstancesPolicy": [1]},
            },
            "Function": {"Type": "AWS::Lambda::Function", "Properties": {"VpcConfig": "x"}},
        }
    }
    path = _write(tmp_path, "t.json", template)
    result = mmaws_lint.lint_result([str(path)], select=NETWORK_RULES)
    assert result.problems == []


def _large_template(groups: int) -> dict[str, Any]:
    resources: dict[str, Any] = {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}}
    }
    for number in range(groups):
        resources[f"Group{number}"] = _group(
            [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIp": "0.0.0.0/0"}]
        )
        resources[f"Ingress{number}"] = {
            "Type": "AWS::EC2::SecurityGroupIngress",
            "Properties": {
                "GroupId": {"Fn::GetAtt": [f"Group{number}", "GroupId"]},
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "CidrIp": {"Fn::GetAtt": ["Vpc", "CidrBlock"]},
            },
        }
        resources[f"Function{number}"] = {
            "Type": "AWS::Lambda::Function",
            "Properties": {"VpcConfig": {"SecurityGroupIds": [{"Ref": f"Group{number}"}]}},
        }
        resources[f"Route{number}"] = {
            "Type": "AWS::EC2::Route",
            "Properties": {
                "DestinationCidrBlock": f"172.{number % 250}.0.0/16",
                "TransitGatewayId": "tgw-1",
            },
        }
        resources[f"Vpc{number}"] = {
            "Type": "AWS::EC2::VPC",
            "Properties": {"CidrBlock": f"100.{number % 250}.{number // 250}.0/24"},
        }
    return {"Resources": resources}


def _seconds_to_check(path: Path) -> float:
    """The network rules alone on a loaded template (loading is not this family's time)."""
    template = read_template(str(path), explicit=True)
    assert isinstance(template, Template)
    model = shipped_model()
    timings = []
    for _ in range(3):
        app = App([template])  # fresh, so the shared indexes are built again
        started = time.perf_counter()
        result = check_app(app, model, NETWORK_RULES)
        timings.append(time.perf_counter() - started)
        assert not result.problems and result.findings
    return min(timings)


def test_time_grows_linearly_with_the_template(tmp_path: Path) -> None:
    small = _seconds_to_check(_write(tmp_path, "small.json", _large_template(250)))
    large = _seconds_to_check(_write(tmp_path, "large.json", _large_template(1000)))
    assert large / small < 6, f"4x the resources took {large / small:.1f}x the time"
