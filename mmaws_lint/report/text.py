from __future__ import annotations

from ..engine import Result
from ..model import Model


def render(result: Result, model: Model, rule_ids: list[str]) -> str:
    lines = []
    for finding in result.findings:
        where = f"{finding.file}:{finding.line}:{finding.column}"
        cdk = f" [{finding.cdk_path}]" if finding.cdk_path else ""
        lines.append(f"{where}: {finding.rule} {finding.level}: {finding.message}{cdk}")
    summary = (
        f"{_plural(len(result.findings), 'finding')} in {_plural(len(result.linted), 'template')}"
    )
    if result.errors:
        unlinted = len({problem.file for problem in result.errors})
        summary += f"; {_plural(unlinted, 'file')} could not be linted"
    lines.append(summary)
    return "\n".join(lines) + "\n"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
