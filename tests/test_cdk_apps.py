"""The CDK apps in fixtures/cdk/ are linted the way users lint them: a whole `cdk.out` cloud
assembly at once. Their synthesized output is committed; fixtures/cdk/regenerate.py recreates
it with a pinned aws-cdk-lib, and the last test here checks that the committed output is what
that version synthesizes (in an environment built for it, see cdk_environments.py).

Which rules each app should trip is pinned elsewhere; these tests cover what every rule relies
on: every stack is loaded, every finding names its construct path, and cross-stack references
resolve to the other stack's resources."""

from __future__ import annotations

import json
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from cdk_environments import cdk_environment

import mmaws_lint
from mmaws_lint.app import App
from mmaws_lint.suppress import suppressions
from mmaws_lint.template.discover import cloud_assembly_unit
from mmaws_lint.template.resolve import Target
from mmaws_lint.template.template import Template

CDK_APPS = Path(__file__).resolve().parent.parent / "fixtures" / "cdk"
# app folder -> stack name -> template file; written out so a manifest that loses a stack fails
STACKS = {
    "web-service": {"WebService": "WebService.template.json"},
    "serverless": {"Serverless": "Serverless.template.json"},
    "multi-stack": {"Data": "Data.template.json", "Monitoring": "Monitoring.template.json"},
    "iam": {"Iam": "Iam.template.json"},
    "fargate-service": {"FargateService": "FargateService.template.json"},
    "databases": {"Databases": "Databases.template.json"},
}
APPS = sorted(STACKS)


def cdk_out(app: str) -> Path:
    return CDK_APPS / app / "cdk.out"


def manifest_stacks(app: str) -> dict[str, tuple[str, dict]]:
    """Stack name -> (template file, artifact) of the stacks listed in the manifest."""
    manifest = json.loads((cdk_out(app) / "manifest.json").read_text(encoding="utf-8"))
    stacks = {}
    for artifact_id, artifact in manifest["artifacts"].items():
        if artifact["type"] == "aws:cloudformation:stack":
            properties = artifact["properties"]
            stacks[properties.get("stackName", artifact_id)] = (
                properties["templateFile"],
                artifact,
            )
    return stacks


def load_app(app: str) -> App:
    """The app the engine builds for this cdk.out (see engine.lint_unit)."""
    templates, problems = cloud_assembly_unit(str(cdk_out(app))).load()
    assert not problems
    return App(templates)


def by_stack(app: App) -> dict[str, Template]:
    return {template.stack_name: template for template in app.templates}


def logical_id(template: Template, cdk_path: str) -> str:
    found = [r.logical_id for r in template.resources.values() if r.cdk_path == cdk_path]
    assert len(found) == 1, f"{cdk_path}: {found}"
    return found[0]


@pytest.fixture(scope="module", params=APPS)
def linted(request: pytest.FixtureRequest) -> tuple[str, mmaws_lint.engine.Result]:
    return request.param, mmaws_lint.lint_result([str(cdk_out(request.param))])


# ---- the committed assemblies are what the linter expects from CDK -------------------------


@pytest.mark.parametrize("app", APPS)
def test_manifest_lists_the_stacks(app: str) -> None:
    listed = {name: file for name, (file, _) in manifest_stacks(app).items()}
    assert listed == STACKS[app]
    for file in listed.values():
        assert (cdk_out(app) / file).is_file()


@pytest.mark.parametrize("app", APPS)
def test_resources_carry_construct_paths(app: str) -> None:
    """Every resource has aws:cdk:path metadata, and the manifest maps its logical ID to the
    same path (aws:cdk:logicalId entries), so either source gives the linter the path."""
    for stack, (file, artifact) in manifest_stacks(app).items():
        template = json.loads((cdk_out(app) / file).read_text(encoding="utf-8"))
        from_manifest = {
            entry["data"]: path
            for path, entries in artifact.get("metadata", {}).items()
            for entry in entries
            if entry["type"] == "aws:cdk:logicalId"
        }
        for name, resource in template["Resources"].items():
            path = resource.get("Metadata", {}).get("aws:cdk:path")
            assert path and path.startswith(f"{stack}/"), (stack, name, path)
            assert from_manifest.get(name) == f"/{path}", (stack, name)


@pytest.mark.parametrize("app", APPS)
def test_loaded_templates_map_every_logical_id_to_its_path(app: str) -> None:
    for stack, template in by_stack(load_app(app)).items():
        assert template.resources
        for resource in template.resources.values():
            assert template.cdk_paths.get(resource.logical_id) == resource.cdk_path
            assert resource.cdk_path.startswith(f"{stack}/")


# ---- linting each app -----------------------------------------------------------------------


def test_no_load_problems(linted: tuple[str, mmaws_lint.engine.Result]) -> None:
    _, result = linted
    assert [str(p) for p in result.problems] == []


def test_every_template_of_the_manifest_is_linted(
    linted: tuple[str, mmaws_lint.engine.Result],
) -> None:
    app, result = linted
    expected = {(cdk_out(app) / file).resolve() for file, _ in manifest_stacks(app).values()}
    assert len(result.linted) == len(expected) == len(STACKS[app])
    assert {Path(file).resolve() for file in result.linted} == expected


def test_every_finding_names_its_construct_path(
    linted: tuple[str, mmaws_lint.engine.Result],
) -> None:
    app, result = linted
    stack_of = {
        (cdk_out(app) / file).resolve(): stack for stack, (file, _) in manifest_stacks(app).items()
    }
    for finding in result.findings:
        stack = stack_of[Path(finding.file).resolve()]
        assert finding.cdk_path is not None, finding
        assert finding.cdk_path.startswith(f"{stack}/"), finding


