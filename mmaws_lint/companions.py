"""Companion templates: the other templates of a project that exchange exports with a file.

The pre-commit hook and the cfn-lint plugin see one template (or a batch) at a time, while an
alarm in a monitoring stack may watch a queue exported by another stack. A companion of a file
is a template of the same project that imports one of the file's exports, or exports a name the
file imports. Linting a file together with its companions gives the findings a whole-project run
gives for that file.

The scan is fast and bounded: only files that mention `Export` or `ImportValue` are decoded, the
export and import names of each file are kept in `.mmaws-lint-cache/` under the project root,
keyed by modification time and size, and at most `MAX_SCAN_FILES` files are scanned and
`MAX_COMPANIONS` companions returned. `companions: false` in `.mmaws-lint.yaml` turns it off.
The project root is the folder of `.mmaws-lint.yaml` (or `.mmaws-lint.yml`), else the git top
level, found from the file's folder upward; with neither, there is no discovery.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from .engine import Result
from .template.discover import MAX_SCAN_BYTES, SKIPPED_DIRS, TEMPLATE_SUFFIXES
from .template.template import Template

CACHE_DIR = ".mmaws-lint-cache"
CACHE_FILE = "companions-v1.json"
CONFIG_NAMES = (".mmaws-lint.yaml", ".mmaws-lint.yml")
MAX_SCAN_FILES = 20_000
MAX_COMPANIONS = 64
WILDCARD = "\0"  # stands for any text in a name pattern (export names never contain NUL)
_CROSS_STACK = re.compile(rb"ImportValue|\"?Export\"?\s*:")
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_SKIPPED = SKIPPED_DIRS | {CACHE_DIR, "cdk.out"}


@dataclass(frozen=True)
class Signature:
    """The export names a template defines and the names it imports, as patterns."""

    exports: tuple[str, ...] = ()
    imports: tuple[str, ...] = ()


def project_root(file: str | os.PathLike[str]) -> tuple[Path, bool] | None:
    """(root, enabled) for the project holding `file`, or None outside any project."""
    folder = Path(file).resolve().parent
    for candidate in (folder, *folder.parents):
        for name in CONFIG_NAMES:
            config = candidate / name
            if config.is_file():
                return candidate, _enabled_in(config)
        if (candidate / ".git").exists():
            return candidate, True
    return None


def _enabled_in(config: Path) -> bool:
    try:
        data = yaml.safe_load(config.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return True  # the run that reads the configuration reports it; discovery stays on
    return not (isinstance(data, dict) and data.get("companions") is False)


def find_companions(files: Iterable[str]) -> list[str]:
    """The companions of `files` (absolute paths, sorted; the files themselves left out)."""
    named = [os.path.realpath(f) for f in files]
    by_root: dict[Path, list[str]] = {}
    for file in named:
        found = project_root(file)
        if found is not None and found[1]:
            by_root.setdefault(found[0], []).append(file)
    companions: set[str] = set()
    for root, members in by_root.items():
        index = ProjectIndex(root)
        for file in members:
            companions.update(index.companions_of(file))
    return sorted(companions - set(named))[:MAX_COMPANIONS]


class ProjectIndex:
    """Export and import names of every template under a project root, cached by mtime."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.signatures = self._scan()

    def companions_of(self, file: str) -> list[str]:
        own = self.signatures.get(file) or signature_of(file)
        if not own.exports and not own.imports:
            return []
        found = []
        for other, signature in self.signatures.items():
            if other == file:
                continue
            if _any_overlap(own.exports, signature.imports) or _any_overlap(
                own.imports, signature.exports
            ):
                found.append(other)
                if len(found) >= MAX_COMPANIONS:
                    break
        return found

    def _scan(self) -> dict[str, Signature]:
        cache_file = self.root / CACHE_DIR / CACHE_FILE
        cached = _read_cache(cache_file)
        fresh: dict[str, list[Any]] = {}
        signatures: dict[str, Signature] = {}
        for file in _template_files(self.root):
            try:
                stat = os.stat(file)
            except OSError:
                continue
            key = os.path.relpath(file, self.root)
            entry = cached.get(key)
            if not (isinstance(entry, list) and entry[:2] == [stat.st_mtime_ns, stat.st_size]):
                found = signature_of(file)
                entry = [stat.st_mtime_ns, stat.st_size, list(found.exports), list(found.imports)]
            fresh[key] = entry
            signatures[file] = Signature(tuple(entry[2]), tuple(entry[3]))
        if fresh != cached:
            _write_cache(cache_file, fresh)
        return signatures


def _template_files(root: Path) -> Iterator[str]:
    count = 0
    for current, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(
            d
            for d in dirs
            if d not in _SKIPPED
            and not d.startswith(".")
            and not os.path.islink(os.path.join(current, d))
        )
        for name in sorted(files):
            if name.lower().endswith(TEMPLATE_SUFFIXES):
                full = os.path.join(current, name)
                if os.path.islink(full):
                    continue
                yield full
                count += 1
                if count >= MAX_SCAN_FILES:
                    return


