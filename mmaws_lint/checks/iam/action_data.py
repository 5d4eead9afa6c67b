"""Which IAM actions exist and which support resource-level permissions, read from the action
file cfn-lint ships (`cfnlint/data/AdditionalSpecs/Policies.json`, about 22,000 actions).

That file is cfn-lint's internal data, not an API, so it is read here and only here, on first
use (never for a template without IAM policies), and checked for the shape this module reads:
`{service: {"Actions": {lower-case action: {"Resources": [...]} or {}}}}`. When the file is
missing or its shape changed, `resource_levels()` is None and `unavailable()` says why; the
rules that need it stay silent and `mmaws-lint rules` shows the reason.
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

PACKAGE = "cfnlint"
FILE = "Policies.json"
FOLDER = ("data", "AdditionalSpecs")
# Actions whose documented answer proves the file still means what this module reads.
_SCOPABLE_PROBE = ("s3", "getobject")
_UNSCOPABLE_PROBE = ("s3", "listallmybuckets")
_MIN_SERVICES = 100


@dataclass(frozen=True)
class ResourceLevels:
    """service -> {action -> True when it supports resource-level permissions}, lower case."""

    services: dict[str, dict[str, bool]]

    def actions(self, service: str) -> dict[str, bool] | None:
        return self.services.get(service.lower())


@lru_cache(maxsize=1)
def _load() -> tuple[ResourceLevels | None, str | None]:
    try:
        document = json.loads(_source_text())
    except (ImportError, OSError, ValueError) as exc:
        return None, f"cfn-lint's {FILE} cannot be read ({type(exc).__name__})"
    levels = _parse(document)
    if levels is None:
        return None, f"cfn-lint's {FILE} changed shape (expected service -> Actions -> Resources)"
    return levels, None


def _source_text() -> str:
    """The file's text, found without importing cfnlint (whose import takes a second)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(PACKAGE)
    folder = Path(next(iter(spec.submodule_search_locations))).joinpath(*FOLDER)
    return (folder / FILE).read_text(encoding="utf-8")


def _parse(document: Any) -> ResourceLevels | None:
    if not isinstance(document, dict) or len(document) < _MIN_SERVICES:
        return None
    services: dict[str, dict[str, bool]] = {}
    for service, body in document.items():
        actions = body.get("Actions") if isinstance(body, dict) else None
        if not isinstance(service, str) or not isinstance(actions, dict):
            return None
        parsed: dict[str, bool] = {}
        for action, detail in actions.items():
            if not isinstance(detail, dict):
                return None
            scoped = detail.get("Resources")
            if scoped is not None and not isinstance(scoped, list):
                return None
            parsed[str(action).lower()] = bool(scoped)
        services[service.lower()] = parsed
    scopable = services.get(_SCOPABLE_PROBE[0], {}).get(_SCOPABLE_PROBE[1])
    unscopable = services.get(_UNSCOPABLE_PROBE[0], {}).get(_UNSCOPABLE_PROBE[1])
    if scopable is not True or unscopable is not False:
        return None
    return ResourceLevels(services)


def resource_levels() -> ResourceLevels | None:
    """The action data, or None when cfn-lint's file cannot be used (see `unavailable`)."""
    return _load()[0]


def unavailable() -> str | None:
    """Why the action data cannot be used, or None when it can."""
    return _load()[1]


def loaded() -> bool:
    """True once the file has been read in this process (tests prove laziness with it)."""
    return _load.cache_info().currsize > 0
