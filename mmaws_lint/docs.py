"""Generate docs/rules.md from the model: `python -m mmaws_lint.docs [--check]`."""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

import yaml

from .model import Model, Rule, model_folder, shipped_model

DOCS_FILE = Path(__file__).resolve().parent.parent / "docs" / "rules.md"
_FAMILY_TITLES = {
    "suppressions": "0 · Suppressions",
    "monitoring": "1 · Monitoring",
    "network": "2 · Network",
    "iam": "3 · IAM",
    "encryption": "4 · Encryption",
    "compute": "5 · Compute and storage",
    "databases": "6 · Databases",
    "serverless": "7 · Serverless and messaging",
}


def _family_descriptions() -> dict[str, str]:
    found = {}
    for entry in model_folder().iterdir():
        if entry.name.endswith(".yaml"):
            document = yaml.safe_load(entry.read_text(encoding="utf-8"))
            found[document["family"]] = " ".join(str(document.get("description", "")).split())
    return found


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
    ]
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
    descriptions = _family_descriptions()
    order = sorted(by_family, key=lambda f: _FAMILY_TITLES.get(f, "9 " + f))
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
    for family in order:
        lines += [f"## {_FAMILY_TITLES.get(family, family)}", ""]
        if descriptions.get(family):
            lines += [descriptions[family], ""]
        for rule in by_family[family]:
            lines += _rule_section(rule)
    data_keys = sorted(model.data)
    if data_keys:
        lines += ["## Model data", "", "Catalogs and lists the rules read (`data:` in rules/).", ""]
        for key in data_keys:
            dumped = yaml.safe_dump(model.data[key], sort_keys=False, width=100).rstrip()
            lines += [f"### `{key}`", "", "```yaml", dumped, "```", ""]
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail when docs/rules.md is stale")
    args = parser.parse_args(argv)
    text = render(shipped_model())
    if args.check:
        current = DOCS_FILE.read_text(encoding="utf-8") if DOCS_FILE.exists() else ""
        if current != text:
            print("docs/rules.md is stale: run `python -m mmaws_lint.docs`", file=sys.stderr)
            return 1
        return 0
    DOCS_FILE.parent.mkdir(exist_ok=True)
    DOCS_FILE.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
