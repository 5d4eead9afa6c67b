"""One line per finding, then a summary line. Colour (rule IDs and levels) only when asked:
the CLI decides from the terminal, NO_COLOR/FORCE_COLOR and --color."""

from __future__ import annotations

from ..engine import Result
from ..model import Model
from .safe import printable

_LEVEL_COLOUR = {"error": "31", "warning": "33", "info": "36"}  # red, yellow, cyan


def render(
    result: Result, model: Model, rule_ids: list[str], *, colour: bool = False, links: bool = False
) -> str:
    def paint(text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if colour else text

    lines = []
    for finding in result.findings:
        where = f"{printable(finding.file)}:{finding.line}:{finding.column}"
        cdk = f" [{printable(finding.cdk_path)}]" if finding.cdk_path else ""
        code = _LEVEL_COLOUR[finding.level]
        label = f"{paint(finding.rule, '1;' + code)} {paint(finding.level, code)}"
        lines.append(f"{where}: {label}: {printable(finding.message)}{cdk}")
        if links and finding.rule in model.rules:
            lines.append(f"    {model.rules[finding.rule].docs_url}")
    lines.append(summary(result))
    return "\n".join(lines) + "\n"


def summary(result: Result) -> str:
    text = (
        f"{_plural(len(result.findings), 'finding')} in {_plural(len(result.linted), 'template')}"
    )
    if result.unlinted_files:
        text += f"; {_plural(len(result.unlinted_files), 'file')} could not be linted"
    if result.rule_failures:
        failed = [f"{p.rule} on {p.file}" for p in result.rule_failures]
        shown = ", ".join(failed[:3]) + (f" and {len(failed) - 3} more" if len(failed) > 3 else "")
        text += f"; {_plural(len(failed), 'rule failure')} ({shown})"
    shard = getattr(result, "shard", None)
    if shard is not None:
        text = f"shard {shard.index}/{shard.count}: {shard.units} units of {shard.total}; {text}"
    return text


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
