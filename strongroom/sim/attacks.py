"""The plan of injected attacks: who, when, how big; and the labels that record them.

What this module guarantees:

- Every scenario of `strongroom.detect.alert.SCENARIOS` is injected `injections_per_scenario`
  times: max(2, round(agents × days / 400)).
- Attackers are drawn from one shuffled pool, so they are distinct across scenarios while the
  pool lasts (then it is drawn again); vendors likewise for `vendor_sweep`.
- No attack falls on day 0 (detectors need a baseline), unless the run is one day long.
- Magnitudes (records, attempts, durations) are drawn within each scenario's range.
- The pre-departure exporter leaves the company: their shifts end within two days of it, so
  it falls in their last days in the data. It is planned first, so no other attack of theirs
  is planned after they left.
- An attack that must fall in a shift gets one, and one clear of the shift's edges and break
  where it must coincide with honest work (`shared_credentials`). If no candidate has a
  fitting shift (a tiny run), an extra shift is added to the roster.
- A label spans the first to the last event the attack actually produced (`Injection.saw`).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from strongroom.detect.alert import SCENARIOS
from strongroom.sim.roster import Roster, Shift
from strongroom.sim.session import DAY_S, HOUR_S, MINUTE_S, START, T0, Clock
from strongroom.sim.world import Actor, World

SHIFT_BOUND = (  # scenarios whose events fall in one of the attacker's shifts
    "bulk_lookup",
    "card_harvest",
    "cross_tenant_probe",
    "pre_departure_export",
    "shared_credentials",
)
_ORDER = ("pre_departure_export", *(s for s in SCENARIOS if s != "pre_departure_export"))


@dataclass(frozen=True, slots=True)
class Part:
    """One stretch of an attack: it joins the batch of `day` and begins at `at`."""

    day: int
    at: int
    span: int  # seconds
    size: int  # records, tickets, attempts or events, by scenario
    shift: Shift | None = None


@dataclass(slots=True)
class Injection:
    scenario: str
    actor: Actor
    parts: list[Part] = field(default_factory=list)
    start: int | None = None
    end: int | None = None

    def saw(self, times: list[int]) -> None:
        """Widen the label to cover these event times."""
        if times:
            lo, hi = min(times), max(times)
            self.start = lo if self.start is None else min(self.start, lo)
            self.end = hi if self.end is None else max(self.end, hi)

    def label(self, clock: Clock) -> str:
        if self.start is None or self.end is None:
            raise RuntimeError(f"{self.scenario} of {self.actor.id} made no events")
        return (
            f'{{"scenario":"{self.scenario}","actor":"{self.actor.id}",'
            f'"start":"{clock.stamp(self.start)}","end":"{clock.stamp(self.end)}"}}'
        )


def injections_per_scenario(agents: int, days: int) -> int:
    return max(2, round(agents * days / 400))


class _Pool:
    """Actors in a shuffled order, drawn in turn, reshuffled when used up."""

    def __init__(self, actors: tuple[Actor, ...], rng: random.Random) -> None:
        self._actors = list(actors)
        self._rng = rng
        self._queue: list[Actor] = []

    def candidates(self) -> Iterator[Actor]:
        """Every actor once, those still in turn first; the caller `take`s the one it uses."""
        if not self._queue:
            self._queue = self._actors[:]
            self._rng.shuffle(self._queue)
        queued = self._queue[:]
        yield from queued
        waiting = {a.id for a in queued}
        yield from (a for a in self._actors if a.id not in waiting)

    def take(self, actor: Actor) -> None:
        for i, a in enumerate(self._queue):
            if a is actor:
                del self._queue[i]
                return


class Plan:
    """Decides every injection before any traffic is made (it edits the roster)."""

    def __init__(self, world: World, roster: Roster, days: int, seed: int) -> None:
        self._world = world
        self._roster = roster
        self._days = days
        self._first = 1 if days > 1 else 0
        self._rng = random.Random(f"strongroom-sim:{seed}:plan")
        self._left: dict[str, int] = {}  # actor -> last day in the company
        self.injections: list[Injection] = []
        agents, vendors = _Pool(world.agents, self._rng), _Pool(world.vendors, self._rng)
        per = injections_per_scenario(len(world.agents), days)
        for scenario in _ORDER:
            pool = vendors if scenario == "vendor_sweep" else agents
            for _ in range(per):
                self.injections.append(self._inject(scenario, pool))

    def by_day(self) -> list[list[tuple[Injection, Part]]]:
        days: list[list[tuple[Injection, Part]]] = [[] for _ in range(self._days)]
        for inj in self.injections:
            for part in inj.parts:
                days[part.day].append((inj, part))
        return days

    def _inject(self, scenario: str, pool: _Pool) -> Injection:
        for actor in pool.candidates():
            parts = self._parts(scenario, actor, spare=False)
            if parts:
                pool.take(actor)
                return Injection(scenario, actor, parts)
        # A tiny run: give the next candidate an extra shift to attack in.
        actor = next(pool.candidates())
        pool.take(actor)
        return Injection(scenario, actor, self._parts(scenario, actor, spare=True))

    # Where each scenario falls --------------------------------------------------------------

    def _shifts(self, actor: Actor, spare: bool) -> list[Shift]:
        """The actor's shifts an attack may fall in (after day 0, before they left); with
        `spare`, an extra one when there is none."""
        top = self._left.get(actor.id, self._days - 1)
        shifts = [s for s in self._roster.of(actor.id) if self._first <= s.day <= top]
        if not shifts and spare:
            shifts = [self._roster.add(actor, self._rng.randint(self._first, top))]
        return shifts

    def _parts(self, scenario: str, actor: Actor, spare: bool) -> list[Part]:
        rng = self._rng
        if scenario == "slow_drip":
            shifts = self._shifts(actor, spare)
            run = min(rng.randint(10, 20), len(shifts))
            if not run:
                return []
            i = rng.randint(0, len(shifts) - run)
            return [
                Part(s.day, s.start, s.end - s.start, rng.randint(2, 6), s)
                for s in shifts[i : i + run]
            ]
        if scenario in SHIFT_BOUND:
            return self._in_shift(scenario, actor, spare)
        if scenario == "off_hours":
            return self._at_night(actor, spare)
        if scenario == "password_guess":
            day = rng.randint(self._first, self._left.get(actor.id, self._days - 1))
            at = T0 + day * DAY_S + rng.randrange(DAY_S - HOUR_S)
            return [Part(day, at, rng.randint(2, 10) * MINUTE_S, rng.randint(10, 40))]
        if scenario == "vendor_sweep":
            # On a weekday, as the vendor's own reads are: the volume must give it away.
            days = range(self._first, self._days)
            weekdays = [d for d in days if (START + timedelta(days=d)).weekday() < 5]
            day = rng.choice(weekdays or days)
            on = (START + timedelta(days=day)).date()
            at = int(datetime(on.year, on.month, on.day, 9, tzinfo=actor.tz).timestamp())
            at += rng.randrange(5 * HOUR_S)
            return [Part(day, at, rng.randint(1 * HOUR_S, 4 * HOUR_S), rng.randint(100, 1000))]
        raise ValueError(f"unknown scenario {scenario}")

    def _in_shift(self, scenario: str, actor: Actor, spare: bool) -> list[Part]:
        rng = self._rng
        if scenario == "pre_departure_export":
            last_week = max(self._first, self._days - 7)
            shifts = [s for s in self._shifts(actor, spare) if s.day >= last_week]
            if not shifts and spare:
                shifts = [self._roster.add(actor, rng.randint(last_week, self._days - 1))]
            if not shifts:
                return []
            s = rng.choice(shifts)
            self._left[actor.id] = min(s.day + rng.randint(0, 2), self._days - 1)
            self._roster.depart(actor.id, self._left[actor.id])
            return [Part(s.day, s.start, s.end - s.start, rng.randint(1, 3), s)]
        span, size = {
            "bulk_lookup": (rng.randint(15, 60) * MINUTE_S, rng.randint(80, 400)),
            "card_harvest": (0, rng.randint(15, 60)),
            "cross_tenant_probe": (rng.randint(5, 60) * MINUTE_S, rng.randint(3, 15)),
            "shared_credentials": (rng.randint(5, 30) * MINUTE_S, rng.randint(3, 20)),
        }[scenario]
        # Clear of the shift's edges and break: the attack coincides with honest work there.
        margin = 35 * MINUTE_S if scenario == "shared_credentials" else 10 * MINUTE_S
        shifts = self._shifts(actor, spare)
        rng.shuffle(shifts)
        for s in shifts:
            if scenario == "card_harvest":
                return [Part(s.day, s.start, s.end - s.start, size, s)]
            room = [
                (lo, hi - span)
                for lo, hi in (
                    (s.start + margin, s.break_at - margin),
                    (s.break_end + margin, s.end - margin),
                )
                if hi - span > lo
            ]
            if room:
                lo, hi = rng.choice(room)
                return [Part(s.day, rng.randint(lo, hi), span, size, s)]
        return []

    def _at_night(self, actor: Actor, spare: bool) -> list[Part]:
        """A night session (local time) at least two hours clear of any of the actor's shifts."""
        rng = self._rng
        top = self._left.get(actor.id, self._days - 1)
        shifts = self._roster.of(actor.id)
        for _ in range(20):
            day = rng.randint(self._first, top)
            on = (START + timedelta(days=day)).date()
            at = int(datetime(on.year, on.month, on.day, 0, 30, tzinfo=actor.tz).timestamp())
            at += rng.randrange(4 * HOUR_S)
            span = rng.randint(10, 60) * MINUTE_S
            near = any(s.start - 2 * HOUR_S < at + span and at < s.end + 2 * HOUR_S for s in shifts)
            batch = (at - T0) // DAY_S
            if not near and self._first <= batch < self._days:
                return [Part(batch, at, span, rng.randint(5, 30))]
        if spare:  # a tiny run where the actor works every night: take the first night
            at = T0 + self._first * DAY_S + HOUR_S
            return [Part(self._first, at, 10 * MINUTE_S, rng.randint(5, 30))]
        return []
