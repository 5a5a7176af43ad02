"""What the events are judged against: who works where and when, on which tickets.

A context folder holds four JSON-lines files, each optional (a missing file is empty):
`assignments.jsonl` {actor, role, tenant, site}, `shifts.jsonl` {actor, site, start, end},
`tickets.jsonl` {ticket, tenant, subject, assignee, opened, closed, kind} and `badges.jsonl`
{ts, actor, site, zone, direction: in|out}. Unknown keys are ignored; a malformed line is
skipped and counted like an event line (or raises BadInput when `strict`).

`Context` is the read side the detectors use. `FileContext` holds a folder in memory, in
compact form (a month of a 2,000-agent BPO is about a million tickets); the live auditor has
its own implementation over the instance's context tables.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from sys import intern
from typing import Any, Protocol

from strongroom import documents
from strongroom.detect.events import Malformed, Skipped, parse_time
from strongroom.errors import BadInput

FLOOR = "floor"  # the badge zone where customer data may be used


@dataclass(frozen=True, slots=True)
class Assignment:
    actor: str
    role: str
    tenant: str
    site: str


@dataclass(frozen=True, slots=True)
class Ticket:
    ticket: str
    tenant: str
    subject: str
    assignee: str
    opened: float
    closed: float | None
    kind: str

    def open_at(self, ts: float) -> bool:
        return self.opened <= ts and (self.closed is None or ts < self.closed)


class Context(Protocol):
    """The facts a detector may ask about an actor at a time."""

    def assignment(self, actor: str) -> Assignment | None:
        """Who the actor is (role, tenant, home site), if known."""
        ...

    def shift_site(self, actor: str, ts: float) -> str | None:
        """The site of the actor's shift covering `ts`, or None when off shift."""
        ...

    def has_shifts(self, actor: str) -> bool:
        """Whether any shift is known for the actor (rosters do not cover every role)."""
        ...

    def badged_in(self, actor: str, ts: float) -> tuple[str, str] | None:
        """(site, zone) of the actor's last badge-in at or before `ts`, unless followed by a
        badge-out; None when badged out or never badged."""
        ...

    def ticket(self, ticket_id: str) -> Ticket | None: ...


class FileContext:
    """A context folder, read whole into memory."""

    def __init__(self) -> None:
        self._assignments: dict[str, Assignment] = {}
        self._shift_starts: dict[str, list[float]] = {}
        self._shifts: dict[str, list[tuple[float, float, str]]] = {}
        self._badge_ts: dict[str, list[float]] = {}
        self._badges: dict[str, list[tuple[str, str, bool]]] = {}  # (site, zone, is_in)
        self._tickets: dict[str, Ticket] = {}
        self.skipped = Skipped()

    # The Context protocol ------------------------------------------------------------------

    def assignment(self, actor: str) -> Assignment | None:
        return self._assignments.get(actor)

    def shift_site(self, actor: str, ts: float) -> str | None:
        starts = self._shift_starts.get(actor)
        if not starts:
            return None
        i = bisect.bisect_right(starts, ts) - 1
        # Shifts may overlap (a double shift); look back over the few that began earlier.
        shifts = self._shifts[actor]
        while i >= 0 and ts - starts[i] < 86_400:
            start, end, site = shifts[i]
            if start <= ts < end:
                return site
            i -= 1
        return None

    def has_shifts(self, actor: str) -> bool:
        return actor in self._shifts

    def badged_in(self, actor: str, ts: float) -> tuple[str, str] | None:
        times = self._badge_ts.get(actor)
        if not times:
            return None
        i = bisect.bisect_right(times, ts) - 1
        if i < 0:
            return None
        site, zone, is_in = self._badges[actor][i]
        return (site, zone) if is_in else None

    def ticket(self, ticket_id: str) -> Ticket | None:
        return self._tickets.get(ticket_id)

    # Loading -------------------------------------------------------------------------------

    @property
    def actors(self) -> list[str]:
        return list(self._assignments)

    def add_assignment(self, a: Assignment) -> None:
        self._assignments[a.actor] = a

    def add_shift(self, actor: str, site: str, start: float, end: float) -> None:
        self._shifts.setdefault(actor, []).append((start, end, site))

    def add_badge(self, actor: str, ts: float, site: str, zone: str, is_in: bool) -> None:
        self._badges.setdefault(actor, []).append((ts, site, zone, is_in))  # type: ignore[arg-type]

    def add_ticket(self, t: Ticket) -> None:
        self._tickets[t.ticket] = t

    def seal(self) -> FileContext:
        """Sort what was added; call once after the last add."""
        for actor, shifts in self._shifts.items():
            shifts.sort()
            self._shift_starts[actor] = [s[0] for s in shifts]
        for actor, raw in self._badges.items():
            rows: list[Any] = sorted(raw, key=lambda r: r[0])
            self._badge_ts[actor] = [r[0] for r in rows]
            self._badges[actor] = [(r[1], r[2], r[3]) for r in rows]
        return self


