"""Project configuration: `.mmaws-lint.yaml` or `[tool.mmaws-lint]` in `pyproject.toml`, found
from the working directory upward. It holds the same options as the command line."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

CONFIG_NAMES = (".mmaws-lint.yaml", ".mmaws-lint.yml")
KEYS = {
    "format", "output", "select", "ignore", "model", "jobs", "stack-names", "companions",
    "exclude", "gitignore", "baseline",
}  # fmt: skip


class ConfigError(Exception):
    pass


@dataclass
class Config:
    source: str | None = None
    values: dict[str, Any] = field(default_factory=dict)


def find_config(start: str | os.PathLike[str] | None = None) -> Config:
    folder = Path(start or os.getcwd()).resolve()
    for candidate in (folder, *folder.parents):
        for name in CONFIG_NAMES:
            file = candidate / name
            if file.is_file():
                return _load_yaml(file)
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file():
            found = _load_pyproject(pyproject)
            if found is not None:
                return found
    return Config()


def load_config_file(path: str | os.PathLike[str]) -> Config:
    """The configuration in `path` (`--config FILE`): a YAML file or a `pyproject.toml`."""
    file = Path(path)
    if not file.is_file():
        raise ConfigError(f"{file}: no such configuration file")
    if file.name == "pyproject.toml":
        return _load_pyproject(file) or Config(str(file))
    return _load_yaml(file)


def _load_yaml(file: Path) -> Config:
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(
            f"{file}: cannot read configuration: {str(exc).splitlines()[0]}"
        ) from None
    return _validated(file, data or {})


def _load_pyproject(file: Path) -> Config | None:
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{file}: cannot read configuration: {exc}") from None
    section = data.get("tool", {}).get("mmaws-lint")
    if section is None:
        return None
    return _validated(file, section)


def _validated(file: Path, data: Any) -> Config:
    if not isinstance(data, dict):
        raise ConfigError(f"{file}: configuration must be a mapping of options")
    unknown = set(data) - KEYS
    if unknown:
        raise ConfigError(
            f"{file}: unknown option {sorted(unknown)[0]!r} (options: {', '.join(sorted(KEYS))})"
        )
    values = dict(data)
    for key in ("select", "ignore"):
        if key in values:
            value = values[key]
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{file}: {key!r} must be a list of rule IDs or prefixes")
            values[key] = value
    if "jobs" in values and (not isinstance(values["jobs"], int) or values["jobs"] < 0):
        raise ConfigError(f"{file}: 'jobs' must be a whole number (0 = one per CPU)")
    if "stack-names" in values and not isinstance(values["stack-names"], dict):
        raise ConfigError(f"{file}: 'stack-names' must map template files to stack names")
    for key in ("companions", "gitignore"):
        if key in values and not isinstance(values[key], bool):
            raise ConfigError(f"{file}: {key!r} must be true or false")
    if "exclude" in values:
        exclude = values["exclude"]
        exclude = [exclude] if isinstance(exclude, str) else exclude
        if not isinstance(exclude, list) or not all(isinstance(v, str) for v in exclude):
            raise ConfigError(f"{file}: 'exclude' must be a list of patterns")
        values["exclude"] = exclude
    for key in ("model", "output", "format", "baseline"):
        if key in values and not isinstance(values[key], str):
            raise ConfigError(f"{file}: {key!r} must be a string")
    base = file.parent
    if "model" in values:
        values["model"] = str(base / values["model"])
    if "stack-names" in values:
        values["stack-names"] = {str(base / k): str(v) for k, v in values["stack-names"].items()}
    return Config(str(file), values)
