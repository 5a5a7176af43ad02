"""Probing another client's data: refused attempts on a tenant other than the actor's own.

One refused look-up of another client is a mis-click; more than one within an hour is a
search for a way in.
"""

from __future__ import annotations

from collections import deque

from strongroom.detect.alert import Alert
from strongroom.detect.context import Context
from strongroom.detect.events import DATA_ACTIONS, Event, iso

HOUR = 3600.0
MIN_ATTEMPTS = 2


class CrossTenantDetector:
    def __init__(self) -> None:
        self.recent: dict[str, deque[tuple[float, str, str]]] = {}

    def observe(self, e: Event, ctx: Context) -> list[Alert]:
        if e.outcome != "denied" or e.action not in DATA_ACTIONS:
            return []
        a = ctx.assignment(e.actor)
        if a is None or a.tenant == e.tenant or a.role == "vendor":
            return []
        q = self.recent.setdefault(e.actor, deque())
        q.append((e.ts, e.ref, e.tenant))
        while q and e.ts - q[0][0] > HOUR:
            q.popleft()
        if len(q) < MIN_ATTEMPTS:
            return []
        tenants = sorted({t for _, _, t in q})
        start, n = q[0][0], len(q)
        refs = tuple(r for _, r, _ in q)[:12]
        q.clear()
        text = (
            f"{n} refused attempts on {', '.join(tenants)} data within an hour "
            f"({iso(start)} to {iso(e.ts)}); the actor works for {a.tenant} only"
        )
        return [
            Alert(
                e.actor,
                start,
                e.ts,
                "cross_tenant_probe",
                min(0.99, 0.6 + 0.05 * n),
                text,
                refs,
                e.tenant,
            )
        ]

    def finish(self, ctx: Context) -> list[Alert]:
        return []
