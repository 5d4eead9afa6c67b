"""SAM policy templates (`S3CrudPolicy`, `DynamoDBCrudPolicy`, `LambdaInvokePolicy`, …) expanded
from the definitions SAM itself uses: `samtranslator/policy_templates_data/policy_templates.json`
of the aws-sam-translator package (`pip install 'mmaws-lint[sam]'`).

The file is found without importing samtranslator and read on first use only. When the package
is not installed or the file changed shape, `expand` answers None (the statements stay
unknown, so rules stay silent about them) and `unavailable()` says why.
"""

from __future__ import annotations

import importlib.util
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

PACKAGE = "samtranslator"
FILE = ("policy_templates_data", "policy_templates.json")
# Stands for a template parameter the author did not give: the resolver cannot read it.
_UNKNOWN = {"Fn::MmawsUnknownParameter": ""}


@lru_cache(maxsize=1)
def _load() -> tuple[dict[str, Any] | None, str | None]:
    try:
        spec = importlib.util.find_spec(PACKAGE)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        return None, "SAM policy templates are not expanded: aws-sam-translator is not installed"
    path = Path(next(iter(spec.submodule_search_locations))).joinpath(*FILE)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return None, f"SAM policy templates cannot be read from {path.name} ({type(exc).__name__})"
    templates = document.get("Templates") if isinstance(document, dict) else None
    if not isinstance(templates, dict) or not all(
        isinstance(body, dict) and isinstance(body.get("Definition"), dict)
        for body in templates.values()
    ):
        return None, "SAM's policy_templates.json changed shape (expected Templates -> Definition)"
    return templates, None


def unavailable() -> str | None:
    return _load()[1]


def loaded() -> bool:
    return _load.cache_info().currsize > 0


def known(name: str) -> bool | None:
    """True for a SAM policy template name, None when the templates cannot be read."""
    templates = _load()[0]
    return None if templates is None else name in templates


def expand(name: str, arguments: Any) -> dict[str, Any] | None:
    """The policy document template `name` stands for, its parameters replaced by the
    author's `arguments` (a mapping of parameter name to value); None when unknown."""
    templates = _load()[0]
    if templates is None or name not in templates:
        return None
    body = templates[name]
    parameters = body.get("Parameters") if isinstance(body.get("Parameters"), dict) else {}
    given = arguments if isinstance(arguments, dict) else {}
    values = {p: given.get(p, _UNKNOWN) for p in parameters}
    return _substitute(body["Definition"], values)


def _substitute(node: Any, values: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        if len(node) == 1 and isinstance(node.get("Ref"), str) and node["Ref"] in values:
            return values[node["Ref"]]
        return {key: _substitute(child, values) for key, child in node.items()}
    if isinstance(node, list):
        return [_substitute(child, values) for child in node]
    return node
