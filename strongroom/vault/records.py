"""Customer records of a tenant: put, get (masked), reveal, find, erase.

Every value is sealed under its subject's data key, bound to tenant, subject and field.
Searchable fields also get a blind index (a keyed digest of the normalised value) and card
fields marked `tokenize` also keep their token. Each operation runs through the gate: its
audit entries are written in the transaction that reads or writes the data, before any value
leaves this module.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from strongroom.access import Principal, Resource, gate
from strongroom.audit import RequestContext
from strongroom.crypto import INDEX, Binding, DataKey, Keyset
from strongroom.errors import BadInput, Erased, NotFound
from strongroom.instance import Instance
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


def _chunks(items: Sequence[str]) -> list[Sequence[str]]:
    return [items[i : i + _CHUNK] for i in range(0, len(items), _CHUNK)]


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


def put(
    inst: Instance,
    principal: Principal,
    tenant: str,
    batch: Sequence[RawRecord],
    file: str | None = None,
    context: RequestContext | None = None,
) -> PutResult:
    """Store a batch atomically: all records or none.

    Raises BadInput naming the line and field of the first bad record, NotFound for an unknown
    tenant.
    """
    if not batch:
        raise BadInput("no records to put", file=file)
    resources = [Resource(tenant, r.subject, tuple(sorted(r.values))) for r in batch]
    with gate(inst.data, principal, "record.put", resources, context=context) as p:
        conn = p.conn
        spec = require_tenant(conn, tenant)
        clean = [(rec, _validate(spec, rec, file)) for rec in batch]
        subjects = [rec.subject for rec in batch]
        line_of = {rec.subject: rec.line for rec in batch}
        existing: set[str] = set()
        for chunk in _chunks(subjects):
            erased = (
                conn.execute(
                    select(erasures.c.subject_id).where(
                        erasures.c.tenant_id == tenant, erasures.c.subject_id.in_(chunk)
                    )
                )
                .scalars()
                .first()
            )
            if erased is not None:
                raise BadInput(
                    f"subject '{erased}' was erased and cannot be stored again",
                    file=file,
                    line=line_of[erased],
                    field="id",
                )
            existing.update(
                conn.execute(
                    select(records.c.subject_id).where(
                        records.c.tenant_id == tenant, records.c.subject_id.in_(chunk)
                    )
                ).scalars()
            )
        now = datetime.now(UTC)
        token_fields = [f for f in spec.fields if f.tokenize]
        refs: list[tuple[str, str]] = []
        toks: dict[str, dict[str, str]] = {}
        with transaction(inst.keys) as kconn:
            keys = keyring.data_keys(inst, kconn, tenant, [s for s in subjects if s in existing])
            keys.update(
                keyring.add_data_keys(
                    inst, kconn, tenant, [s for s in subjects if s not in existing]
                )
            )
            for rec, values in clean:
                toks[rec.subject] = {}
                for fs in token_fields:
                    if fs.name in values:
                        token = tokens.issue_token(inst, kconn, tenant, values[fs.name])
                        toks[rec.subject][fs.name] = token
                        refs.append((token, rec.subject))
            tokens.reference(kconn, tenant, refs)
            index_keys = keyring.keyset(inst, kconn, tenant, INDEX)
        searchable = [f for f in spec.fields if f.searchable]
        new_rows, upd_rows, index_rows = [], [], []
        for rec, values in clean:
            key = keys[rec.subject]
            sealed = {
                name: base64.b64encode(
                    key.seal(v.encode(), Binding(tenant, rec.subject, name))
                ).decode()
                for name, v in values.items()
            }
            row = {
                "tenant_id": tenant,
                "subject_id": rec.subject,
                "sealed": json.dumps(sealed),
                "tokens": json.dumps(toks[rec.subject]),
                "updated_at": now,
            }
            if rec.subject in existing:
                upd_rows.append(row)
            else:
                new_rows.append({**row, "created_at": now})
            for fs in searchable:
                if fs.name in values:
                    index_rows.append(
                        {
                            "tenant_id": tenant,
                            "field": fs.name,
                            "digest": _digest(index_keys, spec, fs, values[fs.name]),
                            "subject_id": rec.subject,
                        }
                    )
        if new_rows:
            conn.execute(insert(records), new_rows)
        for row in upd_rows:
            conn.execute(
                update(records)
                .where(records.c.tenant_id == tenant, records.c.subject_id == row["subject_id"])
                .values(sealed=row["sealed"], tokens=row["tokens"], updated_at=now)
            )
        if existing:
            for chunk in _chunks(sorted(existing)):
                conn.execute(
                    delete(blind_index).where(
                        blind_index.c.tenant_id == tenant, blind_index.c.subject_id.in_(chunk)
                    )
                )
        if index_rows:
            conn.execute(insert(blind_index), index_rows)
        return PutResult(tenant, len(new_rows), len(upd_rows))


def _load(conn: Connection, tenant: str, subject: str) -> Any:
    row = conn.execute(
        select(records).where(records.c.tenant_id == tenant, records.c.subject_id == subject)
    ).first()
    if row is not None:
        return row
    gone = conn.execute(
        select(erasures.c.erased_at).where(
            erasures.c.tenant_id == tenant, erasures.c.subject_id == subject
        )
    ).first()
    if gone is not None:
        raise Erased(
            f"subject '{subject}' of tenant '{tenant}' was erased on "
            f"{gone[0]:%Y-%m-%d}; its data can no longer be read"
        )
    raise NotFound(f"no record '{subject}' in tenant '{tenant}'")


def _masked(inst: Instance, spec: TenantSpec, row: Any) -> MaskedRecord:
    sealed: dict[str, str] = json.loads(row.sealed)
    with transaction(inst.keys) as kconn:
        key = keyring.data_key(inst, kconn, spec.tenant, row.subject_id)
        version = kconn.execute(
            select(subject_keys.c.key_version).where(
                subject_keys.c.tenant_id == spec.tenant, subject_keys.c.subject_id == row.subject_id
            )
        ).scalar_one()
    shown = {}
    for fs in spec.fields:
        if fs.name in sealed:
            plain = _open(key, spec.tenant, row.subject_id, fs.name, sealed[fs.name])
            shown[fs.name] = mask(fs.mask, plain)
    return MaskedRecord(
        spec.tenant,
        row.subject_id,
        shown,
        json.loads(row.tokens),
        int(version),
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
    with gate(inst.data, principal, "record.get", Resource(tenant, subject), context=context) as p:
        spec = require_tenant(p.conn, tenant)
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
    with gate(
        inst.data, principal, "record.reveal", Resource(tenant, subject, (field,)), purpose, context
    ) as p:
        spec = require_tenant(p.conn, tenant)
        if spec.field(field) is None:
            raise BadInput(f"tenant '{tenant}' has no field '{field}'", field="field")
        row = _load(p.conn, tenant, subject)
        sealed = json.loads(row.sealed)
        if field not in sealed:
            raise NotFound(f"record '{subject}' has no value for '{field}'")
        with transaction(inst.keys) as kconn:
            key = keyring.data_key(inst, kconn, tenant, subject)
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

    Each match is recorded as a view of that subject. Raises BadInput for a field that is not
    searchable or a value its class cannot have.
    """
    with gate(
        inst.data, principal, "record.find", Resource(tenant, None, (field,)), context=context
    ) as p:
        spec = require_tenant(p.conn, tenant)
        fs = spec.field(field)
        if fs is None or not fs.searchable:
            searchable = [f.name for f in spec.fields if f.searchable]
            raise BadInput(
                f"'{field}' is not a searchable field of tenant '{tenant}' "
                f"(searchable: {', '.join(searchable) or 'none'})",
                field="field",
            )
        with transaction(inst.keys) as kconn:
            index_keys = keyring.keyset(inst, kconn, tenant, INDEX)
        try:
            digest = _digest(index_keys, spec, fs, canonical(fs.cls, value, spec.phone_region))
        except ValueError as exc:
            raise BadInput(f"{exc} (class {fs.cls})", field=field) from exc
        subjects = list(
            p.conn.execute(
                select(blind_index.c.subject_id)
                .where(
                    blind_index.c.tenant_id == tenant,
                    blind_index.c.field == field,
                    blind_index.c.digest == digest,
                )
                .order_by(blind_index.c.subject_id)
            ).scalars()
        )
        p.disclose("record.get", [Resource(tenant, s) for s in subjects])
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
    with gate(
        inst.data, principal, "record.erase", Resource(tenant, subject), context=context
    ) as p:
        require_tenant(p.conn, tenant)
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
