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

from strongroom.access import Principal, Resource
from strongroom.crypto import DATA, DataKey
from strongroom.crypto import rotate as rotate_keyset
from strongroom.instance import Instance
from strongroom.store.engine import transaction
from strongroom.vault import keyring, tokens
from strongroom.vault.door import door
from strongroom.vault.tenants import require_tenant

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
    with door(inst, principal, "keys.rotate", Resource(tenant), details={"rewrap": rewrap}) as p:
        require_tenant(inst, p.tx, tenant)
        with transaction(inst.keys, tenant=tenant) as ktx:
            # The stored keyset, locked: a copy cached before another process rotated would
            # drop that rotation's version, and every key it re-wrapped with it.
            old = keyring.keyset(inst, ktx, tenant, DATA, current=True, for_update=True)
            new = rotate_keyset(old)
            subjects = sealed_tokens = 0
            if rewrap:
                wrapped = keyring.wrapped_data_keys(ktx, tenant)
                for i, (subject, blob) in enumerate(wrapped, start=1):
                    key = DataKey.unwrap(blob, new, tenant, subject)
                    keyring.rewrap_data_key(
                        ktx, tenant, subject, key.wrap(new, tenant, subject), new.primary_version
                    )
                    if progress and (i % 500 == 0 or i == len(wrapped)):
                        progress(i, len(wrapped))
                subjects = len(wrapped)
                entries = tokens.all_entries(ktx, tenant)
                for token, sealed in entries:
                    context = tokens.entry_binding(tenant, token)
                    tokens.reseal_entry(
                        ktx, tenant, token, new.seal(new.unseal(sealed, context), context)
                    )
                sealed_tokens = len(entries)
            keyring.store_keyset(inst, ktx, tenant, new)
        return Rotation(tenant, old.primary_version, new.primary_version, subjects, sealed_tokens)
