"""The instance's checkpoint signer, from its root-key provider."""

from __future__ import annotations

from strongroom.audit.checkpoint import NoteSigner
from strongroom.crypto.signing import new_wrapped_signer, rewrap_signer, unwrap_signer
from strongroom.instance import Instance
from strongroom.store.engine import ROOT_KEY_LOCK, Tx, hold, now, transaction


def note_signer(inst: Instance) -> NoteSigner:
    """Load (or, the first time, create) the checkpoint key. Raises KeyUnavailable."""
    if inst.signer is not None:
        return inst.signer  # type: ignore[no-any-return]
    name = inst.settings.origin
    factory = getattr(inst.provider, "note_signer", None)
    if factory is not None:  # an HSM: the key pair lives and signs in the token
        signer: NoteSigner = factory(name)
    else:
        with transaction(inst.keys) as ktx:
            hold(ktx, ROOT_KEY_LOCK, shared=True)  # wrapped under the key a rotation leaves
            row = ktx.one("SELECT wrapped FROM signing_keys WHERE name = ?", (name,))
            if row is not None:
                signer = unwrap_signer(inst.provider, name, bytes(row[0]))
            else:
                fresh, wrapped = new_wrapped_signer(inst.provider, name)
                ktx.run(
                    "INSERT INTO signing_keys (name, wrapped, public_key, created_at) "
                    "VALUES (?, ?, ?, ?)",
                    (name, wrapped, fresh.public_key, now()),
                )
                signer = fresh
    inst.signer = signer
    return signer


def rewrap_signers(inst: Instance, ktx: Tx, *, write: bool = True) -> int:
    """Wrap the key-file checkpoint keys again under the staged root key (`rotate_root`); how
    many were not under it yet. With `write` False, only counts them. An HSM's checkpoint key
    lives in the token and is not wrapped. Raises KeyUnavailable."""
    moved = 0
    for name, wrapped in ktx.all("SELECT name, wrapped FROM signing_keys"):
        fresh = rewrap_signer(inst.provider, str(name), bytes(wrapped))
        if fresh is None:
            continue
        moved += 1
        if write:
            ktx.run("UPDATE signing_keys SET wrapped = ? WHERE name = ?", (fresh, name))
    return moved
