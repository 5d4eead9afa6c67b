"""Read the findings a fixture expects.

YAML fixtures mark the line a finding sits on with a trailing `# expect: RULE[, RULE]`
comment. JSON fixtures (no comments) put `"fixture-expect"` in a resource's Metadata: a list
of rule IDs expected on the resource's logical-ID line, or a mapping of rule ID to the path
(below the resource) of the property the finding points at, e.g.
`{"WMM503": ["Properties", "InstanceType"]}` (a list of such paths for several findings).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from mmaws_lint.template.decode import decode_text
from mmaws_lint.template.nodes import locate

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
_MARK = re.compile(r"#\s*expect:\s*([A-Z0-9, ]+)")
_RULE_DIR = re.compile(r"^[EWI]MM\d{3}$")
TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json", ".template")


def rule_dirs() -> list[Path]:
    return sorted(p for p in FIXTURES.iterdir() if p.is_dir() and _RULE_DIR.match(p.name))


def fixture_cases() -> list[Path]:
    """Every pass-*/fail-* file or folder under a rule's fixture directory."""
    cases = []
    for folder in rule_dirs():
        cases.extend(sorted(p for p in folder.iterdir() if p.name.startswith(("pass-", "fail-"))))
    return cases


def template_files(case: Path) -> list[Path]:
    if case.is_file():
        return [case]
    return sorted(
        p
        for p in case.rglob("*")
        if p.is_file()
        and p.suffix in TEMPLATE_SUFFIXES
        and p.name != "manifest.json"
        and not p.name.endswith(".assets.json")
    )


def expected(case: Path) -> Counter[tuple[str, str, int]]:
    """Counter of (rule, file, line) the case expects."""
    marks: Counter[tuple[str, str, int]] = Counter()
    for file in template_files(case):
        text = file.read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), start=1):
            match = _MARK.search(line)
            if match:
                for rule in filter(None, (r.strip() for r in match.group(1).split(","))):
                    marks[(rule, str(file), number)] += 1
        if file.suffix == ".json" and '"fixture-expect"' in text:
            marks.update(_json_marks(file, text))
    return marks


def _json_marks(file: Path, text: str) -> Counter[tuple[str, str, int]]:
    marks: Counter[tuple[str, str, int]] = Counter()
    data = decode_text(text)
    resources = data.get("Resources") or {}
    for logical_id, body in resources.items():
        expectation = (body.get("Metadata") or {}).get("fixture-expect") or []
        base = ("Resources", logical_id)
        if isinstance(expectation, list):
            for rule in expectation:
                marks[(rule, str(file), locate(data, base).line)] += 1
            continue
        for rule, paths in expectation.items():
            for path in paths if paths and isinstance(paths[0], list) else [paths]:
                marks[(rule, str(file), locate(data, (*base, *path)).line)] += 1
    return marks
