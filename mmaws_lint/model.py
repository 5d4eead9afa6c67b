"""The mental model as data: rule metadata and catalogs from `rules/`, plus user overrides."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:  # Python 3.11+ names it here; only annotations use it
    from importlib.resources.abc import Traversable

_YamlLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

DOCS_URL = "https://github.com/mmaws-lint/mmaws-lint/blob/main/docs/rules.md"
LEVELS = {"E": "error", "W": "warning", "I": "info"}
# Data keys whose string value names a predicate registered with `@predicate` in a family
# package (`variant`: which catalog entry applies, `when`: whether a capacity or alarm does).
PREDICATE_KEYS = ("when", "variant")


class ModelError(Exception):
    """A model or override file is not valid; the message is one line for the user."""


@dataclass(frozen=True)
class Family:
    """A family file's heading: everything docs and adapters need to know about the family."""

    name: str
    digit: str
    title: str
    description: str
    checkov_category: str
    file: str
    data_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    statement: str
    why: str
    fix: str
    example: str
    resource_types: tuple[str, ...]
    settings: dict[str, Any] = field(default_factory=dict)
    enabled: bool = True
    family: str = ""
    peers: str = ""

    @property
    def level(self) -> str:
        return LEVELS[self.id[0]]

    @property
    def docs_url(self) -> str:
        return f"{DOCS_URL}#{self.id.lower()}"

    def setting(self, name: str, default: Any = None) -> Any:
        return self.settings.get(name, default)


@dataclass(frozen=True)
class Model:
    rules: dict[str, Rule]
    data: dict[str, Any]
    families: dict[str, Family] = field(default_factory=dict)  # by name, in digit order

    def rule(self, rule_id: str) -> Rule:
        return self.rules[rule_id]

    def family_of(self, rule: Rule) -> Family:
        return self.families[rule.family]


def model_folder() -> Any:
    """The shipped `rules/` folder: the installed `mmaws_lint.model_data` package, or `rules/`
    beside the package when it runs from a checkout (the source tree shadows an install and has
    no `model_data` package; `rules/` becomes it only when built)."""
    try:
        folder = resources.files("mmaws_lint.model_data")
        if folder.joinpath("schema.json").is_file():
            return folder
    except ModuleNotFoundError:
        pass
    return Path(__file__).resolve().parent.parent / "rules"


def _schema() -> dict[str, Any]:
    return json.loads(model_folder().joinpath("schema.json").read_text())


def _validate(document: Any, source: str) -> None:
    import jsonschema  # imported here: only model loading needs it

    validator = jsonschema.Draft202012Validator(_schema())
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        best = jsonschema.exceptions.best_match(errors)
        where = "/".join(str(p) for p in best.absolute_path) or "(top level)"
        raise ModelError(f"{source}: invalid model at {where}: {best.message}")


def _validation_stamp(texts: list[str]) -> Path | None:
    """Where to remember that these exact model files passed the schema.

    Importing jsonschema and validating costs more than linting a small template, so the
    shipped model is validated once per content hash, not on every run.
    """
    digest = hashlib.sha256("\0".join(texts).encode()).hexdigest()[:32]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "mmaws-lint" / f"model-valid-{digest}"


@lru_cache(maxsize=1)
def shipped_model() -> Model:
    return load_family_files(model_folder())


def load_family_files(folder: Traversable) -> Model:
    """The model in a folder of family files (`*.yaml`) beside their `schema.json`."""
    rules: dict[str, Rule] = {}
    data: dict[str, Any] = {}
    families: dict[str, Family] = {}
    entries = [
        e for e in sorted(folder.iterdir(), key=lambda e: e.name) if e.name.endswith(".yaml")
    ]
    texts = [e.read_text(encoding="utf-8") for e in entries]
    stamp = _validation_stamp([*texts, folder.joinpath("schema.json").read_text()])
    validated = stamp is not None and stamp.exists()
    for entry, text in zip(entries, texts, strict=True):
        document = yaml.load(text, Loader=_YamlLoader)
        source = f"rules/{entry.name}"
        if not validated:
            _validate(document, source)
        family = _family(document, source)
        if family.name in families:
            raise ModelError(f"{source}: family {family.name!r} defined twice")
        families[family.name] = family
        for spec in document["rules"]:
            if spec["id"] in rules:
                raise ModelError(f"{source}: duplicate rule {spec['id']}")
            if spec["id"][3] != family.digit:
                raise ModelError(
                    f"{source}: rule {spec['id']} does not start with the family digit"
                    f" {family.digit} (IDs of family {family.name} are ?MM{family.digit}xx)"
                )
            rules[spec["id"]] = Rule(
                id=spec["id"],
                title=spec["title"],
                statement=spec["statement"].strip(),
                why=spec["why"].strip(),
                fix=spec["fix"].strip(),
                example=spec["example"].rstrip() + "\n",
                resource_types=tuple(spec["resource_types"]),
                settings=dict(spec.get("settings") or {}),
                enabled=spec.get("enabled", True),
                family=document["family"],
                peers=" ".join(str(spec.get("peers", "")).split()),
            )
        for key, value in (document.get("data") or {}).items():
            if key in data:
                raise ModelError(f"{source}: data key {key!r} defined twice")
            data[key] = value
        check_predicate_names(document.get("data"), source)
    if not validated and stamp is not None:
        try:
            stamp.parent.mkdir(parents=True, exist_ok=True)
            stamp.touch()
        except OSError:
            pass  # a read-only home only costs the validation time
    by_digit = dict(sorted(families.items(), key=lambda item: (item[1].digit, item[0])))
    return Model(dict(sorted(rules.items())), data, by_digit)


