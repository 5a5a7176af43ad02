"""The files of a run, streamed to one folder as the days are generated.

What this module guarantees:

- `events.jsonl` is in time order across the whole run, though it is generated a day at a
  time and a day's traffic spills into its neighbours (early logins, night shifts, overtime).
  The generator promises that nothing it makes for day d is earlier than `day_start(d) -
  SETTLE_S`; after day d, every pending line earlier than `day_start(d + 1) - SETTLE_S` is
  therefore final and written, the rest kept for the next day. Memory holds about a day and a
  half of lines, whatever the length of the run. A line that would break the order (the
  promise broken) stops the run with RuntimeError rather than write an unsorted file.
- The folder is also a context folder for `strongroom detect` (`assignments`, `shifts`,
  `tickets`, `badges` .jsonl), written in generation order: their readers need no order.
- `labels.jsonl` is written last, one line per injected attack, in order of start.
- Lines are made by the simulator from its own identifiers (see `session`), never escaped.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from strongroom.sim.session import HOUR_S, PREFIX_LEN, Clock
from strongroom.sim.world import World

SETTLE_S = 2 * HOUR_S
FILES = ("events", "assignments", "shifts", "tickets", "badges", "labels")
_BUFFER = 1 << 20


class Batch:
    """The lines one day of the run produces, in the order they were made."""

    __slots__ = ("_clock", "badges", "events", "shifts", "tickets")

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self.events: list[str] = []
        self.tickets: list[str] = []
        self.badges: list[str] = []
        self.shifts: list[str] = []

    def badge(self, ts: int, actor: str, site: str, zone: str, inward: bool) -> None:
        direction = "in" if inward else "out"
        self.badges.append(
            f'{{"ts":"{self._clock.stamp(ts)}","actor":"{actor}","site":"{site}",'
            f'"zone":"{zone}","direction":"{direction}"}}'
        )

    def ticket(
        self,
        ticket: str,
        tenant: str,
        subject: str,
        assignee: str,
        opened: int,
        closed: int | None,
        kind: str,
    ) -> None:
        shut = "null" if closed is None else f'"{self._clock.stamp(closed)}"'
        self.tickets.append(
            f'{{"ticket":"{ticket}","tenant":"{tenant}","subject":"{subject}",'
            f'"assignee":"{assignee}","opened":"{self._clock.stamp(opened)}",'
            f'"closed":{shut},"kind":"{kind}"}}'
        )

    def shift(self, actor: str, site: str, start: int, end: int) -> None:
        self.shifts.append(
            f'{{"actor":"{actor}","site":"{site}","start":"{self._clock.stamp(start)}",'
            f'"end":"{self._clock.stamp(end)}"}}'
        )


class Output:
    """The open files of a run; `close` flushes the events still pending."""

    def __init__(self, folder: Path, clock: Clock) -> None:
        self._clock = clock
        self._files: dict[str, IO[str]] = {}
        self.counts: dict[str, int] = dict.fromkeys(FILES, 0)
        self._pending: list[str] = []
        self._last = ""  # the head of the last event line written
        try:
            for name in FILES:
                self._files[name] = (folder / f"{name}.jsonl").open(
                    "w", encoding="utf-8", newline="\n", buffering=_BUFFER
                )
        except BaseException:
            self.close()
            raise

    def _lines(self, name: str, lines: Iterable[str]) -> None:
        rows = list(lines)
        if rows:
            self._files[name].write("\n".join(rows) + "\n")
            self.counts[name] += len(rows)

    def assignments(self, world: World) -> None:
        self._lines(
            "assignments",
            (
                f'{{"actor":"{a.id}","role":"{a.role}","tenant":"{a.tenant.id}","site":"{a.site}"}}'
                for a in world.actors
            ),
        )

    def write(self, batch: Batch, settled_before: int) -> None:
        """Take a day's lines; write the events earlier than `settled_before` (final, since
        no later day makes any), keep the others. Raises RuntimeError if a line is earlier
        than one already written."""
        for name in ("tickets", "badges", "shifts"):
            self._lines(name, getattr(batch, name))
        pending = self._pending
        pending.extend(batch.events)
        batch.events.clear()
        # Mostly ascending runs (a shift's traffic is made in order), which timsort merges.
        pending.sort()
        if pending and pending[0][:PREFIX_LEN] < self._last:
            raise RuntimeError(f"event out of order: {pending[0][:PREFIX_LEN]} < {self._last}")
        cut = bisect.bisect_left(pending, self._clock.cutoff(settled_before))
        if cut:
            self._lines("events", pending[:cut])
            self._last = pending[cut - 1][:PREFIX_LEN]
            del pending[:cut]

    def labels(self, lines: Iterable[str]) -> None:
        self._lines("labels", lines)

    def finish(self) -> None:
        """Write the events still pending and close every file."""
        self._lines("events", self._pending)
        self._pending = []
        self.close()

    def close(self) -> None:
        for fh in self._files.values():
            fh.close()
