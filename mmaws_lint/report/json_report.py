"""An array of findings, each with the fields of `Finding` and the rule's documentation `url`."""

from __future__ import annotations

import json

from ..engine import Result
from ..model import Model


def render(result: Result, model: Model, rule_ids: list[str]) -> str:
    rows = []
    for finding in result.findings:
        row = finding.to_dict()
        rule = model.rules.get(finding.rule)
        row["url"] = rule.docs_url if rule is not None else None
        rows.append(row)
    return json.dumps(rows, indent=2) + "\n"
