"""The resolver on its own, through its public methods: which strings a value can take, which
resources it references, and the items of list expressions, for every intrinsic it follows."""

from __future__ import annotations

from typing import Any

import pytest

from mmaws_lint.app import App
from mmaws_lint.template.load import parse_template
from mmaws_lint.template.resolve import UNKNOWN, Resolver, Sym, Target
from mmaws_lint.template.template import Template

MAIN = """\
Parameters:
  Env: {Type: String, Default: prod}
  Size: {Type: Number, Default: 3}
  NoDefault: {Type: String}
  Subnets: {Type: CommaDelimitedList, Default: "subnet-a, subnet-b"}
  Zones: {Type: "List<AWS::EC2::AvailabilityZone::Name>", Default: "eu-west-1a,eu-west-1b"}
  ListNoDefault: {Type: "List<AWS::EC2::Subnet::Id>"}
  AmiName: {Type: "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>", Default: /aws/ami}
Mappings:
  Sizes:
    prod: {Instance: m7g.large, Zones: [a, b, c]}
    dev: {Instance: t3.micro, Zones: [a]}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  Queue:
    Type: AWS::SQS::Queue
  Topic:
    Type: AWS::SNS::Topic
  Node:
    Type: AWS::EC2::Instance
Outputs:
  QueueArn:
    Value: !GetAtt Queue.Arn
    Export: {Name: main-queue-arn}
  Region:
    Value: eu-west-1
    Export: {Name: !Sub "${AWS::StackName}-region"}
"""

CONSUMER = """\
Resources:
  Subscriber:
    Type: AWS::SNS::Subscription
"""


def template(text: str, name: str, stack_name: str = "") -> Template:
    loaded = parse_template(text.encode(), name)
    assert isinstance(loaded, Template), loaded
    if stack_name:
        loaded.stack_name = stack_name
    return loaded


class Fresh:
    """A new resolver for every question. The resolver remembers results by node identity;
    the nodes written inline below die after each assert and CPython reuses their ids, which
    nodes of a loaded template (alive for the whole run) never do."""

    def __init__(self, template: Template, app: App | None) -> None:
        self.template, self.app = template, app

    def __getattr__(self, name: str) -> Any:
        return getattr(Resolver(self.template, self.app), name)


@pytest.fixture(scope="module")
def app() -> App:
    return App([template(MAIN, "main.yaml", "main"), template(CONSUMER, "consumer.yaml")])


@pytest.fixture(scope="module")
def resolver(app: App) -> Resolver:
    return Fresh(app.templates[0], app)  # type: ignore[return-value]


@pytest.fixture(scope="module")
def consumer(app: App) -> Resolver:
    return Fresh(app.templates[1], app)  # type: ignore[return-value]


def param(name: str) -> Sym:
    return Sym("param", name, "", "main.yaml")


# ---- values and literals -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        ("text", {("text",)}),
        (3, {("3",)}),
        (2.5, {("2.5",)}),
        (True, {("true",)}),
        (False, {("false",)}),
        ("", {()}),
        (None, set()),
    ],
)
def test_scalars_are_their_own_value(resolver: Resolver, node: Any, expected: set) -> None:
    assert resolver.values(node) == expected


def test_a_mapping_or_list_that_is_no_intrinsic_is_unknown(resolver: Resolver) -> None:
    assert resolver.values({"Key": "value"}) == {(UNKNOWN,)}
    assert resolver.values(["a"]) == {(UNKNOWN,)}
    assert resolver.values({"Fn::Base64": "x"}) == {(UNKNOWN,)}  # an intrinsic it does not follow


def test_ref_to_a_resource_a_pseudo_parameter_and_nothing(resolver: Resolver) -> None:
    assert resolver.values({"Ref": "Queue"}) == {(Sym("ref", "Queue", "", "main.yaml"),)}
    assert resolver.values({"Ref": "AWS::Region"}) == {(Sym("pseudo", "AWS::Region"),)}
    assert resolver.values({"Ref": "Missing"}) == {(UNKNOWN,)}
    assert resolver.values({"Ref": ["not", "a", "name"]}) == {(UNKNOWN,)}


def test_aws_novalue_has_no_value(resolver: Resolver) -> None:
    assert resolver.values({"Ref": "AWS::NoValue"}) == set()
    assert resolver.literals({"Ref": "AWS::NoValue"}) == set()
    assert resolver.literal({"Ref": "AWS::NoValue"}) is None