@dataclass(frozen=True)
class _Refused:
    """A line that is not one JSON value: `documents.refusal`'s reason and field."""

    reason: str
    field: str | None


def _lines(path: Path) -> Iterator[tuple[int, Any]]:
    """Each non-blank line's JSON value, or a `_Refused` in its place."""
    if not path.exists():
        return
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise BadInput(f"cannot read: {exc.strerror}", file=str(path)) from exc
    with fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                try:
                    yield n, documents.loads(line)
                except ValueError as exc:
                    yield n, _Refused(*documents.refusal(exc))


def _str(obj: dict[str, Any], key: str, optional: bool = False) -> Any:
    v = obj.get(key)
    if v is None and optional:
        return None
    if not isinstance(v, str) or not v:
        raise KeyError(key)
    return v


def _time(obj: dict[str, Any], key: str) -> float:
    try:
        return parse_time(obj.get(key), key)
    except ValueError:
        raise KeyError(key) from None


def load_context(folder: Path, strict: bool = False) -> FileContext:
    """The context in `folder`. Raises BadInput when it is not a folder, or (when `strict`) at
    the first malformed line, naming the file, line and field."""
    if not folder.is_dir():
        raise BadInput("the context must be a folder", file=str(folder))
    ctx = FileContext()
    loaders: dict[str, Callable[[dict[str, Any]], None]] = {
        "assignments.jsonl": lambda o: ctx.add_assignment(
            Assignment(
                intern(_str(o, "actor")),
                intern(_str(o, "role")),
                intern(_str(o, "tenant")),
                intern(_str(o, "site")),
            )
        ),
        "shifts.jsonl": lambda o: _shift(ctx, o),
        "tickets.jsonl": lambda o: ctx.add_ticket(
            Ticket(
                _str(o, "ticket"),
                intern(_str(o, "tenant")),
                _str(o, "subject"),
                intern(_str(o, "assignee")),
                _time(o, "opened"),
                None if o.get("closed") is None else _time(o, "closed"),
                intern(_str(o, "kind")),
            )
        ),
        "badges.jsonl": lambda o: _badge(ctx, o),
    }
    for name, load in loaders.items():
        for n, obj in _lines(folder / name):
            if isinstance(obj, _Refused):
                key, reason = obj.field, obj.reason
            else:
                try:
                    if not isinstance(obj, dict):
                        raise KeyError(None)
                    load(obj)
                    continue
                except KeyError as exc:
                    key = exc.args[0] if exc.args else None
                    reason = f"missing or invalid {key}" if key else "a line must be a JSON object"
            if strict:
                raise BadInput(reason, file=name, line=n, field=key)
            ctx.skipped.add(Malformed(name, n, key, reason))
    return ctx.seal()


def _shift(ctx: FileContext, o: dict[str, Any]) -> None:
    start, end = _time(o, "start"), _time(o, "end")
    if end <= start:
        raise KeyError("end")
    ctx.add_shift(_str(o, "actor"), _str(o, "site"), start, end)


def _badge(ctx: FileContext, o: dict[str, Any]) -> None:
    direction = o.get("direction")
    if direction not in ("in", "out"):
        raise KeyError("direction")
    ctx.add_badge(
        _str(o, "actor"), _time(o, "ts"), _str(o, "site"), _str(o, "zone"), direction == "in"
    )
