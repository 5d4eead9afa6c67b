"""A short structural fuzzing run on every test run (about 30 s): mutants of the fixtures and,
when present, of the corpus, through the Python API, the command line and the cfn-lint plugin.
No exception, no rule crash, and every mutant linted well within the time bound.

`MMAWS_FUZZ_SEED=N` runs other mutants; the long run is `bench/fuzz.py` (see bench/README.md).
"""

from __future__ import annotations

import itertools
import os
import statistics
from pathlib import Path

import fuzzing
import pytest

SEED = int(os.environ.get("MMAWS_FUZZ_SEED", "2026"))
API_MUTANTS = 250
PLUGIN_MUTANTS = 150
CLI_MUTANTS = 80
CFN_LINT_MUTANTS = 12
# CPU seconds (wall time on a shared CI machine says more about the neighbours). Fixture-sized
# files lint in tens of milliseconds; the median must stay a tenth of the bound.
SECONDS_PER_MUTANT = 2.0


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    fuzzing.warm_up(tmp_path_factory.mktemp("warm-up"))
    return fuzzing.seed_files()


def _assert_none_failed_or_was_slow(outcomes: list) -> None:
    failures = [f"{o.mutant.name} {o.mutant.mutations} of {o.mutant.source}: {o.failure}"
                for o in outcomes if o.failure]  # fmt: skip
    assert failures == []
    slowest = max(outcomes, key=lambda o: o.cpu_seconds)
    assert slowest.cpu_seconds < SECONDS_PER_MUTANT, (slowest.mutant.name, slowest.mutant.source)


def test_mutants_through_the_api(sources: list[Path], tmp_path: Path) -> None:
    outcomes = [
        fuzzing.check_api(mutant, tmp_path, timeout=30)
        for mutant in fuzzing.mutants(SEED, API_MUTANTS, sources)
    ]
    _assert_none_failed_or_was_slow(outcomes)
    assert statistics.median(o.cpu_seconds for o in outcomes) < SECONDS_PER_MUTANT / 10
    kinds = {kind.split("-")[0] for o in outcomes for kind in o.mutant.mutations}
    assert {"null", "bad", "intrinsic", "deep", "number", "unicode", "export", "duplicate"} <= kinds


def test_mutants_through_the_cfn_lint_plugin_rules(sources: list[Path]) -> None:
    outcomes = [
        fuzzing.check_plugin(mutant, timeout=30)
        for mutant in fuzzing.mutants(SEED, PLUGIN_MUTANTS, sources)
    ]
    _assert_none_failed_or_was_slow(outcomes)


def test_mutants_through_the_command_line(sources: list[Path], tmp_path: Path) -> None:
    for mutant in fuzzing.mutants(SEED, CLI_MUTANTS, sources, start=API_MUTANTS):
        fuzzing.write_mutant(mutant, tmp_path)
    assert fuzzing.check_cli(tmp_path) == []


def test_mutants_through_the_cfn_lint_command(sources: list[Path], tmp_path: Path) -> None:
    # cfn-lint builds its own view of every template first, which takes minutes on the deep
    # mutations (plain cfn-lint too); those reach the plugin's rules in the test above.
    chosen = (
        mutant
        for mutant in fuzzing.mutants(SEED, 4 * CFN_LINT_MUTANTS, sources, start=API_MUTANTS)
        if not any(kind.startswith("deep") for kind in mutant.mutations)
    )
    files = [
        path
        for mutant in itertools.islice(chosen, CFN_LINT_MUTANTS)
        for path in fuzzing.write_mutant(mutant, tmp_path)
    ]
    assert fuzzing.check_cfn_lint(files) == []


def test_mutants_are_reproducible(sources: list[Path]) -> None:
    first = fuzzing.make_mutant(SEED, 7, sources)
    again = fuzzing.make_mutant(SEED, 7, sources)
    assert (first.source, first.mutations, first.files) == (
        again.source,
        again.mutations,
        again.files,
    )
    assert fuzzing.make_mutant(SEED, 8, sources).files != first.files


# Crashes the fuzzer found, kept as plain templates (mutant numbers shift when seeds change).
FOUND_BY_FUZZING = {
    "sam-event-type-not-a-name": """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: "def handler(event, context): pass"
      Events:
        Upload:
          Type: {Ref: EventType}
""",
    "tls-guard-condition-as-a-list": """\
Resources:
  Bucket:
    Type: AWS::S3::Bucket
  Policy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Bucket
      PolicyDocument:
        Statement:
          - Effect: Deny
            Principal: "*"
            Action: s3:*
            Resource: [!GetAtt Bucket.Arn]
            Condition: [{Bool: {aws:SecureTransport: "false"}}]
""",
    "container-definitions-with-fn-if": """\
Parameters:
  Env: {Type: String, AllowedValues: [dev, prod]}
Conditions:
  Prod: !Equals [!Ref Env, prod]
Resources:
  Tasks:
    Type: AWS::ECS::TaskDefinition
    Properties:
      ContainerDefinitions:
        - !If
          - Prod
          - {Name: app, Image: app, LogConfiguration: {LogDriver: awslogs}}
          - {Name: app, Image: app}
""",
    "sam-globals-without-the-transform": """\
Globals:
  Function: {Runtime: python3.12, Timeout: 5}
Resources:
  Worker:
    Type: AWS::Serverless::Function
    Properties: {Handler: index.handler, CodeUri: .}
""",
}


@pytest.mark.parametrize("case", sorted(FOUND_BY_FUZZING))
def test_what_the_fuzzer_found_stays_fixed(case: str, tmp_path: Path) -> None:
    mutant = fuzzing.Mutant(0, 0, case, ["found"], {f"{case}.yaml": FOUND_BY_FUZZING[case]})
    for outcome in (fuzzing.check_api(mutant, tmp_path), fuzzing.check_plugin(mutant)):
        assert outcome.failure == ""