def test_pseudo_parameters_given_to_the_resolver_are_literal(app: App) -> None:
    named = Resolver(app.templates[0], app, {"AWS::StackName": "main"})
    assert named.literal({"Fn::Sub": "${AWS::StackName}-x"}) == "main-x"


def test_parameters_with_a_default_take_it_and_without_stay_symbolic(resolver: Resolver) -> None:
    assert resolver.values({"Ref": "Env"}) == {("prod",)}
    assert resolver.literal({"Ref": "Size"}) == "3"
    assert resolver.values({"Ref": "NoDefault"}) == {(param("NoDefault"),)}
    assert resolver.literals({"Ref": "NoDefault"}) is None


def test_an_ssm_parameter_default_is_a_name_not_a_value(resolver: Resolver) -> None:
    assert resolver.values({"Ref": "AmiName"}) == {(param("AmiName"),)}


def test_a_list_parameter_default_is_no_single_value(resolver: Resolver) -> None:
    assert resolver.values({"Ref": "Subnets"}) == {("subnet-a, subnet-b",)}


def test_getatt_in_both_forms(resolver: Resolver) -> None:
    arn = {(Sym("getatt", "Queue", "Arn", "main.yaml"),)}
    assert resolver.values({"Fn::GetAtt": "Queue.Arn"}) == arn
    assert resolver.values({"Fn::GetAtt": ["Queue", "Arn"]}) == arn
    assert resolver.values({"Fn::GetAtt": ["Queue", {"Ref": "Env"}]}) == {
        (Sym("getatt", "Queue", "prod", "main.yaml"),)
    }
    assert resolver.values({"Fn::GetAtt": "Missing.Arn"}) == {(UNKNOWN,)}


def test_sub_with_references_parameters_variables_and_escapes(resolver: Resolver) -> None:
    assert resolver.literal({"Fn::Sub": "${Env}-app"}) == "prod-app"
    assert resolver.values({"Fn::Sub": "arn:${AWS::Partition}:sqs:${Queue.QueueName}"}) == {
        (
            "arn:",
            Sym("pseudo", "AWS::Partition"),
            ":sqs:",
            Sym("getatt", "Queue", "QueueName", "main.yaml"),
        )
    }
    assert resolver.literal({"Fn::Sub": ["${Name}-${Env}", {"Name": "web"}]}) == "web-prod"
    assert resolver.literal({"Fn::Sub": "${!Literal}"}) == "${Literal}"
    assert resolver.values({"Fn::Sub": 42}) == {(UNKNOWN,)}


def test_join_over_items_and_list_parameters(resolver: Resolver) -> None:
    assert resolver.literal({"Fn::Join": ["-", ["a", {"Ref": "Env"}, 3]]}) == "a-prod-3"
    assert resolver.literal({"Fn::Join": [",", {"Ref": "Subnets"}]}) == "subnet-a,subnet-b"
    assert resolver.literal({"Fn::Join": ["-", []]}) == ""
    assert resolver.literal({"Fn::Join": ["-", ["a", {"Ref": "AWS::NoValue"}, "b"]]}) == "a-b"
    assert resolver.values({"Fn::Join": ["-", {"Ref": "ListNoDefault"}]}) == {(UNKNOWN,)}
    assert resolver.values({"Fn::Join": "-"}) == {(UNKNOWN,)}


def test_select_by_literal_index(resolver: Resolver) -> None:
    assert resolver.literal({"Fn::Select": [1, ["a", "b", "c"]]}) == "b"
    assert resolver.literal({"Fn::Select": ["0", {"Ref": "Zones"}]}) == "eu-west-1a"
    assert resolver.values({"Fn::Select": [5, ["a"]]}) == {(UNKNOWN,)}
    assert resolver.values({"Fn::Select": [{"Ref": "NoDefault"}, ["a"]]}) == {(UNKNOWN,)}


def test_if_yields_every_branch(resolver: Resolver) -> None:
    node = {"Fn::If": ["IsProd", "big", "small"]}
    assert resolver.values(node) == {("big",), ("small",)}
    assert resolver.literals(node) == {"big", "small"}
    assert resolver.literal(node) is None  # two possibilities: no single literal
    absent = {"Fn::If": ["IsProd", "big", {"Ref": "AWS::NoValue"}]}
    assert resolver.values(absent) == {("big",)}
    assert resolver.values({"Fn::If": ["IsProd", "only two arguments"]}) == {(UNKNOWN,)}