def test_single_instance_is_reported_on_its_construct() -> None:
    """A smoke test that findings on CDK output carry the construct path users recognise."""
    findings = mmaws_lint.lint([str(cdk_out("web-service"))], select=["WMM501"])
    assert [(f.rule, f.cdk_path) for f in findings] == [("WMM501", "WebService/Bastion/Resource")]


# ---- serverless: suppressions written the CDK way --------------------------------------------


def test_cdk_suppressions_are_read() -> None:
    template = by_stack(load_app("serverless"))["Serverless"]
    queue_age = logical_id(template, "Serverless/OrdersQueueAge/Resource")
    notifier_errors = logical_id(template, "Serverless/NotifierErrors/Resource")
    entries = {(s.resource, s.rule): s.reason for s in suppressions(template)}
    assert set(entries) == {(queue_age, "WMM102"), (notifier_errors, "WMM102")}
    assert entries[(queue_age, "WMM102")]
    assert entries[(notifier_errors, "WMM102")] is None

    findings = mmaws_lint.lint([str(cdk_out("serverless"))])
    assert not [f for f in findings if f.resource == queue_age and f.rule == "WMM102"]
    unexplained = [(f.resource, f.cdk_path) for f in findings if f.rule == "WMM001"]
    assert unexplained == [(notifier_errors, "Serverless/NotifierErrors/Resource")]


# ---- multi-stack: alarms reach the data stack through Fn::ImportValue -----------------------

# alarm construct -> (dimension, the data stack resource it watches, attribute referenced)
MONITORED = {
    "DatabaseCpuHigh": ("DBInstanceIdentifier", "Data/Database/Resource", ""),
    "DatabaseCpuCreditsLow": ("DBInstanceIdentifier", "Data/Database/Resource", ""),
    "DatabaseFreeStorageLow": ("DBInstanceIdentifier", "Data/Database/Resource", ""),
    "DatabaseBurstBalanceLow": ("DBInstanceIdentifier", "Data/Database/Resource", ""),
    "JobsTooOld": ("QueueName", "Data/Jobs/Resource", "QueueName"),
    "DeadLettersNotEmpty": ("QueueName", "Data/JobsDeadLetters/Resource", "QueueName"),
    "WorkerErrors": ("FunctionName", "Data/JobWorker/Resource", ""),
    "WorkerThrottles": ("FunctionName", "Data/JobWorker/Resource", ""),
}


def test_monitoring_alarms_reference_data_stack_resources() -> None:
    app = load_app("multi-stack")
    stacks = by_stack(app)
    data, monitoring = stacks["Data"], stacks["Monitoring"]
    resolver = app.resolver(monitoring)
    alarms = {
        r.cdk_path.split("/")[1]: r for r in monitoring.resources_of("AWS::CloudWatch::Alarm")
    }
    assert set(alarms) == set(MONITORED)
    for name, alarm in alarms.items():
        dimension, watched, attr = MONITORED[name]
        [entry] = alarm.prop("Dimensions")
        assert entry["Name"] == dimension
        assert set(entry["Value"]) == {"Fn::ImportValue"}, (name, entry["Value"])
        expected = {Target(data.file, logical_id(data, watched), attr)}
        assert resolver.references(entry["Value"]) == expected, name


def test_imports_name_exports_of_the_data_stack() -> None:
    app = load_app("multi-stack")
    stacks = by_stack(app)
    imported = {
        alarm.prop("Dimensions")[0]["Value"]["Fn::ImportValue"]
        for alarm in stacks["Monitoring"].resources_of("AWS::CloudWatch::Alarm")
    }
    assert imported
    for name in imported:
        exporter, _ = app.exports[name]
        assert exporter is stacks["Data"]


# ---- databases: the data family reports on the constructs that hold data ------------------


def test_database_findings_name_their_constructs() -> None:
    findings = mmaws_lint.lint([str(cdk_out("databases"))], select=["WMM601", "EMM603", "WMM604"])
    assert sorted((f.rule, f.cdk_path) for f in findings) == [
        ("EMM603", "Databases/Database/Resource"),
        ("EMM603", "Databases/Sessions/Resource"),
        ("WMM601", "Databases/Database/Resource"),
        ("WMM604", "Databases/Sessions/Resource"),
        ("WMM604", "Databases/SharedFiles/Resource"),
    ]


# ---- the committed output is what the pinned CDK synthesizes --------------------------------


@pytest.fixture(scope="module")
def fresh_checks() -> dict[str, subprocess.CompletedProcess]:
    """`regenerate.py --check APP` for every app, run with what fixtures/cdk/requirements.txt
    pins (see regenerate.py), two apps at a time."""
    lines = (CDK_APPS / "requirements.txt").read_text(encoding="utf-8").splitlines()
    python, runtime = cdk_environment([line for line in lines if line and line[0] != "#"])

    def check(app: str) -> tuple[str, subprocess.CompletedProcess]:
        return app, subprocess.run(
            [str(python), str(CDK_APPS / "regenerate.py"), "--check", app],
            env={**os.environ, **runtime}, capture_output=True, text=True, timeout=600,
        )  # fmt: skip

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(check, APPS))


@pytest.mark.parametrize("app", APPS)
def test_committed_output_matches_a_fresh_synthesis(app: str, fresh_checks) -> None:
    """regenerate.py, run with the pinned aws-cdk-lib, finds the committed cdk.out up to date."""
    done = fresh_checks[app]
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert done.stdout.strip() == f"{app}: up to date"
