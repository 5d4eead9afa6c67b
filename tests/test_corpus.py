"""Real templates written by others (../shared/corpus): the linter never crashes on them.

Skipped when the corpus is absent. Per-rule finding counts: `python bench/corpus.py`.
"""

from __future__ import annotations

import time

import pytest
from conftest import CORPUS

import mmaws_lint
from mmaws_lint.template.discover import discover

GENEROUS_BOUND_SECONDS = 900

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is absent")


@pytest.fixture(scope="module")
def corpus_run():
    started = time.monotonic()
    result = mmaws_lint.lint_result([str(CORPUS)], jobs=0)
    return result, time.monotonic() - started


def test_no_rule_or_engine_crashes(corpus_run) -> None:
    result, _ = corpus_run
    crashes = [str(p) for p in result.problems if "internal error" in p.message]
    assert crashes == []


def test_every_template_is_linted_or_reported_unreadable(corpus_run) -> None:
    result, _ = corpus_run
    candidates = {s.file for unit in discover([str(CORPUS)]) for s in unit.sources}
    accounted = set(result.linted) | {p.file for p in result.problems}
    walked_but_silent = {f for f in candidates - accounted if _looks_like_template(f)}
    assert walked_but_silent == set()
    assert len(result.linted) > 3000


def test_unparseable_files_are_reported(corpus_run) -> None:
    result, _ = corpus_run
    reported = {p.file for p in result.errors}
    assert any(f.endswith("bad/json_parse.json") for f in reported)
    assert any(f.endswith("bad/duplicate.yaml") for f in result.linted)  # a note, still linted


def test_finishes_within_a_generous_bound(corpus_run) -> None:
    _, seconds = corpus_run
    assert seconds < GENEROUS_BOUND_SECONDS


def _looks_like_template(file: str) -> bool:
    with open(file, "rb") as handle:
        head = handle.read()
    return b"AWSTemplateFormatVersion" in head