def test_literals_is_none_when_any_possibility_is_not_literal(resolver: Resolver) -> None:
    assert resolver.literals({"Fn::If": ["IsProd", "x", {"Ref": "Queue"}]}) is None


def test_find_in_map_values(resolver: Resolver) -> None:
    assert resolver.literal({"Fn::FindInMap": ["Sizes", "prod", "Instance"]}) == "m7g.large"
    by_env = {"Fn::FindInMap": ["Sizes", {"Ref": "Env"}, "Instance"]}
    assert resolver.literal(by_env) == "m7g.large"
    any_env = {"Fn::FindInMap": ["Sizes", {"Ref": "NoDefault"}, "Instance"]}
    assert resolver.literals(any_env) == {"m7g.large", "t3.micro"}  # unknown key: every entry
    assert resolver.values({"Fn::FindInMap": ["Sizes", "test", "Instance"]}) == {(UNKNOWN,)}


def test_find_in_map_returns_nodes_with_the_default_value(resolver: Resolver) -> None:
    assert resolver.find_in_map(["Sizes", "dev", "Zones"]) == [["a"]]
    assert resolver.find_in_map(["Sizes", {"Ref": "NoDefault"}, "Instance"]) == [
        "m7g.large",
        "t3.micro",
    ]
    fallback = ["Sizes", "test", "Instance", {"DefaultValue": "m7g.medium"}]
    assert resolver.find_in_map(fallback) == ["m7g.medium"]
    assert resolver.find_in_map(["Sizes", "test", "Instance"]) == []
    assert resolver.find_in_map(["Sizes", "prod"]) == []


def test_split_is_no_single_string(resolver: Resolver) -> None:
    assert resolver.values({"Fn::Split": [",", "a,b"]}) == {(UNKNOWN,)}


# ---- imports -------------------------------------------------------------------------------


def test_import_of_an_export_in_the_run_reads_the_exported_value(consumer: Resolver) -> None:
    queue_arn = {(Sym("getatt", "Queue", "Arn", "main.yaml"),)}
    assert consumer.values({"Fn::ImportValue": "main-queue-arn"}) == queue_arn
    assert consumer.literal({"Fn::ImportValue": "main-region"}) == "eu-west-1"  # Sub'd name
    assert consumer.references({"Fn::ImportValue": "main-queue-arn"}) == {
        Target("main.yaml", "Queue", "Arn")
    }


def test_import_nobody_exports_is_an_import_symbol(consumer: Resolver) -> None:
    assert consumer.values({"Fn::ImportValue": "other-stack-arn"}) == {
        (Sym("import", "other-stack-arn"),)
    }
    assert consumer.references({"Fn::ImportValue": "other-stack-arn"}) == set()


def test_without_an_app_imports_stay_unknown() -> None:
    alone = Resolver(template(CONSUMER, "alone.yaml"))
    assert alone.values({"Fn::ImportValue": "main-queue-arn"}) == {
        (Sym("import", "main-queue-arn"),)
    }


# ---- references ----------------------------------------------------------------------------


def test_references_at_any_depth(resolver: Resolver) -> None:
    node = {
        "Targets": [{"Ref": "Queue"}, {"Fn::GetAtt": ["Topic", "TopicName"]}],
        "Text": {"Fn::Sub": ["${Q}-${Node}", {"Q": {"Fn::GetAtt": "Queue.Arn"}}]},
        "Region": {"Ref": "AWS::Region"},
        "Param": {"Ref": "Env"},
    }
    assert resolver.references(node) == {
        Target("main.yaml", "Queue"),
        Target("main.yaml", "Topic", "TopicName"),
        Target("main.yaml", "Node"),
        Target("main.yaml", "Queue", "Arn"),
    }


def test_references_follow_both_if_branches_and_skip_find_in_map(resolver: Resolver) -> None:
    node = {"Fn::If": ["IsProd", {"Ref": "Queue"}, {"Ref": "Topic"}]}
    assert {t.logical_id for t in resolver.references(node)} == {"Queue", "Topic"}
    assert resolver.references({"Fn::FindInMap": ["Sizes", "prod", "Instance"]}) == set()
    assert resolver.references("Queue") == set()  # a plain string is no reference


