"""`mmaws-lint coverage`: the report shows what the alarm index WMM101 reads says, cell by cell,
as Markdown, JSON and one self-contained HTML file that a real browser renders."""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import ROOT
from fixture_marks import FIXTURES

from mmaws_lint.app import App
from mmaws_lint.checks.monitoring.coverage import (
    MISSING,
    OPTIONAL,
    coverage_table,
    unwatched_resources,
)
from mmaws_lint.cli import main
from mmaws_lint.coverage_report import build_report
from mmaws_lint.coverage_report.markdown import render_markdown
from mmaws_lint.model import shipped_model
from mmaws_lint.template.discover import discover

EXAMPLE = ROOT / "examples" / "coverage-report" / "template.yaml"
WMM101_CASES = sorted((FIXTURES / "WMM101").iterdir())


def _apps(path: Path) -> list[App]:
    apps = []
    for unit in discover([str(path)]):
        templates, _ = unit.load()
        if templates:
            apps.append(App(templates))
    return apps


def _run(capsys, *argv: str) -> str:
    assert main(["coverage", *argv]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("case", WMM101_CASES, ids=[c.name for c in WMM101_CASES])
def test_the_table_and_wmm101_read_the_same_index(case: Path) -> None:
    """One source of truth: the missing and optional cells are exactly what WMM101's
    `unwatched_resources` reports, on every WMM101 fixture."""
    model = shipped_model()
    for app in _apps(case):
        from_table = {
            (row.resource.logical_id, cell.capacity.name, cell.state)
            for row in coverage_table(app, model)
            for cell in row.capacities
            if cell is not None and cell.state in (MISSING, OPTIONAL)
        }
        from_rule = set()
        for unwatched in unwatched_resources(app, model):
            name = unwatched.resource.logical_id
            from_rule |= {(name, c.name, MISSING) for c in unwatched.capacities}
            from_rule |= {(name, c.name, OPTIONAL) for c, _ in unwatched.optional}
        assert from_table == from_rule


def test_markdown_names_the_alarm_the_condition_and_the_gap(capsys) -> None:
    text = _run(capsys, str(EXAMPLE))
    assert "| `template` | `Jobs` | ✅ watched: JobsAge > 600 notifies | n/a |" in text
    assert (
        "| `template` | `Worker` | ❌ missing | ⚠️ optional: WorkerErrors > 0 notifies,"
        " only when IsProd |" in text
    )
    assert "| `template` | `Orders` | ❌ missing |" in text
    assert "| `template` | 3 | 1 | 1 | 2 |" in text  # per stack
    assert "| `AWS::Lambda::Function` | 1 | 0 | 1 | 1 |" in text  # per resource type


def test_markdown_leaves_out_sections_to_fit_a_comment() -> None:
    report = build_report(_apps(FIXTURES / "WMM101"), shipped_model())
    full = render_markdown(report)
    short = render_markdown(report, limit=6000)
    assert len(short) <= 6000 < len(full)
    assert "resources left out to fit a comment" in short


def test_json_lists_states_watchers_and_totals(capsys) -> None:
    document = json.loads(_run(capsys, str(EXAMPLE), "--format", "json"))
    rows = {row["logical_id"]: row for row in document["rows"]}
    backlog = rows["Jobs"]["capacities"]["backlog"]
    assert backlog["state"] == "watched"
    assert backlog["watchers"] == [
        {"logical_id": "JobsAge", "kind": "alarm", "threshold": "> 600", "notifies": True}
    ]
    failures = rows["Worker"]["capacities"]["failures"]
    assert (failures["state"], failures["conditions"]) == ("optional", ["IsProd"])
    assert rows["Jobs"]["capacities"]["dead letters"]["state"] == "n/a"
    assert document["totals"]["types"]["AWS::DynamoDB::Table"] == {"resources": 1, "missing": 1}


def test_target_tracking_and_nested_stacks_show_as_watchers(capsys) -> None:
    text = _run(capsys, str(FIXTURES / "WMM101" / "pass-auto-scaling-group.yaml"))
    assert "EdgeScaling (target tracking) no notification" in text
    text = _run(capsys, str(FIXTURES / "WMM101" / "pass-conditional-alarms.yaml"))
    assert "Extras (nested stack)" in text


class _Cells(HTMLParser):
    """Every <td> with its attributes and text; every tag that would load something."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[tuple[dict[str, str | None], str]] = []
        self.loads: list[str] = []
        self._current: dict[str, str | None] | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag in ("link", "img", "iframe") or "src" in attributes or "href" in attributes:
            self.loads.append(tag)
        if tag == "td":
            self._current, self._text = attributes, ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._current is not None:
            self.cells.append((self._current, self._text))
            self._current = None

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self._text += data


def test_html_is_self_contained_and_every_cell_has_colour_and_mark(capsys) -> None:
    page = _run(capsys, str(EXAMPLE), "--format", "html")
    parser = _Cells()
    parser.feed(page)
    assert parser.loads == []
    assert "@media print" in page
    states = {
        cell.get("data-capacity"): (cell["class"], text)
        for cell, text in parser.cells
        if cell.get("data-capacity")
    }
    assert states["backlog"] == ("watched", "✔ watchedJobsAge > 600 notifies")
    assert states["failures"] == (
        "optional",
        "◐ optionalWorkerErrors > 0 notifies, only when IsProd",
    )
    assert states["concurrency"] == ("missing", "✘ missing")
    assert states["dead letters"] == ("na", "n/a")
    marks = {"watched": "✔", "optional": "◐", "missing": "✘", "na": "n/a"}
    for cell, text in parser.cells:
        if cell.get("data-capacity"):
            assert text.startswith(marks[cell["class"]])


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
HEADLESS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (.ci/run installs it)")
def test_chromium_renders_the_report_and_runs_its_script(tmp_path: Path, capsys) -> None:
    page = tmp_path / "coverage.html"
    _run(capsys, str(FIXTURES / "WMM101"), "--format", "html", "--output", str(page))
    common = [CHROMIUM, *HEADLESS, f"--user-data-dir={tmp_path / 'profile'}"]
    screenshot = tmp_path / "coverage.png"
    subprocess.run(
        [*common, f"--screenshot={screenshot}", "--window-size=1280,900", page.as_uri()],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    data = screenshot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1280, 900)
    assert len(data) > 20_000  # a rendered table, not a blank page
    dom = subprocess.run(
        [*common, "--dump-dom", page.as_uri()],
        check=True, capture_output=True, text=True, timeout=120,
    ).stdout  # fmt: skip
    # The sorting script ran: it marks every heading sortable.
    assert 'aria-sort="none"' in dom
    assert len(re.findall(r"<th[\s>]", dom)) == dom.count('aria-sort="none"')


SCALING_ONLY = """\
Resources:
  Group:
    Type: AWS::AutoScaling::AutoScalingGroup
    Properties:
      MinSize: "1"
      MaxSize: "2"
      AvailabilityZones: [eu-west-1a, eu-west-1b]
      LaunchTemplate: {LaunchTemplateId: lt-0123456789abcdef0, Version: "1"}
  ScaleUp:
    Type: AWS::AutoScaling::ScalingPolicy
    Properties:
      AutoScalingGroupName: !Ref Group
      ScalingAdjustment: 1
      AdjustmentType: ChangeInCapacity
  CpuHigh:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Namespace: AWS/EC2
      MetricName: CPUUtilization
      Dimensions: [{Name: AutoScalingGroupName, Value: !Ref Group}]
      Statistic: Average
      Period: 300
      EvaluationPeriods: 2
      Threshold: 90
      ComparisonOperator: GreaterThanThreshold
      AlarmActions: [!Ref ScaleUp]
"""


def test_an_alarm_that_only_scales_does_not_notify(tmp_path: Path, capsys) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(SCALING_ONLY)
    document = json.loads(_run(capsys, str(template), "--format", "json"))
    (row,) = document["rows"]
    assert row["capacities"]["CPU"]["watchers"] == [
        {"logical_id": "CpuHigh", "kind": "alarm", "threshold": "> 90", "notifies": False}
    ]
