"""The facts of one decision, gathered from the context tables and the session.

`gather` runs before every decision, so it reads everything it can in one statement of
indexed scalar subqueries (the principal's shift, last floor badge, current training, how many
grants it holds, and the ticket). A second statement reads the grants only when there are
some, a third looks for someone else's ticket only when the principal has none for the subject.
It judges nothing: a closed ticket, someone else's ticket or a badge at another site are
reported as they are, and the policy decides what they mean.

The ticket of a request is the one it names (whatever its state, assignee or subject; none if
the tenant has no such ticket); else the principal's own open ticket for the subject; else any
open ticket for the subject, so the policy can say whose it is. A ticket is open at `now`
when it has no close time or closes after `now` (its open time is not compared, so a CRM
clock a little ahead of ours does not deny its own agent).

On PostgreSQL the transaction must be inside `tenant`'s wall (`transaction(..., tenant=t)`,
as the gate's is): tickets are walled, and a transaction outside sees no ticket, which fails
closed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from strongroom.access.facts import Facts, TicketFact
from strongroom.access.grants import ENDED_HELD, HELD_WHERE, held
from strongroom.access.principal import Principal
from strongroom.store.engine import Tx, marks, stamp

# Courses the policy requires to be completed and not expired.
REQUIRED_COURSES: tuple[str, ...] = ("data-protection",)
FLOOR = "floor"
# No shift lasts longer (context.MAX_SHIFT), so a shift under way started within it; and a
# badge-in counts for as long as the longest shift: older, it says nothing about today.
WINDOW = timedelta(hours=16)

# The shift under way (latest started); the site of the last floor badge event if it was an
# "in" ("out" first when two share a time); how many required courses are current; how many
# grants are held. Parameters: actor, now, window start (x2 each for shift and badge), ...
_PRINCIPAL = (
    "SELECT "
    "(SELECT site FROM shifts WHERE actor = ? AND start_at <= ? AND start_at > ? "
    "AND end_at > ? ORDER BY start_at DESC LIMIT 1), "
    "(SELECT CASE WHEN direction = 'in' THEN site END FROM badge_events "
    "WHERE actor = ? AND ts <= ? AND ts > ? AND zone = ? "
    "ORDER BY ts DESC, direction DESC, site LIMIT 1), "
    "(SELECT count(*) FROM training WHERE actor = ? "
    f"AND course IN ({marks(len(REQUIRED_COURSES))}) AND completed_at <= ? AND expires_at > ?), "
    f"(SELECT count(*) FROM grants WHERE {HELD_WHERE})"
)
_TICKET = "SELECT ticket_id, subject_id, assignee, kind, closed_at FROM tickets "
_NAMED = _TICKET + "WHERE tenant_id = ? AND ticket_id = ?"
_OPEN = "AND (closed_at IS NULL OR closed_at > ?) ORDER BY opened_at DESC, ticket_id LIMIT 1"
_OWN_OPEN = _TICKET + "WHERE assignee = ? AND tenant_id = ? AND subject_id = ? " + _OPEN
_ANY_OPEN = _TICKET + "WHERE tenant_id = ? AND subject_id = ? " + _OPEN


def _with_ticket(ticket_sql: str) -> str:
    """The principal's facts and one ticket (or NULLs) in a single statement."""
    return (
        f"{_PRINCIPAL}, t.ticket_id, t.subject_id, t.assignee, t.kind, t.closed_at "
        f"FROM (SELECT 1 AS one) AS base LEFT JOIN ({ticket_sql}) AS t ON 1 = 1"
    )


_PRINCIPAL_NAMED = _with_ticket(_NAMED)
_PRINCIPAL_OWN = _with_ticket(_OWN_OPEN)


def _utc(when: datetime) -> datetime:
    """An aware time in UTC; a naive one is taken to be UTC already."""
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _ticket(tenant: str, row: tuple[Any, ...], at: str) -> TicketFact | None:
    ticket, subject, assignee, kind, closed_at = row
    if ticket is None:
        return None
    return TicketFact(ticket, tenant, subject, assignee, kind, closed_at is None or closed_at > at)


def gather(
    tx: Tx,
    principal: Principal,
    tenant: str | None,
    subject: str | None,
    ticket: str | None,
    field_classes: tuple[str, ...],
    now: datetime,
) -> Facts:
    """The facts for `principal` acting at `now` on `tenant`/`subject`, under `ticket` when the
    request names one. Reads only; raises StoreUnavailable when the store fails."""
    when = _utc(now)
    at, since = stamp(when), stamp(when - WINDOW)
    who = principal.id
    params: tuple[Any, ...] = (
        *(who, at, since, at),
        *(who, at, since, FLOOR),
        *(who, *REQUIRED_COURSES, at, at),
        *(who, tenant, stamp(when - ENDED_HELD)),
    )
    sql = _PRINCIPAL
    if tenant is not None and ticket is not None:
        sql, params = _PRINCIPAL_NAMED, (*params, tenant, ticket)
    elif tenant is not None and subject is not None:
        sql, params = _PRINCIPAL_OWN, (*params, who, tenant, subject, at)
    row = tx.one(sql, params)
    if row is None:  # a SELECT without FROM always has its one row
        raise RuntimeError("gather: the facts statement returned no row")
    shift_site, badged_in_site, courses, grant_count = row[:4]
    fact = _ticket(tenant, row[4:], at) if tenant is not None and len(row) > 4 else None
    if fact is None and tenant is not None and ticket is None and subject is not None:
        other = tx.one(_ANY_OPEN, (tenant, subject, at))
        fact = None if other is None else _ticket(tenant, other, at)
    mfa_age = None if principal.mfa_at is None else (when - _utc(principal.mfa_at)).total_seconds()
    return Facts(
        now=when,
        ticket=fact,
        shift_site=shift_site,
        badged_in_site=badged_in_site,
        training_current=int(courses) == len(REQUIRED_COURSES),
        mfa_age_s=mfa_age,
        field_classes=field_classes,
        grants=held(tx, who, tenant, when) if tenant is not None and grant_count else (),
    )
