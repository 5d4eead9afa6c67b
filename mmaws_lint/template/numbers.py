"""Whole numbers written in a template, read without trusting their length.

A template can spell a number with thousands of digits; Python refuses to convert more than
4,300 of them (and converting many costs quadratic time). No CloudFormation property takes a
number anywhere near 18 digits, so a longer one is not a number a rule can judge.
"""

from __future__ import annotations

MAX_DIGITS = 18


def whole_number(text: object) -> int | None:
    """The integer `text` spells (an optional sign, then at most 18 digits), else None."""
    if isinstance(text, bool) or not isinstance(text, (str, int)):
        return None
    written = str(text).strip() if isinstance(text, str) else None
    if written is None:
        return text if isinstance(text, int) and abs(text) < 10**MAX_DIGITS else None
    digits = written[1:] if written[:1] in ("+", "-") else written
    if not digits.isdigit() or not digits.isascii() or len(digits) > MAX_DIGITS:
        return None
    return int(written)
