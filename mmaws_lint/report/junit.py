"""JUnit XML as CodeBuild report groups read it: a suite per file, a passing case per rule that
found nothing, a failing case per finding, an erroring case per file that could not be linted."""

from __future__ import annotations

from collections import defaultdict
from xml.etree import ElementTree as ET

from ..engine import Result
from ..model import Model
from .safe import printable


def render(result: Result, model: Model, rule_ids: list[str]) -> str:
    shard = result.shard
    # a suffix naming the shard, so reports of all shards can sit in one report group
    tag = f" [shard {shard.index}/{shard.count}]" if shard is not None else ""
    root = ET.Element("testsuites", name=f"mmaws-lint{tag}")
    by_file = defaultdict(list)
    for finding in result.findings:
        by_file[finding.file].append(finding)
    total_tests = total_failures = total_errors = 0
    for file in sorted(set(result.linted) | set(by_file)):
        suite = ET.SubElement(root, "testsuite", name=printable(file) + tag)
        tests = failures = 0
        findings = by_file.get(file, [])
        for rule_id in rule_ids:
            own = [f for f in findings if f.rule == rule_id]
            if not own:
                ET.SubElement(suite, "testcase", name=rule_id, classname=printable(file))
                tests += 1
                continue
            for finding in own:
                case = ET.SubElement(
                    suite,
                    "testcase",
                    name=printable(
                        f"{rule_id} {finding.resource or 'template'} (line {finding.line})"
                    ),
                    classname=printable(file),
                )
                failure = ET.SubElement(
                    case, "failure", message=printable(finding.message), type=finding.level
                )
                failure.text = printable(
                    f"{file}:{finding.line}:{finding.column}: {finding.rule} {finding.message}"
                )
                tests += 1
                failures += 1
        suite.set("tests", str(tests))
        suite.set("failures", str(failures))
        suite.set("errors", "0")
        total_tests += tests
        total_failures += failures
    for problem in result.errors:
        suite = ET.SubElement(
            root,
            "testsuite",
            name=printable(problem.file) + tag,
            tests="1",
            failures="0",
            errors="1",
        )
        case = ET.SubElement(
            suite, "testcase", name="could not lint", classname=printable(problem.file)
        )
        error = ET.SubElement(case, "error", message=printable(problem.message), type="unreadable")
        error.text = printable(problem)
        total_tests += 1
        total_errors += 1
    root.set("tests", str(total_tests))
    root.set("failures", str(total_failures))
    root.set("errors", str(total_errors))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
