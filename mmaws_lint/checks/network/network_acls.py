"""IMM203: network ACLs, where security groups are enough."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from ...findings import Finding
from ...template.template import Resource
from .. import Context, check
from .attachments import key_of

NETWORK_ACL = "AWS::EC2::NetworkAcl"
NETWORK_ACL_ENTRY = "AWS::EC2::NetworkAclEntry"


def _acl_entries(ctx: Context) -> dict[tuple[str, str], list[Resource]]:
    """NACL (file, logical ID) -> its entries; entries of a NACL outside the run under ('', '')."""
    acls = {key_of(acl) for acl in ctx.app.resources(NETWORK_ACL)}
    entries: dict[tuple[str, str], list[Resource]] = defaultdict(list)
    for entry in ctx.app.resources(NETWORK_ACL_ENTRY):
        resolver = ctx.resolver(entry)
        owners = {(t.file, t.logical_id) for t in resolver.references(entry.prop("NetworkAclId"))}
        for owner in (owners & acls) or {("", "")}:
            entries[owner].append(entry)
    return entries


@check("IMM203")
def network_acl_defined(ctx: Context) -> Iterator[Finding]:
    entries = _acl_entries(ctx)
    for acl in ctx.app.resources(NETWORK_ACL):
        count = len(entries.get(key_of(acl), []))
        yield ctx.finding(
            acl,
            f"{acl.logical_id} is a network ACL ({count} entr{'y' if count == 1 else 'ies'}):"
            " security groups are enough in"
            " most cases, while a stateless NACL is easy to get wrong and shows in Flow Logs only"
            " as REJECT; express the restriction with security groups, or document why the NACL"
            " is needed",
        )
    if not ctx.setting("report_entries_of_other_acls", True):
        return
    for entry in entries.get(("", ""), []):
        yield ctx.finding(
            entry,
            f"{entry.logical_id} adds a rule to a network ACL: security groups are enough in most"
            " cases, while a stateless NACL is easy to get wrong and shows in Flow Logs only as"
            " REJECT; express the restriction with security groups, or document why it is needed",
            ("Properties", "NetworkAclId") if "NetworkAclId" in entry.properties else (),
        )