def test_refers_to(resolver: Resolver) -> None:
    assert resolver.refers_to([{"Ref": "Queue"}], "Queue")
    assert not resolver.refers_to([{"Ref": "Queue"}], "Topic")


# ---- items, elements, branches -------------------------------------------------------------


def test_items_of_a_literal_list_drop_novalue(resolver: Resolver) -> None:
    assert resolver.items(["a", {"Ref": "AWS::NoValue"}, "b"]) == ["a", "b"]
    assert resolver.items("not a list") is None


def test_items_of_list_parameters(resolver: Resolver) -> None:
    assert resolver.items({"Ref": "Subnets"}) == ["subnet-a", "subnet-b"]
    assert resolver.items({"Ref": "Zones"}) == ["eu-west-1a", "eu-west-1b"]
    assert resolver.items({"Ref": "ListNoDefault"}) is None
    assert resolver.items({"Ref": "Env"}) is None  # a String is not a list


def test_items_of_if_join_both_branches(resolver: Resolver) -> None:
    node = {"Fn::If": ["IsProd", ["a", "b"], ["c"]]}
    assert resolver.items(node) == ["a", "b", "c"]
    no_value = {"Fn::If": ["IsProd", ["a"], {"Ref": "AWS::NoValue"}]}
    assert resolver.items(no_value) == ["a"]
    unknown = {"Fn::If": ["IsProd", ["a"], {"Ref": "ListNoDefault"}]}
    assert resolver.items(unknown) is None


def test_items_of_split(resolver: Resolver) -> None:
    assert resolver.items({"Fn::Split": [",", "a,b,c"]}) == ["a", "b", "c"]
    assert resolver.items({"Fn::Split": [",", {"Fn::If": ["IsProd", "a,b", "c"]}]}) == [
        "a",
        "b",
        "c",
    ]
    assert resolver.items({"Fn::Split": ["", "abc"]}) is None
    assert resolver.items({"Fn::Split": [",", {"Ref": "NoDefault"}]}) is None


def test_items_of_find_in_map_lists(resolver: Resolver) -> None:
    assert resolver.items({"Fn::FindInMap": ["Sizes", "prod", "Zones"]}) == ["a", "b", "c"]
    assert resolver.items({"Fn::FindInMap": ["Sizes", {"Ref": "NoDefault"}, "Zones"]}) == [
        "a",
        "b",
        "c",
        "a",
    ]
    assert resolver.items({"Fn::FindInMap": ["Sizes", "prod", "Instance"]}) is None


def test_items_of_imports_and_other_intrinsics_are_unknown(resolver: Resolver) -> None:
    assert resolver.items({"Fn::ImportValue": "main-queue-arn"}) is None
    assert resolver.items({"Fn::GetAZs": ""}) is None


def test_elements_expand_item_level_if(resolver: Resolver) -> None:
    node = ["a", {"Fn::If": ["IsProd", "b", {"Ref": "AWS::NoValue"}]}, {"Ref": "AWS::NoValue"}]
    assert list(resolver.elements(node)) == ["a", "b"]
    assert list(resolver.elements({"Ref": "ListNoDefault"})) == []


def test_branches(resolver: Resolver) -> None:
    nested = {"Fn::If": ["IsProd", {"Fn::If": ["IsProd", "a", "b"]}, {"Ref": "AWS::NoValue"}]}
    assert list(resolver.branches(nested)) == ["a", "b"]
    assert list(resolver.branches("plain")) == ["plain"]
    assert list(resolver.branches({"Ref": "AWS::NoValue"})) == []
    assert list(resolver.branches({"Ref": "Queue"})) == [{"Ref": "Queue"}]


# ---- limits --------------------------------------------------------------------------------


def test_too_many_combinations_are_unknown(resolver: Resolver) -> None:
    choice = {"Fn::If": ["IsProd", "x", "y"]}
    assert len(resolver.values({"Fn::Join": ["", [choice] * 8]})) == 256
    assert resolver.values({"Fn::Join": ["", [choice] * 9]}) == {(UNKNOWN,)}


def test_an_export_that_imports_itself_is_unknown() -> None:
    loop = template(
        """\
Resources:
  Topic: {Type: AWS::SNS::Topic}
Outputs:
  Loop:
    Value: !ImportValue loop
    Export: {Name: loop}
""",
        "loop.yaml",
    )
    app = App([loop])
    assert app.resolver(loop).values({"Fn::ImportValue": "loop"}) == {(UNKNOWN,)}
