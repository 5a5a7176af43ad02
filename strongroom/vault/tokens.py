"""The token vault: card numbers swapped for tokens, and back for a stated need.

Entries live in the key store, sealed under the tenant's `data` keyset and bound to tenant
and token; a keyed fingerprint of the card (the tenant's `token` PRF) finds an existing token
without decrypting anything, which is what keeps a card's token stable. A new card's token is
drawn at random, not derived from the card: a token derived with the tenant's key was
recomputed when a shredded card was tokenized again, bringing the erased token back to life
for whoever still held it, and let anyone with the key and a copy of a token find its card by
trying the ~10^5 Luhn-valid cards of a known BIN and last four. Tokens referenced by records
are tracked in `token_refs` so that erasing the last subject that held a card shreds the
card's entry too.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Collection, Mapping, Sequence

from strongroom.access import Principal, Resource
from strongroom.audit import RequestContext
from strongroom.crypto import DATA, TOKEN
from strongroom.errors import BadInput, Conflict, NotFound
from strongroom.instance import Instance
from strongroom.store.engine import Tx, marks, now, transaction
from strongroom.vault import keyring
from strongroom.vault.cards import format_token, is_token_shaped
from strongroom.vault.classes import card_digits
from strongroom.vault.door import door
from strongroom.vault.tenants import require_tenant

_ATTEMPTS = 32


_CHUNK = 500


def entry_binding(tenant: str, token: str) -> bytes:
    return json.dumps(["strongroom/token-vault/v1", tenant, token]).encode()


def issue_tokens(inst: Instance, tx: Tx, tenant: str, cards: set[str]) -> dict[str, str]:
    """The tenant's token for each card (digits, Luhn-valid), creating vault entries for new
    cards. A card already in the vault keeps its token: that is what makes tokens stable."""
    tks = keyring.keyset(inst, tx, tenant, TOKEN)
    prints = {card: tks.keyed_digest("card-fingerprint", card.encode()) for card in cards}
    by_print = {fp: card for card, fp in prints.items()}
    out: dict[str, str] = {}
    fps = list(by_print)
    for start in range(0, len(fps), _CHUNK):
        chunk = fps[start : start + _CHUNK]
        rows = tx.all(
            "SELECT fingerprint, token FROM token_vault "
            f"WHERE tenant_id = ? AND fingerprint IN ({marks(len(chunk))})",
            (tenant, *chunk),
        )
        for fp, token in rows:
            out[by_print[bytes(fp)]] = str(token)
    pending = sorted(cards - set(out))
    if not pending:  # every card known: no keyset read from the store
        return out
    # New entries go under the primary now, share-locked against a rotation that retires it.
    dks = keyring.keyset(inst, tx, tenant, DATA, current=True, lock="share")
    stamp = now()
    for _ in range(_ATTEMPTS):
        if not pending:
            return out
        wanted = {card: format_token(card, secrets.token_bytes(16)) for card in pending}
        taken: set[str] = set()
        candidates = list(wanted.values())
        for start in range(0, len(candidates), _CHUNK):
            some = candidates[start : start + _CHUNK]
            taken.update(
                tx.column(
                    f"SELECT token FROM token_vault WHERE tenant_id = ? AND token IN "
                    f"({marks(len(some))})",
                    (tenant, *some),
                )
            )
        rows_: list[tuple[object, ...]] = []
        retry: list[str] = []
        for card, token in wanted.items():
            if token in taken:
                retry.append(card)
                continue
            taken.add(token)  # two new cards of one batch must not share a token either
            out[card] = token
            sealed = dks.seal(card.encode(), entry_binding(tenant, token))
            rows_.append((tenant, token, prints[card], sealed, stamp))
        tx.many(
            "INSERT INTO token_vault (tenant_id, token, fingerprint, sealed, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            rows_,
        )
        pending = retry
    if pending:
        raise Conflict(f"no free token for {len(pending)} card(s) after {_ATTEMPTS} tries")
    return out


def issue_token(inst: Instance, tx: Tx, tenant: str, card: str) -> str:
    return issue_tokens(inst, tx, tenant, {card})[card]


def reveal_token(inst: Instance, tx: Tx, tenant: str, token: str) -> str:
    row = tx.one(
        "SELECT sealed FROM token_vault WHERE tenant_id = ? AND token = ?", (tenant, token)
    )
    if row is None:
        raise NotFound(f"token not in tenant '{tenant}' vault (never issued, or shredded)")
    binding = entry_binding(tenant, token)
    return keyring.opening(
        inst, tx, tenant, DATA, lambda ks: ks.unseal(bytes(row[0]), binding)
    ).decode()


def hold(tx: Tx, tenant: str, holdings: Mapping[str, Collection[str]]) -> None:
    """Each subject's current tokens become exactly `holdings[subject]` (its record's, fields
    and notes, as just put); a token it no longer holds stays referenced as held before, so
    that erasing the subject still shreds it (it was the subject's card).

    Before, references were only ever added: a card replaced in one record kept its old
    holder as a current holder, so erasing the other subject who holds it now did not shred
    it."""
    subjects = sorted(holdings)
    if not subjects:
        return
    existing: dict[tuple[str, str], bool] = {}
    for start in range(0, len(subjects), _CHUNK):
        chunk = subjects[start : start + _CHUNK]
        for t, s, current in tx.all(
            "SELECT token, subject_id, current FROM token_refs "
            f"WHERE tenant_id = ? AND subject_id IN ({marks(len(chunk))})",
            (tenant, *chunk),
        ):
            existing[(str(t), str(s))] = bool(current)
    wanted = {(t, s) for s, held in holdings.items() for t in held}
    tx.many(
        "INSERT INTO token_refs (tenant_id, token, subject_id, current) VALUES (?, ?, ?, ?)",
        [(tenant, t, s, True) for t, s in sorted(wanted - existing.keys())],
    )
    again = sorted(k for k in wanted & existing.keys() if not existing[k])
    let_go = sorted(k for k, current in existing.items() if current and k not in wanted)
    for pairs, current in ((again, True), (let_go, False)):
        tx.many(
            "UPDATE token_refs SET current = ? "
            "WHERE tenant_id = ? AND token = ? AND subject_id = ?",
            [(current, tenant, t, s) for t, s in pairs],
        )


def release(tx: Tx, tenant: str, subject: str) -> int:
    """Drop a subject's token references, and shred each token it holds or held that no other
    subject holds now (references of others who held it before go with it). Returns shredded.
    """
    held = tx.column(
        "SELECT token FROM token_refs WHERE tenant_id = ? AND subject_id = ?", (tenant, subject)
    )
    tx.run("DELETE FROM token_refs WHERE tenant_id = ? AND subject_id = ?", (tenant, subject))
    shredded = 0
    for token in held:
        if tx.one(
            "SELECT 1 FROM token_refs WHERE tenant_id = ? AND token = ? AND current = ?",
            (tenant, token, True),
        ):
            continue
        tx.run("DELETE FROM token_refs WHERE tenant_id = ? AND token = ?", (tenant, token))
        tx.run("DELETE FROM token_vault WHERE tenant_id = ? AND token = ?", (tenant, token))
        shredded += 1
    return shredded


def all_entries(tx: Tx, tenant: str) -> list[tuple[str, bytes]]:
    rows = tx.all("SELECT token, sealed FROM token_vault WHERE tenant_id = ?", (tenant,))
    return [(str(t), bytes(b)) for t, b in rows]


def reseal_entries(tx: Tx, tenant: str, rows: Sequence[tuple[str, bytes]]) -> None:
    """Store each token's entry as sealed again."""
    tx.many(
        "UPDATE token_vault SET sealed = ? WHERE tenant_id = ? AND token = ?",
        [(sealed, tenant, token) for token, sealed in rows],
    )


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
    with door(
        inst, principal, "token.tokenize", Resource(tenant, (), (cls,)), context=context
    ) as p:
        require_tenant(inst, p.tx, tenant)
        try:
            card = card_digits(value)
        except ValueError as exc:
            raise BadInput(str(exc), field="value") from exc
        with transaction(inst.keys, tenant=tenant) as ktx:
            return issue_token(inst, ktx, tenant, card)


def detokenize(
    inst: Instance,
    principal: Principal,
    tenant: str,
    token: str,
    purpose: str | None = None,
    context: RequestContext | None = None,
) -> str:
    """Raises BadInput for something that is not token-shaped, NotFound for an unknown token."""
    with door(
        inst,
        principal,
        "token.detokenize",
        Resource(tenant, (), ("CREDIT_CARD",)),
        purpose,
        context,
    ) as p:
        require_tenant(inst, p.tx, tenant)
        if not is_token_shaped(token):
            raise BadInput(
                "not a token: tokens are 12-19 digits that fail the Luhn check", field="token"
            )
        with transaction(inst.keys, read_only=True, tenant=tenant) as ktx:
            return reveal_token(inst, ktx, tenant, token)
