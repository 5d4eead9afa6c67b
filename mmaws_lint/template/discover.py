"""Turn command-line paths into units of work.

A unit is the set of templates that must be seen together: a `cdk.out` cloud assembly (its
stacks import each other's exports), or all loose templates that take part in `Export` /
`Fn::ImportValue`. Every other loose file is a unit of its own, so `--jobs N` can lint units
in parallel and still report exactly what a serial run reports.
"""

from __future__ import annotations

import gc
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from .load import LoadProblem, read_template
from .template import Template

TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json", ".template")
SKIPPED_DIRS = {".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".tox"}
MAX_SCAN_BYTES = 8 * 1024 * 1024
_CROSS_STACK = re.compile(rb"ImportValue|\"?Export\"?\s*:")


@dataclass(frozen=True)
class Source:
    """A file to load, with what its surroundings tell about it."""

    file: str
    explicit: bool
    stack_name: str | None = None
    cdk_paths: tuple[tuple[str, str], ...] = ()


@dataclass
class Unit:
    sources: list[Source] = field(default_factory=list)
    problems: list[LoadProblem] = field(default_factory=list)

    def load(self) -> tuple[list[Template], list[LoadProblem]]:
        """The unit's templates, and its problems: discovery's, unreadable files, decoder notes."""
        templates: list[Template] = []
        problems = list(self.problems)
        collecting = gc.isenabled()
        gc.disable()  # templates already loaded are long-lived: do not walk them between decodes
        try:
            self._load_into(templates, problems)
        finally:
            if collecting:
                gc.enable()
        return templates, problems

    def _load_into(self, templates: list[Template], problems: list[LoadProblem]) -> None:
        for source in self.sources:
            loaded = read_template(
                source.file,
                stack_name=source.stack_name,
                cdk_paths=dict(source.cdk_paths),
                explicit=source.explicit,
            )
            if isinstance(loaded, Template):
                templates.append(loaded)
                problems.extend(loaded.notes)
            elif isinstance(loaded, LoadProblem):
                problems.append(loaded)


class WalkPolicy(Protocol):
    """What to leave out of folder walks (`mmaws_lint.ignore.WalkFilter`)."""

    follow_symlinks: bool

    def skip(self, path: str, is_dir: bool) -> bool: ...

    def excluded(self, path: str) -> bool: ...


def discover(
    paths: list[str],
    stack_names: dict[str, str] | None = None,
    policy: WalkPolicy | None = None,
) -> list[Unit]:
    stack_names = {os.path.normpath(k): v for k, v in (stack_names or {}).items()}
    units: list[Unit] = []
    loose: list[Source] = []
    problems: list[LoadProblem] = []
    seen: set[str] = set()

    def add_loose(file: str, explicit: bool) -> None:
        real = os.path.realpath(file)
        if real in seen:
            return
        seen.add(real)
        loose.append(Source(file, explicit, stack_names.get(os.path.normpath(file))))

    for raw in paths:
        path = os.path.normpath(raw)
        if os.path.isdir(path):
            if is_cloud_assembly(path):
                units.append(cloud_assembly_unit(path))
                continue
            for file, assembly in _walk(path, policy, problems):
                if assembly:
                    units.append(cloud_assembly_unit(file))
                else:
                    add_loose(file, explicit=False)
        elif os.path.isfile(path):
            if policy is None or not policy.excluded(path):
                add_loose(path, explicit=True)
        elif os.path.lexists(path):
            problems.append(LoadProblem(path, "not a regular file or folder (broken link?)"))
        else:
            problems.append(LoadProblem(path, "no such file or folder"))

    linked = Unit()
    for source in loose:
        if _takes_part_in_exports(source.file):
            linked.sources.append(source)
        else:
            units.append(Unit([source]))
    if linked.sources:
        units.append(linked)
    if problems:
        units.append(Unit(problems=problems))
    return units


def _walk(root: str, policy: WalkPolicy | None, problems: list[LoadProblem]):
    """Yield (path, is_cloud_assembly) under root, sorted, without following folder links, nor
    file links that leave the folder (unless the policy follows them)."""
    real_root = os.path.realpath(root)
    for current, dirs, files in os.walk(root, followlinks=False):
        dirs.sort()
        keep = []
        for name in dirs:
            full = os.path.join(current, name)
            if name in SKIPPED_DIRS or os.path.islink(full):
                continue
            if policy is not None and policy.skip(full, True):
                continue
            if is_cloud_assembly(full):
                yield full, True
                continue
            keep.append(name)
        dirs[:] = keep
        for name in sorted(files):
            if not name.lower().endswith(TEMPLATE_SUFFIXES) or name == "manifest.json":
                continue
            full = os.path.join(current, name)
            if policy is not None and policy.skip(full, False):
                continue
            if os.path.islink(full) and not (policy is not None and policy.follow_symlinks):
                target = os.path.realpath(full)
                if os.path.commonpath([real_root, target]) != real_root:
                    problems.append(
                        LoadProblem(
                            full,
                            "skipped: a link to a file outside the folder"
                            " (--follow-symlinks to lint it)",
                            skipped=True,
                        )
                    )
                    continue
            yield full, False


def _takes_part_in_exports(file: str) -> bool:
    try:
        with open(file, "rb") as handle:
            return bool(_CROSS_STACK.search(handle.read(MAX_SCAN_BYTES)))
    except OSError:
        return False


def is_cloud_assembly(folder: str) -> bool:
    manifest = os.path.join(folder, "manifest.json")
    if not os.path.isfile(manifest):
        return False
    try:
        with open(manifest, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and isinstance(data.get("artifacts"), dict)


def cloud_assembly_unit(folder: str) -> Unit:
    unit = Unit()
    _collect_assembly(folder, unit, set())
    return unit


def stack_templates_unit(files: Iterable[str]) -> Unit:
    """The given stack templates of one synthesis as one unit, each with the stack name and
    construct paths its assembly's manifest gives it. A CDK validation plugin is handed
    template paths, which may lie in the nested assemblies of stages."""
    wanted = {os.path.normpath(os.path.abspath(file)): file for file in files}
    unit = Unit()
    found: set[str] = set()
    for folder in sorted({os.path.dirname(file) for file in wanted}):
        if not is_cloud_assembly(folder):
            continue
        assembly = Unit()
        _collect_assembly(folder, assembly, set())
        unit.problems.extend(assembly.problems)
        for source in assembly.sources:
            key = os.path.normpath(os.path.abspath(source.file))
            if key in wanted and key not in found:
                found.add(key)
                unit.sources.append(source)
    for key, file in sorted(wanted.items()):
        if key not in found:
            unit.sources.append(Source(file, True, os.path.basename(file).split(".")[0]))
    return unit


def _collect_assembly(folder: str, unit: Unit, visited: set[str]) -> None:
    real = os.path.realpath(folder)
    if real in visited:
        return
    visited.add(real)
    manifest_file = os.path.join(folder, "manifest.json")
    try:
        with open(manifest_file, encoding="utf-8") as handle:
            manifest = json.load(handle)
    except (OSError, ValueError) as exc:
        unit.problems.append(LoadProblem(manifest_file, f"cannot read CDK manifest: {exc}"))
        return
    listed: set[str] = set()
    artifacts = manifest.get("artifacts") if isinstance(manifest, dict) else None
    for artifact_id, artifact in sorted((artifacts or {}).items()):
        if not isinstance(artifact, dict):
            continue
        properties = artifact.get("properties") or {}
        if not isinstance(properties, dict):
            continue
        kind = artifact.get("type")
        if kind == "cdk:cloud-assembly" and isinstance(properties.get("directoryName"), str):
            _collect_assembly(os.path.join(folder, properties["directoryName"]), unit, visited)
        elif kind == "aws:cloudformation:stack" and isinstance(properties.get("templateFile"), str):
            file = os.path.join(folder, properties["templateFile"])
            listed.add(os.path.normpath(file))
            stack_name = properties.get("stackName") or artifact_id
            paths = _logical_id_paths(_stack_metadata(folder, artifact))
            unit.sources.append(Source(file, True, str(stack_name), tuple(sorted(paths.items()))))
    for nested in sorted(Path(folder).glob("*.nested.template.json")):
        if os.path.normpath(nested) not in listed:
            unit.sources.append(Source(str(nested), True, nested.name.split(".")[0]))


def construct_metadata(files: Iterable[str], entry_type: str) -> list[tuple[str, object]]:
    """(construct path, data) of every construct metadata entry of this type that the
    manifests of these stack templates' assemblies record."""
    wanted = {os.path.normpath(os.path.abspath(file)) for file in files}
    found: list[tuple[str, object]] = []
    for folder in sorted({os.path.dirname(file) for file in wanted}):
        manifest = _read_json(os.path.join(folder, "manifest.json"))
        artifacts = manifest.get("artifacts") if isinstance(manifest, dict) else None
        for artifact in (artifacts or {}).values() if isinstance(artifacts, dict) else ():
            properties = artifact.get("properties") if isinstance(artifact, dict) else None
            template = properties.get("templateFile") if isinstance(properties, dict) else None
            if not isinstance(template, str):
                continue
            if os.path.normpath(os.path.abspath(os.path.join(folder, template))) not in wanted:
                continue
            for path, entries in _stack_metadata(folder, artifact).items():
                for entry in entries if isinstance(entries, list) else []:
                    if isinstance(entry, dict) and entry.get("type") == entry_type:
                        found.append((str(path).lstrip("/"), entry.get("data")))
    return found


def _stack_metadata(folder: str, artifact: dict) -> dict:
    """Construct path -> metadata entries of a stack artifact: in the manifest, and in the
    file newer CDK versions write beside it (`additionalMetadataFile`)."""
    metadata = artifact.get("metadata")
    merged = dict(metadata) if isinstance(metadata, dict) else {}
    extra = artifact.get("additionalMetadataFile")
    if isinstance(extra, str):
        more = _read_json(os.path.join(folder, extra))
        for path, entries in more.items() if isinstance(more, dict) else ():
            known = merged.get(path)
            merged[path] = (known if isinstance(known, list) else []) + (
                entries if isinstance(entries, list) else []
            )
    return merged


def _read_json(file: str) -> object:
    try:
        with open(file, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def _logical_id_paths(metadata: object) -> dict[str, str]:
    """Map logical IDs to construct paths from a stack artifact's metadata."""
    result: dict[str, str] = {}
    if not isinstance(metadata, dict):
        return result
    for construct_path, entries in metadata.items():
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, dict) and entry.get("type") == "aws:cdk:logicalId":
                logical_id = entry.get("data")
                if isinstance(logical_id, str):
                    # manifests write "/Stack/Construct"; aws-cdk-lib and aws:cdk:path omit the "/"
                    result.setdefault(logical_id, str(construct_path).lstrip("/"))
    return result
