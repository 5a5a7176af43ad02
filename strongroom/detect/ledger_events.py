"""The instance's own ledger as detect events: what the live auditor judges.

What this module guarantees:

- Only uses of customer data and sign-ins become events; every other entry (administration,
  context feeds, reading the ledger or the alerts, the auditor's own `alert.raise`) maps to
  None. `ACTIONS` is the whole mapping: `record.get` -> `record.view`, `record.find` ->
  `record.search`, `record.reveal` and `token.detokenize` (a card number in clear) ->
  `record.reveal`, `record.put` -> `record.update`, `record.export` -> `record.export`;
  `login` -> `login`, and a refused sign-in or second factor (`login.failed`, `mfa.failed`)
  -> `login.failed`. A lockout (`login.locked`) is not an event of its own: it is written
  with the failure that caused it, which is already one.
- The outcome is `denied` when the policy refused, else `allowed`: an attempt the policy
  allowed that then failed (no such record) was still allowed to be made.
- `count` is the number of subjects the entry names (1 when it names none: a search, a
  detokenisation); `subject` is the subject when the entry names exactly one.
- What the entry does not know is said plainly: `NO_TENANT` for a sign-in of a principal of
  no tenant, `UNKNOWN` for an address, device or site the request did not carry (the
  detectors read `unknown` as nowhere). `StoreContext.complete` fills the site and the ticket
  from the instance's context where it can.
- `ref` is `ledger:<index>`, which alerts cite as evidence. An entry names subjects and fields,
  never values, and so does every event made from it.

Pure: no I/O. A malformed body (which a verified ledger never holds) raises ValueError.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from strongroom.detect.events import Event, parse_time

NO_TENANT = "-"  # not a tenant id (those start with a letter or digit)
UNKNOWN = "unknown"
REF_PREFIX = "ledger:"

ACTIONS: dict[str, str] = {
    "login": "login",
    "login.failed": "login.failed",
    "mfa.failed": "login.failed",
    "record.get": "record.view",
    "record.find": "record.search",
    "record.reveal": "record.reveal",
    "token.detokenize": "record.reveal",
    "record.put": "record.update",
    "record.export": "record.export",
}


def ref(index: int) -> str:
    return f"{REF_PREFIX}{index}"


def index_of(event_ref: str) -> int | None:
    """The ledger index an event ref names, or None for a ref of another source."""
    if not event_ref.startswith(REF_PREFIX):
        return None
    tail = event_ref[len(REF_PREFIX) :]
    return int(tail) if tail.isdigit() else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def event_from_entry(index: int, entry: Mapping[str, Any]) -> Event | None:
    """The event entry `index` records, or None when it records no data use or sign-in.
    Raises ValueError for a body without a valid time."""
    action = ACTIONS.get(entry.get("action", ""))
    if action is None:
        return None
    try:
        ts = parse_time(entry.get("ts"))
    except ValueError as exc:
        raise ValueError(f"ledger entry {index}: {exc}") from None
    outcome = entry.get("outcome") or {}
    resource = entry.get("resource") or {}
    context = entry.get("context") or {}
    subjects = [s for s in resource.get("subjects") or () if isinstance(s, str) and s]
    fields = tuple(f for f in resource.get("fields") or () if isinstance(f, str) and f)
    return Event(
        ts=ts,
        actor=_text(entry.get("principal")) or UNKNOWN,
        role=_text(entry.get("role")) or UNKNOWN,
        tenant=_text(entry.get("tenant")) or NO_TENANT,
        action=action,
        count=len(subjects) or 1,
        ip=_text(context.get("ip")) or UNKNOWN,
        device=_text(context.get("device")) or UNKNOWN,
        site=_text(context.get("site")) or UNKNOWN,
        outcome="denied" if outcome.get("decision") == "denied" else "allowed",
        subject=subjects[0] if len(subjects) == 1 else None,
        ticket=_text(context.get("ticket")),
        fields=fields,
        ref=ref(index),
    )


def ledger_events(rows: Iterable[tuple[int, str | bytes]]) -> Iterator[Event]:
    """The events of stored entries, (index, body as stored), in the rows' order."""
    for index, body in rows:
        event = event_from_entry(index, json.loads(body))
        if event is not None:
            yield event
