"""The learned detectors: counts of data use per window, judged against a baseline.

Three features, each counted in a sliding window and sampled per fixed window of the actor's
activity into a `Baseline` (per actor and per peer group: role, tenant, site; or the role
alone while the finer group has too few samples):

- customers looked up without a ticket and without a prior contact (a callback is a look-up
  of a customer the actor had a ticket for in the last 14 days), per hour: `bulk_lookup`, or
  `vendor_sweep` for a vendor;
- the same over seven days, per day: `slow_drip`;
- card-number reveals per eight hours: `card_harvest`.

A window that raised an alert is emptied and is not learned from, so an attack neither
repeats its alert nor teaches the baseline that it is normal.
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field

from strongroom.detect.alert import Alert
from strongroom.detect.baseline import Baseline, Judgement, score
from strongroom.detect.context import Context
from strongroom.detect.events import DATA_ACTIONS, Event, iso

HOUR = 3600.0
DAY = 86_400.0
CALLBACK_S = 14 * DAY
# Field names of card numbers, and the class a detokenize names (the ledger says CREDIT_CARD).
CARD_FIELDS = frozenset({"card_number", "pan", "card", "CREDIT_CARD"})
EVIDENCE = 12


@dataclass(slots=True)
class _Track:
    """One actor's window and current sample bucket for one feature."""

    window: deque[tuple[float, str, str, int]] = field(default_factory=deque)  # ts, key, ref, n
    keys: Counter[str] = field(default_factory=Counter)
    total: int = 0
    bucket: int = -1
    bucket_keys: set[str] = field(default_factory=set)
    bucket_total: int = 0
    buckets: deque[int] = field(default_factory=deque)  # active buckets inside the window
    learn: bool = True
    # Closed buckets not learned yet: (bucket, count), learned once out of the window.
    held: deque[tuple[int, int]] = field(default_factory=deque)


