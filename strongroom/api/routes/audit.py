"""GET /v1/tenants/{tenant}/audit: the client auditor's view of its tenant's ledger.

Reading the ledger is itself a use of the tenant's data: `access.ledger_view` passes the door
(the policy decides who may) and leaves its own entry, naming the filters.
Entries name subjects and fields, never values.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from strongroom.access import ledger_view
from strongroom.api import problems
from strongroom.api.auth import Call
from strongroom.api.routes import TenantId
from strongroom.audit.search import Filters
from strongroom.store.engine import stamp

MAX_LIMIT = 1000

router = APIRouter(prefix="/v1/tenants/{tenant}/audit", tags=["audit"])


class EntryResource(BaseModel):
    subjects: list[str] = Field(default_factory=list)
    fields: list[str] = Field(default_factory=list)


class EntryOutcome(BaseModel):
    decision: Literal["allowed", "denied", "failed"]
    reason: str
    policies: list[str]


class AuditEntry(BaseModel):
    index: int = Field(description="The entry's position in the ledger (0-based).")
    v: int
    ts: str
    principal: str
    role: str
    tenant: str | None
    action: str
    resource: EntryResource
    outcome: EntryOutcome
    context: dict[str, str]
    purpose: str | None = None
    details: dict[str, Any] | None = None


class AuditPage(BaseModel):
    tenant: str
    entries: list[AuditEntry]
    more: bool = Field(description="True when more entries matched than `limit`.")


def _stored(ts: datetime | None) -> str | None:
    """As the ledger stores times: UTC, microseconds, `Z` (a naive time is taken as UTC)."""
    if ts is None:
        return None
    return stamp(ts)


@router.get("", responses=problems.STANDARD)
def audit_log(
    tenant: TenantId,
    call: Call,
    since: Annotated[datetime | None, Query(description="From this time (ISO 8601).")] = None,
    until: Annotated[datetime | None, Query(description="Before this time.")] = None,
    action: Annotated[
        str | None, Query(pattern=r"^[a-z_]{1,32}\.[a-z_]{1,32}$", description="e.g. record.reveal")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
) -> AuditPage:
    """Entries that touched this tenant, oldest first; page on with `since`."""
    f = Filters(tenant=tenant, action=action, since=_stored(since), until=_stored(until))
    page = ledger_view.search(call.inst, call.principal, f, limit, call.context)
    return AuditPage(
        tenant=tenant,
        entries=[AuditEntry(index=seq, **e) for seq, e in page.entries],
        more=page.more,
    )
