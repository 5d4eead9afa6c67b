"""SARIF 2.1.0, with rule metadata and help text so code-scanning UIs can explain findings."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .._version import __version__
from ..engine import Result
from ..model import DOCS_URL, Model, Rule

_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"


def _uri(file: str) -> str:
    # surrogatepass: a file name that is not valid UTF-8 (decoded with surrogate escapes) still
    # becomes a valid, percent-encoded URI instead of an encoding error
    path = Path(file)
    if path.is_absolute():
        return "file://" + quote(path.as_posix(), errors="surrogatepass")
    return quote(file.replace(os.sep, "/"), errors="surrogatepass")


def _rule_descriptor(rule: Rule) -> dict[str, Any]:
    markdown = (
        f"**{rule.title}**\n\n{rule.statement}\n\n**Why it matters.** {rule.why}\n\n"
        f"**Fix.** {rule.fix}\n\n```yaml\n{rule.example}```\n"
    )
    return {
        "id": rule.id,
        "name": "".join(word.capitalize() for word in rule.title.replace("-", " ").split()),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.statement},
        "help": {"text": f"{rule.why}\nFix: {rule.fix}", "markdown": markdown},
        "helpUri": rule.docs_url,
        "defaultConfiguration": {"level": _LEVEL[rule.level]},
        "properties": {"tags": ["aws", "cloudformation", rule.family]},
    }


def render(result: Result, model: Model, rule_ids: list[str]) -> str:
    index = {rule_id: position for position, rule_id in enumerate(rule_ids)}
    results = []
    for finding in result.findings:
        location: dict[str, Any] = {
            "physicalLocation": {
                "artifactLocation": {"uri": _uri(finding.file)},
                "region": {
                    "startLine": finding.line,
                    "startColumn": finding.column,
                    "endLine": finding.end_line,
                    "endColumn": finding.end_column,
                },
            }
        }
        if finding.resource:
            logical: dict[str, Any] = {"name": finding.resource, "kind": "resource"}
            if finding.cdk_path:
                logical["fullyQualifiedName"] = finding.cdk_path
            location["logicalLocations"] = [logical]
        entry: dict[str, Any] = {
            "ruleId": finding.rule,
            "level": _LEVEL[finding.level],
            "message": {"text": finding.message},
            "locations": [location],
        }
        if finding.rule in index:
            entry["ruleIndex"] = index[finding.rule]
        if finding.cdk_path:
            entry["properties"] = {"cdkPath": finding.cdk_path}
        results.append(entry)
    notifications = [
        {
            "level": "error",
            "message": {"text": problem.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(problem.file)},
                        **({"region": {"startLine": problem.line}} if problem.line else {}),
                    }
                }
            ],
        }
        for problem in result.errors
    ]
    document = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "mmaws-lint",
                        "version": __version__,
                        "informationUri": DOCS_URL,
                        "rules": [_rule_descriptor(model.rules[r]) for r in rule_ids],
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": not result.errors,
                        "toolExecutionNotifications": notifications,
                    }
                ],
                "results": results,
            }
        ],
    }
    if result.shard is not None:
        # GitHub code scanning keeps one upload per category, the id up to its last "/": the
        # trailing slash makes the whole id the category, so each shard's upload is kept.
        document["runs"][0]["automationDetails"] = {"id": f"mmaws-lint/{result.shard.label}/"}
    return json.dumps(document, indent=2) + "\n"
