"""The traffic a security-group rule lets through: protocol and port range."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ...template.resolve import Resolver

ALL_PROTOCOLS = {"-1", "all"}
PORT_PROTOCOLS = {"tcp": "tcp", "6": "tcp", "udp": "udp", "17": "udp"}
NAMED_PROTOCOLS = {"icmp": "icmp", "1": "icmp", "icmpv6": "icmpv6", "58": "icmpv6"}
UNKNOWN_PROTOCOL = "?"
HIGHEST_PORT = 65535


@dataclass(frozen=True)
class Traffic:
    """One choice of a rule's traffic. Ports are None when the protocol has none or when they
    are only known at deploy time; the protocol is `?` when it is not known."""

    protocol: str
    low: int | None = None
    high: int | None = None

    def covers(self, port: int) -> bool:
        if self.protocol == "all":
            return True
        if self.low is None or self.high is None:
            return False
        return self.low <= port <= self.high

    def describe(self) -> str:
        if self.protocol == "all":
            return "all traffic"
        if self.protocol == UNKNOWN_PROTOCOL:
            return "traffic"
        if self.protocol in PORT_PROTOCOLS.values() and (self.low is None or self.high is None):
            return f"{self.protocol} on a port set at deploy time"
        if self.low is None or self.high is None:
            return (
                self.protocol
                if self.protocol in NAMED_PROTOCOLS.values()
                else (f"protocol {self.protocol}")
            )
        if self.low == self.high:
            return f"{self.protocol} port {self.low}"
        if self.low <= 0 and self.high >= HIGHEST_PORT:
            return f"all {self.protocol} ports"
        return f"{self.protocol} ports {self.low}-{self.high}"


def traffic_of(resolver: Resolver, rule: dict[str, Any]) -> list[Traffic]:
    """Every traffic choice of one rule variant (see `GroupRule.variants`)."""
    protocols = resolver.literals(rule.get("IpProtocol"))
    if not protocols:
        return [Traffic(UNKNOWN_PROTOCOL)]
    choices: list[Traffic] = []
    for written in sorted(protocols):
        protocol = written.strip().lower()
        if protocol in ALL_PROTOCOLS:
            choices.append(Traffic("all"))
        elif protocol in PORT_PROTOCOLS:
            name = PORT_PROTOCOLS[protocol]
            ranges = _port_ranges(resolver, rule)
            choices.extend(Traffic(name, low, high) for low, high in ranges or [(None, None)])
        else:
            choices.append(Traffic(NAMED_PROTOCOLS.get(protocol, protocol)))
    return choices


def _port_ranges(resolver: Resolver, rule: dict[str, Any]) -> list[tuple[int, int]] | None:
    """The (from, to) ranges, or None when unknown. When both ends have several values their
    pairing is unknown (a mapping keyed by region, say), so that is unknown too."""
    lows = _ports(resolver.literals(rule.get("FromPort")))
    highs = _ports(resolver.literals(rule.get("ToPort")))
    if not lows or not highs or (len(lows) > 1 and len(highs) > 1):
        return None
    return [(low, high) for low, high in itertools.product(lows, highs) if low <= high] or None


def _ports(written: Iterable[str] | None) -> list[int] | None:
    """Port numbers; None when one is not a valid port (-1 means nothing for tcp/udp)."""
    if written is None:
        return None
    ports = []
    for text in sorted(written):
        try:
            port = int(str(text).strip())
        except ValueError:
            return None
        if not 0 <= port <= HIGHEST_PORT:
            return None
        ports.append(port)
    return ports


def describe(choices: Iterable[Traffic]) -> str:
    return " or ".join(dict.fromkeys(choice.describe() for choice in choices)) or "traffic"
