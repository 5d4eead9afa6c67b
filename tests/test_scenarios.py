"""Conditions as scenarios: enumeration, correlation, parameter facts, the bound, and the
resolver and walks asked under a scenario."""

from __future__ import annotations

import time

from mmaws_lint.app import App
from mmaws_lint.template.load import parse_template
from mmaws_lint.template.scenarios import (
    MAX_LEAVES,
    OPEN,
    ConditionSpace,
    describe_when,
)
from mmaws_lint.template.template import Template
from mmaws_lint.template.walk import lookup, possible_literals


def template(text: str, name: str = "t.yaml") -> Template:
    loaded = parse_template(text.encode(), name)
    assert isinstance(loaded, Template), loaded
    return loaded


ENVIRONMENTS = """\
Parameters:
  Env: {Type: String, Default: dev, AllowedValues: [dev, test, prod]}
  KeySpec: {Type: String, Default: SYMMETRIC_DEFAULT}
  Topic: {Type: String, Default: ""}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Equals [!Ref Env, dev]
  IsTest: !Equals [!Ref Env, test]
  NotProd: !Not [!Condition IsProd]
  ProdOrTest: !Or [!Condition IsProd, !Condition IsTest]
  HasTopic: !Not [!Equals [!Ref Topic, ""]]
  Symmetric: !Equals [!Ref KeySpec, SYMMETRIC_DEFAULT]
  NeverLiteral: !Equals [a, b]
  AlwaysLiteral: !Equals ["true", true]
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeySpec: !Ref KeySpec
      EnableKeyRotation: !If [Symmetric, true, false]
  Db:
    Type: AWS::RDS::DBInstance
    Properties:
      MultiAZ: !If [IsProd, true, false]
      StorageEncrypted: !If [IsProd, true, false]
      BackupRetentionPeriod: !If [IsDev, 0, 7]
  Alarm:
    Type: AWS::CloudWatch::Alarm
    Condition: HasTopic
    Properties:
      AlarmActions: [!Ref Topic]
  DevOnly:
    Type: AWS::SQS::Queue
    Condition: IsDev
  ProdOnly:
    Type: AWS::SQS::Queue
    Condition: IsProd
  Never:
    Type: AWS::SQS::Queue
    Condition: NeverLiteral
"""


def space(text: str = ENVIRONMENTS) -> ConditionSpace:
    return ConditionSpace.of(template(text))


def truths(scenarios) -> list[dict[str, bool]]:
    return sorted((s.truths for s in scenarios), key=lambda t: sorted(t.items()))


def test_one_condition_gives_two_scenarios() -> None:
    assert truths(space().scenarios(["IsProd"])) == [{"IsProd": False}, {"IsProd": True}]


def test_equals_on_one_parameter_are_mutually_exclusive() -> None:
    found = truths(space().scenarios(["IsProd", "IsDev"]))
    assert {"IsProd": True, "IsDev": True} not in found
    assert len(found) == 3  # prod, dev, neither (test)


def test_allowed_values_rule_out_the_empty_choice() -> None:
    found = truths(space().scenarios(["IsProd", "IsDev", "IsTest"]))
    assert found == sorted(
        [
            {"IsProd": True, "IsDev": False, "IsTest": False},
            {"IsProd": False, "IsDev": True, "IsTest": False},
            {"IsProd": False, "IsDev": False, "IsTest": True},
        ],
        key=lambda t: sorted(t.items()),
    )


def test_not_or_and_condition_references_compose() -> None:
    conditions = space()
    for scenario in conditions.scenarios(["IsProd", "NotProd", "ProdOrTest", "IsTest"]):
        assert scenario.truths["NotProd"] is not scenario.truths["IsProd"]
        assert scenario.truths["ProdOrTest"] == (
            scenario.truths["IsProd"] or scenario.truths["IsTest"]
        )


def test_literal_conditions_have_one_value() -> None:
    conditions = space()
    assert conditions.value("NeverLiteral") is False
    assert conditions.value("AlwaysLiteral") is True
    assert conditions.value("IsProd") is None


