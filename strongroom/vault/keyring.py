"""A tenant's keysets and its subjects' data keys, fetched from the key store.

Tenant keysets are unwrapped by the root-key provider once per process and cached on the
instance, beside the wrapped copy they came from; subject data keys are unwrapped per use.
Another process (`strongroom keys rotate` beside a running `serve`) may rotate a keyset after
this one cached it, so the cache is checked against the key store where it matters: what is
wrapped or sealed anew uses the stored keyset's primary version (`current=True`), and what
does not open under the cached copy is tried once more under the stored one (`opening`).
Only `vault/` uses this module: it is the one place above `crypto/` that holds unwrapped keys.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal, TypeVar

from strongroom.crypto import (
    DATA,
    PURPOSES,
    DataKey,
    Keyset,
    new_keyset,
    rewrap_keyset,
    unwrap_keyset,
    wrap_keyset,
)
from strongroom.errors import Erased, KeyUnavailable
from strongroom.instance import Instance
from strongroom.store.engine import ROOT_KEY_LOCK, Tx, hold, marks, now

_CHUNK = 500
_KEYSET = "SELECT wrapped FROM tenant_keysets WHERE tenant_id = ? AND purpose = ?"

T = TypeVar("T")


def create_keysets(inst: Instance, tx: Tx, tenant: str) -> None:
    hold(tx, ROOT_KEY_LOCK, shared=True)  # wrapped under the root key a rotation leaves
    stamp = now()
    for purpose in PURPOSES:
        ks = new_keyset(purpose)
        tx.run(
            "INSERT INTO tenant_keysets (tenant_id, purpose, wrapped, provider, updated_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (tenant, purpose, wrap_keyset(ks, inst.provider, tenant), inst.provider.name, stamp),
        )
        # Not cached here: until the transaction commits, the store does not hold them.
        inst.keysets.pop((tenant, purpose), None)


def store_keyset(inst: Instance, tx: Tx, tenant: str, ks: Keyset) -> None:
    hold(tx, ROOT_KEY_LOCK, shared=True)  # wrapped under the root key a rotation leaves
    tx.run(
        "UPDATE tenant_keysets SET wrapped = ?, provider = ?, updated_at = ? "
        "WHERE tenant_id = ? AND purpose = ?",
        (wrap_keyset(ks, inst.provider, tenant), inst.provider.name, now(), tenant, ks.purpose),
    )
    # Dropped rather than replaced: should the commit fail, the next use reads what the
    # store still holds instead of wrapping keys under a version that was never stored.
    inst.keysets.pop((tenant, ks.purpose), None)


def keyset(
    inst: Instance,
    tx: Tx,
    tenant: str,
    purpose: str,
    *,
    current: bool = False,
    lock: Literal["share", "update"] | None = None,
) -> Keyset:
    """The process's cached copy, or with `current` the key store's (unwrapped again only
    when it differs from the cached one). `lock` also locks the stored row until the
    transaction ends (PostgreSQL; SQLite's writer already holds its one lock): "update" for
    a rotation, so that two cannot both start from the same keyset; "share" for what wraps
    under the primary version, so that a rotation which retires that version waits for it
    to commit (and re-wraps it), or it waits for the rotation and wraps under the new one.

    Raises KeyUnavailable when the tenant has no keyset or it does not unwrap.
    """
    cached = inst.keysets.get((tenant, purpose))
    if cached is not None and not current and lock is None:
        return cached[1]
    clause = f" FOR {lock.upper()}" if lock is not None and tx.dialect == "postgresql" else ""
    row = tx.one(_KEYSET + clause, (tenant, purpose))
    if row is None:
        raise KeyUnavailable(f"tenant '{tenant}' has no {purpose} keyset in the key store")
    wrapped = bytes(row[0])
    if cached is not None and cached[0] == wrapped:
        return cached[1]
    ks = unwrap_keyset(wrapped, inst.provider, tenant, purpose)
    inst.keysets[(tenant, purpose)] = (wrapped, ks)
    return ks


def rewrap_keysets(inst: Instance, tx: Tx, tenant: str, *, write: bool = True) -> int:
    """Wrap the tenant's keysets again under the staged root key (`rotate_root`); how many
    were not under it yet. With `write` False, only counts them. Raises KeyUnavailable."""
    lock = " FOR UPDATE" if write and tx.dialect == "postgresql" else ""
    rows = tx.all(
        f"SELECT purpose, wrapped FROM tenant_keysets WHERE tenant_id = ?{lock}", (tenant,)
    )
    moved = 0
    for purpose, wrapped in rows:
        fresh = rewrap_keyset(bytes(wrapped), inst.provider, tenant, str(purpose))
        if fresh is None:
            continue
        moved += 1
        if write:
            tx.run(
                "UPDATE tenant_keysets SET wrapped = ?, provider = ?, updated_at = ? "
                "WHERE tenant_id = ? AND purpose = ?",
                (fresh, inst.provider.name, now(), tenant, purpose),
            )
            inst.keysets.pop((tenant, str(purpose)), None)
    return moved


def opening(inst: Instance, tx: Tx, tenant: str, purpose: str, open_: Callable[[Keyset], T]) -> T:
    """`open_` under the cached keyset, and if that raises KeyUnavailable, once more under the
    key store's when it differs: another process rotated and re-wrapped since this one cached
    it. Without this, a running server answered 503 for every rewrapped key until restarted."""
    ks = keyset(inst, tx, tenant, purpose)
    try:
        return open_(ks)
    except KeyUnavailable:
        stored = keyset(inst, tx, tenant, purpose, current=True)
        if stored is ks:
            raise
        return open_(stored)


def data_keys(
    inst: Instance, tx: Tx, tenant: str, subjects: Sequence[str]
) -> dict[str, tuple[DataKey, int]]:
    """Existing data keys of these subjects with the tenant key version that wraps each
    (absent subjects are left out)."""
    if not subjects:
        return {}
    out: dict[str, tuple[DataKey, int]] = {}
    for start in range(0, len(subjects), _CHUNK):
        chunk = list(subjects[start : start + _CHUNK])
        rows = tx.all(
            "SELECT subject_id, wrapped, key_version FROM subject_keys "
            f"WHERE tenant_id = ? AND subject_id IN ({marks(len(chunk))})",
            (tenant, *chunk),
        )
        for subject, wrapped, version in rows:
            out[subject] = (_unwrap(inst, tx, tenant, subject, bytes(wrapped)), int(version))
    return out


def _unwrap(inst: Instance, tx: Tx, tenant: str, subject: str, wrapped: bytes) -> DataKey:
    return opening(inst, tx, tenant, DATA, lambda ks: DataKey.unwrap(wrapped, ks, tenant, subject))


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
    return _unwrap(inst, tx, tenant, subject, bytes(found[0])), int(found[1])


def add_data_keys(
    inst: Instance, tx: Tx, tenant: str, subjects: Sequence[str]
) -> dict[str, tuple[DataKey, int]]:
    """New data keys for these subjects, wrapped under the tenant's primary key version (the
    stored keyset's, share-locked: a rotation by another process counts from the moment it
    committed, and one that retires old versions waits for these keys)."""
    if not subjects:  # a put of known subjects only: no keyset read from the store
        return {}
    ks = keyset(inst, tx, tenant, DATA, current=True, lock="share")
    stamp = now()
    version = ks.primary_version
    keys = {s: DataKey.generate() for s in subjects}
    tx.many(
        "INSERT INTO subject_keys (tenant_id, subject_id, wrapped, key_version, created_at) "
        "VALUES (?, ?, ?, ?, ?)",
        [(tenant, s, k.wrap(ks, tenant, s), version, stamp) for s, k in keys.items()],
    )
    return {s: (k, version) for s, k in keys.items()}


def has_data_key(tx: Tx, tenant: str, subject: str) -> bool:
    """Whether the key store holds a key for the subject (nothing is unwrapped)."""
    return (
        tx.one(
            "SELECT 1 FROM subject_keys WHERE tenant_id = ? AND subject_id = ?", (tenant, subject)
        )
        is not None
    )


def delete_data_key(tx: Tx, tenant: str, subject: str) -> None:
    tx.run("DELETE FROM subject_keys WHERE tenant_id = ? AND subject_id = ?", (tenant, subject))


def wrapped_data_keys(tx: Tx, tenant: str) -> list[tuple[str, bytes]]:
    rows = tx.all("SELECT subject_id, wrapped FROM subject_keys WHERE tenant_id = ?", (tenant,))
    return [(str(s), bytes(w)) for s, w in rows]


def keys_not_under(tx: Tx, tenant: str, version: int) -> int:
    """How many of the tenant's subject keys are wrapped under another version."""
    sql = "SELECT count(*) FROM subject_keys WHERE tenant_id = ? AND key_version <> ?"
    return int(tx.column(sql, (tenant, version))[0])


def rewrap_data_keys(tx: Tx, tenant: str, version: int, rows: Sequence[tuple[str, bytes]]) -> None:
    """Store each subject's key as wrapped again under `version`."""
    tx.many(
        "UPDATE subject_keys SET wrapped = ?, key_version = ? "
        "WHERE tenant_id = ? AND subject_id = ?",
        [(wrapped, version, tenant, subject) for subject, wrapped in rows],
    )
