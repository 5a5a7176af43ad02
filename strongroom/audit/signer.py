"""The instance's checkpoint signer, from its root-key provider."""

from __future__ import annotations

from strongroom.audit.checkpoint import NoteSigner
from strongroom.crypto.signing import new_wrapped_signer, unwrap_signer
from strongroom.instance import Instance
from strongroom.store.engine import now, transaction


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
