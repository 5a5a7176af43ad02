"""POST /v1/tenants/{tenant}/dlp/scan and .../dlp/redact: sensitive data in free text, found
and neutralised.

The texts travel in request bodies, never in the URL, and nothing here logs them. Offsets in
findings count Unicode code points of the text as sent. A request holds at most `MAX_TEXTS`
texts of at most `MAX_TEXT` characters each, and `MAX_TOTAL` characters in all (the scan is
CPU work done for the caller, so it is bounded per request as well as by the rate limit).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from strongroom.api import problems
from strongroom.api.auth import Call
from strongroom.api.routes import TenantId
from strongroom.dlp.finding import EntityType, Finding
from strongroom.errors import BadInput
from strongroom.vault import free_text

router = APIRouter(prefix="/v1/tenants/{tenant}/dlp", tags=["dlp"])

MAX_TEXTS = 1000
MAX_TEXT = 65_536
MAX_TOTAL = 1_048_576

Texts = Annotated[
    list[Annotated[str, Field(max_length=MAX_TEXT)]],
    Field(min_length=1, max_length=MAX_TEXTS, description="The texts, in order."),
]
Entities = Annotated[
    list[EntityType] | None,
    Field(default=None, min_length=1, description="Only these types (default: every type)."),
]


class ScanIn(BaseModel):
    texts: Texts
    entities: Entities = None
    model_config = ConfigDict(extra="forbid")


class FindingOut(BaseModel):
    entity_type: str
    start: int = Field(description="Offset of the first character, in code points.")
    end: int = Field(description="Offset after the last character.")
    score: float
    recogniser: str


class ScanOut(BaseModel):
    results: list[list[FindingOut]] = Field(description="Per text, in order, its findings.")


class RedactIn(BaseModel):
    texts: Texts
    operator: Literal["redact", "mask", "hash", "tokenize"] = Field(
        description="redact: <TYPE>; mask: what a masked field shows (a card's last four); "
        "hash: <TYPE#keyed hash>, per tenant; tokenize: cards become the tenant's tokens "
        "(needs token.tokenize too), the rest is redacted."
    )
    entities: Entities = None
    model_config = ConfigDict(extra="forbid")


class RedactOut(BaseModel):
    texts: list[str] = Field(description="The texts neutralised, in order.")


def _bounded(texts: list[str]) -> list[str]:
    total = sum(len(t) for t in texts)
    if total > MAX_TOTAL:
        raise BadInput(
            f"the texts hold {total} characters; send at most {MAX_TOTAL} per request",
            field="texts",
        )
    return texts


def _out(f: Finding) -> FindingOut:
    return FindingOut(**f.to_dict())


@router.post("/scan", responses=problems.STANDARD)
def scan(tenant: TenantId, body: ScanIn, call: Call) -> ScanOut:
    """The findings in each text (types, offsets, scores; never the values). Stores nothing;
    recorded as `dlp.scan` with counts per type."""
    found = free_text.scan(
        call.inst, call.principal, tenant, _bounded(body.texts), body.entities, call.context
    )
    return ScanOut(results=[[_out(f) for f in fs] for fs in found])


@router.post("/redact", responses=problems.STANDARD)
def redact(tenant: TenantId, body: RedactIn, call: Call) -> RedactOut:
    """Each text with its findings neutralised by the operator. `hash` and `tokenize` use the
    tenant's keys; tokenize issues card tokens (recorded as `token.tokenize` too), which
    detokenize later returns to the card."""
    texts = free_text.redact(
        call.inst,
        call.principal,
        tenant,
        _bounded(body.texts),
        body.operator,
        body.entities,
        call.context,
    )
    return RedactOut(texts=texts)
