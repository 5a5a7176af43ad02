"""What each injected attack does: the events (and tickets) of one part of an `Injection`.

What this module guarantees, scenario by scenario (magnitudes come from the plan):

- bulk_lookup: views (some after a search) of `size` distinct customers, no ticket, spread over
  the part's window (15-60 minutes) in the attacker's shift, from their own seat.
- card_harvest: `size` payment tickets opened by the attacker over the shift's working time,
  each viewed and its card number revealed under the ticket, closed minutes later.
- slow_drip: `size` views a day of unrelated customers, no ticket, at working times.
- off_hours: a login from home (site "remote", an address in 100.64.0.0/10, a personal laptop)
  at night, then views and reveals of `size` customers; no badge goes with it.
- cross_tenant_probe: `size` views or searches of another client's customers, all denied,
  within the window (at most an hour), from the attacker's own seat.
- pre_departure_export: `size` exports of 200-5000 records at working times of the shift.
- shared_credentials: a login and views from a workstation at a site in another city, while the
  attacker works at their own (the plan keeps the window clear of the break and shift edges).
- password_guess: `size` failed logins in the window from an outside address and an unknown
  device, the success from the same, then 2-6 views.
- vendor_sweep: `size` distinct customers of the vendor's client read (views, some searches)
  over 1-4 hours, and 1-3 exports, from the vendor's usual address and device.

Every event of a part is handed to `Injection.saw`, so labels span exactly what was made.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable

from strongroom.detect.alert import SCENARIOS
from strongroom.sim.attacks import Injection, Part
from strongroom.sim.roster import Shift
from strongroom.sim.session import MINUTE_S, Clock, Session
from strongroom.sim.tickets import TicketDesk
from strongroom.sim.world import Actor, Tenant, World
from strongroom.sim.writer import Batch

_FIELDS = (("card_number",), ("national_id",), ("email", "phone"), ("address",), ("full_name",))
_Move = Callable[[Injection, Part, Batch], list[int]]


class Playbook:
    """Plays the parts of injections into a day's batch."""

    def __init__(self, world: World, clock: Clock, desk: TicketDesk, seed: int) -> None:
        self._world = world
        self._clock = clock
        self._desk = desk
        self._rng = random.Random(f"strongroom-sim:{seed}:attacks")
        self._moves: dict[str, _Move] = {
            "bulk_lookup": self._bulk_lookup,
            "card_harvest": self._card_harvest,
            "slow_drip": self._slow_drip,
            "off_hours": self._off_hours,
            "cross_tenant_probe": self._cross_tenant_probe,
            "pre_departure_export": self._pre_departure_export,
            "shared_credentials": self._shared_credentials,
            "password_guess": self._password_guess,
            "vendor_sweep": self._vendor_sweep,
        }
        if tuple(sorted(self._moves)) != tuple(sorted(SCENARIOS)):
            raise RuntimeError("the playbook and the detector's scenarios disagree")

    def play(self, inj: Injection, part: Part, batch: Batch) -> None:
        inj.saw(self._moves[inj.scenario](inj, part, batch))

    # Helpers ---------------------------------------------------------------------------------

    def _own(self, a: Actor, batch: Batch) -> Session:
        return Session(self._clock, batch.events, a.id, a.role, a.tenant.id, a.ip, a.device, a.site)

    def _in(self, part: Part, n: int) -> list[int]:
        """`n` sorted times in the part's window."""
        r = self._rng.random
        return sorted(part.at + int(r() * part.span) for _ in range(n))

    def _working(self, s: Shift | None, n: int) -> list[int]:
        """`n` sorted times of work in shift `s` (clear of its edges and break)."""
        if s is None:
            raise RuntimeError("a shift-bound part has no shift")
        r = self._rng.random
        first = s.break_at - s.start - 15 * MINUTE_S
        second = s.end - s.break_end - 20 * MINUTE_S
        out = []
        for _ in range(n):
            u = int(r() * (first + second))
            out.append(
                s.start + 10 * MINUTE_S + u if u < first else s.break_end + 5 * MINUTE_S + u - first
            )
        return sorted(out)

    def _subjects(self, tenant: Tenant, n: int) -> list[str]:
        return [tenant.subject(i) for i in self._rng.sample(range(tenant.population), n)]

    def _search_or_view(
        self, ses: Session, t: int, subject: str, tenant: str | None = None, denied: bool = False
    ) -> None:
        if self._rng.random() < 0.3:
            count = self._rng.randint(1, 3)
            ses.event(
                t, "record.search", count=count, subject=subject, tenant=tenant, denied=denied
            )
        else:
            ses.event(t, "record.view", subject=subject, tenant=tenant, denied=denied)

    # Scenarios ---------------------------------------------------------------------------------

    def _bulk_lookup(self, inj: Injection, part: Part, batch: Batch) -> list[int]:
        ses, rng = self._own(inj.actor, batch), self._rng
        made: list[int] = []
        subjects = self._subjects(inj.actor.tenant, part.size)
        for t, subject in zip(self._in(part, part.size), subjects, strict=True):
            if rng.random() < 0.3:
                made.append(ses.event(t, "record.search", count=rng.randint(1, 3), subject=subject))
            ses.view(t + 1, subject, None)
            made.append(t + 1)
        return made

    def _card_harvest(self, inj: Injection, part: Part, batch: Batch) -> list[int]:
        a, rng = inj.actor, self._rng
        ses = self._own(a, batch)
        made: list[int] = []
        times = self._working(part.shift, part.size)
        for t, subject in zip(times, self._subjects(a.tenant, part.size), strict=True):
            closed = t + rng.randint(3, 8) * MINUTE_S
            ticket = self._desk.open(batch, a.tenant, subject, a.id, t, closed, "payment")
            seen = t + rng.randint(15, 60)
            ses.view(seen, subject, ticket)
            shown = ses.event(
                t + rng.randint(70, 150),
                "record.reveal",
                subject=subject,
                ticket=ticket,
                fields=("card_number",),
            )
            made += (seen, shown)
        return made

    def _slow_drip(self, inj: Injection, part: Part, batch: Batch) -> list[int]:
        ses = self._own(inj.actor, batch)
        times = self._working(part.shift, part.size)
        for t, subject in zip(times, self._subjects(inj.actor.tenant, part.size), strict=True):
            ses.view(t, subject, None)
        return times

    def _off_hours(self, inj: Injection, part: Part, batch: Batch) -> list[int]:
        a, rng = inj.actor, self._rng
        ip = f"100.{rng.randint(64, 127)}.{rng.randrange(256)}.{rng.randint(1, 254)}"
        laptop = f"laptop-{rng.getrandbits(24):06x}"
        ses = Session(self._clock, batch.events, a.id, a.role, a.tenant.id, ip, laptop, "remote")
        ses.login(part.at)
        times = [part.at]
        for t, subject in zip(
            self._in(part, part.size), self._subjects(a.tenant, part.size), strict=True
        ):
            ses.view(t + 30, subject, None)
            times.append(t + 30)
            if rng.random() < 0.4:
                fields = _FIELDS[rng.randrange(len(_FIELDS))]
                ses.event(t + 60, "record.reveal", subject=subject, fields=fields)
                times.append(t + 60)
        return times

    def _cross_tenant_probe(self, inj: Injection, part: Part, batch: Batch) -> list[int]:
        a = inj.actor
        other = self._rng.choice([t for t in self._world.tenants if t is not a.tenant])
        ses = self._own(a, batch)
        times = self._in(part, part.size)
        for t, subject in zip(times, self._subjects(other, part.size), strict=True):
            self._search_or_view(ses, t, subject, tenant=other.id, denied=True)
        return times

    def _pre_departure_export(self, inj: Injection, part: Part, batch: Batch) -> list[int]:
        ses = self._own(inj.actor, batch)
        times = self._working(part.shift, part.size)
        for t in times:
            ses.event(t, "record.export", count=self._rng.randint(200, 5000))
        return times

    def _shared_credentials(self, inj: Injection, part: Part, batch: Batch) -> list[int]:
        """From a colleague's workstation at another city's site (a made-up seat there when
        that site has no one)."""
        a, rng = inj.actor, self._rng
        there = self._world.other_city(a.site, rng)
        colleagues = [x for x in self._world.staff if x.site == there.id]
        if colleagues:
            seat = rng.choice(colleagues)
            ip, device = seat.ip, seat.device
        else:
            ip, device = there.ip(1), there.device(1)
        ses = Session(self._clock, batch.events, a.id, a.role, a.tenant.id, ip, device, there.id)
        ses.login(part.at)
        made = [part.at]
        subjects = self._subjects(a.tenant, part.size - 1)
        for t, subject in zip(self._in(part, part.size - 1), subjects, strict=True):
            ses.view(t + 20, subject, None)
            made.append(t + 20)
        return made

    def _password_guess(self, inj: Injection, part: Part, batch: Batch) -> list[int]:
        a, rng = inj.actor, self._rng
        ip = rng.choice(("192.0.2", "198.51.100")) + f".{rng.randint(1, 254)}"
        device = "DESKTOP-" + "".join(rng.choices(string.ascii_uppercase + string.digits, k=7))
        site = rng.choice(("unknown", "remote"))
        ses = Session(self._clock, batch.events, a.id, a.role, a.tenant.id, ip, device, site)
        times = self._in(part, part.size)
        for t in times:
            ses.login(t, failed=True)
        t = part.at + part.span + rng.randint(5, 60)
        ses.login(t)
        times.append(t)
        for subject in self._subjects(a.tenant, rng.randint(2, 6)):
            t += rng.randint(20, 120)
            ses.view(t, subject, None)
            times.append(t)
        return times

    def _vendor_sweep(self, inj: Injection, part: Part, batch: Batch) -> list[int]:
        v, rng = inj.actor, self._rng
        ses = self._own(v, batch)
        ses.login(part.at)
        times = self._in(part, part.size)
        for t, subject in zip(times, self._subjects(v.tenant, part.size), strict=True):
            self._search_or_view(ses, t + 30, subject)
        exports = self._in(part, rng.randint(1, 3))
        for t in exports:
            ses.event(t + 30, "record.export", count=rng.randint(50, 500))
        return [part.at, times[-1] + 30, exports[-1] + 30]
