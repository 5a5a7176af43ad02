"""The context the policy decides on, fed by the BPO's systems: tickets from the CRM
(POST /v1/tenants/{tenant}/tickets), and badge events, shifts and training records
(POST /v1/badges, /v1/shifts, /v1/training).

Each request is one batch, stored whole or not at all; a bad document is named by `line`
(its 1-based position in the list) and `field`. Times need an offset or `Z`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body
from pydantic import AwareDatetime, BaseModel, Field

from strongroom.access import context
from strongroom.api import problems
from strongroom.api.auth import Call
from strongroom.api.routes import TenantId
from strongroom.vault.spec import TENANT_ID

MAX_BATCH = 10_000
_KEY = r"^[A-Za-z0-9][A-Za-z0-9._:-]*$"
_NAME = r"^[^\s\x00-\x1f\x7f]+$"

router = APIRouter(tags=["context"])


class TicketIn(BaseModel):
    ticket: str = Field(max_length=64, pattern=_KEY, description="The CRM's ticket id.")
    tenant: str | None = Field(
        default=None, pattern=TENANT_ID.pattern, description="Defaults to the path's tenant."
    )
    subject: str = Field(max_length=128, pattern=_KEY, description="The customer's record id.")
    assignee: str = Field(max_length=128, pattern=_NAME, description="The agent's principal.")
    opened: AwareDatetime
    closed: AwareDatetime | None = None
    kind: Literal["payment", "address", "contact", "identity", "general"]


class ShiftIn(BaseModel):
    actor: str = Field(max_length=128, pattern=_NAME)
    site: str = Field(max_length=64, pattern=_NAME)
    start: AwareDatetime
    end: AwareDatetime


class BadgeIn(BaseModel):
    ts: AwareDatetime
    actor: str = Field(max_length=128, pattern=_NAME)
    site: str = Field(max_length=64, pattern=_NAME)
    zone: str = Field(max_length=64, pattern=_NAME, description="`floor` is the floor.")
    direction: Literal["in", "out"]


class TrainingIn(BaseModel):
    actor: str = Field(max_length=128, pattern=_NAME)
    course: str = Field(max_length=64, pattern=_NAME)
    completed: AwareDatetime
    expires: AwareDatetime


class Stored(BaseModel):
    kind: str
    stored: int


def _stored(res: context.IngestResult) -> Stored:
    return Stored(kind=res.kind, stored=res.stored)


@router.post("/v1/tenants/{tenant}/tickets", responses=problems.STANDARD)
def register_tickets(
    tenant: TenantId,
    body: Annotated[list[TicketIn] | TicketIn, Body(description="A ticket or a list of them.")],
    call: Call,
) -> Stored:
    """Register (or update, e.g. to close) tickets of this tenant."""
    batch = body if isinstance(body, list) else [body]
    docs = [
        {**t.model_dump(mode="json", exclude_none=True), "tenant": t.tenant or tenant}
        for t in batch
    ]
    return _stored(
        context.ingest(
            call.inst, call.principal, "tickets", docs, tenant=tenant, context=call.context
        )
    )


def _batch() -> Any:
    return Body(min_length=1, max_length=MAX_BATCH, description="A list, stored whole or not.")


@router.post("/v1/badges", responses=problems.STANDARD)
def record_badges(body: Annotated[list[BadgeIn], _batch()], call: Call) -> Stored:
    """Badge events from the physical access system."""
    docs = [b.model_dump(mode="json") for b in body]
    return _stored(context.ingest(call.inst, call.principal, "badges", docs, context=call.context))


@router.post("/v1/shifts", responses=problems.STANDARD)
def record_shifts(body: Annotated[list[ShiftIn], _batch()], call: Call) -> Stored:
    """Shifts from workforce management."""
    docs = [s.model_dump(mode="json") for s in body]
    return _stored(context.ingest(call.inst, call.principal, "shifts", docs, context=call.context))


@router.post("/v1/training", responses=problems.STANDARD)
def record_training(body: Annotated[list[TrainingIn], _batch()], call: Call) -> Stored:
    """Training records from the learning system."""
    docs = [t.model_dump(mode="json") for t in body]
    return _stored(
        context.ingest(call.inst, call.principal, "training", docs, context=call.context)
    )
