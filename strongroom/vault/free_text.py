"""Free text under a tenant: scanned, and neutralised with the tenant's keys.

What this module guarantees:

- A record's `FREE_TEXT` values are never stored as written. `screen` scans them (and only
  them: no other class is scanned, so a batch without free text costs nothing more);
  `record.put` then stores each neutralised in the same passage as the rest of the batch:
  card numbers (typed or spoken) become the tenant's card tokens, issued with the batch's
  other tokens in the put's own key-store transaction and referenced by the subject (so a
  later detokenize returns the card, and erasing the last subject that held it shreds it);
  every other finding becomes its typed placeholder (`<EMAIL_ADDRESS>`). Tokens, not masks or
  hashes, for cards, because a card in a note is usually needed later (a refund) and the token
  vault is the one place a card may be kept; redaction for the rest, because nothing else has
  a vault to come back from and a note should not become a second copy of a record.
- The put's ledger entry says, per free-text field, how many findings of each type the batch
  held (`details.free_text`), never a value. The entry is written when the door opens, so the
  scan runs before it, on the spec read ahead (specs never change once a tenant exists); the
  scan also stays out of the put's write transaction that way. A free-text value the screen
  did not see is refused (`Conflict`), never stored unscanned.
- `scan` and `redact` are the DLP services the faces call for a tenant (`dlp.scan`,
  `dlp.redact`): they read nothing stored, but go through the door, which decides and records
  them with counts of what was found. `hash` uses the tenant's `index` keyset (its PRF, under
  labels of its own, `dlp-hash/<TYPE>`, so no pseudonym ever equals a blind-index digest);
  `tokenize` also needs `token.tokenize`, decided and recorded in the same passage.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from strongroom.access import Principal, Resource
from strongroom.audit import RequestContext
from strongroom.crypto import INDEX, Keyset
from strongroom.dlp.finding import Finding
from strongroom.dlp.operators import CARD, HASH_HEX, TenantHasher, cards, neutralise
from strongroom.dlp.recognizers.credit_card import CreditCardRecognizer
from strongroom.dlp.scanner import resolve
from strongroom.dlp.texts import check_operator, counts, scan_all
from strongroom.errors import Conflict, NotFound
from strongroom.instance import Instance
from strongroom.store.engine import transaction
from strongroom.vault import keyring, tokens
from strongroom.vault.classes import FREE_TEXT, canonical
from strongroom.vault.door import door
from strongroom.vault.intake import RawRecord
from strongroom.vault.spec import TenantSpec
from strongroom.vault.tenants import require_tenant

_STORE_CARDS = CreditCardRecognizer(veto_references=False)

# What a stored note's findings become: cards tokenized, the rest redacted.
STORE_OPERATOR = "tokenize"


def hasher(index_keys: Keyset) -> TenantHasher:
    """The tenant's keyed pseudonym: 16 hex digits of its `index` PRF, labelled per type."""

    def digest(entity_type: str, form: str) -> str:
        label = f"dlp-hash/{entity_type}"
        return index_keys.keyed_digest(label, form.encode(), HASH_HEX // 2).hex()

    return digest


@dataclass(frozen=True)
class Screen:
    """The free-text values of one batch as scanned before the door: (subject, field) ->
    (the text scanned, its findings)."""

    scanned: dict[tuple[str, str], tuple[str, list[Finding]]] = field(default_factory=dict)

    @property
    def details(self) -> dict[str, Any] | None:
        """For the put's ledger entry: per free-text field of the batch, the count of
        findings of each type (an empty count says it was scanned and held nothing)."""
        if not self.scanned:
            return None
        per_field: dict[str, list[list[Finding]]] = {}
        for (_, name), (_, found) in self.scanned.items():
            per_field.setdefault(name, []).append(found)
        return {"free_text": {name: counts(found) for name, found in sorted(per_field.items())}}

    def cards(self) -> set[str]:
        out: set[str] = set()
        for text, found in self.scanned.values():
            out |= cards(text, found)
        return out

    def neutralise(
        self,
        spec: TenantSpec,
        clean: Sequence[tuple[RawRecord, dict[str, str]]],
        token_of: dict[str, str],
    ) -> list[tuple[str, str]]:
        """Replace, in `clean`'s values, every free-text value by its neutralised form.
        Returns the (token, subject) pairs the notes now hold. Raises Conflict for a value
        this screen did not scan as it is."""
        names = [f.name for f in spec.fields if f.cls == FREE_TEXT]
        held: list[tuple[str, str]] = []
        for rec, values in clean:
            for name in names:
                if name not in values:
                    continue
                seen = self.scanned.get((rec.subject, name))
                if seen is None or seen[0] != values[name]:
                    raise Conflict(
                        f"the {name} of '{rec.subject}' changed after it was scanned; "
                        "send the batch again"
                    )
                text, found = seen
                used = cards(text, found)
                values[name] = neutralise(
                    text, found, STORE_OPERATOR, tokenizer=token_of.__getitem__
                )
                held += [(token_of[card], rec.subject) for card in sorted(used)]
        return held


def _spec_ahead(inst: Instance, tenant: str) -> TenantSpec | None:
    """The tenant's spec, read before the door (None when there is no such tenant: the door
    then refuses the operation itself)."""
    cached = inst.specs.get(tenant)
    if isinstance(cached, TenantSpec):
        return cached
    try:
        with transaction(inst.data, read_only=True, tenant=tenant) as tx:
            return require_tenant(inst, tx, tenant)
    except NotFound:
        return None


def screen(inst: Instance, tenant: str, batch: Sequence[RawRecord]) -> Screen:
    """Scan the free-text values of a batch about to be put. A value its class refuses
    (too long, empty) is left for the put's own validation to name."""
    spec = _spec_ahead(inst, tenant)
    if spec is None:
        return Screen()
    names = tuple(f.name for f in spec.fields if f.cls == FREE_TEXT)
    if not names:
        return Screen()
    keys: list[tuple[str, str]] = []
    texts: list[str] = []
    for rec in batch:
        for name in names:
            raw = rec.values.get(name)
            if raw is None:
                continue
            try:
                text = canonical(FREE_TEXT, raw, spec.phone_region)
            except ValueError:
                continue
            keys.append((rec.subject, name))
            texts.append(text)
    # What is stored keeps no Luhn-valid card number at all: the scanner's veto on numbers
    # after "order", "ref", "txn" ... is lifted here (a reference number that passes Luhn is
    # tokenized rather than a card kept in clear).
    found = [
        resolve([*f, *_STORE_CARDS.find(text)])
        for f, text in zip(scan_all(texts), texts, strict=True)
    ]
    return Screen(dict(zip(keys, zip(texts, found, strict=True), strict=True)))


def scan(
    inst: Instance,
    principal: Principal,
    tenant: str,
    texts: Sequence[str],
    entities: Sequence[str] | None = None,
    context: RequestContext | None = None,
) -> list[list[Finding]]:
    """Each text's findings, under the tenant's door (`dlp.scan`; the entry counts them).
    Raises BadInput for an unknown entity type, NotFound, Denied."""
    found = scan_all(texts, entities)
    details = {"texts": len(texts), "found": counts(found)}
    with door(inst, principal, "dlp.scan", Resource(tenant), context=context, details=details) as p:
        require_tenant(inst, p.tx, tenant)
        return found


def redact(
    inst: Instance,
    principal: Principal,
    tenant: str,
    texts: Sequence[str],
    operator: str,
    entities: Sequence[str] | None = None,
    context: RequestContext | None = None,
) -> list[str]:
    """Each text with its findings neutralised by `operator` (redact, mask, hash, tokenize),
    under the tenant's door (`dlp.redact`, with `token.tokenize` also decided and recorded
    when a card is to be tokenized).

    Raises BadInput for an unknown operator or entity type, NotFound, Denied,
    KeyUnavailable."""
    check_operator(operator)
    found = scan_all(texts, entities)
    details = {"operator": operator, "texts": len(texts), "found": counts(found)}
    with door(
        inst, principal, "dlp.redact", Resource(tenant), context=context, details=details
    ) as p:
        require_tenant(inst, p.tx, tenant)
        pairs = list(zip(texts, found, strict=True))
        if operator == "hash":
            with transaction(inst.keys, read_only=True, tenant=tenant) as ktx:
                pseudonym = hasher(keyring.keyset(inst, ktx, tenant, INDEX))
            return [neutralise(t, fs, operator, tenant_hasher=pseudonym) for t, fs in pairs]
        if operator == "tokenize":
            wanted: set[str] = set()
            for t, fs in pairs:
                wanted |= cards(t, fs)
            token_of: dict[str, str] = {}
            if wanted:
                p.disclose("token.tokenize", Resource(tenant, (), (CARD,)))
                with transaction(inst.keys, tenant=tenant) as ktx:
                    token_of = tokens.issue_tokens(inst, ktx, tenant, wanted)
            return [neutralise(t, fs, operator, tokenizer=token_of.__getitem__) for t, fs in pairs]
        return [neutralise(t, fs, operator) for t, fs in pairs]