def _family(document: dict[str, Any], source: str) -> Family:
    return Family(
        name=document["family"],
        digit=document["digit"],
        title=document["title"],
        description=" ".join(str(document.get("description", "")).split()),
        checkov_category=document["checkov_category"],
        file=source,
        data_keys=tuple(document.get("data") or ()),
    )


def check_predicate_names(data: Any, source: str) -> None:
    """Raise ModelError when a `when`/`variant` in `data` names no registered predicate.

    A misspelt name would otherwise never hold and silently switch a capacity off. The
    predicates live in the family packages, which register them when imported.
    """
    found = list(_predicate_names(data, ("data",)))
    if not found:
        return
    from .checks import PREDICATES, load_checks  # the registry fills as families import

    load_checks()
    for where, key, name in found:
        if name not in PREDICATES:
            raise ModelError(
                f"{source}: {'.'.join(where)}: {key} names no predicate {name!r}"
                f" (predicates: {', '.join(sorted(PREDICATES))})"
            )


def _predicate_names(
    node: Any, where: tuple[str, ...]
) -> Iterator[tuple[tuple[str, ...], str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in PREDICATE_KEYS and not isinstance(value, (dict, list)):
                yield where, key, value
            else:
                yield from _predicate_names(value, (*where, _label(key, value)))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _predicate_names(item, (*where, _label(str(index), item)))


def _label(key: str, node: Any) -> str:
    """A path step, with the entry's name or types when it has them (`3[AWS::RDS::DBInstance]`)."""
    if isinstance(node, dict):
        name = node.get("name") or ", ".join(str(t) for t in node.get("types") or ())
        if name:
            return f"{key}[{name}]"
    return str(key)


def load_model(override_file: str | None = None) -> Model:
    model = shipped_model()
    if not override_file:
        return model
    try:
        with open(override_file, encoding="utf-8") as handle:
            document = yaml.load(handle, Loader=_YamlLoader)
    except OSError as exc:
        raise ModelError(f"{override_file}: cannot read model file: {exc.strerror}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ModelError(f"{override_file}: not valid YAML: {_first_line(exc)}") from None
    if document is None:
        return model
    _validate(document, override_file)
    if "family" in document:
        raise ModelError(f"{override_file}: an override file has 'rules' and 'data', not 'family'")
    return apply_overrides(model, document, override_file)


def apply_overrides(model: Model, document: dict[str, Any], source: str = "model") -> Model:
    rules = dict(model.rules)
    for rule_id, change in (document.get("rules") or {}).items():
        if rule_id not in rules:
            raise ModelError(f"{source}: unknown rule {rule_id}")
        rule = rules[rule_id]
        unknown = set(change.get("settings") or {}) - set(rule.settings)
        if unknown:
            raise ModelError(
                f"{source}: rule {rule_id} has no setting {sorted(unknown)[0]!r}"
                f" (settings: {', '.join(sorted(rule.settings)) or 'none'})"
            )
        rules[rule_id] = replace(
            rule,
            enabled=change.get("enabled", rule.enabled),
            settings={**rule.settings, **(change.get("settings") or {})},
        )
    data = dict(model.data)
    for key, value in (document.get("data") or {}).items():
        if key not in data:
            raise ModelError(f"{source}: unknown data key {key!r}")
        data[key] = _deep_merge(data[key], value)
    check_predicate_names(document.get("data"), source)
    return Model(rules, data, model.families)


def _deep_merge(base: Any, change: Any) -> Any:
    if isinstance(base, dict) and isinstance(change, dict):
        merged = dict(base)
        for key, value in change.items():
            merged[key] = _deep_merge(base[key], value) if key in base else value
        return merged
    return change


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
