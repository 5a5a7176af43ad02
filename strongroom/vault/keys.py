"""Key rotation for a tenant.

`rotate` adds a new version to the tenant's `data` keyset and makes it primary: every new
subject key is wrapped under it from then on, while older versions stay to open what they
wrapped. With `rewrap`, every subject data key and token-vault entry of the tenant is opened
under its old version and wrapped again under the new one, after which old versions could be
retired. Customer values themselves are not re-encrypted: they are sealed under subject data
keys, which rotation re-wraps rather than replaces.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select, update

from strongroom.access import Principal, Resource, gate
from strongroom.crypto import DATA, DataKey
from strongroom.crypto import rotate as rotate_keyset
from strongroom.instance import Instance
from strongroom.store.engine import transaction
from strongroom.store.tables import subject_keys, token_vault
from strongroom.vault import keyring
from strongroom.vault.tenants import require_tenant
from strongroom.vault.tokens import entry_binding

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Rotation:
    tenant: str
    old_version: int
    new_version: int
    rewrapped_subject_keys: int
    rewrapped_tokens: int

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def rotate(
    inst: Instance,
    principal: Principal,
    tenant: str,
    rewrap: bool = False,
    progress: Progress | None = None,
) -> Rotation:
    """Raises NotFound for an unknown tenant, KeyUnavailable if a wrapped key does not open."""
    with gate(
        inst.data, principal, "keys.rotate", Resource(tenant), details={"rewrap": rewrap}
    ) as p:
        require_tenant(inst, p.conn, tenant)
        with transaction(inst.keys) as kconn:
            old = keyring.keyset(inst, kconn, tenant, DATA)
            new = rotate_keyset(old)
            subjects = tokens = 0
            if rewrap:
                rows = kconn.execute(
                    select(subject_keys.c.subject_id, subject_keys.c.wrapped).where(
                        subject_keys.c.tenant_id == tenant
                    )
                ).all()
                for i, (subject, wrapped) in enumerate(rows, start=1):
                    key = DataKey.unwrap(wrapped, new, tenant, subject)
                    kconn.execute(
                        update(subject_keys)
                        .where(
                            subject_keys.c.tenant_id == tenant, subject_keys.c.subject_id == subject
                        )
                        .values(
                            wrapped=key.wrap(new, tenant, subject), key_version=new.primary_version
                        )
                    )
                    if progress and (i % 500 == 0 or i == len(rows)):
                        progress(i, len(rows))
                subjects = len(rows)
                entries = kconn.execute(
                    select(token_vault.c.token, token_vault.c.sealed).where(
                        token_vault.c.tenant_id == tenant
                    )
                ).all()
                for token, sealed in entries:
                    context = entry_binding(tenant, token)
                    kconn.execute(
                        update(token_vault)
                        .where(token_vault.c.tenant_id == tenant, token_vault.c.token == token)
                        .values(sealed=new.seal(new.unseal(sealed, context), context))
                    )
                tokens = len(entries)
            keyring.store_keyset(inst, kconn, tenant, new)
        return Rotation(tenant, old.primary_version, new.primary_version, subjects, tokens)
