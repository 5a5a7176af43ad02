"""The token vault: card numbers swapped for tokens, and back for a stated need.

Entries live in the key store, sealed under the tenant's `data` keyset and bound to tenant
and token; a keyed fingerprint of the card (the tenant's `token` PRF) finds an existing token
without decrypting anything. Tokens referenced by records are tracked in `token_refs` so that
erasing the last subject that held a card shreds the card's entry too.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import Connection, delete, insert, select

from strongroom.access import Principal, Resource, gate
from strongroom.audit import RequestContext
from strongroom.crypto import DATA, TOKEN
from strongroom.errors import BadInput, Conflict, NotFound
from strongroom.instance import Instance
from strongroom.store.engine import transaction
from strongroom.store.tables import token_refs, token_vault
from strongroom.vault import keyring
from strongroom.vault.cards import format_token, is_token_shaped
from strongroom.vault.classes import card_digits
from strongroom.vault.tenants import require_tenant

_ATTEMPTS = 32


def entry_binding(tenant: str, token: str) -> bytes:
    return json.dumps(["strongroom/token-vault/v1", tenant, token]).encode()


def issue_token(inst: Instance, kconn: Connection, tenant: str, card: str) -> str:
    """The tenant's token for `card` (digits, Luhn-valid), creating the vault entry if new."""
    tks = keyring.keyset(inst, kconn, tenant, TOKEN)
    fingerprint = tks.keyed_digest("card-fingerprint", card.encode())
    found = kconn.execute(
        select(token_vault.c.token).where(
            token_vault.c.tenant_id == tenant, token_vault.c.fingerprint == fingerprint
        )
    ).scalar()
    if found is not None:
        return str(found)
    dks = keyring.keyset(inst, kconn, tenant, DATA)
    for attempt in range(_ATTEMPTS):
        token = format_token(card, tks.keyed_digest(f"token/{attempt}", card.encode()))
        taken = kconn.execute(
            select(token_vault.c.token).where(
                token_vault.c.tenant_id == tenant, token_vault.c.token == token
            )
        ).first()
        if taken is None:
            kconn.execute(
                insert(token_vault).values(
                    tenant_id=tenant,
                    token=token,
                    fingerprint=fingerprint,
                    sealed=dks.seal(card.encode(), entry_binding(tenant, token)),
                    created_at=datetime.now(UTC),
                )
            )
            return token
    raise Conflict(f"no free token for this card length after {_ATTEMPTS} tries")


def reveal_token(inst: Instance, kconn: Connection, tenant: str, token: str) -> str:
    row = kconn.execute(
        select(token_vault.c.sealed).where(
            token_vault.c.tenant_id == tenant, token_vault.c.token == token
        )
    ).first()
    if row is None:
        raise NotFound(f"token not in tenant '{tenant}' vault (never issued, or shredded)")
    dks = keyring.keyset(inst, kconn, tenant, DATA)
    return dks.unseal(row[0], entry_binding(tenant, token)).decode()


def reference(kconn: Connection, tenant: str, refs: list[tuple[str, str]]) -> None:
    """Record that subjects hold tokens: (token, subject) pairs; existing pairs are kept."""
    if not refs:
        return
    subjects = {s for _, s in refs}
    existing = {
        (str(t), str(s))
        for t, s in kconn.execute(
            select(token_refs.c.token, token_refs.c.subject_id).where(
                token_refs.c.tenant_id == tenant, token_refs.c.subject_id.in_(subjects)
            )
        )
    }
    new = [{"tenant_id": tenant, "token": t, "subject_id": s} for t, s in set(refs) - existing]
    if new:
        kconn.execute(insert(token_refs), new)


def release(kconn: Connection, tenant: str, subject: str) -> int:
    """Drop a subject's token references; shred tokens nobody else holds. Returns shredded."""
    held = list(
        kconn.execute(
            select(token_refs.c.token).where(
                token_refs.c.tenant_id == tenant, token_refs.c.subject_id == subject
            )
        ).scalars()
    )
    kconn.execute(
        delete(token_refs).where(
            token_refs.c.tenant_id == tenant, token_refs.c.subject_id == subject
        )
    )
    shredded = 0
    for token in held:
        others = kconn.execute(
            select(token_refs.c.subject_id).where(
                token_refs.c.tenant_id == tenant, token_refs.c.token == token
            )
        ).first()
        if others is None:
            kconn.execute(
                delete(token_vault).where(
                    token_vault.c.tenant_id == tenant, token_vault.c.token == token
                )
            )
            shredded += 1
    return shredded


def tokenize(
    inst: Instance,
    principal: Principal,
    tenant: str,
    cls: str,
    value: str,
    context: RequestContext | None = None,
) -> str:
    """Raises BadInput for a class other than CREDIT_CARD or an invalid card, NotFound."""
    if cls != "CREDIT_CARD":
        raise BadInput(f"only CREDIT_CARD values are tokenized, not {cls}", field="class")
    with gate(
        inst.data, principal, "token.tokenize", Resource(tenant, fields=(cls,)), context=context
    ) as p:
        require_tenant(p.conn, tenant)
        try:
            card = card_digits(value)
        except ValueError as exc:
            raise BadInput(str(exc), field="value") from exc
        with transaction(inst.keys) as kconn:
            return issue_token(inst, kconn, tenant, card)


def detokenize(
    inst: Instance,
    principal: Principal,
    tenant: str,
    token: str,
    purpose: str | None = None,
    context: RequestContext | None = None,
) -> str:
    """Raises BadInput for something that is not token-shaped, NotFound for an unknown token."""
    with gate(
        inst.data,
        principal,
        "token.detokenize",
        Resource(tenant, fields=("CREDIT_CARD",)),
        purpose,
        context,
    ) as p:
        require_tenant(p.conn, tenant)
        if not is_token_shaped(token):
            raise BadInput(
                "not a token: tokens are 12-19 digits that fail the Luhn check", field="token"
            )
        with transaction(inst.keys) as kconn:
            return reveal_token(inst, kconn, tenant, token)
