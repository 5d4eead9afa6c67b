"""Which walked paths to leave out: `--exclude`/`exclude:` patterns and `.gitignore` files.

Patterns use `.gitignore` syntax (`build/`, `*.generated.yaml`, `legacy/**`), matched by the
`pathspec` library. `--exclude` patterns are relative to the working directory, `exclude:`
patterns to the configuration file's folder; both also apply to files named on the command
line (an excluded file is never linted). `.gitignore` files (every one from the repository's top
level down, and `.git/info/exclude`) apply while walking folders only: a file named on the
command line is linted even when git ignores it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pathspec


def _spec(lines: Iterable[str]) -> pathspec.PathSpec:
    import pathspec  # only runs that exclude or walk folders need it

    return pathspec.GitIgnoreSpec.from_lines(list(lines))


class Excludes:
    """Exclude patterns, each list relative to its own base folder."""

    def __init__(self) -> None:
        self._specs: list[tuple[Path, pathspec.PathSpec]] = []

    def add(self, patterns: Iterable[str], base: str | os.PathLike[str]) -> None:
        patterns = [p for p in patterns if p.strip()]
        if patterns:
            self._specs.append((Path(base).resolve(), _spec(patterns)))

    def __bool__(self) -> bool:
        return bool(self._specs)

    def excluded(self, path: str, is_dir: bool = False) -> bool:
        absolute = Path(os.path.abspath(path))
        for base, spec in self._specs:
            if not absolute.is_relative_to(base):
                # outside the base: the pattern still applies to the path as given
                relative = path
            else:
                relative = absolute.relative_to(base).as_posix() or "."
            if spec.match_file(relative + ("/" if is_dir else "")):
                return True
        return False


class GitIgnored:
    """`.gitignore` rules of the repositories that hold the walked folders."""

    def ignored(self, path: str, is_dir: bool = False) -> bool:
        absolute = Path(os.path.abspath(path))
        top = _git_top(str(absolute.parent))
        if top is None or absolute == top:
            return False
        verdict = False
        for folder, spec in _specs_between(top, absolute.parent):
            relative = absolute.relative_to(folder).as_posix() + ("/" if is_dir else "")
            result = spec.check_file(relative)
            if result.include is not None:
                verdict = result.include
        return verdict


@lru_cache(maxsize=4096)
def _git_top(folder: str) -> Path | None:
    path = Path(folder)
    for candidate in (path, *path.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def _specs_between(top: Path, folder: Path) -> list[tuple[Path, pathspec.PathSpec]]:
    specs = []
    info = _read_spec(top / ".git" / "info" / "exclude")
    if info is not None:
        specs.append((top, info))
    current = top
    for part in (*folder.relative_to(top).parts, None):
        spec = _read_spec(current / ".gitignore")
        if spec is not None:
            specs.append((current, spec))
        if part is None:
            break
        current = current / part
    return specs


@lru_cache(maxsize=4096)
def _read_spec(file: Path) -> pathspec.PathSpec | None:
    try:
        return _spec(file.read_text(encoding="utf-8", errors="replace").splitlines())
    except OSError:
        return None


class WalkFilter:
    """What `discover` asks about each walked file and folder."""

    def __init__(self, excludes: Excludes, gitignore: bool, follow_symlinks: bool) -> None:
        self.excludes = excludes
        self.gitignore = GitIgnored() if gitignore else None
        self.follow_symlinks = follow_symlinks

    def skip(self, path: str, is_dir: bool) -> bool:
        if self.excludes and self.excludes.excluded(path, is_dir):
            return True
        return bool(self.gitignore and self.gitignore.ignored(path, is_dir))

    def excluded(self, path: str) -> bool:
        """For a file named on the command line: exclude patterns only, not .gitignore."""
        return bool(self.excludes) and self.excludes.excluded(path)
