"""The `Context` of the live auditor: the instance's own principals, shifts, badge events and
tickets, as the door's policy sees them.

What this module guarantees:

- It reads, never writes, and reads with indexed queries only: principals by id, shifts and
  badge events by actor and time (their primary keys), tickets by tenant and id or by tenant
  and subject (`ix_tickets_tenant_subject`). Tickets are behind the tenant wall, so they are
  read in a transaction of their own tenant.
- `prepare(events)` is called once per batch, before the batch is judged: it loads, in one
  statement each, the shifts and badge events of the batch's actors around the batch's time
  span, and the tickets its events name or would have been made under, so that judging a
  batch of thousands of events costs a handful of queries. A question outside what was loaded
  (another time, another ticket) is asked of the store directly. Nothing loaded outlives the
  next `prepare`, so a shift or badge event fed in the meantime is seen; principals are kept
  for `ttl_s`.
- The answers follow the door's evidence (`access/evidence.py`): a badge event older than the
  longest shift says nothing about now; of two badge events at one time the "out" counts.
- An assignment is a tenant-bound principal's (agent, service account, client auditor): one
  who works for no single client (a supervisor, a security officer, the operator) has none,
  so nothing of theirs is judged as touching "another" client's data.
- `complete(event)` fills what the ledger could not say: the site of a request that named
  none is the actor's home site, and a data use that named no ticket was made under the
  actor's own ticket for that customer open at the time, if there was one (the one the
  policy found).
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from strongroom.access.evidence import WINDOW
from strongroom.detect.context import Assignment, Ticket
from strongroom.detect.events import DATA_ACTIONS, Event
from strongroom.detect.ledger_events import NO_TENANT, UNKNOWN
from strongroom.instance import Instance
from strongroom.store.engine import Tx, marks, stamp, transaction

CHUNK = 500  # values per IN list
DAY_S = 86_400.0
# How far around a batch's span shifts and badges are loaded: detectors ask about the edges
# of a shift (up to 45 minutes either side of an event).
MARGIN_S = 3600.0
BADGE_S = WINDOW.total_seconds()

_TICKET = "SELECT ticket_id, subject_id, assignee, kind, opened_at, closed_at FROM tickets "


def _at(ts: float) -> str:
    return stamp(datetime.fromtimestamp(ts, UTC))


def _ts(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def _chunks(values: Iterable[str]) -> Iterable[list[str]]:
    items = sorted(set(values))
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]


def _ticket(tenant: str, row: Sequence[Any]) -> Ticket:
    ticket_id, subject, assignee, kind, opened, closed = row
    return Ticket(
        ticket_id,
        tenant,
        subject,
        assignee,
        _ts(opened),
        None if closed is None else _ts(closed),
        kind,
    )


class StoreContext:
    """The Context protocol over the instance's context tables."""

    def __init__(self, inst: Instance, ttl_s: float = 60.0) -> None:
        self.inst = inst
        self.ttl_s = ttl_s
        self._assignments: dict[str, Assignment | None] = {}
        self._assigned_at = 0.0
        self._span: tuple[float, float] | None = None
        self._actors: frozenset[str] = frozenset()
        self._rostered: set[str] = set()
        self._shifts: dict[str, list[tuple[float, float, str]]] = {}  # by start
        self._badge_ts: dict[str, list[float]] = {}
        self._badges: dict[str, list[tuple[str, str, bool]]] = {}  # (site, zone, is_in)
        self._tickets: dict[tuple[str, str], Ticket | None] = {}
        self._by_subject: dict[tuple[str, str], list[Ticket]] = {}
        self._focus: str | None = None

    # The Context protocol ------------------------------------------------------------------

    def assignment(self, actor: str) -> Assignment | None:
        if actor not in self._assignments:
            self._load_principals([actor])
        return self._assignments.get(actor)

    def shift_site(self, actor: str, ts: float) -> str | None:
        if not self._covers(actor, ts):
            return self._shift_site_now(actor, ts)
        # Shifts may overlap (a double shift): the latest begun that covers `ts`.
        for start, end, site in reversed(self._shifts.get(actor, ())):
            if start > ts:
                continue
            if ts - start >= DAY_S:
                break
            if ts < end:
                return site
        return None

    def has_shifts(self, actor: str) -> bool:
        if actor in self._actors:
            return actor in self._rostered
        with transaction(self.inst.data, read_only=True) as tx:
            return tx.one("SELECT 1 FROM shifts WHERE actor = ? LIMIT 1", (actor,)) is not None

    def badged_in(self, actor: str, ts: float) -> tuple[str, str] | None:
        if not self._covers(actor, ts):
            return self._badged_in_now(actor, ts)
        times = self._badge_ts.get(actor)
        if not times:
            return None
        i = bisect.bisect_right(times, ts) - 1
        if i < 0 or ts - times[i] >= BADGE_S:
            return None
        site, zone, is_in = self._badges[actor][i]
        return (site, zone) if is_in else None

    def ticket(self, ticket_id: str) -> Ticket | None:
        """The ticket of that id in the tenant of the event being judged (`focus`): ticket ids
        are the tenant's CRM's, and two clients' CRMs may both have a T-1001."""
        tenant = self._focus
        if tenant is None or tenant == NO_TENANT:
            return None
        key = (tenant, ticket_id)
        if key not in self._tickets:
            with transaction(self.inst.data, read_only=True, tenant=tenant) as tx:
                row = tx.one(_TICKET + "WHERE tenant_id = ? AND ticket_id = ?", (tenant, ticket_id))
            self._tickets[key] = None if row is None else _ticket(tenant, row)
        return self._tickets[key]

    # The live auditor's side ---------------------------------------------------------------

    def focus(self, tenant: str | None) -> None:
        """The tenant of the event about to be judged, whose tickets `ticket` looks up."""
        self._focus = tenant

    def prepare(self, events: Sequence[Event]) -> None:
        """Load what judging `events` will ask about (and forget the last batch's)."""
        self._tickets.clear()
        self._by_subject.clear()
        self._shifts.clear()
        self._badge_ts.clear()
        self._badges.clear()
        self._rostered = set()
        if not events:
            self._span, self._actors = None, frozenset()
            return
        if time.monotonic() - self._assigned_at > self.ttl_s:
            self._assignments.clear()
            self._assigned_at = time.monotonic()
        lo, hi = min(e.ts for e in events), max(e.ts for e in events)
        self._span = (lo - MARGIN_S, hi + MARGIN_S)
        self._actors = frozenset(e.actor for e in events)
        with transaction(self.inst.data, read_only=True) as tx:
            self._load_roster(tx, lo, hi)
        self._load_principals(a for a in self._actors if a not in self._assignments)
        self._load_tickets(events)

    def complete(self, e: Event) -> Event:
        """The event with the site and ticket the ledger entry could not name, where the
        context knows them."""
        site, ticket = e.site, e.ticket
        if site == UNKNOWN:
            a = self.assignment(e.actor)
            if a is not None and a.site != UNKNOWN:
                site = a.site
        if ticket is None and e.subject is not None and e.action in DATA_ACTIONS:
            own = self.own_ticket(e.actor, e.tenant, e.subject, e.ts)
            ticket = own.ticket if own is not None else None
        if site == e.site and ticket == e.ticket:
            return e
        return replace(e, site=site, ticket=ticket)

    def own_ticket(self, actor: str, tenant: str, subject: str, ts: float) -> Ticket | None:
        """The actor's latest-opened ticket for the subject open at `ts`, if any."""
        if tenant == NO_TENANT:
            return None
        key = (tenant, subject)
        tickets = self._by_subject.get(key)
        if tickets is None:
            with transaction(self.inst.data, read_only=True, tenant=tenant) as tx:
                rows = tx.all(_TICKET + "WHERE tenant_id = ? AND subject_id = ?", key)
            tickets = self._by_subject[key] = [_ticket(tenant, r) for r in rows]
        mine = [t for t in tickets if t.assignee == actor and t.open_at(ts)]
        return max(mine, key=lambda t: (t.opened, t.ticket)) if mine else None

    # Loading ------------------------------------------------------------------------------

    def _covers(self, actor: str, ts: float) -> bool:
        return (
            self._span is not None
            and actor in self._actors
            and self._span[0] <= ts <= self._span[1]
        )

    def _load_roster(self, tx: Tx, lo: float, hi: float) -> None:
        """Shifts that may cover the span, badge events that may still count in it."""
        shift_from, until = _at(lo - MARGIN_S - DAY_S), _at(hi + MARGIN_S)
        badge_from = _at(lo - MARGIN_S - BADGE_S)
        for chunk in _chunks(self._actors):
            m = marks(len(chunk))
            self._rostered.update(
                tx.column(f"SELECT DISTINCT actor FROM shifts WHERE actor IN ({m})", chunk)
            )
            for actor, start, end, site in tx.all(
                f"SELECT actor, start_at, end_at, site FROM shifts WHERE actor IN ({m}) "
                "AND start_at > ? AND start_at <= ? ORDER BY actor, start_at",
                (*chunk, shift_from, until),
            ):
                self._shifts.setdefault(actor, []).append((_ts(start), _ts(end), site))
            # "in" before "out" at one time, so that the later-listed "out" is the one found.
            for actor, ts, site, zone, direction in tx.all(
                f"SELECT actor, ts, site, zone, direction FROM badge_events WHERE actor IN ({m}) "
                "AND ts > ? AND ts <= ? ORDER BY actor, ts, direction",
                (*chunk, badge_from, until),
            ):
                self._badge_ts.setdefault(actor, []).append(_ts(ts))
                self._badges.setdefault(actor, []).append((site, zone, direction == "in"))

    def _load_principals(self, actors: Iterable[str]) -> None:
        wanted = list(actors)
        if not wanted:
            return
        found: dict[str, Assignment | None] = dict.fromkeys(wanted)
        with transaction(self.inst.data, read_only=True) as tx:
            for chunk in _chunks(wanted):
                for pid, role, tenant, site in tx.all(
                    f"SELECT id, role, tenant_id, site FROM principals WHERE id IN "
                    f"({marks(len(chunk))})",
                    chunk,
                ):
                    if tenant is not None:
                        found[pid] = Assignment(pid, role, tenant, site or UNKNOWN)
        self._assignments.update(found)

    def _load_tickets(self, events: Sequence[Event]) -> None:
        named: dict[str, set[str]] = {}
        subjects: dict[str, set[str]] = {}
        for e in events:
            if e.tenant == NO_TENANT:
                continue
            if e.ticket is not None:
                named.setdefault(e.tenant, set()).add(e.ticket)
            elif e.subject is not None and e.action in DATA_ACTIONS:
                subjects.setdefault(e.tenant, set()).add(e.subject)
        for tenant in sorted(set(named) | set(subjects)):
            with transaction(self.inst.data, read_only=True, tenant=tenant) as tx:
                for chunk in _chunks(named.get(tenant, ())):
                    self._tickets.update(dict.fromkeys(((tenant, t) for t in chunk), None))
                    for row in tx.all(
                        _TICKET + f"WHERE tenant_id = ? AND ticket_id IN ({marks(len(chunk))})",
                        (tenant, *chunk),
                    ):
                        self._tickets[(tenant, row[0])] = _ticket(tenant, row)
                for chunk in _chunks(subjects.get(tenant, ())):
                    for s in chunk:
                        self._by_subject[(tenant, s)] = []
                    for row in tx.all(
                        _TICKET + f"WHERE tenant_id = ? AND subject_id IN ({marks(len(chunk))})",
                        (tenant, *chunk),
                    ):
                        self._by_subject[(tenant, row[1])].append(_ticket(tenant, row))

    # Direct questions (outside what a batch loaded) ----------------------------------------

    def _shift_site_now(self, actor: str, ts: float) -> str | None:
        with transaction(self.inst.data, read_only=True) as tx:
            row = tx.one(
                "SELECT site FROM shifts WHERE actor = ? AND start_at <= ? AND start_at > ? "
                "AND end_at > ? ORDER BY start_at DESC LIMIT 1",
                (actor, _at(ts), _at(ts - DAY_S), _at(ts)),
            )
        return None if row is None else str(row[0])

    def _badged_in_now(self, actor: str, ts: float) -> tuple[str, str] | None:
        with transaction(self.inst.data, read_only=True) as tx:
            row = tx.one(
                "SELECT site, zone, direction FROM badge_events WHERE actor = ? AND ts <= ? "
                "AND ts > ? ORDER BY ts DESC, direction DESC LIMIT 1",
                (actor, _at(ts), _at(ts - BADGE_S)),
            )
        if row is None or row[2] != "in":
            return None
        return str(row[0]), str(row[1])
