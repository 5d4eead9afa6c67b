"""How network findings name security-group rules and the ranges they allow."""

from __future__ import annotations

from .. import Context
from .attachments import GroupRule, security_groups

MAX_NAMED = 3


def rule_owner(rule: GroupRule, ctx: Context) -> str:
    """How a message names the rule: its group, or the standalone rule and its group."""
    if rule.inline:
        return rule.owner.logical_id
    groups = security_groups(ctx).groups
    names = sorted(groups[key].logical_id for key in rule.groups)
    return (
        f"{rule.owner.logical_id} (rule of {', '.join(names)})" if names else rule.owner.logical_id
    )


def listed(texts: list[str]) -> str:
    unique = list(dict.fromkeys(texts))
    shown = " or ".join(unique[:MAX_NAMED])
    return shown + (" …" if len(unique) > MAX_NAMED else "")
