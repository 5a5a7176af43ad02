"""Data-access events, as other systems write them (`events.jsonl`, one JSON object a line).

What this module guarantees:

- `Event` is the parsed, typed form; every detector sees only that.
- A line that is not a JSON object, or lacks a required key, or has one of the wrong type or
  value, is a `Malformed` naming the file, the line and the field. `read_events` skips it and
  counts it (so one bad line never stops a night's run), unless `strict`, when it raises
  `BadInput` (exit 2) at the first one.
- Unknown extra keys are ignored: the schema may grow without breaking readers.
- Times are seconds since the epoch (UTC) internally: comparisons on the hot path are floats.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from strongroom import documents
from strongroom.errors import BadInput

ACTIONS: frozenset[str] = frozenset(
    {
        "login",
        "login.failed",
        "record.search",
        "record.view",
        "record.reveal",
        "record.update",
        "record.export",
    }
)
OUTCOMES: frozenset[str] = frozenset({"allowed", "denied"})
# Actions that touch customer data (the rest are sign-in events).
DATA_ACTIONS: frozenset[str] = ACTIONS - {"login", "login.failed"}


@dataclass(frozen=True, slots=True)
class Event:
    """One use of the system by one actor."""

    ts: float
    actor: str
    role: str
    tenant: str
    action: str
    count: int
    ip: str
    device: str
    site: str
    outcome: str
    subject: str | None = None
    ticket: str | None = None
    fields: tuple[str, ...] = ()
    # Where the event came from, e.g. "events.jsonl:1234" or "ledger:88"; alerts cite it.
    ref: str = ""


@dataclass(frozen=True, slots=True)
class Malformed:
    """A line that was skipped, and why."""

    file: str
    line: int
    field: str | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" + (f" ({self.field})" if self.field else "")
        return f"{where}: {self.reason}"


@dataclass
class Skipped:
    """The malformed lines of a read, filled as the read goes (the first few kept)."""

    count: int = 0
    first: list[Malformed] = field(default_factory=list)
    keep: int = 20

    def add(self, m: Malformed) -> None:
        self.count += 1
        if len(self.first) < self.keep:
            self.first.append(m)


def parse_time(value: Any, name: str = "ts") -> float:
    """An RFC 3339 time with a zone (e.g. `2026-10-05T06:12:03Z`) as epoch seconds.
    Raises ValueError naming the problem."""
    if not isinstance(value, str):
        raise ValueError(f"{name} must be an RFC 3339 time string")
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{name} is not an RFC 3339 time: {value[:40]!r}") from None
    if t.tzinfo is None:
        raise ValueError(f"{name} needs a time zone (e.g. Z)")
    return t.timestamp()


def iso(ts: float) -> str:
    """Epoch seconds as `YYYY-MM-DDTHH:MM:SSZ`."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_REQUIRED_TEXT = ("actor", "role", "tenant", "ip", "device", "site")


class _Bad(Exception):
    def __init__(self, field: str | None, reason: str) -> None:
        self.field = field
        self.reason = reason


def _text(obj: dict[str, Any], key: str) -> str:
    v = obj.get(key)
    if not isinstance(v, str) or not v:
        raise _Bad(key, f"{key} must be a non-empty string")
    return v


def _optional(obj: dict[str, Any], key: str) -> str | None:
    v = obj.get(key)
    if v is None:
        return None
    if not isinstance(v, str) or not v:
        raise _Bad(key, f"{key} must be a non-empty string when given")
    return v


def event_from_dict(obj: Any, ref: str = "") -> Event:
    """The event in one decoded line. Raises `_Bad` (field, reason) when it breaks the schema."""
    if not isinstance(obj, dict):
        raise _Bad(None, "a line must be a JSON object")
    try:
        ts = parse_time(obj.get("ts"))
    except ValueError as exc:
        raise _Bad("ts", str(exc)) from None
    action = obj.get("action")
    if not isinstance(action, str) or action not in ACTIONS:  # a list is not hashable
        raise _Bad("action", f"action must be one of {', '.join(sorted(ACTIONS))}")
    outcome = obj.get("outcome", "allowed")
    if not isinstance(outcome, str) or outcome not in OUTCOMES:
        raise _Bad("outcome", "outcome must be allowed or denied")
    count = obj.get("count", 1)
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise _Bad("count", "count must be a non-negative integer")
    fields = obj.get("fields") or ()
    if not isinstance(fields, list | tuple) or not all(isinstance(f, str) and f for f in fields):
        raise _Bad("fields", "fields must be a list of field names")
    actor, role, tenant, ip, device, site = (_text(obj, k) for k in _REQUIRED_TEXT)
    return Event(
        ts,
        actor,
        role,
        tenant,
        action,
        count,
        ip,
        device,
        site,
        outcome,
        _optional(obj, "subject"),
        _optional(obj, "ticket"),
        tuple(fields),
        ref,
    )


def parse_lines(
    lines: Iterable[str | bytes], source: str, skipped: Skipped, strict: bool = False
) -> Iterator[Event]:
    """Events from JSON lines; blank lines are ignored. A malformed line is added to `skipped`
    and left out, or, when `strict`, raises BadInput naming `source`, the line and the field.
    The stream must be sorted by time: an event earlier than the one before it is malformed."""
    last = float("-inf")
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            try:
                obj = documents.loads(line)
            except ValueError as exc:
                reason, field = documents.refusal(exc)
                raise _Bad(field, reason) from None
            event = event_from_dict(obj, f"{source}:{n}")
            if event.ts < last:
                raise _Bad("ts", "out of time order: earlier than the line before it")
            last = event.ts
            yield event
        except _Bad as bad:
            if strict:
                raise BadInput(bad.reason, file=source, line=n, field=bad.field) from None
            skipped.add(Malformed(source, n, bad.field, bad.reason))


def read_events(path: Path, skipped: Skipped, strict: bool = False) -> Iterator[Event]:
    """The events of `path`, in file order. Raises BadInput when the file cannot be read, or
    (when `strict`) at the first malformed line."""
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise BadInput(f"cannot read: {exc.strerror}", file=str(path)) from exc
    with fh:
        yield from parse_lines(fh, path.name, skipped, strict)