class Feature:
    """A count over a sliding window, learned per fixed bucket of the actor's activity.
    `distinct` counts distinct keys; otherwise the sum of the events' amounts."""

    def __init__(self, span: float, bucket: float, distinct: bool) -> None:
        self.span = span
        self.bucket = bucket
        self.distinct = distinct
        self.baseline = Baseline()
        self.tracks: dict[str, _Track] = {}

    def _value(self, t: _Track) -> int:
        return len(t.keys) if self.distinct else t.total

    def touch(self, actor: str, groups: tuple[tuple[str, ...], ...], ts: float) -> _Track:
        """Roll the actor's bucket to `ts` and age the window. A closed bucket is learned
        into the actor's own baseline only once it has left the window: what is being judged
        never shapes its own baseline (a slow drip would otherwise teach it that it is
        normal). Peers learn it at once: one actor is a small part of a group."""
        t = self.tracks.get(actor)
        if t is None:
            t = self.tracks[actor] = _Track()
        b = int(ts // self.bucket)
        if b != t.bucket:
            if t.bucket >= 0 and t.learn:
                closed = len(t.bucket_keys) if self.distinct else t.bucket_total
                t.held.append((t.bucket, closed))
                self.baseline.add_peers(actor, groups, closed)
            t.bucket, t.learn = b, True
            t.bucket_keys.clear()
            t.bucket_total = 0
            t.buckets.append(b)
        gone = (ts - self.span) // self.bucket  # buckets ending before the window
        while t.held and t.held[0][0] < gone:
            self.baseline.add_own(actor, t.held.popleft()[1])
        horizon = ts - self.span
        w = t.window
        while w and w[0][0] <= horizon:
            _, key, _, n = w.popleft()
            t.keys[key] -= 1
            if not t.keys[key]:
                del t.keys[key]
            t.total -= n
        first = int(horizon // self.bucket)
        while t.buckets and t.buckets[0] < first:
            t.buckets.popleft()
        return t

    def add(
        self, t: _Track, actor: str, groups: tuple[tuple[str, ...], ...], e: Event, key: str, n: int
    ) -> Judgement | None:
        """Count the event; a Judgement when the window is now unusual."""
        t.window.append((e.ts, key, e.ref, n))
        t.keys[key] += 1
        t.total += n
        t.bucket_keys.add(key)
        t.bucket_total += n
        windows = max(1, len(t.buckets)) if self.span > self.bucket else 1
        return self.baseline.judge(actor, groups, self._value(t), float(windows))

    def reset(self, t: _Track) -> tuple[float, list[str]]:
        """Empty the window after an alert: (its first time, its first refs)."""
        start = t.window[0][0] if t.window else 0.0
        refs = [r for _, _, r, _ in list(t.window)[:EVIDENCE]]
        t.window.clear()
        t.keys.clear()
        t.total = 0
        t.learn = False
        t.held.clear()
        return start, refs


def _groups(e: Event, ctx: Context) -> tuple[str, tuple[tuple[str, ...], ...]]:
    """The actor's role and peer groups, finest first: (role, tenant, site), then the role."""
    a = ctx.assignment(e.actor)
    role = a.role if a is not None else e.role
    tenant = a.tenant if a is not None else e.tenant
    site = a.site if a is not None else e.site
    return role, ((role, tenant, site), (role,))


class VolumeDetector:
    """The three learned features above."""

    def __init__(self) -> None:
        self.lookups = Feature(HOUR, HOUR, distinct=True)
        self.drip = Feature(7 * DAY, DAY, distinct=True)
        self.cards = Feature(8 * HOUR, 8 * HOUR, distinct=True)
        # actor -> subject -> last time the actor worked that subject under a ticket
        self.contacts: dict[str, dict[str, float]] = {}
        self._pruned: dict[str, float] = {}

    def observe(self, e: Event, ctx: Context) -> list[Alert]:
        role, groups = _groups(e, ctx)
        actor = e.actor
        lt = self.lookups.touch(actor, groups, e.ts)
        dt = self.drip.touch(actor, groups, e.ts)
        ct = self.cards.touch(actor, groups, e.ts)
        if e.action not in DATA_ACTIONS:
            return []
        out: list[Alert] = []
        contacts = self.contacts.get(actor)
        if contacts is None:
            contacts = self.contacts[actor] = {}
        if e.ticket is not None and e.subject is not None:
            contacts[e.subject] = e.ts
            self._prune(actor, contacts, e.ts)
        elif e.ticket is None and e.action != "record.export":
            last = contacts.get(e.subject) if e.subject is not None else None
            if last is None or e.ts - last > CALLBACK_S:
                key = e.subject if e.subject is not None else e.ref
                j = self.lookups.add(lt, actor, groups, e, key, 1)
                if j is not None:
                    scenario = "vendor_sweep" if role == "vendor" else "bulk_lookup"
                    out.append(
                        self._alert(
                            self.lookups,
                            lt,
                            e,
                            scenario,
                            j,
                            "per hour",
                            (
                                f"{j.count} customers looked up with no ticket or earlier contact "
                                f"within an hour"
                            ),
                        )
                    )
                j = self.drip.add(dt, actor, groups, e, key, 1)
                if j is not None:
                    out.append(
                        self._alert(
                            self.drip,
                            dt,
                            e,
                            "slow_drip",
                            j,
                            "per day",
                            (
                                f"{j.count} customers looked up with no ticket or earlier contact "
                                f"over {len(dt.buckets)} active days of the last 7"
                            ),
                        )
                    )
        if e.action == "record.reveal" and CARD_FIELDS.intersection(e.fields):
            key = f"{e.subject}|{e.ticket}"
            j = self.cards.add(ct, actor, groups, e, key, 1)
            if j is not None:
                out.append(
                    self._alert(
                        self.cards,
                        ct,
                        e,
                        "card_harvest",
                        j,
                        "per 8 h",
                        (f"{j.count} card numbers revealed within 8 hours"),
                    )
                )
        return out

    def finish(self, ctx: Context) -> list[Alert]:
        return []

    def _quarantine(self, actor: str) -> None:
        """An actor under alert teaches no baseline this bucket, in any feature: a bulk
        look-up's day must not become the peers' idea of a normal day."""
        for f in (self.lookups, self.drip, self.cards):
            t = f.tracks.get(actor)
            if t is not None:
                t.learn = False

    def _alert(
        self, f: Feature, t: _Track, e: Event, scenario: str, j: Judgement, unit: str, what: str
    ) -> Alert:
        start, refs = f.reset(t)
        self._quarantine(e.actor)
        text = (
            f"{what} ({iso(start)} to {iso(e.ts)}); {j.compared(unit)}; "
            f"chance under the baseline {j.p:.1e}"
        )
        return Alert(e.actor, start, e.ts, scenario, score(j.p), text, tuple(refs), e.tenant)

    def _prune(self, actor: str, contacts: dict[str, float], now: float) -> None:
        """Forget contacts older than the callback horizon, once a day per actor."""
        if now - self._pruned.get(actor, 0.0) < DAY:
            return
        self._pruned[actor] = now
        old = [s for s, ts in contacts.items() if now - ts > CALLBACK_S]
        for s in old:
            del contacts[s]
