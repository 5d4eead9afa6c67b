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
    if result.unlinted_files:
        summary += f"; {_plural(len(result.unlinted_files), 'file')} could not be linted"
    if result.rule_failures:
        failed = [f"{p.rule} on {p.file}" for p in result.rule_failures]
        shown = ", ".join(failed[:3]) + (f" and {len(failed) - 3} more" if len(failed) > 3 else "")
        summary += f"; {_plural(len(failed), 'rule failure')} ({shown})"
    lines.append(summary)
    return "\n".join(lines) + "\n"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
