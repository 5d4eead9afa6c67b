"""Generate docs/rules.md and docs/resource-types.md from the model:
`python -m mmaws_lint.docs [--check]`."""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

import yaml

from .model import Model, Rule, shipped_model

DOCS_FILE = Path(__file__).resolve().parent.parent / "docs" / "rules.md"
TYPES_FILE = DOCS_FILE.parent / "resource-types.md"


def _home(rule: Rule) -> str:
    """Where the rule's code and fixtures are, as links relative to docs/."""
    from .checks import load_checks  # the docs need the code only for this line

    function = load_checks().get(rule.id)
    parts = []
    if function is not None:
        source = function.__module__.replace(".", "/") + ".py"
        parts.append(f"code: [`{source}`](../{source})")
    parts.append(f"fixtures: [`fixtures/{rule.id}/`](../fixtures/{rule.id}/)")
    return "**Where it lives.** " + " · ".join(parts)


def _inline(value: object) -> str:
    """A setting as one line of YAML (PyYAML ends a bare scalar document with '...')."""
    text = yaml.safe_dump(value, default_flow_style=True, width=1000).strip()
    return text.removesuffix("...").strip()


def _rule_section(rule: Rule) -> list[str]:
    lines = [
        f"### {rule.id}",
        "",
        f"**{rule.title}** · level: `{rule.level}` · applies to: "
        + ", ".join(f"`{t}`" for t in rule.resource_types),
        "",
        "**What the model says.** " + rule.statement,
        "",
        "**Why it matters.** " + rule.why,
        "",
        "**How to fix it.** " + rule.fix,
        "",
        "```yaml",
        rule.example.rstrip(),
        "```",
        "",
        _home(rule),
        "",
    ]
    if rule.peers:
        lines += ["**Peers.** " + rule.peers, ""]
    if rule.settings:
        lines += ["**Settings** (override with `--model`):", ""]
        for key, value in rule.settings.items():
            lines.append(f"- `{key}`: `{_inline(value)}`")
        lines.append("")
    if not rule.enabled:
        lines += ["Disabled by default; enable it with `--select` or a model override.", ""]
    return lines


def render(model: Model) -> str:
    by_family: dict[str, list[Rule]] = defaultdict(list)
    for rule in model.rules.values():
        by_family[rule.family].append(rule)
    order = [family for family in model.families if family in by_family]
    lines = [
        "# mmaws-lint rules",
        "",
        "<!-- Generated from rules/*.yaml by `python -m mmaws_lint.docs`; do not edit. -->",
        "",
        "IDs are stable. The first letter is the level (`E` error, `W` warning, `I` info); the",
        "first digit is the family. Every setting and catalog below can be overridden with",
        "`--model FILE` (see the README).",
        "",
        "| ID | level | title |",
        "|---|---|---|",
    ]
    for family in order:
        for rule in by_family[family]:
            lines.append(f"| [{rule.id}](#{rule.id.lower()}) | {rule.level} | {rule.title} |")
    lines.append("")
    for name in order:
        family = model.families[name]
        lines += [f"## {family.digit} · {family.title}", ""]
        if family.description:
            lines += [family.description, ""]
        for rule in by_family[name]:
            lines += _rule_section(rule)
    data_keys = sorted(model.data)
    if data_keys:
        lines += ["## Model data", "", "Catalogs and lists the rules read (`data:` in rules/).", ""]
        for key in data_keys:
            dumped = yaml.safe_dump(model.data[key], sort_keys=False, width=100).rstrip()
            lines += [f"### `{key}`", "", "```yaml", dumped, "```", ""]
    return "\n".join(lines).rstrip() + "\n"


def generated(model: Model) -> dict[Path, str]:
    """Every generated document and its text."""
    from .resource_types import render_markdown

    return {DOCS_FILE: render(model), TYPES_FILE: render_markdown(model)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail when a document is stale")
    args = parser.parse_args(argv)
    documents = generated(shipped_model())
    if args.check:
        stale = [
            file
            for file, text in documents.items()
            if (file.read_text(encoding="utf-8") if file.exists() else "") != text
        ]
        for file in stale:
            print(f"docs/{file.name} is stale: run `python -m mmaws_lint.docs`", file=sys.stderr)
        return 1 if stale else 0
    for file, text in documents.items():
        file.parent.mkdir(exist_ok=True)
        file.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
