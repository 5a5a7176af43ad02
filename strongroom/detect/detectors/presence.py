"""Where and when: data used off shift or off the floor, and one login in two places.

These are rules, not baselines: a roster and a badge reader say exactly where an agent
should be, so any use of customer data outside them is a fact to explain, not a deviation
to score. One stray event is not an incident (a late save after the shift): it takes
`MIN_EVENTS` within an hour.
"""

from __future__ import annotations

from collections import deque

from strongroom.detect.alert import Alert
from strongroom.detect.context import FLOOR, Context
from strongroom.detect.events import DATA_ACTIONS, Event, iso

HOUR = 3600.0
MIN_EVENTS = 3
# Work just before a shift or just after it (logging in early, finishing a call) is on shift.
BEFORE_S = 20 * 60.0
AFTER_S = 45 * 60.0
TOGETHER_S = 30 * 60.0  # two places this close in time are one login used twice
NOWHERE = frozenset({"unknown", ""})


class OffShiftDetector:
    """Customer data used outside the actor's shift, or in it while not badged in on the
    floor of the shift's site."""

    def __init__(self) -> None:
        self.recent: dict[str, deque[tuple[float, str, str]]] = {}  # ts, ref, why

    def observe(self, e: Event, ctx: Context) -> list[Alert]:
        if e.action not in DATA_ACTIONS or not ctx.has_shifts(e.actor):
            return []
        why = self._why(e, ctx)
        if why is None:
            return []
        q = self.recent.setdefault(e.actor, deque())
        q.append((e.ts, e.ref, why))
        while q and e.ts - q[0][0] > HOUR:
            q.popleft()
        if len(q) < MIN_EVENTS:
            return []
        start = q[0][0]
        reasons = sorted({w for _, _, w in q})
        refs = tuple(r for _, r, _ in q)[:12]
        n = len(q)
        q.clear()
        text = (
            f"{n} uses of customer data within an hour ({iso(start)} to {iso(e.ts)}) from "
            f"site {e.site}, device {e.device}: {'; '.join(reasons)}; the roster and badge "
            f"records are the baseline"
        )
        score = min(0.99, 0.6 + 0.03 * n)
        return [Alert(e.actor, start, e.ts, "off_hours", score, text, refs, e.tenant)]

    @staticmethod
    def _why(e: Event, ctx: Context) -> str | None:
        site = ctx.shift_site(e.actor, e.ts)
        if site is None:
            if (
                ctx.shift_site(e.actor, e.ts + BEFORE_S) is not None
                or ctx.shift_site(e.actor, e.ts - AFTER_S) is not None
            ):
                return None  # at the edge of a shift
            return "outside any rostered shift"
        if e.site != site:
            return f"during a shift at {site}, but from {e.site}"
        badge = ctx.badged_in(e.actor, e.ts)
        if badge is None or badge[0] != site or badge[1] != FLOOR:
            return f"during a shift at {site}, but not badged in on its floor"
        return None

    def finish(self, ctx: Context) -> list[Alert]:
        return []


class TwoPlacesDetector:
    """One login active at two sites within half an hour."""

    def __init__(self) -> None:
        # actor -> site -> (last time, ref, device, ip) of an allowed event there
        self.seen: dict[str, dict[str, tuple[float, str, str, str]]] = {}
        self.pending: dict[str, list[str]] = {}

    def observe(self, e: Event, ctx: Context) -> list[Alert]:
        if e.outcome != "allowed" or e.action == "login.failed" or e.site in NOWHERE:
            return []
        places = self.seen.setdefault(e.actor, {})
        places[e.site] = (e.ts, e.ref, e.device, e.ip)
        if len(places) < 2:
            return []
        others = [
            (site, v) for site, v in places.items() if site != e.site and e.ts - v[0] <= TOGETHER_S
        ]
        for site in [s for s, v in places.items() if e.ts - v[0] > TOGETHER_S]:
            del places[site]
        if not others:
            self.pending.pop(e.actor, None)
            return []
        refs = self.pending.setdefault(e.actor, [])
        refs.append(e.ref)
        if len(refs) < 2:  # two events at the second place: not one mis-tagged line
            return []
        site, (ts, ref, device, ip) = others[0]
        self.pending.pop(e.actor, None)
        text = (
            f"the login was used at {e.site} (device {e.device}, address {e.ip}) at "
            f"{iso(e.ts)} while active at {site} (device {device}, address {ip}) at {iso(ts)}, "
            f"{abs(e.ts - ts) / 60:.0f} min apart; one person is in one place"
        )
        evidence = (ref, *refs)[:12]
        start = min(ts, e.ts)
        return [Alert(e.actor, start, e.ts, "shared_credentials", 0.9, text, evidence, e.tenant)]

    def finish(self, ctx: Context) -> list[Alert]:
        return []
