"""Who works when: the shifts of agents and supervisors, planned in each site's local time.

What this module guarantees:

- A shift starts at its actor's usual local hour (zoneinfo: a site's clocks may change during
  the run) and lasts `SHIFT_S`, with one break of 30-60 minutes near its middle.
- Everyone on a roster works five days in seven; the two days off move one day later each week
  (a rotating roster), so the floor is staffed every day.
- A run holds the shifts that *start* in its days (UTC); a shift's `day` is that UTC day, and
  all the traffic of the shift is generated with that day.
- Vendors have no shifts.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from strongroom.sim.session import DAY_S, HOUR_S, MINUTE_S, START, T0
from strongroom.sim.world import Actor, World

SHIFT_S = 9 * HOUR_S  # eight hours of work and a break
_START_DATE = START.date()


@dataclass(slots=True)
class Shift:
    actor: Actor
    day: int  # the UTC day of the run it starts on
    start: int
    end: int
    break_at: int
    break_len: int

    @property
    def site(self) -> str:
        return self.actor.site

    @property
    def break_end(self) -> int:
        return self.break_at + self.break_len

    def working(self, ts: int, margin: int = 0) -> bool:
        """Whether `ts` is in the shift and at least `margin` seconds away from its edges and
        its break (an attack that must coincide with honest work picks such a time)."""
        if not self.start + margin <= ts <= self.end - margin:
            return False
        return not self.break_at - margin <= ts <= self.break_end + margin


def _local_start(actor: Actor, on: date) -> int:
    tz: ZoneInfo = actor.tz
    return int(datetime(on.year, on.month, on.day, actor.start_hour, tzinfo=tz).timestamp())


def works_on(actor: Actor, on: date) -> bool:
    """Whether `on` (a local date) is a working day for `actor` (five days in seven)."""
    week = (on - _START_DATE).days // 7
    return (on.weekday() - actor.off_base - week) % 7 not in (0, 1)


class Roster:
    """The shifts of a run, by actor and by day."""

    def __init__(self, world: World, days: int, seed: int) -> None:
        self.days = days
        self._rng = random.Random(f"strongroom-sim:{seed}:roster")
        self._by_actor: dict[str, list[Shift]] = {}
        end = T0 + days * DAY_S
        for actor in world.staff:
            shifts: list[Shift] = []
            for offset in range(-1, days + 1):
                on = _START_DATE + timedelta(days=offset)
                if not works_on(actor, on):
                    continue
                start = _local_start(actor, on)
                if T0 <= start < end:
                    shifts.append(self._shift(actor, start))
            self._by_actor[actor.id] = shifts

    def _shift(self, actor: Actor, start: int) -> Shift:
        rng = self._rng
        break_at = start + 4 * HOUR_S + rng.randint(-30, 60) * MINUTE_S
        return Shift(
            actor,
            (start - T0) // DAY_S,
            start,
            start + SHIFT_S,
            break_at,
            rng.randint(30, 60) * MINUTE_S,
        )

    def of(self, actor: str) -> list[Shift]:
        """The actor's shifts, in time order."""
        return self._by_actor.get(actor, [])

    def by_day(self) -> list[list[Shift]]:
        """Every day's shifts, computed in one pass (for the generator)."""
        days: list[list[Shift]] = [[] for _ in range(self.days)]
        for shifts in self._by_actor.values():
            for s in shifts:
                days[s.day].append(s)
        return days

    def depart(self, actor: str, last_day: int) -> None:
        """The actor leaves the company after `last_day`: their later shifts are dropped."""
        self._by_actor[actor] = [s for s in self.of(actor) if s.day <= last_day]

    def add(self, actor: Actor, day: int) -> Shift:
        """An extra shift on `day` at the actor's usual hour (the simulator needs one when an
        attack must fall in a shift and a tiny run has none left)."""
        shifts = self._by_actor.setdefault(actor.id, [])
        for s in shifts:
            if s.day == day:
                return s
        local = (START + timedelta(days=day)).astimezone(actor.tz).date()
        starts = [_local_start(actor, local + timedelta(days=k)) for k in (-1, 0, 1)]
        lo = T0 + day * DAY_S
        start = next((t for t in starts if lo <= t < lo + DAY_S), lo + 12 * HOUR_S)
        shift = self._shift(actor, start)
        shifts.append(shift)
        shifts.sort(key=lambda s: s.start)
        return shift
