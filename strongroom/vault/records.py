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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from strongroom.access import Principal, Resource, gate
from strongroom.audit import RequestContext
from strongroom.crypto import INDEX, Binding, DataKey, Keyset
from strongroom.errors import BadInput, Erased, NotFound
from strongroom.instance import Instance
from strongroom.store.bulk import insert_rows
from strongroom.store.engine import transaction
from strongroom.store.tables import blind_index, erasures, records, subject_keys
from strongroom.vault import keyring, tokens
from strongroom.vault.classes import canonical, index_form
from strongroom.vault.intake import RawRecord
from strongroom.vault.masking import mask
from strongroom.vault.spec import FieldSpec, TenantSpec
from strongroom.vault.tenants import require_tenant

_CHUNK = 500
DIGEST_SIZE = 16

_RECORD = select(records).where(
    records.c.tenant_id == bindparam("tenant"), records.c.subject_id == bindparam("subject")
)
_ERASED = select(erasures.c.erased_at).where(
    erasures.c.tenant_id == bindparam("tenant"), erasures.c.subject_id == bindparam("subject")
)
_ERASED_AMONG = select(erasures.c.subject_id).where(
    erasures.c.tenant_id == bindparam("tenant"),
    erasures.c.subject_id.in_(bindparam("subjects", expanding=True)),
)
_EXISTING = select(records.c.subject_id).where(
    records.c.tenant_id == bindparam("tenant"),
    records.c.subject_id.in_(bindparam("subjects", expanding=True)),
)
_RECORD_COLUMNS = ("tenant_id", "subject_id", "sealed", "tokens", "created_at", "updated_at")
_INDEX_COLUMNS = ("tenant_id", "field", "digest", "subject_id")
_UPDATE_RECORD = (
    update(records)
    .where(records.c.tenant_id == bindparam("tenant"), records.c.subject_id == bindparam("subject"))
    .values(sealed=bindparam("sealed"), tokens=bindparam("tokens"), updated_at=bindparam("now"))
)
_FIND = (
    select(blind_index.c.subject_id)
    .where(
        blind_index.c.tenant_id == bindparam("tenant"),
        blind_index.c.field == bindparam("field"),
        blind_index.c.digest == bindparam("digest"),
    )
    .order_by(blind_index.c.subject_id)
)


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
    created_at: datetime
    updated_at: datetime

    def to_dict(self) -> dict[str, object]:
        return {
            "tenant": self.tenant,
            "id": self.subject,
            "fields": self.fields,
            "tokens": self.tokens,
            "key_version": self.key_version,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
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
    return json.dumps(
        {
            name: base64.b64encode(key.seal(v.encode(), Binding(tenant, subject, name))).decode(
                "ascii"
            )
            for name, v in values.items()
        }
    )


def put(
    inst: Instance,
    principal: Principal,
    tenant: str,
    batch: Sequence[RawRecord],
    file: str | None = None,
    context: RequestContext | None = None,
) -> PutResult:
    """Store a batch atomically: all records or none. A record whose id exists replaces it.

    One operation, one ledger entry naming every subject and field of the batch. Raises
    BadInput naming the line and field of the first bad record, NotFound for an unknown tenant.
    """
    if not batch:
        raise BadInput("no records to put", file=file)
    subjects = [rec.subject for rec in batch]
    fields = tuple(sorted({name for rec in batch for name in rec.values}))
    resource = Resource(tenant, tuple(subjects), fields)
    with gate(inst.data, principal, "record.put", resource, context=context) as p:
        conn = p.conn
        spec = require_tenant(inst, conn, tenant)
        clean = [(rec, _validate(spec, rec, file)) for rec in batch]
        line_of = {rec.subject: rec.line for rec in batch}
        existing: set[str] = set()
        for chunk in _chunks(subjects):
            erased = conn.execute(_ERASED_AMONG, {"tenant": tenant, "subjects": chunk}).first()
            if erased is not None:
                raise BadInput(
                    f"subject '{erased[0]}' was erased and cannot be stored again",
                    file=file,
                    line=line_of[erased[0]],
                    field="id",
                )
            existing.update(
                conn.execute(_EXISTING, {"tenant": tenant, "subjects": chunk}).scalars()
            )
        token_fields = [f.name for f in spec.fields if f.tokenize]
        searchable = [f for f in spec.fields if f.searchable]
        with transaction(inst.keys) as kconn:
            keys = keyring.data_keys(inst, kconn, tenant, [s for s in subjects if s in existing])
            keys.update(
                keyring.add_data_keys(
                    inst, kconn, tenant, [s for s in subjects if s not in existing]
                )
            )
            cards = {values[f] for _, values in clean for f in token_fields if f in values}
            token_of = tokens.issue_tokens(inst, kconn, tenant, cards) if cards else {}
            held = {
                rec.subject: {f: token_of[values[f]] for f in token_fields if f in values}
                for rec, values in clean
            }
            tokens.reference(
                kconn, tenant, [(t, s) for s, toks in held.items() for t in toks.values()]
            )
            index_keys = keyring.keyset(inst, kconn, tenant, INDEX)
        now = datetime.now(UTC)
        new_rows: list[tuple[Any, ...]] = []
        upd_rows: list[dict[str, Any]] = []
        index_rows: list[tuple[Any, ...]] = []
        for rec, values in clean:
            subject = rec.subject
            sealed = _seal(keys[subject][0], tenant, subject, values)
            held_json = json.dumps(held[subject])
            if subject in existing:
                upd_rows.append(
                    {
                        "tenant": tenant,
                        "subject": subject,
                        "sealed": sealed,
                        "tokens": held_json,
                        "now": now,
                    }
                )
            else:
                new_rows.append((tenant, subject, sealed, held_json, now, now))
            index_rows += [
                (tenant, fs.name, _digest(index_keys, spec, fs, values[fs.name]), subject)
                for fs in searchable
                if fs.name in values
            ]
        insert_rows(conn, records, _RECORD_COLUMNS, new_rows)
        if upd_rows:
            conn.execute(_UPDATE_RECORD, upd_rows)
            for chunk in _chunks(sorted(existing)):
                conn.execute(
                    delete(blind_index).where(
                        blind_index.c.tenant_id == tenant, blind_index.c.subject_id.in_(chunk)
                    )
                )
        insert_rows(conn, blind_index, _INDEX_COLUMNS, index_rows)
        return PutResult(tenant, len(new_rows), len(upd_rows))


def _load(conn: Connection, tenant: str, subject: str) -> Any:
    row = conn.execute(_RECORD, {"tenant": tenant, "subject": subject}).first()
    if row is not None:
        return row
    gone = conn.execute(_ERASED, {"tenant": tenant, "subject": subject}).first()
    if gone is not None:
        raise Erased(
            f"subject '{subject}' of tenant '{tenant}' was erased on "
            f"{gone[0]:%Y-%m-%d}; its data can no longer be read"
        )
    raise NotFound(f"no record '{subject}' in tenant '{tenant}'")


def _subject_key(inst: Instance, tenant: str, subject: str) -> tuple[DataKey, int]:
    with transaction(inst.keys, read_only=True) as kconn:
        return keyring.data_key(inst, kconn, tenant, subject)


def _masked(inst: Instance, spec: TenantSpec, row: Any) -> MaskedRecord:
    sealed: dict[str, str] = json.loads(row.sealed)
    key, version = _subject_key(inst, spec.tenant, row.subject_id)
    shown = {
        fs.name: mask(fs.mask, _open(key, spec.tenant, row.subject_id, fs.name, sealed[fs.name]))
        for fs in spec.fields
        if fs.name in sealed
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
    with gate(inst.data, principal, "record.get", resource, context=context) as p:
        spec = require_tenant(inst, p.conn, tenant)
        return _masked(inst, spec, _load(p.conn, tenant, subject))


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
    with gate(inst.data, principal, "record.reveal", resource, purpose, context) as p:
        spec = require_tenant(inst, p.conn, tenant)
        if spec.field(field) is None:
            raise BadInput(f"tenant '{tenant}' has no field '{field}'", field="field")
        sealed = json.loads(_load(p.conn, tenant, subject).sealed)
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
    with gate(inst.data, principal, "record.find", resource, context=context) as p:
        spec = require_tenant(inst, p.conn, tenant)
        fs = spec.field(field)
        if fs is None or not fs.searchable:
            searchable = [f.name for f in spec.fields if f.searchable]
            raise BadInput(
                f"'{field}' is not a searchable field of tenant '{tenant}' "
                f"(searchable: {', '.join(searchable) or 'none'})",
                field="field",
            )
        with transaction(inst.keys, read_only=True) as kconn:
            index_keys = keyring.keyset(inst, kconn, tenant, INDEX)
        try:
            digest = _digest(index_keys, spec, fs, canonical(fs.cls, value, spec.phone_region))
        except ValueError as exc:
            raise BadInput(f"{exc} (class {fs.cls})", field=field) from exc
        subjects = list(
            p.conn.execute(_FIND, {"tenant": tenant, "field": field, "digest": digest}).scalars()
        )
        if subjects:
            p.disclose("record.get", Resource(tenant, tuple(subjects)))
        return [_masked(inst, spec, _load(p.conn, tenant, s)) for s in subjects]


def erase(
    inst: Instance,
    principal: Principal,
    tenant: str,
    subject: str,
    context: RequestContext | None = None,
) -> dict[str, object]:
    """Erase a subject for good: destroy its data key (every copy of its sealed values becomes
    unreadable, backups included), shred card tokens only it held, and drop its rows.

    Raises NotFound, Erased (already erased).
    """
    resource = Resource.subject(tenant, subject)
    with gate(inst.data, principal, "record.erase", resource, context=context) as p:
        require_tenant(inst, p.conn, tenant)
        _load(p.conn, tenant, subject)
        now = datetime.now(UTC)
        p.conn.execute(
            delete(records).where(records.c.tenant_id == tenant, records.c.subject_id == subject)
        )
        p.conn.execute(
            delete(blind_index).where(
                blind_index.c.tenant_id == tenant, blind_index.c.subject_id == subject
            )
        )
        p.conn.execute(insert(erasures).values(tenant_id=tenant, subject_id=subject, erased_at=now))
        # The key store commits first: if the data store then failed to commit, the subject
        # would already be unreadable, which errs on the side the customer asked for.
        with transaction(inst.keys) as kconn:
            kconn.execute(
                delete(subject_keys).where(
                    subject_keys.c.tenant_id == tenant, subject_keys.c.subject_id == subject
                )
            )
            shredded = tokens.release(kconn, tenant, subject)
        return {
            "tenant": tenant,
            "id": subject,
            "erased_at": now.isoformat(),
            "tokens_shredded": shredded,
        }