def _read_cache(file: Path) -> dict[str, Any]:
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_cache(file: Path, data: dict[str, Any]) -> None:
    """Best effort: a read-only checkout only costs the scan time on the next run."""
    try:
        file.parent.mkdir(exist_ok=True)
        ignore = file.parent / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# written by mmaws-lint\n*\n", encoding="utf-8")
        temporary = file.with_name(f"{file.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
        os.replace(temporary, file)
    except OSError:
        pass


def signature_of(file: str) -> Signature:
    """The export and import name patterns of one file; empty for anything not a template."""
    try:
        with open(file, "rb") as handle:
            raw = handle.read(MAX_SCAN_BYTES + 1)
    except OSError:
        return Signature()
    if len(raw) > MAX_SCAN_BYTES or not _CROSS_STACK.search(raw):
        return Signature()
    from .template.decode import decode_text  # only files that exchange names are decoded

    try:
        data = decode_text(raw.decode("utf-8-sig"), [])
    except Exception:  # not a template we can read: it cannot be a companion either
        return Signature()
    if not isinstance(data, dict):
        return Signature()
    exports: set[str] = set()
    outputs = data.get("Outputs")
    for output in outputs.values() if isinstance(outputs, dict) else ():
        export = output.get("Export") if isinstance(output, dict) else None
        if isinstance(export, dict):
            exports.add(name_pattern(export.get("Name")))
    imports = {name_pattern(node) for node in _imported_names(data, 0)}
    return Signature(_known(exports), _known(imports))


def _known(patterns: set[str]) -> tuple[str, ...]:
    """Patterns with some literal text; a name known only as 'anything' matches nothing, as
    the rules leave such a reference unresolved and silent."""
    return tuple(sorted(p for p in patterns if p.replace(WILDCARD, "")))


def _imported_names(node: Any, depth: int) -> Iterator[Any]:
    if depth > 64:
        return
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Fn::ImportValue":
                yield value
            else:
                yield from _imported_names(value, depth + 1)
    elif isinstance(node, list):
        for value in node:
            yield from _imported_names(value, depth + 1)


def name_pattern(node: Any) -> str:
    """An export or import name as text with WILDCARD where a value is decided at deploy time."""
    if isinstance(node, str):
        return node.replace(WILDCARD, "")
    if isinstance(node, (int, float)) and not isinstance(node, bool):
        return str(node)
    if isinstance(node, dict) and len(node) == 1:
        (function, argument), *_ = node.items()
        if function == "Fn::Sub":
            text = argument[0] if isinstance(argument, list) and argument else argument
            if isinstance(text, str):
                return _SUB_VARIABLE.sub(_sub_part, text.replace(WILDCARD, ""))
        if function == "Fn::Join" and isinstance(argument, list) and len(argument) == 2:
            separator, parts = argument
            if isinstance(separator, str) and isinstance(parts, list):
                return _collapse(separator.join(name_pattern(p) for p in parts))
    return WILDCARD


def _sub_part(match: re.Match[str]) -> str:
    inner = match.group(1)
    return "${" + inner[1:] + "}" if inner.startswith("!") else WILDCARD


def _collapse(pattern: str) -> str:
    return re.sub(f"{WILDCARD}+", WILDCARD, pattern)


def _any_overlap(left: tuple[str, ...], right: tuple[str, ...]) -> bool:
    return any(patterns_overlap(a, b) for a in left for b in right)


@lru_cache(maxsize=65536)
def patterns_overlap(left: str, right: str) -> bool:
    """Whether some name fits both patterns (WILDCARD matches any text, also empty)."""
    left, right = _collapse(left), _collapse(right)
    if WILDCARD not in left and WILDCARD not in right:
        return left == right
    if not _ends_agree(left, right) or not _ends_agree(left[::-1], right[::-1]):
        return False
    seen: set[tuple[int, int]] = set()
    stack = [(0, 0)]
    while stack:
        i, j = stack.pop()
        if (i, j) in seen:
            continue
        seen.add((i, j))
        if i == len(left) and j == len(right):
            return True
        a = left[i] if i < len(left) else None
        b = right[j] if j < len(right) else None
        if a == WILDCARD:
            stack.append((i + 1, j))
            if b is not None:
                stack.append((i, j + 1))
        if b == WILDCARD:
            stack.append((i, j + 1))
            if a is not None:
                stack.append((i + 1, j))
        if a is not None and b is not None and a == b and a != WILDCARD:
            stack.append((i + 1, j + 1))
    return False


def _ends_agree(left: str, right: str) -> bool:
    """Literal prefixes (up to the first wildcard) must agree where both are literal."""
    a = left.split(WILDCARD, 1)[0]
    b = right.split(WILDCARD, 1)[0]
    size = min(len(a), len(b))
    return a[:size] == b[:size]


def only_named(result: Result, named: Iterable[str]) -> Result:
    """Keep what a run found in the named files; companions were only context."""
    keep = {os.path.normpath(f) for f in named}
    return replace(
        result,
        findings=[f for f in result.findings if os.path.normpath(f.file) in keep],
        # a rule failure names every file of its unit, "a.yaml, b.yaml"
        problems=[
            p
            for p in result.problems
            if keep & {os.path.normpath(part) for part in p.file.split(", ")}
        ],
        linted=[f for f in result.linted if os.path.normpath(f) in keep],
    )


_LOADED: dict[str, tuple[tuple[int, int], Template | None]] = {}


def companion_templates(file: str) -> list[Template]:
    """The companions of `file`, loaded (for hosts that lint one template at a time); kept in
    memory by modification time and size, so an editor session reads each companion once."""
    from .template.load import read_template

    templates = []
    for companion in find_companions([file]):
        try:
            stat = os.stat(companion)
        except OSError:
            continue
        stamp = (stat.st_mtime_ns, stat.st_size)
        cached = _LOADED.get(companion)
        if cached is None or cached[0] != stamp:
            loaded = read_template(companion, explicit=False)
            cached = (stamp, loaded if isinstance(loaded, Template) else None)
            _LOADED[companion] = cached
        if cached[1] is not None:
            templates.append(cached[1])
    return templates
