"""Customer records of a tenant: batch put, masked get, reveal, blind-index find, erase.

The find takes its one `field=value` pair in the query string, as the blind index is searched
by equality; the server's access log never records query strings, so the value stays out of
the logs (the ledger names the field, never the value).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from pydantic import BaseModel, ConfigDict, Field

from strongroom.api import problems
from strongroom.api.auth import Call
from strongroom.api.routes import SubjectId, TenantId
from strongroom.errors import BadInput
from strongroom.vault import records
from strongroom.vault.intake import SUBJECT_ID, from_dicts
from strongroom.vault.records import MaskedRecord

MAX_BATCH = 10_000

router = APIRouter(prefix="/v1/tenants/{tenant}/records", tags=["records"])


class RecordIn(BaseModel):
    """One customer: `id` and text values for fields of the tenant's spec."""

    id: str = Field(pattern=SUBJECT_ID.pattern)
    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, str | None] = Field(init=False)


class PutOut(BaseModel):
    tenant: str
    created: int
    updated: int


class RecordOut(BaseModel):
    """A record as an agent sees it: every field masked by the tenant's spec."""

    tenant: str
    id: str
    fields: dict[str, str]
    tokens: dict[str, str]
    key_version: int
    created_at: str
    updated_at: str


class Found(BaseModel):
    records: list[RecordOut]


class RevealIn(BaseModel):
    field: str = Field(min_length=1, max_length=64)
    purpose: str = Field(min_length=1, max_length=500, description="Why (recorded).")
    ticket: str | None = Field(default=None, min_length=1, max_length=64)


class Revealed(BaseModel):
    tenant: str
    id: str
    field: str
    value: str


class Erasure(BaseModel):
    tenant: str
    id: str
    erased_at: str
    tokens_shredded: int


def record_out(rec: MaskedRecord) -> RecordOut:
    return RecordOut(
        tenant=rec.tenant,
        id=rec.subject,
        fields=rec.fields,
        tokens=rec.tokens,
        key_version=rec.key_version,
        created_at=rec.created_at,
        updated_at=rec.updated_at,
    )


@router.post("", responses=problems.STANDARD)
def put_records(
    tenant: TenantId,
    body: Annotated[list[RecordIn], Body(min_length=1, max_length=MAX_BATCH)],
    call: Call,
) -> PutOut:
    """Store a batch atomically: every record or none. An existing id is replaced. A bad
    record is named by `line` (its 1-based position in the list) and `field`."""
    batch = from_dicts([r.model_dump() for r in body], source="request")
    res = records.put(call.inst, call.principal, tenant, batch, context=call.context)
    return PutOut(tenant=res.tenant, created=res.created, updated=res.updated)


_FIND_PARAMETER: dict[str, Any] = {
    "parameters": [
        {
            "name": "match",
            "in": "query",
            "required": True,
            "style": "form",
            "explode": True,
            "description": "Exactly one searchable field and its value, e.g. `?email=pat@x.org`.",
            "schema": {
                "type": "object",
                "minProperties": 1,
                "maxProperties": 1,
                "additionalProperties": {"type": "string"},
            },
        }
    ]
}


@router.get("", responses=problems.STANDARD, openapi_extra=_FIND_PARAMETER)
async def find_records(tenant: TenantId, request: Request, call: Call) -> Found:
    """Records whose searchable field equals the value, once normalised (masked)."""
    pairs = request.query_params.multi_items()
    if len(pairs) != 1:
        raise BadInput(
            f"give exactly one searchable field and value, e.g. ?email=..., not {len(pairs)}",
            field="query",
        )
    field, value = pairs[0]
    found = await call.run(records.find, tenant, field, value, context=call.context)
    return Found(records=[record_out(r) for r in found])


@router.get("/{id}", responses=problems.STANDARD)
async def get_record(tenant: TenantId, id: SubjectId, call: Call) -> RecordOut:
    """The record, masked. An erased subject is a 404 of type `.../erased`."""
    return record_out(await call.run(records.get, tenant, id, context=call.context))


@router.post("/{id}/reveal", responses=problems.STANDARD)
async def reveal_field(tenant: TenantId, id: SubjectId, body: RevealIn, call: Call) -> Revealed:
    """One field in clear, for a stated purpose, under a ticket (body or X-Strongroom-Ticket)."""
    ctx = replace(call.context, ticket=body.ticket or call.context.ticket)
    value = await call.run(records.reveal, tenant, id, body.field, body.purpose, context=ctx)
    return Revealed(tenant=tenant, id=id, field=body.field, value=value)


@router.delete("/{id}", responses=problems.STANDARD)
def erase_record(tenant: TenantId, id: SubjectId, call: Call) -> Erasure:
    """Erase the customer for good: its data key is destroyed (GDPR art. 17)."""
    res = records.erase(call.inst, call.principal, tenant, id, context=call.context)
    return Erasure(
        tenant=str(res["tenant"]),
        id=str(res["id"]),
        erased_at=str(res["erased_at"]),
        tokens_shredded=int(str(res["tokens_shredded"])),
    )
