"""Read one file into a `Template`, or say in one line why it cannot be linted."""

from __future__ import annotations

import copy
import os
import re
from dataclasses import dataclass
from pathlib import Path

from .decode import DecodeError, decode_text
from .intrinsics import intrinsic
from .nodes import Map, Seq, as_span
from .template import Template

# CloudFormation accepts templates of at most 1 MB (from S3); anything five times larger is not a
# template that can be deployed, and decoding it would cost seconds and gigabytes.
MAX_FILE_BYTES = 5 * 1024 * 1024
# Files found by walking a folder are decoded only when this matches; `Resources` lets a file
# whose resource types are not plain strings (`Type: !Ref X`) reach the check that reports it.
_LOOKS_LIKE_CFN = re.compile(
    rb"AWSTemplateFormatVersion|[\"']?Type[\"']?\s*:\s*[\"']?(AWS|Custom)::[A-Za-z0-9]+::"
    rb"|(^|[{,\s])[\"']?Resources[\"']?\s*:"
)
_SAM_GLOBAL_SECTIONS = {
    "Function": "AWS::Serverless::Function",
    "Api": "AWS::Serverless::Api",
    "HttpApi": "AWS::Serverless::HttpApi",
    "SimpleTable": "AWS::Serverless::SimpleTable",
    "StateMachine": "AWS::Serverless::StateMachine",
    "LayerVersion": "AWS::Serverless::LayerVersion",
    "CapacityProvider": "AWS::Serverless::CapacityProvider",
}


@dataclass(frozen=True)
class LoadProblem:
    """Why a file was not linted, or a caveat about how it was linted.

    `skipped` problems are notes (a file that is not a template, a duplicate key whose last
    value was used), not errors: they do not make the run fail. `rule` names the rule that
    failed on the file, when one rule crashed and the others linted it.
    """

    file: str
    message: str
    line: int | None = None
    skipped: bool = False
    rule: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


