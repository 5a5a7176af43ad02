"""Password guessing: a burst of failed sign-ins, then a success from a device or network
the actor has never signed in from.

A typo costs one or two failures on the actor's own workstation; `BURST` failures within
`WINDOW_S` (the count at which most lockout policies act) followed by a success from
somewhere new is how a guessed or stuffed password looks.
"""

from __future__ import annotations

from collections import deque

from strongroom.detect.alert import Alert
from strongroom.detect.context import Context
from strongroom.detect.events import Event, iso

WINDOW_S = 15 * 60.0
BURST = 5


def _network(ip: str) -> str:
    """The /24 (IPv4) or /64-ish prefix (IPv6) an address is in."""
    if ":" in ip:
        return ":".join(ip.split(":")[:4])
    return ip.rsplit(".", 1)[0]


class PasswordGuessDetector:
    def __init__(self) -> None:
        self.failures: dict[str, deque[tuple[float, str, str]]] = {}  # ts, ref, ip
        self.devices: dict[str, set[str]] = {}
        self.networks: dict[str, set[str]] = {}

    def observe(self, e: Event, ctx: Context) -> list[Alert]:
        if e.action == "login.failed":
            q = self.failures.setdefault(e.actor, deque())
            q.append((e.ts, e.ref, e.ip))
            while q and e.ts - q[0][0] > WINDOW_S:
                q.popleft()
            return []
        if e.outcome != "allowed":
            return []
        devices = self.devices.setdefault(e.actor, set())
        networks = self.networks.setdefault(e.actor, set())
        net = _network(e.ip)
        new_device, new_network = e.device not in devices, net not in networks
        out: list[Alert] = []
        if e.action == "login":
            q = self.failures.setdefault(e.actor, deque())
            if q:
                while q and e.ts - q[0][0] > WINDOW_S:
                    q.popleft()
                if len(q) >= BURST and (new_device or new_network) and devices:
                    sources = sorted({ip for _, _, ip in q})
                    new = " and ".join(
                        w
                        for w, flag in (
                            (f"a new device ({e.device})", new_device),
                            (f"a new network ({net})", new_network),
                        )
                        if flag
                    )
                    text = (
                        f"{len(q)} failed sign-ins in {(e.ts - q[0][0]) / 60:.0f} min from "
                        f"{', '.join(sources[:3])}, then a success at {iso(e.ts)} from {new}; "
                        f"the actor had signed in from {len(devices)} known device(s) and "
                        f"{len(networks)} known network(s)"
                    )
                    refs = (*[r for _, r, _ in q][:11], e.ref)
                    score = min(0.99, 0.7 + 0.01 * len(q))
                    out.append(
                        Alert(e.actor, q[0][0], e.ts, "password_guess", score, text, refs, e.tenant)
                    )
                q.clear()
        devices.add(e.device)
        networks.add(net)
        return out

    def finish(self, ctx: Context) -> list[Alert]:
        return []
