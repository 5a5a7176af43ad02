"""The facts a policy decision rests on, gathered before it is made.

The policy is pure: it never reads the store. Whoever opens the door (the vault's `door`, the
API) gathers these from the context tables (tickets, shifts, badges, training, grants) and
the session, and the policy decides on them alone, so the same facts always give the same
decision, and the ledger entry can say which facts decided it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

GrantKind = Literal["break_glass", "vendor"]


@dataclass(frozen=True)
class TicketFact:
    """The ticket a request is made under (as the CRM registered it)."""

    id: str
    tenant: str
    subject: str
    assignee: str
    kind: str
    open: bool


@dataclass(frozen=True)
class GrantFact:
    """A break-glass or vendor grant held by the acting principal for this tenant."""

    id: str
    kind: GrantKind
    tenant: str
    actions: tuple[str, ...]
    fields: tuple[str, ...]
    approved: bool
    active: bool  # now within [starts_at, ends_at) and not revoked


@dataclass(frozen=True)
class Facts:
    now: datetime
    # The ticket the request names; else the principal's open ticket for the subject, if any.
    ticket: TicketFact | None = None
    # The site of the shift the principal is in right now; None when off shift.
    shift_site: str | None = None
    # The site whose floor the principal is badged into right now (last badge event "in").
    badged_in_site: str | None = None
    # Every training course the policy requires is completed and not expired.
    training_current: bool = False
    # Seconds since the session's last second-factor check; None when there was none.
    mfa_age_s: float | None = None
    # The data classes of the fields the request touches (Presidio names), in resource order.
    field_classes: tuple[str, ...] = ()
    grants: tuple[GrantFact, ...] = field(default_factory=tuple)
