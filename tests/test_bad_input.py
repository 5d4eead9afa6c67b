"""Hostile and broken input: one clear line per file, exit code 2 when a file could not be
linted, every other file still linted, never a traceback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import ONE_INSTANCE

import mmaws_lint
from mmaws_lint.cli import main
from mmaws_lint.template import load

BILLION_LAUGHS = (
    "AWSTemplateFormatVersion: '2010-09-09'\nMetadata:\n"
    + "".join(
        f"  l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9) if i else ', '.join(['lol'] * 9)}]\n"
        for i in range(10)
    )
    + "Resources:\n  T:\n    Type: AWS::SNS::Topic\n    Properties: {Tags: *l9}\n"
)


def deep_if(depth: int) -> str:
    value = "x"
    for _ in range(depth):
        value = f"{{'Fn::If': [Cond, {value}, y]}}"
    header = "Resources:\n  Web:\n    Type: AWS::EC2::Instance\n    Properties:\n"
    return f"{header}      ImageId: {value}\n"


BROKEN = {
    "not-yaml.yaml": ("Resources:\n  A: [unclosed\n", "invalid YAML", 3),
    "not-json.json": ('{"Resources": {"A": }', "invalid JSON", 1),
    "latin1.yaml": (
        b"Resources:\n  A:\n    Type: AWS::SNS::Topic # caf\xe9\n",
        "not valid UTF-8",
        3,
    ),
    "binary.yaml": (bytes(range(256)) * 4, "binary file", None),
    "empty.yaml": ("", "empty file", None),
    "resources-list.yaml": (
        "AWSTemplateFormatVersion: '2010-09-09'\nResources: [1, 2]\n",
        "'Resources' is a list, not a mapping",
        2,
    ),
    "recursive.yaml": ("Metadata: &m\n  self: *m\nResources: {}\n", "recursive YAML alias", 1),
    "bomb.yaml": (BILLION_LAUGHS, "YAML aliases expand to more than", None),
    "deep.yaml": ("Resources: " + "[" * 5000 + "]" * 5000 + "\n", "nest", 1),
    "two-docs.yaml": ("Resources: {}\n---\nResources: {}\n", "invalid YAML", None),
}


def lint(capsys, *args: str) -> tuple[int, str, list[str]]:
    code = main(["check", "--select", "WMM501", *args])
    out, err = capsys.readouterr()
    return code, out, err.strip().splitlines()


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_file_gets_one_line_and_others_are_still_linted(capsys, tmp_path, name) -> None:
    content, message, line = BROKEN[name]
    broken = tmp_path / name
    if isinstance(content, bytes):
        broken.write_bytes(content)
    else:
        broken.write_text(content)
    good = tmp_path / "good.yaml"
    good.write_text(ONE_INSTANCE)
    code, out, err = lint(capsys, "--strict", str(broken), str(good))
    assert code == 2
    assert "WMM501" in out and "good.yaml" in out
    [error] = err
    where = f"{broken}:{line}:" if line else f"{broken}:"
    assert error.startswith(where), error
    assert message in error and "Traceback" not in error


def test_resources_null_is_an_empty_template(capsys, tmp_path: Path) -> None:
    file = tmp_path / "null.yaml"
    file.write_text("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n")
    assert lint(capsys, str(file)) == (0, "0 findings in 1 template\n", [])


def test_resources_without_type_or_properties(capsys, tmp_path: Path) -> None:
    file = tmp_path / "partial.yaml"
    file.write_text(
        "Resources:\n  NoType: {Properties: {}}\n  Scalar: 5\n"
        "  Web:\n    Type: AWS::EC2::Instance\n  Dotted.Id:\n    Type: AWS::EC2::Instance\n"
    )
    code, out, err = lint(capsys, str(file))
    assert code == 1 and err == []
    assert "Web is a single EC2 instance" in out and "Dotted.Id is a single" in out


def test_intrinsics_with_wrong_arity_or_types_do_not_crash(capsys, tmp_path: Path) -> None:
    file = tmp_path / "arity.yaml"
    file.write_text(
        "Resources:\n  Web:\n    Type: AWS::EC2::Instance\n    Properties:\n"
        "      ImageId: !Sub [1, 2, 3]\n      InstanceType: !Join 5\n      SubnetId: !Select [a]\n"
        "      KeyName: !GetAtt []\n      SecurityGroupIds: !If x\n      Tags: !FindInMap [1]\n"
        "      UserData: !Base64 {Ref: [1]}\n      Monitoring: !Ref [nested]\n"
    )
    code, _, err = lint(capsys, "--select", "WMM", str(file))
    assert code == 1 and err == []


def test_deeply_nested_if(capsys, tmp_path: Path) -> None:
    file = tmp_path / "deep-if.yaml"
    file.write_text(deep_if(50))
    code, out, err = lint(capsys, str(file))
    assert code == 1 and err == [] and "Web is a single" in out


def test_template_over_the_size_limit(capsys, tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    queue = "  Q{}:\n    Type: AWS::SQS::Queue\n    Properties: {{QueueName: queue-{}}}\n"
    with big.open("w") as handle:
        handle.write("Resources:\n")
        index = 0
        while handle.tell() < 20 * 1024 * 1024:
            handle.write(queue.format(index, index))
            index += 1
    code, _, err = lint(capsys, str(big))
    assert code == 2
    [error] = err
    assert error.startswith(f"{big}: error: file is") and "1 MB" in error


def test_duplicate_keys_use_the_last_value_with_a_note(capsys, tmp_path: Path) -> None:
    file = tmp_path / "dup.yaml"
    file.write_text(
        "Resources:\n  Web:\n    Type: AWS::SNS::Topic\n  Web:\n    Type: AWS::EC2::Instance\n"
    )
    code, out, err = lint(capsys, str(file))
    assert code == 1 and "Web is a single" in out
    assert err == [f"{file}:4: note: duplicate key 'Web' (first at line 2); the last value is used"]


def test_symlink_loops_in_a_folder(capsys, tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(ONE_INSTANCE)
    (tmp_path / "loop").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "self.yaml").symlink_to(tmp_path / "self.yaml")
    code, out, err = lint(capsys, str(tmp_path))
    assert out.count("WMM501") == 1  # the folder loop is not followed
    assert code == 2 and err == [
        f"{tmp_path / 'self.yaml'}: error: cannot read file: Too many levels of symbolic links"
    ]


def test_broken_link_named_explicitly(capsys, tmp_path: Path) -> None:
    link = tmp_path / "gone.yaml"
    link.symlink_to(tmp_path / "missing.yaml")
    code, _, err = lint(capsys, str(link))
    assert code == 2 and err == [f"{link}: error: not a regular file or folder (broken link?)"]


def test_unreadable_file(capsys, tmp_path: Path, monkeypatch) -> None:
    file = tmp_path / "secret.yaml"
    file.write_text(ONE_INSTANCE)
    real_open = open

    def deny(path, *args, **kwargs):
        if os.fspath(path) == str(file):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(load, "open", deny, raising=False)
    code, _, err = lint(capsys, str(file))
    assert code == 2 and err == [f"{file}: error: cannot read file: Permission denied"]


HUGE = "9" * 5000  # past Python's 4,300-digit limit for turning an int into text


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("huge.yaml", f"Resources:\n  Web:\n    Type: AWS::EC2::Instance\n    Properties:\n"
                      f"      ImageId: {HUGE}\n      KeyName: !!int 0x{'f' * 5000}\n"),
        ("huge.json", f'{{"Resources": {{"Web": {{"Type": "AWS::EC2::Instance",'
                      f' "Properties": {{"ImageId": {HUGE}, "KeyName": "\\ud83d\\ude00"}}}}}}}}'),
    ],
    ids=["yaml", "json"],
)  # fmt: skip
def test_integer_too_long_for_python_is_kept_as_text(capsys, tmp_path, name, content) -> None:
    file = tmp_path / name
    file.write_text(content)
    code, out, err = lint(capsys, str(file))
    assert (code, err) == (1, []) and "Web is a single" in out
    [template] = load.read_template(file).data["Resources"].values()  # type: ignore[union-attr]
    assert template["Properties"]["ImageId"] == HUGE


def test_half_a_surrogate_pair_in_json_is_replaced(capsys, tmp_path: Path) -> None:
    file = tmp_path / "surrogate.json"
    file.write_text(
        '{"Resources": {"Web\\ud800": {"Type": "AWS::EC2::Instance"}}, "Outputs": '
        '{"Pair": {"Value": "\\ud83d\\ude00"}}}'
    )
    for report in ("text", "json", "sarif", "junit", "github"):
        code, out, err = lint(capsys, "--format", report, str(file))
        assert (code, err) == (1, []), report
        assert "Web\ufffd" in out or "Web\\ufffd" in out, report
    template = load.read_template(file)
    assert template.data["Outputs"]["Pair"]["Value"] == "\U0001f600"  # type: ignore[union-attr]


LOOKS_LIKE_A_TEMPLATE = {
    "resources-list": (
        "AWSTemplateFormatVersion: '2010-09-09'\nResources: [1, 2]\n",
        ":2: error: 'Resources' is a list, not a mapping of logical IDs to resources",
    ),
    "resources-number": (
        "AWSTemplateFormatVersion: '2010-09-09'\nResources: 5\n",
        ":2: error: 'Resources' is a number, not a mapping of logical IDs to resources",
    ),
    "typed-items": (
        "Resources:\n  - Type: AWS::SQS::Queue\n",
        ":1: error: 'Resources' is a list, not a mapping of logical IDs to resources",
    ),
    "type-list": (
        "Resources:\n  Queue:\n    Type: [AWS::SQS::Queue]\n",
        ":3: error: resource Queue: 'Type' is a list, not a name like AWS::SQS::Queue",
    ),
    "type-ref": (
        "Resources:\n  Queue:\n    Type: !Ref QueueType\n",
        ":3: error: resource Queue: 'Type' is an intrinsic function,"
        " not a name like AWS::SQS::Queue",
    ),
}


@pytest.mark.parametrize("case", sorted(LOOKS_LIKE_A_TEMPLATE))
@pytest.mark.parametrize("named", [True, False], ids=["named", "walked"])
def test_what_looks_like_a_template_but_cannot_be_linted_is_an_error(
    capsys, tmp_path: Path, case: str, named: bool
) -> None:
    content, message = LOOKS_LIKE_A_TEMPLATE[case]
    folder = tmp_path / "infra"
    folder.mkdir()
    file = folder / f"{case}.yaml"
    file.write_text(content)
    (folder / "workflow.yaml").write_text("on: push\njobs: {build: {runs-on: ubuntu}}\n")
    code, out, err = lint(capsys, str(file) if named else str(folder))
    assert code == 2 and out.endswith("1 file could not be linted\n")
    assert err == [f"{file}{message}"]


def test_a_resource_whose_type_is_not_a_name_is_noted_and_the_rest_linted(
    capsys, tmp_path: Path
) -> None:
    file = tmp_path / "mixed.yaml"
    file.write_text(
        "Resources:\n  Queue:\n    Type: !Ref QueueType\n  Web:\n    Type: AWS::EC2::Instance\n"
    )
    code, out, err = lint(capsys, str(file))
    assert code == 1 and "Web is a single" in out
    assert err == [
        f"{file}:3: note: resource Queue: 'Type' is an intrinsic function, not a name like"
        " AWS::SQS::Queue; the resource is not linted"
    ]


def test_numbers_too_long_to_convert_crash_no_rule(tmp_path: Path) -> None:
    """The fuzzer's IMM203 crash: rules read numbers written in the template, and Python
    refuses to convert more than 4,300 digits."""
    huge = "9" * 5000
    text = f"""\
