"""The token vault: card numbers swapped for tokens, and back for a stated need.

Entries live in the key store, sealed under the tenant's `data` keyset and bound to tenant
and token; a keyed fingerprint of the card (the tenant's `token` PRF) finds an existing token
without decrypting anything. Tokens referenced by records are tracked in `token_refs` so that
erasing the last subject that held a card shreds the card's entry too.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import Connection, bindparam, delete, select

from strongroom.access import Principal, Resource, gate
from strongroom.audit import RequestContext
from strongroom.crypto import DATA, TOKEN
from strongroom.errors import BadInput, Conflict, NotFound
from strongroom.instance import Instance
from strongroom.store.bulk import insert_rows
from strongroom.store.engine import transaction
from strongroom.store.tables import token_refs, token_vault
from strongroom.vault import keyring
from strongroom.vault.cards import format_token, is_token_shaped
from strongroom.vault.classes import card_digits
from strongroom.vault.tenants import require_tenant

_ATTEMPTS = 32


def entry_binding(tenant: str, token: str) -> bytes:
    return json.dumps(["strongroom/token-vault/v1", tenant, token]).encode()


_BY_FINGERPRINT = select(token_vault.c.fingerprint, token_vault.c.token).where(
    token_vault.c.tenant_id == bindparam("tenant"),
    token_vault.c.fingerprint.in_(bindparam("fingerprints", expanding=True)),
)
_TAKEN = select(token_vault.c.token).where(
    token_vault.c.tenant_id == bindparam("tenant"),
    token_vault.c.token.in_(bindparam("tokens", expanding=True)),
)
_CHUNK = 500


def issue_tokens(inst: Instance, kconn: Connection, tenant: str, cards: set[str]) -> dict[str, str]:
    """The tenant's token for each card (digits, Luhn-valid), creating vault entries for new
    cards. A card already in the vault keeps its token: that is what makes tokens stable."""
    tks = keyring.keyset(inst, kconn, tenant, TOKEN)
    prints = {card: tks.keyed_digest("card-fingerprint", card.encode()) for card in cards}
    by_print = {fp: card for card, fp in prints.items()}
    out: dict[str, str] = {}
    fps = list(by_print)
    for start in range(0, len(fps), _CHUNK):
        fp_chunk = fps[start : start + _CHUNK]
        rows_ = kconn.execute(_BY_FINGERPRINT, {"tenant": tenant, "fingerprints": fp_chunk})
        for fp, token in rows_:
            out[by_print[bytes(fp)]] = str(token)
    pending = sorted(cards - set(out))
    dks = keyring.keyset(inst, kconn, tenant, DATA)
    now = datetime.now(UTC)
    for attempt in range(_ATTEMPTS):
        if not pending:
            return out
        wanted = {
            card: format_token(card, tks.keyed_digest(f"token/{attempt}", card.encode()))
            for card in pending
        }
        taken: set[str] = set()
        candidates = list(wanted.values())
        for start in range(0, len(candidates), _CHUNK):
            chunk = candidates[start : start + _CHUNK]
            taken.update(kconn.execute(_TAKEN, {"tenant": tenant, "tokens": chunk}).scalars())
        rows: list[tuple[object, ...]] = []
        retry: list[str] = []
        for card, token in wanted.items():
            if token in taken:
                retry.append(card)
                continue
            taken.add(token)  # two new cards of one batch must not share a token either
            out[card] = token
            sealed = dks.seal(card.encode(), entry_binding(tenant, token))
            rows.append((tenant, token, prints[card], sealed, now))
        insert_rows(
            kconn, token_vault, ("tenant_id", "token", "fingerprint", "sealed", "created_at"), rows
        )
        pending = retry
    if pending:
        raise Conflict(f"no free token for {len(pending)} card(s) after {_ATTEMPTS} tries")
    return out


def issue_token(inst: Instance, kconn: Connection, tenant: str, card: str) -> str:
    return issue_tokens(inst, kconn, tenant, {card})[card]


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
    new = [(tenant, t, s) for t, s in sorted(set(refs) - existing)]
    insert_rows(kconn, token_refs, ("tenant_id", "token", "subject_id"), new)


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
        inst.data, principal, "token.tokenize", Resource(tenant, (), (cls,)), context=context
    ) as p:
        require_tenant(inst, p.conn, tenant)
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
        Resource(tenant, (), ("CREDIT_CARD",)),
        purpose,
        context,
    ) as p:
        require_tenant(inst, p.conn, tenant)
        if not is_token_shaped(token):
            raise BadInput(
                "not a token: tokens are 12-19 digits that fail the Luhn check", field="token"
            )
        with transaction(inst.keys, read_only=True) as kconn:
            return reveal_token(inst, kconn, tenant, token)
