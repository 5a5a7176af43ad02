"""The context the policy decides on: tickets from the CRM, shifts from workforce management,
badge events from the physical access system and training records from the LMS.

What this module guarantees:

- A batch is parsed whole before anything is stored. Every required key of every document is
  checked; the first missing one, else the first bad one, is named by a `BadInput` carrying the
  file, the line and the field. Keys a schema does not know are ignored.
- A batch is stored in one transaction through the door, with one ledger entry
  (`ticket.register` or `context.ingest`, details `{"kind", "count"}`): all of it or none.
  The entry of a batch of shifts also says how many stored shifts it revised (`revised`, 0
  included) and, for the first `rota.LISTED` of them, which and what is left of each
  (`revisions`); a failed batch's entry says neither, since it revised nothing.
- Times are accepted as ISO 8601 with an offset or `Z` and stored as UTC text in the store's
  one form (`2026-11-24T00:14:25.123456Z`); a time without an offset is refused, since it
  could mean any zone.
- A batch of tickets belongs to one tenant (the tenant wall in PostgreSQL is one tenant per
  transaction, and the policy decides per tenant); a ticket already registered is updated,
  which is how the CRM closes one.
- Re-sending a shift (same actor and start, so also to shorten it), a badge event (same
  actor, time, site and zone) or a training record (same actor and course) replaces the
  stored one.
- Two shifts of one actor that overlap in one batch are refused (naming both lines): the batch
  contradicts itself about where that person works. A shift that overlaps shifts of the same
  actor stored before takes their place for its own hours, and only those: it is the rota's
  latest word (a shift moved, shortened or sent to another site), and a stale shift left
  beside it would keep a person on shift at a site they were moved from. What the stored
  shifts say outside those hours is kept (the morning of a split shift whose afternoon is
  re-sent), so the history the auditor reads is cut, never lost; and the entry says what was
  cut (`rota.py`, which also says how shifts stored before overlaps were refused are taken).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, get_args

from strongroom.access import rota
from strongroom.access.policy import Resource
from strongroom.access.principal import Principal
from strongroom.audit import RequestContext
from strongroom.documents import read_documents
from strongroom.errors import BadInput, NotFound
from strongroom.instance import Instance
from strongroom.store.engine import Tx, stamp
from strongroom.vault.door import door
from strongroom.vault.spec import TENANT_ID
from strongroom.vault.tenants import require_tenant

Kind = Literal["tickets", "shifts", "badges", "training"]
KINDS: tuple[Kind, ...] = get_args(Kind)
TICKET_KINDS = ("payment", "address", "contact", "identity", "general")
DIRECTIONS = ("in", "out")
FLOOR = "floor"  # the zone that is the contact-centre floor
MAX_SHIFT = timedelta(hours=16)

# Required keys of each kind, in the order they are checked (and named when missing).
REQUIRED: dict[Kind, tuple[str, ...]] = {
    "tickets": ("ticket", "tenant", "subject", "assignee", "opened", "kind"),
    "shifts": ("actor", "site", "start", "end"),
    "badges": ("ts", "actor", "site", "zone", "direction"),
    "training": ("actor", "course", "completed", "expires"),
}

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")  # ticket and subject ids (as records' ids)
_NAME = re.compile(r"^[^\s\x00-\x1f\x7f]+$")  # actors, sites, zones, courses: no blanks
_SHAPES = {
    _KEY: "A-Z a-z 0-9 . _ : - starting alphanumeric",
    _NAME: "text without blanks",
    TENANT_ID: "a tenant id: a-z 0-9 -, 2 or more",
}


@dataclass(frozen=True)
class Ticket:
    line: int
    ticket: str
    tenant: str
    subject: str
    assignee: str
    opened: str
    closed: str | None
    kind: str

    def row(self) -> tuple[Any, ...]:
        return (
            self.tenant,
            self.ticket,
            self.subject,
            self.assignee,
            self.kind,
            self.opened,
            self.closed,
        )


@dataclass(frozen=True)
class Shift:
    line: int
    actor: str
    site: str
    start: str
    end: str

    def row(self) -> tuple[Any, ...]:
        return (self.actor, self.start, self.end, self.site)


@dataclass(frozen=True)
class BadgeEvent:
    line: int
    ts: str
    actor: str
    site: str
    zone: str
    direction: str

    def row(self) -> tuple[Any, ...]:
        return (self.actor, self.ts, self.site, self.zone, self.direction)


@dataclass(frozen=True)
class TrainingRecord:
    line: int
    actor: str
    course: str
    completed: str
    expires: str

    def row(self) -> tuple[Any, ...]:
        return (self.actor, self.course, self.completed, self.expires)


Document = Ticket | Shift | BadgeEvent | TrainingRecord


@dataclass(frozen=True)
class IngestResult:
    kind: str
    stored: int

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "stored": self.stored}


class _Doc:
    """One document being parsed: its keys read with the error naming file, line and key."""

    def __init__(self, kind: Kind, raw: object, line: int, file: str | None) -> None:
        self.line, self.file = line, file
        if not isinstance(raw, dict):
            raise BadInput("expected a JSON object", file=file, line=line)
        self.raw: dict[str, Any] = raw
        for key in REQUIRED[kind]:
            if _blank(raw.get(key)):
                raise self.bad(key, f"'{key}' is required for {kind}")

    def bad(self, key: str, message: str) -> BadInput:
        return BadInput(message, file=self.file, line=self.line, field=key)

    def text(self, key: str, limit: int, pattern: re.Pattern[str] = _NAME) -> str:
        value = self.raw.get(key)
        if not isinstance(value, str):
            raise self.bad(key, f"expected text, got {type(value).__name__}")
        value = value.strip()
        # The value is not quoted back: a CRM that put a customer's e-mail or card number
        # where a subject id belongs would have it printed, logged and returned.
        if len(value) > limit:
            raise self.bad(key, f"expected at most {limit} characters, got {len(value)}")
        if not pattern.match(value):
            raise self.bad(key, f"expected {_SHAPES[pattern]} (the value given is not)")
        return value

    def choice(self, key: str, options: Sequence[str]) -> str:
        value = self.text(key, 32).lower()
        if value not in options:
            raise self.bad(key, f"expected one of {', '.join(options)}")
        return value

    def time(self, key: str) -> datetime:
        value = self.raw.get(key)
        if not isinstance(value, str):
            raise self.bad(key, f"expected an ISO 8601 time, got {type(value).__name__}")
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError as exc:
            raise self.bad(
                key, f"expected an ISO 8601 time such as 2026-11-24T09:00:00Z, got {_cut(value)}"
            ) from exc
        if parsed.tzinfo is None or parsed.utcoffset() is None:
            raise self.bad(key, f"the time {_cut(value)} needs an offset or Z (e.g. +01:00)")
        try:
            return parsed.astimezone(UTC)
        except OverflowError as exc:
            raise self.bad(key, f"the time {_cut(value)} is out of range") from exc

    def optional_time(self, key: str) -> datetime | None:
        return None if _blank(self.raw.get(key)) else self.time(key)


def _cut(value: str) -> str:
    """A time quoted back, at most 40 characters of it (a time is not a customer's value, but
    a line of any length can be sent)."""
    return repr(value[:40] + ("…" if len(value) > 40 else ""))


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_ticket(raw: object, line: int = 1, file: str | None = None) -> Ticket:
    """Raises BadInput naming the first missing or bad key."""
    d = _Doc("tickets", raw, line, file)
    ticket = d.text("ticket", 64, _KEY)
    tenant = d.text("tenant", 63, TENANT_ID)
    subject = d.text("subject", 128, _KEY)
    assignee = d.text("assignee", 128)
    opened = d.time("opened")
    kind = d.choice("kind", TICKET_KINDS)
    closed = d.optional_time("closed")
    if closed is not None and closed < opened:
        raise d.bad("closed", "a ticket cannot close before it opened")
    return Ticket(
        line,
        ticket,
        tenant,
        subject,
        assignee,
        stamp(opened),
        None if closed is None else stamp(closed),
        kind,
    )


def parse_shift(raw: object, line: int = 1, file: str | None = None) -> Shift:
    """Raises BadInput naming the first missing or bad key."""
    d = _Doc("shifts", raw, line, file)
    actor, site = d.text("actor", 128), d.text("site", 64)
    start, end = d.time("start"), d.time("end")
    if end <= start:
        raise d.bad("end", "a shift must end after it starts")
    if end - start > MAX_SHIFT:
        raise d.bad("end", f"a shift lasts at most {MAX_SHIFT.total_seconds() / 3600:g} hours")
    return Shift(line, actor, site, stamp(start), stamp(end))


def parse_badge(raw: object, line: int = 1, file: str | None = None) -> BadgeEvent:
    """Raises BadInput naming the first missing or bad key."""
    d = _Doc("badges", raw, line, file)
    ts = d.time("ts")
    actor, site, zone = d.text("actor", 128), d.text("site", 64), d.text("zone", 64)
    direction = d.choice("direction", DIRECTIONS)
    return BadgeEvent(line, stamp(ts), actor, site, zone, direction)


def parse_training(raw: object, line: int = 1, file: str | None = None) -> TrainingRecord:
    """Raises BadInput naming the first missing or bad key."""
    d = _Doc("training", raw, line, file)
    actor, course = d.text("actor", 128), d.text("course", 64)
    completed, expires = d.time("completed"), d.time("expires")
    if expires <= completed:
        raise d.bad("expires", "a training record must expire after it was completed")
    return TrainingRecord(line, actor, course, stamp(completed), stamp(expires))


PARSERS: dict[Kind, Callable[[object, int, str | None], Document]] = {
    "tickets": parse_ticket,
    "shifts": parse_shift,
    "badges": parse_badge,
    "training": parse_training,
}

_UPSERT: dict[Kind, str] = {
    "tickets": (
        "INSERT INTO tickets (tenant_id, ticket_id, subject_id, assignee, kind, opened_at, "
        "closed_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant_id, ticket_id) DO UPDATE "
        "SET subject_id = excluded.subject_id, assignee = excluded.assignee, "
        "kind = excluded.kind, opened_at = excluded.opened_at, closed_at = excluded.closed_at"
    ),
    "shifts": (
        "INSERT INTO shifts (actor, start_at, end_at, site) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (actor, start_at) DO UPDATE SET end_at = excluded.end_at, "
        "site = excluded.site"
    ),
    "badges": (
        "INSERT INTO badge_events (actor, ts, site, zone, direction) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (actor, ts, site, zone) DO UPDATE SET direction = excluded.direction"
    ),
    "training": (
        "INSERT INTO training (actor, course, completed_at, expires_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (actor, course) DO UPDATE SET completed_at = excluded.completed_at, "
        "expires_at = excluded.expires_at"
    ),
}


# Per kind: how many leading columns of `row()` are its key (what the upsert matches on), the
# field a repeat is reported under, and what the key is, for the message.
_KEYS: dict[Kind, tuple[int, str, str]] = {
    "tickets": (2, "ticket", "the same ticket"),
    "shifts": (2, "start", "a shift of the same actor starting at the same time"),
    "badges": (4, "ts", "a badge event of the same actor, time, site and zone"),
    "training": (2, "course", "a record of the same actor and course"),
}


def _once_each(kind: Kind, parsed: Sequence[Document], file: str | None) -> None:
    """Refuses a batch that gives one key twice: the upsert would keep the later line and drop
    the other unsaid, and the count stored would be one too many."""
    width, field, what = _KEYS[kind]
    seen: dict[tuple[Any, ...], int] = {}
    for d in parsed:
        key = d.row()[:width]
        first = seen.setdefault(key, d.line)
        if first != d.line:
            raise BadInput(
                f"line {first} already gives {what}", file=file, line=d.line, field=field
            )


def _no_overlap(shifts: Sequence[Shift], file: str | None) -> None:
    """Refuses a batch with two shifts of one actor that overlap (stamps sort as times)."""
    ordered = sorted(shifts, key=lambda s: (s.actor, s.start, s.line))
    for before, after in itertools.pairwise(ordered):
        if before.actor == after.actor and after.start < before.end:
            first, second = sorted((before, after), key=lambda s: s.line)
            raise BadInput(
                f"overlaps line {first.line}'s shift of the same actor: one person works one "
                "shift at a time",
                file=file,
                line=second.line,
                field="start",
            )


def ingest(
    inst: Instance,
    actor: Principal,
    kind: Kind,
    docs: Sequence[dict[str, Any]],
    *,
    tenant: str | None = None,
    file: str | None = None,
    context: RequestContext | None = None,
    lines: Sequence[int] | None = None,
) -> IngestResult:
    """Store a batch of one kind atomically: all documents or none.

    `lines` are the documents' lines in `file` (from `read_docs`); without them the Nth
    document counts as line N. For tickets, `tenant` (the API's /v1/tenants/{t}/tickets) is
    the tenant every document must name; without it the first document's tenant is the
    batch's. Raises BadInput naming file, line and field of the first bad document (an unknown
    tenant included), Denied when the policy refuses.
    """
    if kind not in KINDS:
        raise BadInput(f"unknown kind {kind!r} (expected {', '.join(KINDS)})", field="kind")
    if not docs:
        raise BadInput(f"no {kind} to store", file=file)
    numbers = list(lines) if lines is not None else list(range(1, len(docs) + 1))
    if len(numbers) != len(docs):
        raise ValueError("ingest: one line number per document")
    parse = PARSERS[kind]
    parsed = [parse(raw, n, file) for raw, n in zip(docs, numbers, strict=True)]
    _once_each(kind, parsed, file)
    shifts = [s for s in parsed if isinstance(s, Shift)]
    if shifts:
        _no_overlap(shifts, file)
    details = {"kind": kind, "count": len(parsed)}
    if kind == "tickets":
        tickets = [t for t in parsed if isinstance(t, Ticket)]
        owner = _batch_tenant(tickets, tenant, file)
        with door(
            inst, actor, "ticket.register", Resource(owner), context=context, details=details
        ) as p:
            try:
                require_tenant(inst, p.tx, owner)
            except NotFound as exc:
                raise BadInput(
                    f"no tenant {owner!r}", file=file, line=tickets[0].line, field="tenant"
                ) from exc
            p.tx.many(_UPSERT[kind], [t.row() for t in tickets])
    else:
        revisions: list[rota.Revision] = []

        def plan(tx: Tx) -> dict[str, Any]:
            revisions.extend(rota.revise(rota.touched(tx, shifts), shifts))
            return rota.details(revisions)

        with door(
            inst,
            actor,
            "context.ingest",
            Resource(None),
            context=context,
            details=details,
            plan=plan if shifts else None,
        ) as p:
            rota.apply(p.tx, revisions)
            p.tx.many(_UPSERT[kind], [d.row() for d in parsed])
    return IngestResult(kind, len(parsed))


def _batch_tenant(tickets: Sequence[Ticket], tenant: str | None, file: str | None) -> str:
    owner = tenant if tenant is not None else tickets[0].tenant
    for t in tickets:
        if t.tenant == owner:
            continue
        if tenant is not None:
            why = f"the ticket is for tenant {t.tenant!r}, not {tenant!r} as the request says"
        else:
            why = (
                f"a batch holds one tenant's tickets: this one is for {t.tenant!r}, "
                f"line {tickets[0].line}'s for {owner!r}; send each tenant's apart"
            )
        raise BadInput(why, file=file, line=t.line, field="tenant")
    return owner


def read_docs(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """The documents of a JSON lines (.jsonl, .ndjson, .json) or CSV file with their 1-based
    lines (a CSV header is line 1; blank lines are skipped). Empty CSV cells count as absent.

    Raises BadInput for an unreadable file, another extension, or a line that is not a JSON
    object (naming the file and line)."""
    out: list[tuple[int, dict[str, Any]]] = []
    for n, doc in read_documents(path):
        if not isinstance(doc, dict):
            raise BadInput("expected a JSON object (one per line)", file=str(path), line=n)
        out.append((n, doc))
    return out
