"""Text from templates (logical IDs, file names, values quoted in messages) may hold control
characters. Line-oriented and XML reports escape them, so a finding stays one line, a terminal
never receives escape sequences, and XML stays well-formed (XML 1.0 forbids most of them)."""

from __future__ import annotations

import re

# C0 and C1 controls (tab and newline too: a finding is one line), DEL, line and paragraph
# separators, bidirectional overrides ("trojan source"), lone surrogates and XML non-characters.
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]"
)


def printable(text: object) -> str:
    """`text` with every unsafe character written as a `\\xNN` or `\\uNNNN` escape."""
    return _UNSAFE.sub(_escape, str(text))


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
