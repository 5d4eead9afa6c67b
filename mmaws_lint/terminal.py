"""What the terminal gets: colour when it is a terminal (NO_COLOR, FORCE_COLOR and --color
decide otherwise), and a progress line on stderr for runs longer than about a second."""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO

PROGRESS_AFTER_SECONDS = 1.0


def use_colour(choice: str, stream: TextIO) -> bool:
    """`--color always|never|auto`; in auto mode NO_COLOR (any value) turns colour off and
    FORCE_COLOR (any value but "0") turns it on, else colour when `stream` is a terminal."""
    if choice in ("always", "never"):
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    force = os.environ.get("FORCE_COLOR")
    if force is not None and force != "0":
        return True
    return _is_terminal(stream)


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Progress:
    """`files done / total` on one rewritten stderr line; silent unless stderr is a terminal
    and the run has taken PROGRESS_AFTER_SECONDS."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = _is_terminal(self.stream)
        self.start = time.monotonic()
        self.last = 0.0
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.start < PROGRESS_AFTER_SECONDS or (now - self.last < 0.1 and done < total):
            return
        self.last = now
        self.stream.write(f"\rmmaws-lint: {done}/{total} files")
        self.stream.flush()
        self.shown = True

    def finish(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
