"""The CDK policy-validation plugin (`mmaws_lint.cdk.MmawsLintPlugin`).

What it reports is computed by `mmaws_lint.cdk.report` from synthesized templates and tested
here on the committed CDK fixture apps, without aws-cdk-lib. Then a real app
(tests/cdk_plugin/app.py) is synthesized with the oldest and the newest aws-cdk-lib this
project tests (the `[cdk]` extra's lower bound, and the newest release when it was last
checked) and one between them (stable interface, a failure not raised yet), each in its own
virtual environment built once per machine, and the synth outcome
and the report aws-cdk-lib writes are asserted for `fail_on` error and warning, the project's
own suppressions and (newest) `Validations.acknowledge`."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from cdk_environments import cdk_environment
from conftest import FIXTURES, ROOT

import mmaws_lint
from mmaws_lint.cdk.report import COULD_NOT_LINT, synthesis_report
from mmaws_lint.engine import selected_rules
from mmaws_lint.model import load_model

MULTI_STACK = FIXTURES / "cdk" / "multi-stack" / "cdk.out"
DATA = str(MULTI_STACK / "Data.template.json")
MONITORING = str(MULTI_STACK / "Monitoring.template.json")
APP = ROOT / "tests" / "cdk_plugin" / "app.py"
EXAMPLE = ROOT / "examples" / "cdk-plugin" / "app.py"
# The oldest release the `[cdk]` extra allows (beta interface), one with the stable interface
# whose failed report does not raise yet (2.251.0-2.261.0), and the newest one tested.
OLDEST, MIDDLE, NEWEST = "2.150.0", "2.255.0", "2.275.0"
RELEASES = (OLDEST, MIDDLE, NEWEST)
MODEL = load_model()
ALL_RULES = selected_rules(MODEL)


def report(files, **options):
    return synthesis_report(files, MODEL, ALL_RULES, **options)


def pairs(result) -> set[tuple[str, str | None]]:
    return {(v.rule_name, r.logical_id) for v in result.violations for r in v.resources}


# --- what the plugin reports, without aws-cdk-lib ---------------------------------------------


def test_stacks_are_linted_together_so_alarms_in_another_stack_count() -> None:
    alone = pairs(report([DATA]))
    together = pairs(report([DATA, MONITORING]))
    assert ("WMM101", "JobsDF1CC2D4") in alone  # the alarm on its age is in Monitoring
    assert ("WMM101", "JobsDF1CC2D4") not in together
    assert ("WMM401", "AlarmTopicD01E77F9") in together


def test_violation_carries_rule_message_fix_severity_and_property_path() -> None:
    result = report([DATA, MONITORING])
    [violation] = [
        v for v in result.violations
        if v.rule_name == "WMM201" and v.resources[0].logical_id == "DatabaseSecurityGroup7319C0F6"
    ]  # fmt: skip
    rule = MODEL.rules["WMM201"]
    assert violation.severity == "warning"
    assert violation.description.startswith("DatabaseSecurityGroup7319C0F6 allows tcp port 5432")
    assert violation.fix == " ".join(rule.fix.split())
    assert violation.rule_metadata["documentation"] == rule.docs_url
    [resource] = violation.resources
    assert resource.template_path == DATA
    assert resource.locations == ("Properties/SecurityGroupIngress/0/CidrIp",)
    whole = [v for v in result.violations if v.rule_name == "WMM601"]
    assert whole and whole[0].resources[0].locations == ()  # the resource as a whole


@pytest.mark.parametrize(
    ("fail_on", "success"), [("error", True), ("warning", False), ("info", False), ("none", True)]
)
def test_success_only_below_fail_on(fail_on: str, success: bool) -> None:
    result = report([DATA, MONITORING], fail_on=fail_on)
    assert {v.severity for v in result.violations} == {"warning"}
    assert result.success is success
    assert result.metadata["fail_on"] == fail_on


def test_error_finding_fails_at_error(tmp_path: Path) -> None:
    template = tmp_path / "Keys.template.json"
    key = {"Type": "AWS::KMS::Key", "DeletionPolicy": "Delete", "UpdateReplacePolicy": "Delete",
           "Properties": {"EnableKeyRotation": True, "KeyPolicy": {"Statement": []}}}  # fmt: skip
    template.write_text(json.dumps({"Resources": {"Key": key}}))
    result = report([str(template)])
    assert ("EMM405", "Key") in pairs(result) and result.success is False


def test_acknowledgement_covers_the_construct_and_its_children_only() -> None:
    acknowledged = {"mmaws-lint::WMM402": ["/Data/Jobs"]}
    result = report([DATA, MONITORING], acknowledged=acknowledged)
    found = pairs(result)
    assert ("WMM402", "JobsDF1CC2D4") not in found  # construct path Data/Jobs/Resource
    assert ("WMM402", "JobsDeadLettersFE83DFC7") in found  # Data/JobsDeadLetters: a sibling
    assert result.metadata["acknowledged"] == "1"


def test_acknowledgement_needs_this_plugins_namespace_and_rule() -> None:
    everything = pairs(report([DATA, MONITORING]))
    others = {"other-plugin::WMM402": [""], "WMM402": [""], "mmaws-lint::WMM999": [""]}
    assert pairs(report([DATA, MONITORING], acknowledged=others)) == everything
    at_root = pairs(report([DATA, MONITORING], acknowledged={"mmaws-lint::WMM402": [""]}))
    assert at_root == {pair for pair in everything if pair[0] != "WMM402"}


def test_template_that_cannot_be_linted_is_a_failing_violation(tmp_path: Path) -> None:
    broken = tmp_path / "Broken.template.json"
    broken.write_text('{"Resources": ')
    result = report([DATA, str(broken)], fail_on="none")
    [problem] = [v for v in result.violations if v.rule_name == COULD_NOT_LINT]
    assert problem.severity == "error" and problem.resources[0].template_path == str(broken)
    assert result.success is True  # "none" reports only
    assert report([DATA, str(broken)]).success is False


def test_stacks_of_a_stage_keep_their_construct_paths(tmp_path: Path) -> None:
    """A plugin on the app gets the templates of its stages, in nested assemblies."""
    shutil.copytree(MULTI_STACK, tmp_path / "assembly-Prod")
    manifest = {
        "version": "36.0.0",
        "artifacts": {
            "assembly-Prod": {
                "type": "cdk:cloud-assembly",
                "properties": {"directoryName": "assembly-Prod"},
            }
        },
    }
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    nested = [str(tmp_path / "assembly-Prod" / Path(file).name) for file in (DATA, MONITORING)]
    for file in nested:  # construct paths then come from the nested assembly's manifest only
        template = json.loads(Path(file).read_text())
        for resource in template["Resources"].values():
            resource.get("Metadata", {}).pop("aws:cdk:path", None)
        Path(file).write_text(json.dumps(template))
    result = report(nested)
    assert pairs(result) == pairs(report([DATA, MONITORING]))
    assert {f.cdk_path for f in result.result.findings} >= {"Data/Jobs/Resource"}


def test_unknown_fail_on_is_refused() -> None:
    with pytest.raises(ValueError, match="fail_on"):
        report([DATA], fail_on="fatal")


# --- a real synthesis --------------------------------------------------------------------------


def cdk_python(release: str) -> tuple[Path, dict[str, str]]:
    return cdk_environment([f"aws-cdk-lib=={release}", "constructs>=10,<11"])


def synthesize(environment_of: tuple[Path, dict[str, str]], outdir: Path, app: Path = APP,
               **settings: str):  # fmt: skip
    """Run the app; return the finished process, what aws-cdk-lib reported of the plugin
    ((status, {(rule, logical ID, construct path)}), or None when it reported nothing) and
    the cloud assembly folder."""
    python, runtime = environment_of
    environment = {
        **os.environ,
        **runtime,
        "CDK_VALIDATION": "false",  # aws-cdk-lib's own CloudFormation validator: slow, not ours
        "CDK_DISABLE_VERSION_CHECK": "1",
        "MMAWS_TEST_OUTDIR": str(outdir),
        "CDK_OUTDIR": str(outdir),
        **settings,
    }
    for name in ("PYTHONPATH", "CDK_CONTEXT_JSON"):
        environment.pop(name, None)
    done = subprocess.run(
        [str(python), str(app)], cwd=outdir.parent, env=environment,
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    return done, _reported(outdir / "validation-report.json", done.stdout + done.stderr), outdir


def _reported(report_file: Path, output: str):
    """Newer releases write validation-report.json; older ones only print the report."""
    if report_file.exists():
        plugins = json.loads(report_file.read_text())["pluginReports"]
        ours = [r for r in plugins if r["pluginName"] == "mmaws-lint"]
        if not ours:
            return None
        violations = {
            (v["ruleName"], c["cloudFormationResource"]["logicalId"], c["constructPath"])
            for v in ours[0]["violations"] for c in v["violatingConstructs"]
        }  # fmt: skip
        return ours[0]["conclusion"], violations
    text = re.sub(r"\x1b\[[0-9;]*m", "", output)
    status = re.search(r"mmaws-lint\s*│\s*(success|failure)", text)
    if status is None:
        return None
    printed = r"^\S+\.template\.json:\d+:\d+: ([EWI]MM\d+) \w+: (\S+) .*\[(\S+)\]$"
    # what the plugin prints itself where aws-cdk-lib shows a report only when it fails
    violations = set(re.findall(printed, text, re.M))
    for block in re.split(r"^(?=\S+ \(\d+ occurrences\))", text, flags=re.M)[1:]:
        rule = block.split()[0]
        paths = re.findall(r"- Construct Path: (\S+)", block)
        logical_ids = re.findall(r"- Resource ID: (\S+)", block)
        violations |= {(rule, i, p) for i, p in zip(logical_ids, paths, strict=True)}
    return status.group(1), violations


KEY_EMM405 = ("EMM405", "ScratchKey21FC00B4", "Data/ScratchKey/Resource")
QUEUE_WMM402 = ("WMM402", "JobsDF1CC2D4", "Data/Jobs/Resource")
QUEUE_WMM702 = ("WMM702", "JobsDF1CC2D4", "Data/Jobs/Resource")
# (name, releases, settings, expected violations, synth succeeds)
CASES = [
    ("fail-on-error", RELEASES, {},
     {KEY_EMM405, QUEUE_WMM402, QUEUE_WMM702}, False),
    ("suppressed-fail-on-error", RELEASES, {"MMAWS_TEST_SUPPRESS": "1"},
     {QUEUE_WMM402, QUEUE_WMM702}, True),
    ("suppressed-fail-on-warning", RELEASES,
     {"MMAWS_TEST_SUPPRESS": "1", "MMAWS_TEST_FAIL_ON": "warning"},
     {QUEUE_WMM402, QUEUE_WMM702}, False),
    ("acknowledged-fail-on-warning", (NEWEST,),
     {"MMAWS_TEST_SUPPRESS": "1", "MMAWS_TEST_ACKNOWLEDGE": "1", "MMAWS_TEST_FAIL_ON": "warning"},
     set(), True),
    # outside any stack: read through jsii, not from the assembly's metadata
    ("acknowledged-on-the-app", (NEWEST,),
     {"MMAWS_TEST_SUPPRESS": "1", "MMAWS_TEST_ACKNOWLEDGE": "app", "MMAWS_TEST_FAIL_ON": "warning"},
     set(), True),
]  # fmt: skip
RUNS = [(case[0], release) for case in CASES for release in case[1]]


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory) -> dict[tuple[str, str], tuple]:
    """Every (case, release) synthesized, a few at a time (each is a node and a Python
    process of a few hundred MB)."""
    pythons = {release: cdk_python(release) for release in RELEASES}
    settings = {case[0]: case[2] for case in CASES}

    def run(key: tuple[str, str]):
        name, release = key
        outdir = tmp_path_factory.mktemp(f"{name}-{release}") / "cdk.out"
        if name == "example":
            return key, synthesize(pythons[release], outdir, EXAMPLE)
        return key, synthesize(pythons[release], outdir, **settings[name])

    with ThreadPoolExecutor(max_workers=3) as pool:
        return dict(pool.map(run, [*RUNS, ("example", NEWEST)]))


@pytest.mark.parametrize(("name", "release"), RUNS, ids=[f"{n}-{r}" for n, r in RUNS])
def test_synth_outcome_and_violations(synthesized, name: str, release: str) -> None:
    """The synthesis fails exactly when a finding at or above fail_on is left, and aws-cdk-lib
    reports each violation on the construct path of the logical ID the plugin names."""
    [(_, _, _, expected, succeeds)] = [case for case in CASES if case[0] == name]
    done, reported, _ = synthesized[(name, release)]
    output = done.stdout + done.stderr
    assert (done.returncode == 0) is succeeds, output[-3000:]
    if not expected:  # aws-cdk-lib leaves a report without violations out
        assert reported is None or reported[1] == set(), output[-3000:]
        return
    assert reported is not None, output[-3000:]
    status, violations = reported
    assert violations == expected
    assert status == ("success" if succeeds else "failure")


def test_violation_fields_in_the_report_aws_cdk_lib_writes(synthesized) -> None:
    _, _, outdir = synthesized[("fail-on-error", NEWEST)]
    [plugin] = json.loads((outdir / "validation-report.json").read_text())["pluginReports"]
    [key] = [v for v in plugin["violations"] if v["ruleName"] == "EMM405"]
    assert key["severity"] == "error"
    assert key["suggestedFix"] == " ".join(MODEL.rules["EMM405"].fix.split())
    assert key["description"].startswith("ScratchKey21FC00B4 can be deleted by accident")
    [construct] = key["violatingConstructs"]
    assert construct["cloudFormationResource"]["propertyPaths"] == ["DeletionPolicy"]
    assert construct["cloudFormationResource"]["templatePath"] == "Data.template.json"
    assert plugin["metadata"]["fail_on"] == "error"
    assert plugin["pluginVersion"] == mmaws_lint.__version__


def test_readme_example_app_synthesizes_and_reports(synthesized) -> None:
    done, reported, _ = synthesized[("example", NEWEST)]
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    queue = ("Queue4A7E3555", "Jobs/Queue/Resource")
    assert reported == ("success", {("WMM101", *queue), ("WMM402", *queue)})  # WMM702 acknowledged
