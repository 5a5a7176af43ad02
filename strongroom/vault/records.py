"""Customer records of a tenant: put, get (masked), reveal, find, erase.

Every value is sealed under its subject's data key, bound to tenant, subject and field.
Searchable fields also get a blind index (a keyed digest of the normalised value) and card
fields marked `tokenize` also keep their token. Each operation runs through the gate: its
audit entry is written in the transaction that reads or writes the data, before any value
leaves this module. Hot statements are built once, with bound parameters, so SQLAlchemy
compiles each a single time.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from strongroom.access import Principal, Resource
from strongroom.audit import RequestContext
from strongroom.crypto import INDEX, Binding, DataKey, Keyset
from strongroom.errors import BadInput, Erased, NotFound
from strongroom.instance import Instance
from strongroom.store.engine import Tx, marks, now, transaction, truncate_wal
from strongroom.vault import free_text, keyring, tokens
from strongroom.vault.classes import canonical, index_form
from strongroom.vault.door import door
from strongroom.vault.intake import RawRecord
from strongroom.vault.masking import mask
from strongroom.vault.spec import FieldSpec, TenantSpec
from strongroom.vault.tenants import require_tenant

_CHUNK = 500
DIGEST_SIZE = 16
log = logging.getLogger(__name__)

_RECORD = (
    "SELECT subject_id, sealed, tokens, created_at, updated_at FROM records "
    "WHERE tenant_id = ? AND subject_id = ?"
)


@dataclass(frozen=True)
class _Row:
    subject_id: str
    sealed: str
    tokens: str
    created_at: str
    updated_at: str


@dataclass(frozen=True)
class PutResult:
    tenant: str
    created: int
    updated: int

    def to_dict(self) -> dict[str, object]:
        return {"tenant": self.tenant, "created": self.created, "updated": self.updated}


@dataclass(frozen=True)
class MaskedRecord:
    tenant: str
    subject: str
    fields: dict[str, str]
    tokens: dict[str, str]
    key_version: int
    created_at: str
    updated_at: str

    def to_dict(self) -> dict[str, object]:
        return {
            "tenant": self.tenant,
            "id": self.subject,
            "fields": self.fields,
            "tokens": self.tokens,
            "key_version": self.key_version,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


def _chunks(items: Sequence[str]) -> list[list[str]]:
    return [list(items[i : i + _CHUNK]) for i in range(0, len(items), _CHUNK)]


def _validate(spec: TenantSpec, rec: RawRecord, file: str | None) -> dict[str, str]:
    out = {}
    for name, value in rec.values.items():
        fs = spec.field(name)
        if fs is None:
            raise BadInput(
                f"tenant '{spec.tenant}' has no field '{name}'",
                file=file,
                line=rec.line,
                field=name,
            )
        try:
            out[name] = canonical(fs.cls, value, spec.phone_region)
        except ValueError as exc:
            raise BadInput(f"{exc} (class {fs.cls})", file=file, line=rec.line, field=name) from exc
    return out


def _digest(index_keys: Keyset, spec: TenantSpec, fs: FieldSpec, value: str) -> bytes:
    form = index_form(fs.cls, value, spec.phone_region)
    return index_keys.keyed_digest(f"blind-index/{fs.name}", form.encode(), DIGEST_SIZE)


def _seal(key: DataKey, tenant: str, subject: str, values: dict[str, str]) -> str:
    sealed = key.seal_fields(tenant, subject, {name: v.encode() for name, v in values.items()})
    return json.dumps({name: base64.b64encode(b).decode("ascii") for name, b in sealed.items()})


def put(
    inst: Instance,
    principal: Principal,
    tenant: str,
    batch: Sequence[RawRecord],
    file: str | None = None,
    context: RequestContext | None = None,
) -> PutResult:
    """Store a batch atomically: all records or none. A record whose id exists replaces it.

    One operation, one ledger entry naming every subject and field of the batch. FREE_TEXT
    values are stored neutralised, cards in them tokenized (`vault/free_text.py`); the entry
    counts what was found per field. Raises BadInput naming the line and field of the first
    bad record, NotFound for an unknown tenant.
    """
    if not batch:
        raise BadInput("no records to put", file=file)
    subjects = [rec.subject for rec in batch]
    fields = tuple(sorted({name for rec in batch for name in rec.values}))
    resource = Resource(tenant, tuple(subjects), fields)
    notes = free_text.screen(inst, tenant, batch)
    with door(inst, principal, "record.put", resource, context=context, details=notes.details) as p:
        tx = p.tx
        spec = require_tenant(inst, tx, tenant)
        clean = [(rec, _validate(spec, rec, file)) for rec in batch]
        line_of = {rec.subject: rec.line for rec in batch}
        existing: set[str] = set()
        for chunk in _chunks(subjects):
            erased = tx.one(
                f"SELECT subject_id FROM erasures WHERE tenant_id = ? AND subject_id IN "
                f"({marks(len(chunk))}) LIMIT 1",
                (tenant, *chunk),
            )
            if erased is not None:
                raise BadInput(
                    f"subject '{erased[0]}' was erased and cannot be stored again",
                    file=file,
                    line=line_of[erased[0]],
                    field="id",
                )
            existing.update(
                tx.column(
                    f"SELECT subject_id FROM records WHERE tenant_id = ? AND subject_id IN "
                    f"({marks(len(chunk))})",
                    (tenant, *chunk),
                )
            )
        token_fields = [f.name for f in spec.fields if f.tokenize]
        searchable = [f for f in spec.fields if f.searchable]
        with transaction(inst.keys, tenant=tenant) as ktx:
            # Every subject's key that exists, the record or not: a put whose data store failed
            # after the key store committed left a key without a record, reused here (before,
            # the subject could never be stored again: its new key clashed with that one).
            keys = keyring.data_keys(inst, ktx, tenant, subjects)
            for s in sorted(existing - keys.keys()):
                raise BadInput(
                    f"subject '{s}' has a record but no data key: its erasure did not finish; "
                    "erase it again",
                    file=file,
                    line=line_of[s],
                    field="id",
                )
            keys.update(
                keyring.add_data_keys(inst, ktx, tenant, [s for s in subjects if s not in keys])
            )
            cards = {values[f] for _, values in clean for f in token_fields if f in values}
            cards |= notes.cards()
            token_of = tokens.issue_tokens(inst, ktx, tenant, cards) if cards else {}
            held = {
                rec.subject: {f: token_of[values[f]] for f in token_fields if f in values}
                for rec, values in clean
            }
            in_notes = notes.neutralise(spec, clean, token_of)
            holdings = {s: set(toks.values()) for s, toks in held.items()}
            for t, s in in_notes:
                holdings[s].add(t)
            tokens.hold(ktx, tenant, holdings)
            index_keys = keyring.keyset(inst, ktx, tenant, INDEX)
        stamp = now()
        new_rows: list[tuple[Any, ...]] = []
        upd_rows: list[tuple[Any, ...]] = []
        index_rows: list[tuple[Any, ...]] = []
        for rec, values in clean:
            subject = rec.subject
            sealed = _seal(keys[subject][0], tenant, subject, values)
            held_json = json.dumps(held[subject])
            if subject in existing:
                upd_rows.append((sealed, held_json, stamp, tenant, subject))
            else:
                new_rows.append((tenant, subject, sealed, held_json, stamp, stamp))
            index_rows += [
                (tenant, fs.name, _digest(index_keys, spec, fs, values[fs.name]), subject)
                for fs in searchable
                if fs.name in values
            ]
        tx.many(
            "INSERT INTO records (tenant_id, subject_id, sealed, tokens, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            new_rows,
        )
        if upd_rows:
            tx.many(
                "UPDATE records SET sealed = ?, tokens = ?, updated_at = ? "
                "WHERE tenant_id = ? AND subject_id = ?",
                upd_rows,
            )
            tx.many(
                "DELETE FROM blind_index WHERE tenant_id = ? AND subject_id = ?",
                [(tenant, s) for s in sorted(existing)],
            )
        tx.many(
            "INSERT INTO blind_index (tenant_id, field, digest, subject_id) VALUES (?, ?, ?, ?)",
            index_rows,
        )
        return PutResult(tenant, len(new_rows), len(upd_rows))


def _load(tx: Tx, tenant: str, subject: str) -> _Row:
    row = tx.one(_RECORD, (tenant, subject))
    if row is not None:
        return _Row(*row)
    gone = tx.one(
        "SELECT erased_at FROM erasures WHERE tenant_id = ? AND subject_id = ?", (tenant, subject)
    )
    if gone is not None:
        raise Erased(
            f"subject '{subject}' of tenant '{tenant}' was erased on "
            f"{str(gone[0])[:10]}; its data can no longer be read"
        )
    raise NotFound(f"no record '{subject}' in tenant '{tenant}'")


def _subject_key(inst: Instance, tenant: str, subject: str) -> tuple[DataKey, int]:
    with transaction(inst.keys, read_only=True, tenant=tenant) as ktx:
        return keyring.data_key(inst, ktx, tenant, subject)


def _masked(inst: Instance, spec: TenantSpec, row: _Row) -> MaskedRecord:
    sealed: dict[str, str] = json.loads(row.sealed)
    key, version = _subject_key(inst, spec.tenant, row.subject_id)
    # A generator: each value is decoded just before it is opened, in the spec's order.
    opened = key.unseal_fields(
        spec.tenant,
        row.subject_id,
        ((fs.name, base64.b64decode(sealed[fs.name])) for fs in spec.fields if fs.name in sealed),
    )
    shown = {
        fs.name: mask(fs.mask, opened[fs.name].decode()) for fs in spec.fields if fs.name in opened
    }
    return MaskedRecord(
        spec.tenant,
        row.subject_id,
        shown,
        json.loads(row.tokens),
        version,
        row.created_at,
        row.updated_at,
    )


def _open(key: DataKey, tenant: str, subject: str, field: str, b64: str) -> str:
    return key.unseal(base64.b64decode(b64), Binding(tenant, subject, field)).decode()


def get(
    inst: Instance,
    principal: Principal,
    tenant: str,
    subject: str,
    context: RequestContext | None = None,
) -> MaskedRecord:
    """The masked view. Raises NotFound, Erased."""
    resource = Resource.subject(tenant, subject)
    with door(inst, principal, "record.get", resource, context=context) as p:
        spec = require_tenant(inst, p.tx, tenant)
        return _masked(inst, spec, _load(p.tx, tenant, subject))


def reveal(
    inst: Instance,
    principal: Principal,
    tenant: str,
    subject: str,
    field: str,
    purpose: str,
    context: RequestContext | None = None,
) -> str:
    """One field in clear, for a stated purpose. Raises BadInput, NotFound, Erased, Denied."""
    resource = Resource.subject(tenant, subject, (field,))
    with door(inst, principal, "record.reveal", resource, purpose, context) as p:
        spec = require_tenant(inst, p.tx, tenant)
        if spec.field(field) is None:
            raise BadInput(f"tenant '{tenant}' has no field '{field}'", field="field")
        sealed = json.loads(_load(p.tx, tenant, subject).sealed)
        if field not in sealed:
            raise NotFound(f"record '{subject}' has no value for '{field}'")
        key, _ = _subject_key(inst, tenant, subject)
        return _open(key, tenant, subject, field, sealed[field])


def find(
    inst: Instance,
    principal: Principal,
    tenant: str,
    field: str,
    value: str,
    context: RequestContext | None = None,
) -> list[MaskedRecord]:
    """Masked views of the records whose `field` equals `value` once normalised.

    The matches are recorded as one further entry (a view of those subjects) in the same
    transaction. Raises BadInput for a field that is not searchable or a value its class
    cannot have.
    """
    resource = Resource(tenant, (), (field,))
    with door(inst, principal, "record.find", resource, context=context) as p:
        spec = require_tenant(inst, p.tx, tenant)
        fs = spec.field(field)
        if fs is None or not fs.searchable:
            searchable = [f.name for f in spec.fields if f.searchable]
            raise BadInput(
                f"'{field}' is not a searchable field of tenant '{tenant}' "
                f"(searchable: {', '.join(searchable) or 'none'})",
                field="field",
            )
        with transaction(inst.keys, read_only=True, tenant=tenant) as ktx:
            index_keys = keyring.keyset(inst, ktx, tenant, INDEX)
        try:
            digest = _digest(index_keys, spec, fs, canonical(fs.cls, value, spec.phone_region))
        except ValueError as exc:
            raise BadInput(f"{exc} (class {fs.cls})", field=field) from exc
        subjects = p.tx.column(
            "SELECT subject_id FROM blind_index WHERE tenant_id = ? AND field = ? AND digest = ? "
            "ORDER BY subject_id",
            (tenant, field, digest),
        )
        if subjects:
            p.disclose("record.get", Resource(tenant, tuple(subjects)))
        found = []
        for s in subjects:
            try:
                found.append(_masked(inst, spec, _load(p.tx, tenant, s)))
            except Erased:
                # An erasure whose data store failed after the key store committed: the
                # subject is unreadable and its index rows go when the erasure is run again;
                # meanwhile it must not fail every search that matches it.
                continue
        return found


def erase(
    inst: Instance,
    principal: Principal,
    tenant: str,
    subject: str,
    context: RequestContext | None = None,
) -> dict[str, object]:
    """Erase a subject for good: destroy its data key (every copy of its sealed values becomes
    unreadable, data-store backups included), shred the cards it holds or held that no other
    subject holds now, drop its rows, and empty SQLite's write-ahead logs of them.

    Raises NotFound, Erased (already erased).
    """
    resource = Resource.subject(tenant, subject)
    with door(inst, principal, "record.erase", resource, context=context) as p:
        require_tenant(inst, p.tx, tenant)
        try:
            _load(p.tx, tenant, subject)
        except NotFound:
            # No record, but maybe a key and tokens: a put whose data store failed after the
            # key store committed. Those are the subject's too, and are erased as well.
            with transaction(inst.keys, read_only=True, tenant=tenant) as ktx:
                if not keyring.has_data_key(ktx, tenant, subject):
                    raise
        stamp = now()
        p.tx.run("DELETE FROM records WHERE tenant_id = ? AND subject_id = ?", (tenant, subject))
        p.tx.run(
            "DELETE FROM blind_index WHERE tenant_id = ? AND subject_id = ?", (tenant, subject)
        )
        p.tx.run(
            "INSERT INTO erasures (tenant_id, subject_id, erased_at) VALUES (?, ?, ?)",
            (tenant, subject, stamp),
        )
        # The key store commits first: if the data store then failed to commit, the subject
        # would already be unreadable, which errs on the side the customer asked for.
        with transaction(inst.keys, tenant=tenant) as ktx:
            keyring.delete_data_key(ktx, tenant, subject)
            shredded = tokens.release(ktx, tenant, subject)
    # Committed; now out of SQLite's write-ahead logs too, where the pages the erasure
    # replaced (the wrapped key, the blind index) would otherwise linger.
    for store in (inst.keys, inst.data):
        if truncate_wal(store) is False:
            log.warning(
                "erasure in tenant '%s': a store's write-ahead log was busy and still holds "
                "the replaced pages until its next checkpoint",
                tenant,
            )
    return {"tenant": tenant, "id": subject, "erased_at": stamp, "tokens_shredded": shredded}
