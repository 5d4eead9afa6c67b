"""IMM203: network ACLs, where security groups are enough.

A NACL whose entries allow all traffic from and to everywhere, in both directions, with no deny
evaluated first, restricts nothing (it behaves like the default NACL): it is not reported, and
neither is an allow-everything entry added to a NACL outside the run.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from ...findings import Finding
from ...template.numbers import whole_number
from ...template.resolve import Resolver
from ...template.template import Resource
from .. import Context, check
from .attachments import key_of

NETWORK_ACL = "AWS::EC2::NetworkAcl"
NETWORK_ACL_ENTRY = "AWS::EC2::NetworkAclEntry"
ALL_PROTOCOLS = {"-1", "all"}
EVERYWHERE = {"CidrBlock": "0.0.0.0/0", "Ipv6CidrBlock": "::/0"}
TRUE = {"true"}


@dataclass(frozen=True)
class Entry:
    """What one NACL entry does, when its values are known before deployment."""

    resource: Resource
    egress: bool
    family: str  # CidrBlock or Ipv6CidrBlock
    allows: bool
    everything: bool  # all protocols from or to the whole family's address space
    number: int


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


def _read(resolver: Resolver, entry: Resource) -> Entry | None:
    """The entry's effect, or None when part of it is only known at deploy time."""
    families = [name for name in EVERYWHERE if entry.prop(name) is not None]
    actions = resolver.literals(entry.prop("RuleAction"))
    egress = resolver.literals(entry.prop("Egress", default=False))
    protocols = resolver.literals(entry.prop("Protocol"))
    number = resolver.literal(entry.prop("RuleNumber"))
    if len(families) != 1 or not actions or len(actions) != 1 or not egress or len(egress) != 1:
        return None
    rule_number = whole_number(number)
    if protocols is None or rule_number is None or rule_number < 0:
        return None
    family = families[0]
    ranges = resolver.literals(entry.prop(family))
    return Entry(
        resource=entry,
        egress={e.lower() for e in egress} == TRUE,
        family=family,
        allows={a.lower() for a in actions} == {"allow"},
        everything=protocols <= ALL_PROTOCOLS and ranges == {EVERYWHERE[family]},
        number=rule_number,
    )


def _restricts_nothing(ctx: Context, acl: Resource, entries: list[Resource]) -> bool:
    """True when every direction of every address family in use is allowed everything before
    any deny, by entries that exist whenever the NACL does."""
    read = [_read(ctx.resolver(entry), entry) for entry in entries]
    if not read or any(entry is None for entry in read):
        return False
    known = [e for e in read if e is not None and ctx.app.coexist(acl, e.resource)]
    families = {e.family for e in known} | {"CidrBlock"}
    for family in families:
        for egress in (False, True):
            side = [e for e in known if e.family == family and e.egress == egress]
            opening = [
                e.number
                for e in side
                if e.allows and e.everything and e.resource.condition in (None, acl.condition)
            ]
            if not opening:
                return False
            if any(not e.allows and e.number <= min(opening) for e in side):
                return False
    return True


def _allows_everything(ctx: Context, entry: Resource) -> bool:
    read = _read(ctx.resolver(entry), entry)
    return read is not None and read.allows and read.everything


@check("IMM203")
def network_acl_defined(ctx: Context) -> Iterator[Finding]:
    entries = _acl_entries(ctx)
    for acl in ctx.app.resources(NETWORK_ACL):
        own = entries.get(key_of(acl), [])
        if not ctx.scenarios(acl) or _restricts_nothing(ctx, acl, own):
            continue
        count = len(own)
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
        if not ctx.scenarios(entry) or _allows_everything(ctx, entry):
            continue
        yield ctx.finding(
            entry,
            f"{entry.logical_id} adds a rule to a network ACL: security groups are enough in most"
            " cases, while a stateless NACL is easy to get wrong and shows in Flow Logs only as"
            " REJECT; express the restriction with security groups, or document why it is needed",
            ("Properties", "NetworkAclId") if "NetworkAclId" in entry.properties else (),
        )
