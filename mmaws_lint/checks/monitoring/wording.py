"""How monitoring findings list metric names."""

from __future__ import annotations


def either(names: tuple[str, ...]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
