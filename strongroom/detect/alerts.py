"""Stored alerts: what the live auditor raised, listed, shown and acknowledged.

What this module guarantees:

- Every alert is stored with its own ledger entry (`alert.raise`, written by `raise_alerts` in
  the caller's transaction), whose index the alert keeps: alerts are ordered by it, and no
  alert exists without its entry. The entry names the alert, its scenario, severity, actor and
  evidence refs; neither the entry nor the alert holds a customer's value (detectors see
  subjects and field names only).
- Listing, showing and acknowledging pass the door (`alert.read`, `alert.ack`), decided by the
  policy and recorded. A principal bound to one tenant reads only that tenant's alerts.
- An acknowledgement names who acknowledged, when, and a note; it happens once (Conflict
  after). The note stays with the alert, not in the ledger (it is free text). The policy sees
  the alert's actor as the resource's subject, so it can refuse anyone acknowledging an alert
  about themselves.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, cast

from strongroom.access import Principal, Resource
from strongroom.audit import Entry, RequestContext, append
from strongroom.detect.alert import SCENARIOS, Alert
from strongroom.detect.events import iso
from strongroom.detect.ledger_events import NO_TENANT
from strongroom.errors import BadInput, Conflict, NotFound
from strongroom.instance import Instance
from strongroom.store.engine import Tx, stamp, transaction
from strongroom.vault.door import door
from strongroom.vault.spec import TENANT_ID

AlertStatus = Literal["open", "acknowledged"]
STATUSES: tuple[AlertStatus, ...] = ("open", "acknowledged")
RAISE, READ, ACK = "alert.raise", "alert.read", "alert.ack"
MAX_LIMIT = 1000
MAX_NOTE = 1000
MAX_INDEX = 2**53 - 1  # the largest ledger index a JSON number (and an entry) holds exactly
ALERT_ID = r"^a-[0-9a-f]{12}$"
# Who raises alerts in the ledger: the instance's own auditor, not a principal anyone holds
# (':' is in no principal name).
AUDITOR_ID, AUDITOR_ROLE = "strongroom:detect", "system"

_COLUMNS = (
    "SELECT id, ledger_index, actor, tenant_id, scenario, score, severity, start_at, end_at, "
    "explanation, evidence, raised_at, status, acked_by, acked_at, ack_note FROM alerts"
)
_INSERT = (
    "INSERT INTO alerts (id, ledger_index, actor, tenant_id, scenario, score, severity, "
    "start_at, end_at, explanation, evidence, raised_at, status, acked_by, acked_at, ack_note) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', NULL, NULL, NULL)"
)


@dataclass(frozen=True)
class StoredAlert:
    id: str
    index: int  # of its `alert.raise` entry in the ledger
    actor: str
    tenant: str | None
    scenario: str
    score: float
    severity: str
    start: str
    end: str
    explanation: str
    evidence: tuple[str, ...]
    raised_at: str
    status: AlertStatus
    acked_by: str | None = None
    acked_at: str | None = None
    ack_note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "index": self.index,
            "actor": self.actor,
            "tenant": self.tenant,
            "scenario": self.scenario,
            "score": self.score,
            "severity": self.severity,
            "start": self.start,
            "end": self.end,
            "explanation": self.explanation,
            "evidence": list(self.evidence),
            "raised_at": self.raised_at,
            "status": self.status,
            "acked_by": self.acked_by,
            "acked_at": self.acked_at,
            "ack_note": self.ack_note,
        }


def _stored(row: Sequence[Any]) -> StoredAlert:
    (aid, index, actor, tenant, scenario, score, severity, start, end, explanation) = row[:10]
    evidence, raised_at, status, acked_by, acked_at, note = row[10:16]
    return StoredAlert(
        aid,
        int(index),
        actor,
        tenant,
        scenario,
        float(score),
        severity,
        start,
        end,
        explanation,
        tuple(json.loads(evidence)),
        raised_at,
        cast(AlertStatus, status),
        acked_by,
        acked_at,
        note,
    )


# Raising (the live auditor, in its batch's transaction) -----------------------------------------


def raise_alerts(tx: Tx, alerts: Sequence[Alert]) -> list[StoredAlert]:
    """Store `alerts`, each with its `alert.raise` ledger entry, in `tx`."""
    if not alerts:
        return []
    at = datetime.now(UTC)
    ids = ["a-" + secrets.token_hex(6) for _ in alerts]
    entries = [_entry(aid, a, at) for aid, a in zip(ids, alerts, strict=True)]
    indexes = append(tx, entries)
    raised_at = stamp(at)
    out = [
        StoredAlert(
            aid,
            index,
            a.actor,
            _tenant(a),
            a.scenario,
            round(a.score, 3),
            a.severity,
            iso(a.start),
            iso(a.end),
            a.explanation,
            tuple(a.evidence),
            raised_at,
            "open",
        )
        for aid, index, a in zip(ids, indexes, alerts, strict=True)
    ]
    tx.many(
        _INSERT,
        [
            (
                s.id,
                s.index,
                s.actor,
                s.tenant,
                s.scenario,
                s.score,
                s.severity,
                s.start,
                s.end,
                s.explanation,
                json.dumps(list(s.evidence)),
                s.raised_at,
            )
            for s in out
        ],
    )
    return out


def _tenant(a: Alert) -> str | None:
    return None if a.tenant in (None, NO_TENANT) else a.tenant


def _entry(alert_id: str, a: Alert, at: datetime) -> Entry:
    return Entry(
        ts=at,
        principal=AUDITOR_ID,
        role=AUDITOR_ROLE,
        tenant=_tenant(a),
        action=RAISE,
        outcome="allowed",
        reason=f"{a.scenario} ({a.severity})",
        details={
            "alert": alert_id,
            "actor": a.actor,
            "scenario": a.scenario,
            "severity": a.severity,
            "evidence": list(a.evidence),
        },
    )


# Reading and acknowledging (through the door) ---------------------------------------------------


@dataclass(frozen=True)
class AlertFilters:
    status: str | None = None
    actor: str | None = None
    scenario: str | None = None
    tenant: str | None = None
    since: str | None = None  # raised at or after, as stored (ISO 8601 UTC ...Z)
    before: int | None = None  # only alerts whose index is below (paging, newest first)


@dataclass(frozen=True)
class AlertPage:
    alerts: list[StoredAlert]
    more: bool  # older alerts matched beyond the limit: page on with before=<last index>


def parse_since(text: str) -> str:
    """An ISO 8601 time with an offset, as stored. Raises BadInput."""
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise BadInput(
            "expected an ISO 8601 time such as 2026-11-24T09:00:00Z", field="since"
        ) from None
    if when.tzinfo is None:
        raise BadInput("the time needs an offset or Z (e.g. +01:00)", field="since")
    return stamp(when)


def _principal_name(text: str) -> bool:
    return 0 < len(text) <= 128 and text.isprintable() and not any(c.isspace() for c in text)


def _check(f: AlertFilters, limit: int) -> None:
    if f.status is not None and f.status not in STATUSES:
        raise BadInput(f"status is one of {', '.join(STATUSES)}", field="status")
    if f.scenario is not None and f.scenario not in SCENARIOS:
        raise BadInput(f"scenario is one of {', '.join(SCENARIOS)}", field="scenario")
    if f.actor is not None and not _principal_name(f.actor):
        raise BadInput(
            "actor is a principal id: 1-128 printable characters, no blanks", field="actor"
        )
    if f.tenant is not None and not TENANT_ID.match(f.tenant):
        raise BadInput("tenant is a tenant id: a-z 0-9 -, 2 to 63", field="tenant")
    if not 1 <= limit <= MAX_LIMIT:
        raise BadInput(f"limit is 1 to {MAX_LIMIT}", field="limit")
    if f.before is not None and not 0 <= f.before <= MAX_INDEX:
        raise BadInput(f"before is a ledger index, 0 to {MAX_INDEX}", field="before")


def list_alerts(
    inst: Instance,
    principal: Principal,
    filters: AlertFilters | None = None,
    limit: int = 100,
    context: RequestContext | None = None,
) -> AlertPage:
    """Alerts matching `filters`, newest first, at most `limit`. A principal bound to a tenant
    reads its own tenant's when no tenant is asked for. Raises BadInput, Denied (recorded)."""
    f = filters or AlertFilters()
    _check(f, limit)
    if f.tenant is None and principal.tenant is not None:
        f = AlertFilters(f.status, f.actor, f.scenario, principal.tenant, f.since, f.before)
    where: list[str] = []
    params: list[Any] = []
    for column, value in (
        ("status", f.status),
        ("actor", f.actor),
        ("scenario", f.scenario),
        ("tenant_id", f.tenant),
    ):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if f.since is not None:
        where.append("raised_at >= ?")
        params.append(f.since)
    if f.before is not None:
        where.append("ledger_index < ?")
        params.append(f.before)
    sql = _COLUMNS + (f" WHERE {' AND '.join(where)}" if where else "")
    sql += f" ORDER BY ledger_index DESC LIMIT {int(limit) + 1}"
    asked = {k: v for k, v in f.__dict__.items() if v is not None and k != "tenant"}
    with door(
        inst, principal, READ, Resource(f.tenant), context=context, details={"filters": asked}
    ) as p:
        rows = p.tx.all(sql, params)
    found = [_stored(r) for r in rows]
    return AlertPage(found[:limit], len(found) > limit)


