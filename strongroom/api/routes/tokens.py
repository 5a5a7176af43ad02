"""POST /v1/tenants/{tenant}/tokens (tokenize a card) and .../tokens/detokenize.

Both values travel in request bodies, never in the URL, so no log line can carry them.
"""

from __future__ import annotations

from dataclasses import replace

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from strongroom.api import problems
from strongroom.api.auth import Call
from strongroom.api.routes import TenantId
from strongroom.vault import tokens

router = APIRouter(prefix="/v1/tenants/{tenant}/tokens", tags=["tokens"])


class TokenizeIn(BaseModel):
    value: str = Field(min_length=1, max_length=64, description="The card number.")
    class_: str = Field(
        alias="class", default="CREDIT_CARD", description="The data class: CREDIT_CARD."
    )

    model_config = ConfigDict(populate_by_name=True)


class TokenOut(BaseModel):
    tenant: str
    token: str


class DetokenizeIn(BaseModel):
    token: str = Field(min_length=1, max_length=64)
    purpose: str = Field(min_length=1, max_length=500, description="Why (recorded).")
    ticket: str | None = Field(default=None, min_length=1, max_length=64)


class CardOut(BaseModel):
    tenant: str
    token: str
    value: str


@router.post("", responses=problems.STANDARD)
async def tokenize(tenant: TenantId, body: TokenizeIn, call: Call) -> TokenOut:
    """The tenant's token for a card: the same card always gets the same token."""
    token = await call.run(tokens.tokenize, tenant, body.class_, body.value, context=call.context)
    return TokenOut(tenant=tenant, token=token)


@router.post("/detokenize", responses=problems.STANDARD)
async def detokenize(tenant: TenantId, body: DetokenizeIn, call: Call) -> CardOut:
    """The card behind a token, for a stated purpose (recorded)."""
    ctx = replace(call.context, ticket=body.ticket or call.context.ticket)
    value = await call.run(tokens.detokenize, tenant, body.token, body.purpose, context=ctx)
    return CardOut(tenant=tenant, token=body.token, value=value)
