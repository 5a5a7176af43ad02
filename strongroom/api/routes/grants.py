"""Break-glass and vendor grants: POST /v1/grants (request), POST /v1/grants/{id}/approve
(a second person approves), POST /v1/grants/{id}/revoke, GET /v1/grants (list)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from strongroom.access import grants
from strongroom.access.grants import GrantInfo
from strongroom.api import problems
from strongroom.api.auth import Call
from strongroom.vault.spec import TENANT_ID

router = APIRouter(prefix="/v1/grants", tags=["grants"])

GrantId = Annotated[str, Path(pattern=r"^g-[0-9a-f]{1,32}$", description="e.g. g-1a2b3c4d5e6f")]
Action = Literal["record.get", "record.reveal", "record.find", "token.tokenize", "token.detokenize"]


class GrantRequest(BaseModel):
    kind: Literal["break_glass", "vendor"]
    grantee: str = Field(min_length=1, max_length=128, pattern=r"^[^\s\x00-\x1f\x7f]+$")
    tenant: str = Field(pattern=TENANT_ID.pattern)
    actions: list[Action] = Field(min_length=1, max_length=8)
    fields: list[str] = Field(
        default_factory=list,
        max_length=64,
        description="The fields it may reveal or search; CREDIT_CARD for token actions.",
    )
    reason: str = Field(min_length=grants.MIN_REASON, max_length=1000)
    hours: float = Field(gt=0, le=max(grants.MAX_HOURS.values()))


class GrantOut(BaseModel):
    id: str
    kind: Literal["break_glass", "vendor"]
    grantee: str
    tenant: str
    actions: list[str]
    fields: list[str]
    reason: str
    requested_by: str
    approved_by: str | None
    starts_at: str
    ends_at: str
    status: Literal["pending", "active", "expired", "revoked"]


class GrantList(BaseModel):
    grants: list[GrantOut]


def grant_out(g: GrantInfo) -> GrantOut:
    return GrantOut(
        id=g.id,
        kind=g.kind,
        grantee=g.grantee,
        tenant=g.tenant,
        actions=list(g.actions),
        fields=list(g.fields),
        reason=g.reason,
        requested_by=g.requested_by,
        approved_by=g.approved_by,
        starts_at=g.starts_at,
        ends_at=g.ends_at,
        status=g.status,
    )


@router.post("", status_code=201, responses=problems.STANDARD)
def request_grant(body: GrantRequest, call: Call) -> GrantOut:
    """Request a time-boxed grant for someone; pending until a second person approves it."""
    return grant_out(
        grants.request_grant(
            call.inst,
            call.principal,
            body.kind,
            body.grantee,
            body.tenant,
            body.actions,
            body.fields,
            body.reason,
            body.hours,
            context=call.context,
        )
    )


@router.post("/{grant_id}/approve", responses=problems.STANDARD)
def approve_grant(grant_id: GrantId, call: Call) -> GrantOut:
    """Approve a pending grant (neither its requester nor its grantee may)."""
    return grant_out(
        grants.approve_grant(call.inst, call.principal, grant_id, context=call.context)
    )


@router.post("/{grant_id}/revoke", responses=problems.STANDARD)
def revoke_grant(grant_id: GrantId, call: Call) -> GrantOut:
    """End a grant now."""
    return grant_out(grants.revoke_grant(call.inst, call.principal, grant_id, context=call.context))


@router.get("", responses=problems.STANDARD)
def list_grants(
    call: Call,
    tenant: Annotated[str | None, Query(pattern=TENANT_ID.pattern)] = None,
) -> GrantList:
    """Grants, oldest first, with their status now (of one tenant when `tenant` is given)."""
    return GrantList(
        grants=[grant_out(g) for g in grants.list_grants(call.inst, call.principal, tenant)]
    )