def show_alert(
    inst: Instance, principal: Principal, alert_id: str, context: RequestContext | None = None
) -> StoredAlert:
    """One alert. Raises Denied (recorded); NotFound (recorded) for an unknown id or, for a
    principal bound to a tenant, another tenant's alert."""
    scope = principal.tenant
    resource = Resource(scope)
    with door(inst, principal, READ, resource, context=context, details={"alert": alert_id}) as p:
        row = p.tx.one(f"{_COLUMNS} WHERE id = ?", (alert_id,))
        if row is None or (scope is not None and row[3] != scope):
            raise NotFound(f"no alert {alert_id!r}")
        return _stored(row)


def ack_alert(
    inst: Instance,
    principal: Principal,
    alert_id: str,
    note: str,
    context: RequestContext | None = None,
) -> StoredAlert:
    """Acknowledge an open alert with a note. Raises BadInput for an empty or long note,
    NotFound, Denied (recorded; condition `second-person` for an alert about oneself), Conflict
    when it was already acknowledged."""
    text = note.strip() if isinstance(note, str) else ""
    if not text or len(text) > MAX_NOTE:
        raise BadInput(
            f"an acknowledgement needs a note of 1 to {MAX_NOTE} characters", field="note"
        )
    with transaction(inst.data, read_only=True) as tx:
        row = tx.one(f"{_COLUMNS} WHERE id = ?", (alert_id,))
    if row is None:
        raise NotFound(f"no alert {alert_id!r}")
    alert = _stored(row)
    resource = Resource(alert.tenant, (alert.actor,))
    details = {"alert": alert.id, "scenario": alert.scenario}
    with door(inst, principal, ACK, resource, context=context, details=details) as p:
        changed = p.tx.run(
            "UPDATE alerts SET status = 'acknowledged', acked_by = ?, acked_at = ?, "
            "ack_note = ? WHERE id = ? AND status = 'open'",
            (principal.id, stamp(datetime.now(UTC)), text, alert.id),
        )
        if changed != 1:
            raise Conflict(f"alert {alert.id} is already acknowledged")
        after = p.tx.one(f"{_COLUMNS} WHERE id = ?", (alert.id,))
    if after is None:  # alerts are never deleted
        raise NotFound(f"no alert {alert_id!r}")
    return _stored(after)
