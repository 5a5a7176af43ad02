"""A tenant's keysets and its subjects' data keys, fetched from the key store.

Tenant keysets are unwrapped by the root-key provider once per process and cached on the
instance; subject data keys are unwrapped per use. Only `vault/` uses this module: it is the
one place above `crypto/` that holds unwrapped keys.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Connection, bindparam, insert, select, update

from strongroom.crypto import (
    DATA,
    PURPOSES,
    DataKey,
    Keyset,
    new_keyset,
    unwrap_keyset,
    wrap_keyset,
)
from strongroom.errors import Erased, KeyUnavailable
from strongroom.instance import Instance
from strongroom.store.bulk import insert_rows
from strongroom.store.tables import subject_keys, tenant_keysets


def create_keysets(inst: Instance, conn: Connection, tenant: str) -> None:
    now = datetime.now(UTC)
    for purpose in PURPOSES:
        ks = new_keyset(purpose)
        conn.execute(
            insert(tenant_keysets).values(
                tenant_id=tenant,
                purpose=purpose,
                wrapped=wrap_keyset(ks, inst.provider, tenant),
                provider=inst.provider.name,
                updated_at=now,
            )
        )
        inst.keysets[(tenant, purpose)] = ks


def store_keyset(inst: Instance, conn: Connection, tenant: str, ks: Keyset) -> None:
    conn.execute(
        update(tenant_keysets)
        .where(tenant_keysets.c.tenant_id == tenant, tenant_keysets.c.purpose == ks.purpose)
        .values(
            wrapped=wrap_keyset(ks, inst.provider, tenant),
            provider=inst.provider.name,
            updated_at=datetime.now(UTC),
        )
    )
    inst.keysets[(tenant, ks.purpose)] = ks


def keyset(inst: Instance, conn: Connection, tenant: str, purpose: str) -> Keyset:
    """Raises KeyUnavailable when the tenant has no keyset or it does not unwrap."""
    cached = inst.keysets.get((tenant, purpose))
    if cached is not None:
        return cached
    row = conn.execute(
        select(tenant_keysets.c.wrapped).where(
            tenant_keysets.c.tenant_id == tenant, tenant_keysets.c.purpose == purpose
        )
    ).first()
    if row is None:
        raise KeyUnavailable(f"tenant '{tenant}' has no {purpose} keyset in the key store")
    ks = unwrap_keyset(row[0], inst.provider, tenant, purpose)
    inst.keysets[(tenant, purpose)] = ks
    return ks


_SUBJECT_KEYS = select(
    subject_keys.c.subject_id, subject_keys.c.wrapped, subject_keys.c.key_version
).where(
    subject_keys.c.tenant_id == bindparam("tenant"),
    subject_keys.c.subject_id.in_(bindparam("subjects", expanding=True)),
)
_SUBJECT_KEY = select(subject_keys.c.wrapped, subject_keys.c.key_version).where(
    subject_keys.c.tenant_id == bindparam("tenant"),
    subject_keys.c.subject_id == bindparam("subject"),
)
_CHUNK = 500


def data_keys(
    inst: Instance, conn: Connection, tenant: str, subjects: Sequence[str]
) -> dict[str, tuple[DataKey, int]]:
    """Existing data keys of these subjects with the tenant key version that wraps each
    (absent subjects are left out)."""
    if not subjects:
        return {}
    ks = keyset(inst, conn, tenant, DATA)
    out: dict[str, tuple[DataKey, int]] = {}
    for start in range(0, len(subjects), _CHUNK):
        rows = conn.execute(
            _SUBJECT_KEYS, {"tenant": tenant, "subjects": list(subjects[start : start + _CHUNK])}
        )
        for subject, wrapped, version in rows:
            out[subject] = (DataKey.unwrap(wrapped, ks, tenant, subject), int(version))
    return out


def data_key(inst: Instance, conn: Connection, tenant: str, subject: str) -> tuple[DataKey, int]:
    """Raises Erased when the key is gone: a stored subject without a key has been shredded."""
    found = conn.execute(_SUBJECT_KEY, {"tenant": tenant, "subject": subject}).first()
    if found is None:
        raise Erased(
            f"subject '{subject}' of tenant '{tenant}' has no data key: erased or never stored"
        )
    ks = keyset(inst, conn, tenant, DATA)
    return DataKey.unwrap(found[0], ks, tenant, subject), int(found[1])


def add_data_keys(
    inst: Instance, conn: Connection, tenant: str, subjects: Sequence[str]
) -> dict[str, tuple[DataKey, int]]:
    """New data keys for these subjects, wrapped under the tenant's primary key version."""
    ks = keyset(inst, conn, tenant, DATA)
    now = datetime.now(UTC)
    version = ks.primary_version
    keys = {s: DataKey.generate() for s in subjects}
    insert_rows(
        conn,
        subject_keys,
        ("tenant_id", "subject_id", "wrapped", "key_version", "created_at"),
        [(tenant, s, k.wrap(ks, tenant, s), version, now) for s, k in keys.items()],
    )
    return {s: (k, version) for s, k in keys.items()}
