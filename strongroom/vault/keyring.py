"""A tenant's keysets and its subjects' data keys, fetched from the key store.

Tenant keysets are unwrapped by the root-key provider once per process and cached on the
instance; subject data keys are unwrapped per use. Only `vault/` uses this module: it is the
one place above `crypto/` that holds unwrapped keys.
"""

from __future__ import annotations

from collections.abc import Sequence

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
from strongroom.store.engine import Tx, marks, now

_CHUNK = 500


def create_keysets(inst: Instance, tx: Tx, tenant: str) -> None:
    stamp = now()
    for purpose in PURPOSES:
        ks = new_keyset(purpose)
        tx.run(
            "INSERT INTO tenant_keysets (tenant_id, purpose, wrapped, provider, updated_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (tenant, purpose, wrap_keyset(ks, inst.provider, tenant), inst.provider.name, stamp),
        )
        inst.keysets[(tenant, purpose)] = ks


def store_keyset(inst: Instance, tx: Tx, tenant: str, ks: Keyset) -> None:
    tx.run(
        "UPDATE tenant_keysets SET wrapped = ?, provider = ?, updated_at = ? "
        "WHERE tenant_id = ? AND purpose = ?",
        (wrap_keyset(ks, inst.provider, tenant), inst.provider.name, now(), tenant, ks.purpose),
    )
    inst.keysets[(tenant, ks.purpose)] = ks


def keyset(inst: Instance, tx: Tx, tenant: str, purpose: str) -> Keyset:
    """Raises KeyUnavailable when the tenant has no keyset or it does not unwrap."""
    cached = inst.keysets.get((tenant, purpose))
    if cached is not None:
        return cached
    row = tx.one(
        "SELECT wrapped FROM tenant_keysets WHERE tenant_id = ? AND purpose = ?", (tenant, purpose)
    )
    if row is None:
        raise KeyUnavailable(f"tenant '{tenant}' has no {purpose} keyset in the key store")
    ks = unwrap_keyset(bytes(row[0]), inst.provider, tenant, purpose)
    inst.keysets[(tenant, purpose)] = ks
    return ks


def data_keys(
    inst: Instance, tx: Tx, tenant: str, subjects: Sequence[str]
) -> dict[str, tuple[DataKey, int]]:
    """Existing data keys of these subjects with the tenant key version that wraps each
    (absent subjects are left out)."""
    if not subjects:
        return {}
    ks = keyset(inst, tx, tenant, DATA)
    out: dict[str, tuple[DataKey, int]] = {}
    for start in range(0, len(subjects), _CHUNK):
        chunk = list(subjects[start : start + _CHUNK])
        rows = tx.all(
            "SELECT subject_id, wrapped, key_version FROM subject_keys "
            f"WHERE tenant_id = ? AND subject_id IN ({marks(len(chunk))})",
            (tenant, *chunk),
        )
        for subject, wrapped, version in rows:
            out[subject] = (DataKey.unwrap(bytes(wrapped), ks, tenant, subject), int(version))
    return out


def data_key(inst: Instance, tx: Tx, tenant: str, subject: str) -> tuple[DataKey, int]:
    """Raises Erased when the key is gone: a stored subject without a key has been shredded."""
    found = tx.one(
        "SELECT wrapped, key_version FROM subject_keys WHERE tenant_id = ? AND subject_id = ?",
        (tenant, subject),
    )
    if found is None:
        raise Erased(
            f"subject '{subject}' of tenant '{tenant}' has no data key: erased or never stored"
        )
    ks = keyset(inst, tx, tenant, DATA)
    return DataKey.unwrap(bytes(found[0]), ks, tenant, subject), int(found[1])


def add_data_keys(
    inst: Instance, tx: Tx, tenant: str, subjects: Sequence[str]
) -> dict[str, tuple[DataKey, int]]:
    """New data keys for these subjects, wrapped under the tenant's primary key version."""
    ks = keyset(inst, tx, tenant, DATA)
    stamp = now()
    version = ks.primary_version
    keys = {s: DataKey.generate() for s in subjects}
    tx.many(
        "INSERT INTO subject_keys (tenant_id, subject_id, wrapped, key_version, created_at) "
        "VALUES (?, ?, ?, ?, ?)",
        [(tenant, s, k.wrap(ks, tenant, s), version, stamp) for s, k in keys.items()],
    )
    return {s: (k, version) for s, k in keys.items()}


def delete_data_key(tx: Tx, tenant: str, subject: str) -> None:
    tx.run("DELETE FROM subject_keys WHERE tenant_id = ? AND subject_id = ?", (tenant, subject))


def wrapped_data_keys(tx: Tx, tenant: str) -> list[tuple[str, bytes]]:
    rows = tx.all("SELECT subject_id, wrapped FROM subject_keys WHERE tenant_id = ?", (tenant,))
    return [(str(s), bytes(w)) for s, w in rows]


def rewrap_data_key(tx: Tx, tenant: str, subject: str, wrapped: bytes, version: int) -> None:
    tx.run(
        "UPDATE subject_keys SET wrapped = ?, key_version = ? "
        "WHERE tenant_id = ? AND subject_id = ?",
        (wrapped, version, tenant, subject),
    )
