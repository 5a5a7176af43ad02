"""Key rotation: a tenant's `data` keyset (`rotate`), and the instance's root key (`rotate_root`).

`rotate` adds a new version to the tenant's `data` keyset and makes it primary: every new
subject key is wrapped under it from then on, while older versions stay to open what they
wrapped. With `rewrap`, every subject data key and token-vault entry of the tenant is opened
under its old version and wrapped again under the new one; with `retire`, the older versions
are then destroyed. Customer values themselves are not re-encrypted: they are sealed under
subject data keys, which rotation re-wraps rather than replaces.

`rotate_root` replaces the root key and destroys the old one: the end of its cryptoperiod,
and of every copy of the key store taken before, for whoever holds such a copy without the
live key store (their keysets are wrapped under a key that no longer exists). It does not
replace the tenant keysets, only wraps them again: whoever holds an old copy *and* the live
key store with its root key (the instance itself) can still open an erased subject's key
from the copy, unless `rotate(retire=True)` ran for the tenant first and destroyed the
versions that wrapped it. Both, in that order, make erasures final against older copies.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from strongroom.access import Principal, Resource
from strongroom.access.passwords import rewrap_totp_secrets
from strongroom.audit.signer import rewrap_signers
from strongroom.crypto import DATA, DataKey, Keyset
from strongroom.crypto import retire as retire_versions
from strongroom.crypto import rotate as rotate_keyset
from strongroom.errors import Conflict
from strongroom.instance import Instance
from strongroom.store.engine import (
    ROOT_KEY_LOCK,
    Tx,
    hold,
    make_durable,
    transaction,
    truncate_wal,
)
from strongroom.vault import keyring, tokens
from strongroom.vault.door import door
from strongroom.vault.tenants import require_tenant

Progress = Callable[[int, int], None]
log = logging.getLogger(__name__)
_CHUNK = 500


@dataclass(frozen=True)
class Rotation:
    tenant: str
    old_version: int
    new_version: int
    rewrapped_subject_keys: int
    rewrapped_tokens: int
    retired_versions: tuple[int, ...]  # destroyed by this rotation

    def to_dict(self) -> dict[str, object]:
        return {**self.__dict__, "retired_versions": list(self.retired_versions)}


def rotate(
    inst: Instance,
    principal: Principal,
    tenant: str,
    rewrap: bool = False,
    progress: Progress | None = None,
    *,
    retire: bool = False,
) -> Rotation:
    """Add a version to the tenant's `data` keyset and make it primary. With `rewrap`, wrap
    every subject key and token-vault entry again under it. With `retire` (which re-wraps),
    then destroy every other version, in the same key-store transaction: an erased subject's
    key in an older copy of the key store no longer opens under the live keyset. (The copy's
    own keyset still opens it while the root key that wraps that keyset lives: `rotate_root`
    afterwards ends that.) The ledger entry names the new version and the versions retired.

    What it reads is what every earlier writer committed: gated operations run one at a time
    (the door holds the ledger's lock), and within the key store whatever wraps under the
    primary share-locks the keyset row (`keyring.keyset`) while this locks it for update
    before reading a key (PostgreSQL, READ COMMITTED; SQLite has one writer). A writer
    either committed first (its keys are re-wrapped here) or waits and wraps under the new
    version. A retirement then checks that no subject key or token entry was left behind.

    Raises NotFound for an unknown tenant, KeyUnavailable if a wrapped key does not open,
    Conflict if a key or entry is still under an old version after the re-wrap, or the
    keyset changed since the entry was planned (nothing is changed).
    """
    rewrap = rewrap or retire

    def plan(tx: Tx) -> dict[str, object]:
        require_tenant(inst, tx, tenant)
        with transaction(inst.keys, tenant=tenant, read_only=True) as ktx:
            version, retires = _intent(
                keyring.keyset(inst, ktx, tenant, DATA, current=True), retire
            )
        return {"version": version, "retires": retires}

    details = {"rewrap": rewrap, "retire": retire}
    with door(inst, principal, "keys.rotate", Resource(tenant), details=details, plan=plan) as p:
        planned = p.attempt.details or {}
        with transaction(inst.keys, tenant=tenant) as ktx:
            # The stored keyset, locked: a copy cached before another process rotated would
            # drop that rotation's version, and every key it re-wrapped with it.
            old = keyring.keyset(inst, ktx, tenant, DATA, current=True, lock="update")
            version, retires = _intent(old, retire)
            if (planned.get("version"), planned.get("retires")) != (version, retires):
                raise Conflict(
                    f"tenant '{tenant}''s keyset changed while the rotation was being recorded; "
                    "nothing was changed: run it again"
                )
            new = rotate_keyset(old)
            subjects = sealed_tokens = 0
            if rewrap:
                subjects = _rewrap_subject_keys(ktx, tenant, new, progress)
                sealed_tokens = _reseal_token_entries(ktx, tenant, new)
            if retire:
                left = keyring.keys_not_under(ktx, tenant, new.primary_version)
                left += _entries_not_under(ktx, tenant, new)
                if left:
                    raise Conflict(
                        f"{left} subject key(s) or token(s) of tenant '{tenant}' are still under "
                        "an old version after the re-wrap; nothing was retired: run it again"
                    )
                new = retire_versions(new)
            keyring.store_keyset(inst, ktx, tenant, new)
    # Committed; now out of SQLite's write-ahead log too, where the pages of the keyset
    # before (its retired versions, under the live root key) would otherwise linger.
    if retire and truncate_wal(inst.keys) is False:
        log.warning(
            "key retirement in tenant '%s': the key store's write-ahead log was busy and still "
            "holds the keyset before until its next checkpoint",
            tenant,
        )
    return Rotation(
        tenant,
        old.primary_version,
        new.primary_version,
        subjects,
        sealed_tokens,
        tuple(retires),
    )


def _intent(ks: Keyset, retire: bool) -> tuple[int, list[int]]:
    """What rotating `ks` does, as its ledger entry records it: the new version, and with
    `retire` the versions destroyed (every one whose key `ks` still holds)."""
    held = [v for v in range(1, ks.versions + 1) if v not in ks.retired_versions]
    return ks.versions + 1, held if retire else []


def _rewrap_subject_keys(ktx: Tx, tenant: str, new: Keyset, progress: Progress | None) -> int:
    wrapped = keyring.wrapped_data_keys(ktx, tenant)
    for start in range(0, len(wrapped), _CHUNK):  # one executemany a chunk: no round trip a key
        chunk = wrapped[start : start + _CHUNK]
        rows = [(s, DataKey.unwrap(blob, new, tenant, s).wrap(new, tenant, s)) for s, blob in chunk]
        keyring.rewrap_data_keys(ktx, tenant, new.primary_version, rows)
        if progress:
            progress(start + len(chunk), len(wrapped))
    return len(wrapped)


def _entries_not_under(ktx: Tx, tenant: str, ks: Keyset) -> int:
    """How many token-vault entries a key other than `ks`'s primary sealed."""
    primary = ks.primary_version
    return sum(ks.version_of(sealed) != primary for _, sealed in tokens.all_entries(ktx, tenant))


def _reseal_token_entries(ktx: Tx, tenant: str, new: Keyset) -> int:
    entries = tokens.all_entries(ktx, tenant)
    resealed = []
    for token, sealed in entries:
        context = tokens.entry_binding(tenant, token)
        resealed.append((token, new.seal(new.unseal(sealed, context), context)))
    tokens.reseal_entries(ktx, tenant, resealed)
    return len(entries)


@dataclass(frozen=True)
class RootRotation:
    provider: str
    resumed: bool  # a successor staged by a rotation cut short was taken up
    tenants: int
    keysets: int
    totp_secrets: int
    signing_keys: int

    def to_dict(self) -> dict[str, object]:
        return {**self.__dict__, "retired": True}


def rotate_root(inst: Instance, principal: Principal) -> RootRotation:
    """Stage a successor root key, wrap every secret the root key wraps again under it (tenant
    keysets, TOTP secrets, the key-file checkpoint key), then destroy the old key.

    Every wrap elsewhere happens under a lock this takes first: an enrolment seals its TOTP
    secret in its door, which this door's transaction excludes; tenant keysets and checkpoint
    keys are wrapped holding `ROOT_KEY_LOCK` shared, which the key-store barrier below takes
    alone. So a writer either committed before the sweep (and is swept) or wraps after the
    successor was staged (and wraps under it). The sweep is then made durable, and a second
    door (two ledger entries: `step` rewrap, then retire) checks every secret under the
    successor alone, holding the same locks, before the old key is destroyed.

    A rotation cut short leaves the successor staged: both keys open everything, new secrets
    go under the successor, and running it again finishes. Raises Conflict when a secret
    still needs the old key after the sweep (nothing is destroyed; run it again),
    KeyUnavailable when a secret opens under neither key, StoreUnavailable, Denied.
    """
    provider = inst.provider
    rewrap = {"provider": provider.name, "step": "rewrap"}
    with door(inst, principal, "keys.rotate-root", Resource(None), details=rewrap) as p:
        resumed = provider.stage()
        with transaction(inst.keys) as ktx:
            hold(ktx, ROOT_KEY_LOCK)  # waits for every key-store wrap that began before
            signing = rewrap_signers(inst, ktx)
        tenants = [str(t) for t in p.tx.column("SELECT id FROM tenants ORDER BY id")]
        keysets = 0
        for tenant in tenants:  # one transaction a tenant: the tenant wall shows one at a time
            with transaction(inst.keys, tenant=tenant) as ktx:
                keysets += keyring.rewrap_keysets(inst, ktx, tenant)
        totp = rewrap_totp_secrets(inst.provider, p.tx)
    make_durable(inst.keys)
    make_durable(inst.data)
    retire = {"provider": provider.name, "step": "retire"}
    with door(inst, principal, "keys.rotate-root", Resource(None), details=retire) as p:
        left = rewrap_totp_secrets(inst.provider, p.tx, write=False)
        for tenant in tenants:
            with transaction(inst.keys, tenant=tenant, read_only=True) as ktx:
                left += keyring.rewrap_keysets(inst, ktx, tenant, write=False)
        with transaction(inst.keys) as ktx:
            hold(ktx, ROOT_KEY_LOCK)
            left += rewrap_signers(inst, ktx, write=False)
            if left:
                raise Conflict(
                    f"{left} secrets do not open under the successor root key yet; both keys "
                    "are kept: run the rotation again"
                )
            provider.retire()
    return RootRotation(provider.name, resumed, len(tenants), keysets, totp, signing)
