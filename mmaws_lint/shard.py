"""`--shard K/N`: lint only the units assigned to shard K of N, so N CI runners share an estate.

A unit (the templates that exchange exports, or one `cdk.out`) is never split. Its shard comes
from a SHA-256 of its sorted file paths relative to the working directory, so every runner,
machine and Python version assigns the same units to the same shard, and shards 1..N together
lint every unit exactly once.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass

from .template.discover import Unit

_SPEC = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


@dataclass(frozen=True)
class Shard:
    index: int
    count: int
    units: int = 0  # units this shard linted
    total: int = 0  # units the whole run has

    @property
    def label(self) -> str:
        return f"shard-{self.index}-of-{self.count}"


def parse_shard(text: str) -> Shard:
    """`K/N` with 1 <= K <= N; raises ValueError with a message for the user."""
    match = _SPEC.match(text or "")
    if not match:
        raise ValueError(f"--shard takes K/N (for example 2/8), not {text!r}")
    index, count = int(match.group(1)), int(match.group(2))
    if not 1 <= index <= count:
        raise ValueError(f"--shard {text}: K must be between 1 and N")
    return Shard(index, count)


def unit_key(unit: Unit, base: str | None = None) -> str:
    base = base or os.getcwd()
    files = [source.file for source in unit.sources] + [p.file for p in unit.problems]
    relative = (os.path.relpath(os.path.abspath(f), base).replace(os.sep, "/") for f in files)
    return "\n".join(sorted(relative))


def shard_of(unit: Unit, count: int, base: str | None = None) -> int:
    digest = hashlib.sha256(unit_key(unit, base).encode("utf-8", "surrogateescape")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def select_units(units: list[Unit], shard: Shard) -> tuple[list[Unit], Shard]:
    """The units of `shard`, and the shard with its unit counts filled in."""
    base = os.getcwd()
    mine = [unit for unit in units if shard_of(unit, shard.count, base) == shard.index]
    return mine, Shard(shard.index, shard.count, len(mine), len(units))