def test_required_condition_can_make_the_set_empty() -> None:
    assert space().scenarios(["NeverLiteral"], {"NeverLiteral": True}) == []
    assert not space().possible({"IsProd": True, "IsDev": True})
    assert space().possible({"IsProd": True, "HasTopic": False})


def test_undefined_conditions_are_free() -> None:
    assert len(space().scenarios(["Missing"])) == 2


def test_bound_falls_back_to_none() -> None:
    many = "\n".join(f"  C{i}: !Equals [!Ref P{i}, x]" for i in range(MAX_LEAVES + 1))
    parameters = "\n".join(f"  P{i}: {{Type: String}}" for i in range(MAX_LEAVES + 1))
    queue = "Resources: {Q: {Type: AWS::SQS::Queue}}\n"
    text = f"Parameters:\n{parameters}\nConditions:\n{many}\n{queue}"
    names = [f"C{i}" for i in range(MAX_LEAVES + 1)]
    assert space(text).scenarios(names) is None
    assert space(text).possible(dict.fromkeys(names, True))  # unknown counts as possible


def test_resource_scenarios_hold_its_condition_and_fix_its_ifs() -> None:
    app = App([template(ENVIRONMENTS)])
    resources = app.templates[0].resources
    assert [s.truths for s in app.scenarios(resources["Alarm"])] == [{"HasTopic": True}]
    assert app.scenarios(resources["Never"]) == []
    db = truths(app.scenarios(resources["Db"]))
    assert {"IsProd": True, "IsDev": True} not in db and len(db) == 3
    assert app.scenarios(resources["DevOnly"])[0].when == ""  # its own Condition is not news


def test_coexistence_follows_conditions_within_a_template_only() -> None:
    app = App([template(ENVIRONMENTS), template(ENVIRONMENTS, "other.yaml")])
    first, second = (t.resources for t in app.templates)
    assert not app.coexist(first["DevOnly"], first["ProdOnly"])
    assert app.coexist(first["DevOnly"], first["Db"])
    assert app.coexist(first["DevOnly"], second["ProdOnly"])
    prod = next(s for s in app.scenarios(first["Db"]) if s.truths["IsProd"])
    assert not app.coexist(first["Db"], first["DevOnly"], prod)
    assert app.coexist(first["Db"], first["ProdOnly"], prod)


def test_property_values_move_together_under_a_scenario() -> None:
    app = App([template(ENVIRONMENTS)])
    db = app.templates[0].resources["Db"]
    seen = set()
    for scenario in app.scenarios(db):
        resolver = app.resolver(db.template).under(scenario)
        multi_az = possible_literals(resolver, db.properties, ("MultiAZ",))
        encrypted = possible_literals(resolver, db.properties, ("StorageEncrypted",))
        assert multi_az is not None and len(multi_az) == 1
        assert multi_az == encrypted  # never mixed across branches
        seen.add(next(iter(multi_az)))
    assert seen == {"true", "false"}
    unscoped = possible_literals(app.resolver(db.template), db.properties, ("MultiAZ",))
    assert unscoped == {"true", "false"}


def test_lookup_paths_follow_the_chosen_branch() -> None:
    app = App([template(ENVIRONMENTS)])
    db = app.templates[0].resources["Db"]
    dev = next(s for s in app.scenarios(db) if s.truths["IsDev"])
    found = list(lookup(db.properties, ("BackupRetentionPeriod",), ("Properties",), scenario=dev))
    assert found == [(0, ("Properties", "BackupRetentionPeriod", "Fn::If", 1))]


def test_scenario_implies_parameter_values() -> None:
    app = App([template(ENVIRONMENTS)])
    key = app.templates[0].resources["Key"]
    by_value = {s.truths["Symmetric"]: s for s in app.scenarios(key)}
    asymmetric = app.resolver(key.template).under(by_value[False])
    symmetric = app.resolver(key.template).under(by_value[True])
    assert symmetric.literals(key.properties["KeySpec"]) == {"SYMMETRIC_DEFAULT"}
    assert asymmetric.literals(key.properties["KeySpec"]) is None  # not the default: unknown
    db = app.templates[0].resources["Db"]
    test = next(s for s in app.scenarios(db) if not s.truths["IsProd"] and not s.truths["IsDev"])
    assert app.resolver(db.template).under(test).literals({"Ref": "Env"}) == {"test"}


