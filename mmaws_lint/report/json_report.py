from __future__ import annotations

import json

from ..engine import Result
from ..model import Model


def render(result: Result, model: Model, rule_ids: list[str]) -> str:
    return json.dumps([f.to_dict() for f in result.findings], indent=2) + "\n"
