"""One run of the simulator: a BPO's month (or any number of days) written to a folder.

What this module guarantees:

- The files are a pure function of (agents, days, seed): the same arguments give the same
  bytes. Each part of the run draws from its own seeded stream (world, roster, plan, traffic,
  attacks), never from global random state.
- `events.jsonl` loads with `strongroom.detect.events.read_events`, and the folder with
  `strongroom.detect.context.load_context(strict=True)`, with nothing skipped.
- Memory is bounded by a day and a half of events, not by the length of the run (see
  `writer`): ten million events take a few hundred megabytes.
- Nothing is written unless the arguments are good: bad ones raise BadInput first.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from strongroom.detect.alert import SCENARIOS
from strongroom.errors import BadInput, StrongroomError
from strongroom.sim.attacks import Plan
from strongroom.sim.playbook import Playbook
from strongroom.sim.roster import Roster
from strongroom.sim.session import Clock, day_start
from strongroom.sim.tickets import TicketDesk
from strongroom.sim.traffic import Traffic
from strongroom.sim.world import build_world
from strongroom.sim.writer import SETTLE_S, Batch, Output

MAX_AGENTS = 20_000
MAX_DAYS = 366


@dataclass(frozen=True)
class Summary:
    """What a run wrote."""

    folder: Path
    agents: int
    supervisors: int
    vendors: int
    tenants: int
    sites: int
    days: int
    seed: int
    lines: dict[str, int]  # by file: events, tickets, badges, shifts, assignments, labels
    scenarios: dict[str, int] = field(default_factory=dict)  # labels by scenario
    seconds: float = 0.0

    @property
    def events(self) -> int:
        return self.lines["events"]

    @property
    def actors(self) -> int:
        return self.agents + self.supervisors + self.vendors

    def to_dict(self) -> dict[str, Any]:
        return {
            "folder": str(self.folder),
            "agents": self.agents,
            "supervisors": self.supervisors,
            "vendors": self.vendors,
            "tenants": self.tenants,
            "sites": self.sites,
            "days": self.days,
            "seed": self.seed,
            "events": self.events,
            "lines": self.lines,
            "labels": self.scenarios,
            "seconds": round(self.seconds, 2),
            "events_per_second": round(self.events / self.seconds) if self.seconds else None,
        }


def check(out: Path, agents: int, days: int) -> None:
    """Raises BadInput unless the arguments make a run that can be written."""
    if not 1 <= agents <= MAX_AGENTS:
        raise BadInput(f"agents must be 1 to {MAX_AGENTS:,}", field="agents")
    if not 1 <= days <= MAX_DAYS:
        raise BadInput(f"days must be 1 to {MAX_DAYS}", field="days")
    if out.exists() and not out.is_dir():
        raise BadInput("the output must be a folder; a file is there", file=str(out))
    if out.is_dir() and any(out.iterdir()):
        raise BadInput("the output folder is not empty; give a new or empty one", file=str(out))


def simulate(
    out: Path,
    agents: int,
    days: int,
    seed: int,
    progress: Callable[[int, int], None] | None = None,
) -> Summary:
    """Invent a BPO of `agents` agents, run it for `days` days from 2026-10-05 (UTC) with the
    attacks of every scenario injected, and write events, context and labels into `out`.
    Raises BadInput for bad arguments or an output folder that is not empty or cannot be
    made, StrongroomError when writing fails midway (the files are then incomplete)."""
    check(out, agents, days)
    began = time.perf_counter()
    world = build_world(agents, seed)
    roster = Roster(world, days, seed)
    plan = Plan(world, roster, days, seed)  # before traffic: it edits the roster
    shifts, parts = roster.by_day(), plan.by_day()
    clock = Clock(days)
    desk = TicketDesk()
    traffic = Traffic(world, clock, desk, seed)
    playbook = Playbook(world, clock, desk, seed)
    try:
        out.mkdir(parents=True, exist_ok=True)
        output = Output(out, clock)
    except OSError as exc:
        raise BadInput(f"cannot write the output: {exc.strerror}", file=str(out)) from exc
    try:
        output.assignments(world)
        for day in range(days):
            batch = Batch(clock)
            for s in shifts[day]:
                traffic.shift(s, batch)
            for v in world.vendors:
                traffic.vendor_day(v, day, batch)
            for inj, part in parts[day]:
                playbook.play(inj, part, batch)
            output.write(batch, settled_before=day_start(day + 1) - SETTLE_S)
            if progress is not None:
                progress(day + 1, days)
        injections = sorted(plan.injections, key=lambda i: (i.start or 0, i.scenario, i.actor.id))
        output.labels(inj.label(clock) for inj in injections)
        output.finish()
    except OSError as exc:  # a full disk, a folder removed under us
        output.close()
        raise StrongroomError(f"cannot write the run to {out}: {exc.strerror}") from exc
    except BaseException:
        output.close()
        raise
    scenarios = {s: sum(1 for i in plan.injections if i.scenario == s) for s in SCENARIOS}
    return Summary(
        out,
        len(world.agents),
        len(world.supervisors),
        len(world.vendors),
        len(world.tenants),
        len(world.sites),
        days,
        seed,
        dict(output.counts),
        scenarios,
        time.perf_counter() - began,
    )