def test_describe_when_names_the_deciding_conditions() -> None:
    app = App([template(ENVIRONMENTS)])
    db = app.templates[0].resources["Db"]
    scenarios = app.scenarios(db)
    not_prod = [s for s in scenarios if not s.truths["IsProd"]]
    assert describe_when(not_prod, scenarios) == " when IsProd is false"
    assert describe_when(scenarios, scenarios) == ""
    dev = [s for s in scenarios if s.truths["IsDev"]]
    assert describe_when(dev, scenarios) == " when IsDev is true"


def test_open_scenario_fixes_nothing() -> None:
    assert OPEN.holds("IsProd") is None and not OPEN.exhaustive and OPEN.when == ""


def test_export_cycles_and_nested_ifs_resolve_in_linear_time() -> None:
    # Each level uses the one below twice (through a YAML alias): 2**20 paths, 20 nodes.
    depth = 20
    nested = "&l0 !ImportValue X"
    for level in range(1, depth + 1):
        nested = f"&l{level} !If [C, {nested}, *l{level - 1}]"
    first = template(
        "Conditions: {C: !Equals [!Ref AWS::Region, us-east-1]}\n"
        "Resources:\n"
        "  Al:\n"
        "    Type: AWS::CloudWatch::Alarm\n"
        "    Properties:\n"
        "      Namespace: AWS/SQS\n"
        "      MetricName: ApproximateAgeOfOldestMessage\n"
        "      Dimensions: [{Name: QueueName, Value: !ImportValue X}]\n"
        "Outputs:\n"
        f"  O: {{Value: {nested}, Export: {{Name: X}}}}\n"
        "  P: {Value: !ImportValue Y, Export: {Name: Z}}\n",
        "a.yaml",
    )
    second = template(
        "Resources: {Q: {Type: AWS::SQS::Queue}}\n"
        "Outputs:\n"
        "  Y: {Value: !ImportValue Z, Export: {Name: Y}}\n",
        "b.yaml",
    )
    app = App([first, second])
    started = time.perf_counter()
    resolver = app.resolver(first)
    dimension = first.resources["Al"].properties["Dimensions"][0]["Value"]
    assert resolver.references(dimension) == set()
    assert resolver.values(dimension)
    assert resolver.values({"Fn::ImportValue": "Z"})
    assert time.perf_counter() - started < 0.5


def test_an_export_that_imports_itself_is_linted_at_once(tmp_path) -> None:
    """Issue 18's hang: an export whose value imports itself through Fn::If, read by an alarm
    dimension, and the same cycle across two templates."""
    import mmaws_lint

    (tmp_path / "self.yaml").write_text(
        "Resources:\n"
        "  Al:\n"
        "    Type: AWS::CloudWatch::Alarm\n"
        "    Properties: {Namespace: AWS/SQS, MetricName: ApproximateAgeOfOldestMessage,"
        " Dimensions: [{Name: QueueName, Value: !ImportValue X}]}\n"
        "Outputs:\n"
        "  O: {Value: !If [C, !ImportValue X, !ImportValue X], Export: {Name: X}}\n"
    )
    (tmp_path / "a.yaml").write_text(
        "Resources: {Q: {Type: AWS::SQS::Queue}}\n"
        "Outputs: {O: {Value: !If [C, !ImportValue Y, !ImportValue Y], Export: {Name: X2}}}\n"
    )
    (tmp_path / "b.yaml").write_text(
        "Resources: {Q: {Type: AWS::SQS::Queue}}\n"
        "Outputs: {O: {Value: !If [C, !ImportValue X2, !Ref Q], Export: {Name: Y}}}\n"
    )
    started = time.perf_counter()
    result = mmaws_lint.lint_result([str(tmp_path)])
    assert time.perf_counter() - started < 5
    assert not [p for p in result.problems if "internal error" in p.message]