def read_template(
    path: str | os.PathLike[str],
    *,
    stack_name: str | None = None,
    cdk_paths: dict[str, str] | None = None,
    explicit: bool = True,
) -> Template | LoadProblem | None:
    """Load `path`. Returns None for a file found by walking a folder that is not a template."""
    name = os.fspath(path)
    try:
        size = os.path.getsize(name)
        if size > MAX_FILE_BYTES:
            return LoadProblem(
                name,
                f"file is {size:,} bytes; CloudFormation accepts templates up to 1 MB and"
                f" mmaws-lint reads at most {MAX_FILE_BYTES:,}",
            )
        with open(name, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        return LoadProblem(name, f"cannot read file: {exc.strerror or exc}")
    return parse_template(raw, name, stack_name=stack_name, cdk_paths=cdk_paths, explicit=explicit)


def parse_template(
    raw: bytes,
    name: str,
    *,
    stack_name: str | None = None,
    cdk_paths: dict[str, str] | None = None,
    explicit: bool = True,
) -> Template | LoadProblem | None:
    looks_like_cfn = bool(_LOOKS_LIKE_CFN.search(raw))
    if not explicit and not looks_like_cfn:
        return None
    if explicit and not raw.strip():
        return LoadProblem(name, "empty file, not a template")
    if b"\x00" in raw[:8192]:
        return LoadProblem(name, "binary file, not a YAML or JSON template")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return LoadProblem(name, f"not valid UTF-8 (byte 0x{raw[exc.start]:02x})", line)
    duplicates: list[DecodeError] = []
    try:
        data = decode_text(text, duplicates)
    except DecodeError as exc:
        return LoadProblem(name, exc.message, exc.line)
    except RecursionError:
        return LoadProblem(name, "nested too deeply to read")
    if not _is_template(data):
        unlintable = _why_not_lintable(data)
        if unlintable is not None:
            message, line = unlintable
            return LoadProblem(name, message, line)
        if not explicit:
            return None
        return LoadProblem(name, "skipped: not a CloudFormation template", skipped=True)
    assert isinstance(data, Map)
    merge_sam_globals(data)
    notes = [
        LoadProblem(name, f"{d.message}; the last value is used", d.line, skipped=True)
        for d in duplicates
    ]
    notes.extend(
        LoadProblem(name, f"{message}; the resource is not linted", line, skipped=True)
        for message, line in _untyped_resources(data.get("Resources"))
    )
    return Template(
        file=name,
        data=data,
        stack_name=stack_name or Path(name).stem.split(".")[0],
        cdk_paths=cdk_paths or {},
        notes=notes,
    )


def _is_template(data: object) -> bool:
    if not isinstance(data, Map):
        return False
    resources = data.get("Resources")
    if isinstance(resources, Map) and any(
        isinstance(body, dict) and isinstance(body.get("Type"), str) for body in resources.values()
    ):
        return True
    return "AWSTemplateFormatVersion" in data and (resources is None or isinstance(resources, Map))


def _why_not_lintable(data: object) -> tuple[str, int | None] | None:
    """(message, line) when something that looks like a template (a format version, or
    resources with a `Type` key) cannot be linted; None when it does not look like one."""
    if not isinstance(data, Map):
        return None
    resources = data.get("Resources")
    if isinstance(resources, Map):
        untyped = _untyped_resources(resources)
        return untyped[0] if untyped else None
    if resources is None:
        return None
    typed_items = isinstance(resources, list) and any(
        isinstance(item, dict) and "Type" in item for item in resources
    )
    if "AWSTemplateFormatVersion" in data or typed_items:
        line = as_span(data.key_spans.get("Resources", data.span)).line
        message = f"'Resources' is {_kind(resources)}, not a mapping of logical IDs to resources"
        return message, line
    return None


def _untyped_resources(resources: object) -> list[tuple[str, int | None]]:
    """(message, line) for each resource whose `Type` is there but is not a type name."""
    if not isinstance(resources, Map):
        return []
    found = []
    for logical_id, body in resources.items():
        if isinstance(body, Map) and "Type" in body and not isinstance(body["Type"], str):
            line = as_span(body.key_spans.get("Type", body.span)).line
            kind = _kind(body["Type"])
            found.append(
                (f"resource {logical_id}: 'Type' is {kind}, not a name like AWS::SQS::Queue", line)
            )
    return found


def _kind(value: object) -> str:
    if isinstance(value, dict):
        return "an intrinsic function" if intrinsic(value) is not None else "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "empty"
    return "a number" if isinstance(value, (int, float)) else f"a {type(value).__name__}"


def merge_sam_globals(data: Map) -> None:
    """Apply SAM `Globals` to the resources they govern, as the SAM translator would."""
    globals_ = data.get("Globals")
    resources = data.get("Resources")
    if not isinstance(globals_, dict) or not isinstance(resources, dict):
        return
    for section, resource_type in _SAM_GLOBAL_SECTIONS.items():
        defaults = globals_.get(section)
        if not isinstance(defaults, dict):
            continue
        for body in resources.values():
            if not isinstance(body, Map) or body.get("Type") != resource_type:
                continue
            properties = body.get("Properties")
            if not isinstance(properties, Map):
                properties = Map(body.span)
                body["Properties"] = properties
            _merge_into(properties, defaults)


def _merge_into(target: Map, defaults: dict) -> None:
    for key, value in defaults.items():
        if key not in target:
            target[key] = copy.copy(value)
            if isinstance(defaults, Map):
                target.key_spans[key] = defaults.key_spans.get(key, defaults.span)
        elif isinstance(target[key], Map) and isinstance(value, dict):
            _merge_into(target[key], value)
        elif isinstance(target[key], Seq) and isinstance(value, list):
            # SAM concatenates lists: global entries first, then the resource's own.
            target[key][:0] = value
            target[key].item_spans[:0] = getattr(value, "item_spans", [])
