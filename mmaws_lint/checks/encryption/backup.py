"""Backups copied to another account (WMM407)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...app import App
from ...findings import Finding
from ...template.nodes import Path
from ...template.resolve import Parts, Resolver, Sym, Target
from ...template.walk import ABSENT, OPAQUE, lookup
from .. import Context, check
from .catalog import deployed

_PLAN_RULES = ("BackupPlan", "BackupPlanRule")
_VAULT_TYPES = ("AWS::Backup::BackupVault", "AWS::Backup::LogicallyAirGappedBackupVault")


@check("WMM407")
def backup_plan_without_cross_account_copy(ctx: Context) -> Iterator[Finding]:
    for plan in deployed(ctx.app.resources("AWS::Backup::BackupPlan")):
        path = _same_account_only(ctx.app, ctx.resolver(plan), plan.properties)
        if path is not None:
            yield ctx.finding(
                plan,
                f"{plan.logical_id} keeps every backup in this account, where whoever deletes the"
                " data can delete its backups too; add CopyActions to a vault in a backup account"
                " (DestinationBackupVaultArn from a parameter)",
                path=path,
            )


def _same_account_only(app: App, resolver: Resolver, properties: dict) -> Path | None:
    """The path to report when no copy leaves the account; None when one may, or if unknown."""
    first_local: Path | None = None
    copies = list(lookup(properties, (*_PLAN_RULES, "*", "CopyActions", "*"), ("Properties",)))
    for copy, copy_path in copies:
        if copy is OPAQUE:
            return None
        if copy is ABSENT:
            continue
        if not isinstance(copy, dict) or "DestinationBackupVaultArn" not in copy:
            return None
        destination = copy["DestinationBackupVaultArn"]
        if not _in_this_account(app, resolver, destination):
            return None
        first_local = first_local or (*copy_path, "DestinationBackupVaultArn")
    if first_local is not None:
        return first_local
    rules_path = next(lookup(properties, _PLAN_RULES, ("Properties",)))[1]
    return () if rules_path == ("Properties",) else rules_path


def _in_this_account(app: App, resolver: Resolver, destination: Any) -> bool:
    """True when every value the destination can take is a vault of this account."""
    values = resolver.values(destination)
    return bool(values) and all(_local_vault(app, parts) for parts in values)


def _local_vault(app: App, parts: Parts) -> bool:
    """A vault ARN built from ${AWS::AccountId}, or a vault of the run: both live here.
    Literal account IDs, parameters and imports are trusted to be another account."""
    if len(parts) == 1 and isinstance(parts[0], Sym) and parts[0].kind in ("ref", "getatt"):
        found = app.resource_at(Target(parts[0].file, parts[0].name, parts[0].attr))
        return found is not None and found.type in _VAULT_TYPES
    fields = _arn_fields(parts)
    return len(fields) > 4 and fields[4] == [Sym("pseudo", "AWS::AccountId")]


def _arn_fields(parts: Parts) -> list[list[str | Sym]]:
    """The colon-separated fields of an ARN, each a list of literal pieces and symbols."""
    fields: list[list[str | Sym]] = [[]]
    for part in parts:
        if isinstance(part, Sym):
            fields[-1].append(part)
            continue
        pieces = part.split(":")
        for index, piece in enumerate(pieces):
            if index:
                fields.append([])
            if piece:
                fields[-1].append(piece)
    return fields
