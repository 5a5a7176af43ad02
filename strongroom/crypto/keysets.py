"""Tenant keysets: Tink keysets, versioned, wrapped by the root key.

Each tenant has three keysets, one per purpose, so that a key is only ever used for one job:

- `data`  (AEAD, AES-256-GCM): wraps the tenant's subject data keys and token-vault entries.
  Rotation adds a new key and makes it primary; old keys stay to open what they sealed, and
  Tink's 5-byte ciphertext prefix names the key, which is how a version is read back.
  Retiring (`retire`) destroys every key but the primary, as Tink's own key managers do:
  the key stays listed, marked DESTROYED and without its key material, so versions keep
  their numbers and whatever an old key sealed, in any copy, no longer opens.
- `index` (PRF, HMAC-SHA256): blind indexes over normalised searchable values.
- `token` (PRF, HMAC-SHA256): card-token derivation and the card fingerprint of the token vault.

Versions are numbered 1, 2, ... in the order keys were added to the keyset, destroyed ones
included. A keyset is only written out wrapped by the root-key provider, bound to tenant and
purpose.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from functools import cached_property

import tink
from tink import aead, prf, secret_key_access
from tink.proto import tink_pb2

from strongroom.crypto.providers.interface import RootKeyProvider, rewrap
from strongroom.errors import KeyUnavailable

aead.register()
prf.register()

DATA = "data"
INDEX = "index"
TOKEN = "token"  # noqa: S105 (a purpose name, not a secret)
PURPOSES = (DATA, INDEX, TOKEN)

_TEMPLATES = {
    DATA: aead.aead_key_templates.AES256_GCM,
    INDEX: prf.prf_key_templates.HMAC_SHA256,
    TOKEN: prf.prf_key_templates.HMAC_SHA256,
}
_TINK_PREFIX = 5  # 0x01 || key id (4 bytes, big-endian)


@functools.lru_cache(maxsize=1024)
def _label(label: str) -> bytes:
    return json.dumps(label).encode() + b"\x00"


def _context(tenant: str, purpose: str) -> bytes:
    return json.dumps(["strongroom/tenant-keyset/v1", tenant, purpose]).encode()


@dataclass(frozen=True)
class Keyset:
    """One purpose's Tink keyset for one tenant, in memory (never persisted unwrapped)."""

    purpose: str
    handle: tink.KeysetHandle

    @cached_property
    def _proto(self) -> tink_pb2.Keyset:
        ks = tink_pb2.Keyset()
        ks.ParseFromString(tink.proto_keyset_format.serialize(self.handle, secret_key_access.TOKEN))
        return ks

    @property
    def key_ids(self) -> list[int]:
        return [k.key_id for k in self._proto.key]

    @property
    def primary_version(self) -> int:
        return self.key_ids.index(self._proto.primary_key_id) + 1

    @property
    def versions(self) -> int:
        """How many versions the keyset has had, destroyed ones included."""
        return len(self.key_ids)

    @property
    def retired_versions(self) -> tuple[int, ...]:
        """The versions whose key is destroyed (`retire`)."""
        return tuple(
            n for n, k in enumerate(self._proto.key, start=1) if k.status == tink_pb2.DESTROYED
        )

    def version_of(self, ciphertext: bytes) -> int:
        """The version of the key that produced a Tink-prefixed ciphertext."""
        key_id = int.from_bytes(ciphertext[1:_TINK_PREFIX], "big")
        try:
            return self.key_ids.index(key_id) + 1
        except ValueError as exc:
            raise KeyUnavailable("ciphertext was made by a key this keyset does not hold") from exc

    @cached_property
    def aead(self) -> aead.Aead:
        return self.handle.primitive(aead.Aead)

    @cached_property
    def _prf(self) -> prf.Prf:
        return self.handle.primitive(prf.PrfSet).primary()

    def seal(self, plaintext: bytes, context: bytes) -> bytes:
        """Tenant-level AEAD (token vault entries, data keys); `context` is the binding."""
        return bytes(self.aead.encrypt(plaintext, context))

    def unseal(self, ciphertext: bytes, context: bytes) -> bytes:
        """Raises KeyUnavailable when the ciphertext was altered or bound elsewhere."""
        try:
            return bytes(self.aead.decrypt(ciphertext, context))
        except tink.TinkError as exc:
            raise KeyUnavailable(
                f"a {self.purpose}-keyset ciphertext does not open (altered or moved)"
            ) from exc

    def keyed_digest(self, label: str, value: bytes, size: int = 32) -> bytes:
        """HMAC-SHA256 PRF output over a labelled input: blind indexes, fingerprints, tokens.

        The label separates uses of one keyset so one digest can never stand for another.
        """
        return bytes(self._prf.compute(_label(label) + value, size))


def new_keyset(purpose: str) -> Keyset:
    return Keyset(purpose, tink.new_keyset_handle(_TEMPLATES[purpose]))


def rotate(keyset: Keyset) -> Keyset:
    """A keyset holding every key of `keyset` plus a new primary key."""
    fresh = new_keyset(keyset.purpose)._proto
    merged = tink_pb2.Keyset()
    merged.CopyFrom(keyset._proto)
    new_key = fresh.key[0]
    if new_key.key_id in keyset.key_ids:  # 1 in 2^31 per rotation; draw again
        return rotate(keyset)
    merged.key.append(new_key)
    merged.primary_key_id = new_key.key_id
    handle = tink.proto_keyset_format.parse(merged.SerializeToString(), secret_key_access.TOKEN)
    return Keyset(keyset.purpose, handle)


def retire(keyset: Keyset) -> Keyset:
    """A keyset in which every key but the primary is destroyed: marked DESTROYED with its key
    material removed, as Tink's key managers destroy a key (listed still, so no version is
    renumbered). Nothing an old key sealed opens under it any more."""
    kept = tink_pb2.Keyset()
    kept.CopyFrom(keyset._proto)
    for key in kept.key:
        if key.key_id != kept.primary_key_id:
            key.status = tink_pb2.DESTROYED
            key.ClearField("key_data")
    handle = tink.proto_keyset_format.parse(kept.SerializeToString(), secret_key_access.TOKEN)
    return Keyset(keyset.purpose, handle)


def wrap_keyset(keyset: Keyset, provider: RootKeyProvider, tenant: str) -> bytes:
    raw = tink.proto_keyset_format.serialize(keyset.handle, secret_key_access.TOKEN)
    return provider.wrap(raw, _context(tenant, keyset.purpose))


def unwrap_keyset(blob: bytes, provider: RootKeyProvider, tenant: str, purpose: str) -> Keyset:
    """Raises KeyUnavailable when the blob does not open under the root key for this tenant."""
    raw = provider.unwrap(blob, _context(tenant, purpose))
    try:
        handle = tink.proto_keyset_format.parse(raw, secret_key_access.TOKEN)
    except tink.TinkError as exc:
        raise KeyUnavailable(f"tenant {purpose} keyset is corrupt: {exc}") from exc
    return Keyset(purpose, handle)


def rewrap_keyset(
    blob: bytes, provider: RootKeyProvider, tenant: str, purpose: str
) -> bytes | None:
    """The wrapped keyset wrapped again under the staged root key (None if it already is).
    Raises KeyUnavailable."""
    return rewrap(provider, blob, _context(tenant, purpose))
