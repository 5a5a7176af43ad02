"""Honest work: what agents, supervisors and vendors do on an ordinary day, noise included.

The auditor must stay quiet on everything made here, so the noise is deliberate and sized:

- agents: 25-60 contacts a shift, each a ticket, with searches, views, reveals of the field the
  ticket's kind calls for (a payment ticket, the card number) and updates;
- callbacks: 0-3 ticketless views a shift of customers the agent had a ticket for in the
  previous week; a rare ticketless look-up of anyone (~0.2 a shift);
- sign-in typos (1-2 failed logins then success, same device, ~5% of logins), logins up to 15
  minutes before the shift, overtime up to 30 minutes after it;
- a single denied look-up at another client (a mis-click, ~1 per 200 shifts);
- supervisors reviewing their team's closed tickets, and a small export about once a week;
- vendors' maintenance reads (5-20 views of their client on most weekdays, office hours).

Every event is allowed unless said otherwise, at the actor's own site, device and address, and
no agent or supervisor event falls outside a badge-in to the floor.
"""

from __future__ import annotations

import random
from array import array
from datetime import datetime, timedelta

from strongroom.sim.roster import Shift
from strongroom.sim.session import HOUR_S, MINUTE_S, START, Clock, Session
from strongroom.sim.tickets import TicketDesk
from strongroom.sim.world import AGENT, Actor, World
from strongroom.sim.writer import Batch

FLOOR = "floor"
_REVEAL: dict[str, tuple[float, tuple[tuple[str, ...], ...]]] = {  # chance, field sets
    "payment": (0.30, (("card_number",),)),
    "address": (0.45, (("address",),)),
    "contact": (0.40, (("email",), ("phone",), ("email", "phone"))),
    "identity": (0.50, (("national_id",), ("full_name", "national_id"))),
    "general": (0.0, ((),)),
}
_UPDATE: dict[str, tuple[float, tuple[str, ...]]] = {
    "payment": (0.15, ("card_number",)),
    "address": (0.60, ("address",)),
    "contact": (0.50, ("email", "phone")),
    "identity": (0.10, ("full_name",)),
    "general": (0.15, ("notes",)),
}
_TYPO_RATE = 0.05
_OVERTIME_RATE = 0.30
_MISCLICK_RATE = 1 / 200
_STRAY_LOOKUP_RATE = 0.2
_SUPERVISOR_EXPORT_RATE = 0.2  # per shift: about once a week
_VENDOR_ACTIVE_RATE = 0.6


