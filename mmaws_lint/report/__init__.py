"""Output formats, one module each. Every formatter takes the run's Result and the model and
returns the report as text."""

from __future__ import annotations

from collections.abc import Callable

from ..engine import Result
from ..model import Model
from . import github, json_report, junit, sarif, text

Formatter = Callable[[Result, Model, list[str]], str]

FORMATS: dict[str, Formatter] = {
    "text": text.render,
    "json": json_report.render,
    "sarif": sarif.render,
    "junit": junit.render,
    "github": github.render,
}
