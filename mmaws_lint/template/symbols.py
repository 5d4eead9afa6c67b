"""Which parts of a resolved value nobody can know before deployment.

The resolver turns what it cannot follow into `Sym` placeholders. A parameter without a
default, an import no template of the run exports, and anything else it cannot read may stand
for any value, so a rule that must not guess stays silent on them; a `Ref` or `GetAtt` to a
resource or a pseudo parameter is a known thing whose value comes later.
"""

from __future__ import annotations

from .resolve import Parts, Sym

UNKNOWN_KINDS = frozenset({"param", "import", "unknown"})


def is_unknown(part: str | Sym) -> bool:
    return isinstance(part, Sym) and part.kind in UNKNOWN_KINDS


def has_unknown(parts: Parts) -> bool:
    """True when some part of a resolved value may be anything at all."""
    return any(is_unknown(part) for part in parts)
