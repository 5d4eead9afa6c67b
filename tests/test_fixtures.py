"""Every rule is proven by fixtures: pass-* cases stay silent, fail-* cases report exactly the
marked findings (rule, file, line). Assertions cover this pack's rule IDs only."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from fixture_marks import FIXTURES, expected, fixture_cases, rule_dirs

import mmaws_lint
from mmaws_lint.model import shipped_model

CASES = fixture_cases()


def _actual(case: Path, rules: set[str]) -> Counter[tuple[str, str, int]]:
    # Naming the rules runs the ones that are off by default too (IMM708).
    result = mmaws_lint.lint_result([str(case)], select=sorted(rules))
    assert not result.errors, [str(p) for p in result.errors]
    return Counter(
        (f.rule, str(Path(f.file).resolve()), f.line) for f in result.findings if f.rule in rules
    )


@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.name}/{c.name}" for c in CASES])
def test_fixture(case: Path) -> None:
    rule = case.parent.name
    marks = Counter({(r, str(Path(f).resolve()), n): c for (r, f, n), c in expected(case).items()})
    rules = {rule} | {r for r, _, _ in marks}
    actual = _actual(case, rules)
    if case.name.startswith("pass-"):
        assert not [m for m in marks if m[0] == rule], "a pass fixture must not expect its own rule"
    else:
        assert any(m[0] == rule for m in marks), "a fail fixture must mark at least one finding"
    assert actual == marks


def test_every_rule_has_pass_and_fail_fixtures() -> None:
    missing = []
    for rule_id in shipped_model().rules:
        folder = FIXTURES / rule_id
        names = [p.name for p in folder.iterdir()] if folder.is_dir() else []
        for kind in ("pass-", "fail-"):
            if not any(n.startswith(kind) for n in names):
                missing.append(f"{rule_id}: no {kind}* fixture")
    assert not missing, missing


def test_every_fixture_folder_names_a_rule() -> None:
    known = set(shipped_model().rules)
    assert [d.name for d in rule_dirs() if d.name not in known] == []