class Traffic:
    """Generates the honest events of shifts and vendor days into a day's batch."""

    def __init__(self, world: World, clock: Clock, desk: TicketDesk, seed: int) -> None:
        self._world = world
        self._clock = clock
        self._desk = desk
        self._rng = random.Random(f"strongroom-sim:{seed}:traffic")

    def _session(self, a: Actor, batch: Batch) -> Session:
        return Session(self._clock, batch.events, a.id, a.role, a.tenant.id, a.ip, a.device, a.site)

    def shift(self, s: Shift, batch: Batch) -> None:
        """Everything an agent or supervisor does in shift `s`, badges included."""
        a = s.actor
        r = self._rng.random
        batch.shift(a.id, a.site, s.start, s.end)
        ses = self._session(a, batch)
        # Arrive, badge in, sign in (most a few minutes early, some up to 15, some late).
        login = s.start - int(r() * r() * 15 * MINUTE_S) + (int(r() * 300) if r() < 0.1 else 0)
        batch.badge(login - 120 - int(r() * 420), a.id, a.site, FLOOR, True)
        if r() < _TYPO_RATE:
            for k in range(1 if r() < 0.7 else 2):
                ses.login(login - (k + 1) * (5 + int(r() * 20)), failed=True)
        ses.login(login)
        # The break: off the floor, to the canteen or the lobby, back, often signed out.
        zone = "canteen" if r() < 0.7 else "lobby"
        batch.badge(s.break_at + 10 + int(r() * 50), a.id, a.site, FLOOR, False)
        batch.badge(s.break_at + 90 + int(r() * 90), a.id, a.site, zone, True)
        batch.badge(s.break_end - 90 - int(r() * 90), a.id, a.site, zone, False)
        batch.badge(s.break_end, a.id, a.site, FLOOR, True)
        if r() < 0.6:
            ses.login(s.break_end + 40)
        leave = s.end + (int(r() * 30 * MINUTE_S) if r() < _OVERTIME_RATE else 0)
        segments = ((login + 30, s.break_at), (s.break_end + 60, leave))
        if a.role == AGENT:
            self._contacts(s, ses, segments, batch)
        else:
            self._supervise(s, ses, segments)
        batch.badge(leave + 60 + int(r() * 240), a.id, a.site, FLOOR, False)

    def _at(self, segments: tuple[tuple[int, int], tuple[int, int]]) -> int:
        """A random moment of work (not in the break)."""
        (a1, b1), (a2, b2) = segments
        u = int(self._rng.random() * ((b1 - a1) + (b2 - a2)))
        return a1 + u if u < b1 - a1 else a2 + u - (b1 - a1)

    def _contacts(
        self,
        s: Shift,
        ses: Session,
        segments: tuple[tuple[int, int], tuple[int, int]],
        batch: Batch,
    ) -> None:
        rng, desk = self._rng, self._desk
        r = rng.random
        a = s.actor
        tenant = a.tenant
        n = rng.randint(25, 60)
        (a1, b1), (a2, b2) = segments
        first = round(n * (b1 - a1) / ((b1 - a1) + (b2 - a2)))
        handled = array("l")
        for (lo, hi), k in (((a1, b1), first), ((a2, b2), n - first)):
            step = (hi - lo) / max(k, 1)
            for i in range(k):
                t = lo + int((i + 0.1 * r()) * step)
                dur = int(step * (0.5 + 0.4 * r()))
                number = int(r() * tenant.population)
                subject = tenant.subject(number)
                handled.append(number)
                kind = tenant.kind(r())
                end = t + dur
                u = r()
                closed = (
                    None
                    if u < 0.05
                    else end + (int(2 * HOUR_S + r() * 70 * HOUR_S) if u < 0.10 else int(r() * 90))
                )
                ticket = desk.open(batch, tenant, subject, a.id, t, closed, kind)
                if closed is not None and a.supervisor and r() < 0.1:
                    desk.for_review(a.supervisor, ticket, subject, closed)
                # What the agent does on the record, in order, spread over the contact.
                steps: list[tuple[str, int, tuple[str, ...]]] = []
                if r() < 0.8:
                    steps.append(("record.search", 1 + int(r() * r() * 3), ()))
                views = 1 + int(r() * 6)
                steps.append(("record.view", 1, ()))
                chance, sets = _REVEAL[kind]
                if r() < chance:
                    steps.append(("record.reveal", 1, sets[int(r() * len(sets))]))
                steps.extend(("record.view", 1, ()) for _ in range(views - 1))
                p_update, fields = _UPDATE[kind]
                if r() < p_update:
                    steps.append(("record.update", 1, (fields[int(r() * len(fields))],)))
                gap = dur / (len(steps) + 1)
                for j, (action, count, shown) in enumerate(steps, 1):
                    ts = t + int(gap * j)
                    if action == "record.view":
                        ses.view(ts, subject, ticket)
                    else:
                        ses.event(
                            ts, action, count=count, subject=subject, ticket=ticket, fields=shown
                        )
        # Noise: callbacks, a stray look-up, a mis-click at another client.
        for _ in range(rng.choices((0, 1, 2, 3), (35, 35, 20, 10))[0]):
            known = desk.callback(a.id, s.day, rng)
            if known is not None:
                ses.view(self._at(segments), tenant.subject(known), None)
        if r() < _STRAY_LOOKUP_RATE:
            ses.view(self._at(segments), tenant.subject(int(r() * tenant.population)), None)
        if r() < _MISCLICK_RATE:
            other = rng.choice([t for t in self._world.tenants if t is not tenant])
            ses.event(
                self._at(segments),
                "record.view",
                tenant=other.id,
                denied=True,
                subject=other.subject(int(r() * other.population)),
            )
        desk.remember(a.id, s.day, handled)

    def _supervise(
        self, s: Shift, ses: Session, segments: tuple[tuple[int, int], tuple[int, int]]
    ) -> None:
        rng = self._rng
        for _ in range(rng.randint(3, 12)):
            ts = self._at(segments)
            picked = self._desk.review(s.actor.id, ts, rng)
            if picked is not None:
                ses.view(ts, picked[1], picked[0])
        if rng.random() < _SUPERVISOR_EXPORT_RATE:
            ses.event(self._at(segments), "record.export", count=rng.randint(10, 60))

    def vendor_day(self, v: Actor, day: int, batch: Batch) -> None:
        """A vendor's maintenance reads on a weekday of their own zone, if they work it."""
        rng = self._rng
        on = (START + timedelta(days=day)).date()
        if on.weekday() >= 5 or rng.random() >= _VENDOR_ACTIVE_RATE:
            return
        begin = int(datetime(on.year, on.month, on.day, 9, tzinfo=v.tz).timestamp())
        begin += int(rng.random() * 7 * HOUR_S)
        span = rng.randint(1, 3) * HOUR_S
        ses = self._session(v, batch)
        ses.login(begin)
        tenant = v.tenant
        for t in sorted(begin + 30 + int(rng.random() * span) for _ in range(rng.randint(5, 20))):
            ses.view(t, tenant.subject(int(rng.random() * tenant.population)), None)