Resources:
  Acl: {{Type: AWS::EC2::NetworkAcl, Properties: {{VpcId: vpc-1}}}}
  Entry:
    Type: AWS::EC2::NetworkAclEntry
    Properties: {{NetworkAclId: !Ref Acl, RuleNumber: "{huge}", Protocol: "-1",
                  RuleAction: allow, CidrBlock: 0.0.0.0/0, Egress: false}}
  Key: {{Type: AWS::KMS::Key, Properties: {{PendingWindowInDays: "{huge}"}}}}
  Cache:
    Type: AWS::ElastiCache::ReplicationGroup
    Properties: {{ReplicationGroupDescription: c, SnapshotRetentionLimit: "{huge}",
                  EngineVersion: "7.{huge}", CacheNodeType: cache.m7g.large}}
  Db:
    Type: AWS::RDS::DBInstance
    Properties: {{Engine: postgres, BackupRetentionPeriod: "{huge}", DBInstanceClass: db.m7g.large}}
  Queue: {{Type: AWS::SQS::Queue}}
  Fn:
    Type: AWS::Lambda::Function
    Properties: {{Runtime: python3.12, Handler: i.h, Role: r, Code: {{ZipFile: x}}}}
  Mapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties: {{EventSourceArn: !GetAtt Queue.Arn, FunctionName: !Ref Fn, BatchSize: "{huge}"}}
"""
    path = tmp_path / "huge.yaml"
    path.write_text(text)
    result = mmaws_lint.lint_result([str(path)], select=["EMM", "WMM", "IMM"])
    assert [str(p) for p in result.problems if "internal error" in p.message] == []
