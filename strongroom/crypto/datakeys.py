"""Subject data keys and sealed values.

Every subject (one customer of one tenant) has its own 256-bit data key. Values are sealed
with AES-256-GCM under that key, with associated data that binds tenant, subject and field:
a sealed value copied to another row, field or tenant does not open. The data key itself is
stored only wrapped by the tenant's `data` keyset (Tink AEAD) in the key store, bound to
tenant and subject; destroying that wrapped key makes the subject's sealed values unreadable
in every copy of the data store (crypto-shredding; a key-store copy taken before still holds
the key).

Sealed value layout: `b"\\x01" || nonce (12) || ciphertext+tag`.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from strongroom.crypto.keysets import Keyset
from strongroom.errors import KeyUnavailable

_VERSION = b"\x01"
_NONCE = 12


@dataclass(frozen=True)
class Binding:
    """What a sealed value belongs to; its encoding is the AEAD associated data."""

    tenant: str
    subject: str
    field: str

    @property
    def aad(self) -> bytes:
        return _aad(_aad_prefix(self.tenant, self.subject), self.field)


@functools.lru_cache(maxsize=4096)
def _quoted(text: str) -> str:
    return json.dumps(text)


def _aad_prefix(tenant: str, subject: str) -> str:
    # With _aad, byte for byte json.dumps(["strongroom/value/v1", tenant, subject, field]); the
    # part a record's fields share is built once per record.
    return f'["strongroom/value/v1", {_quoted(tenant)}, {_quoted(subject)}, '


def _aad(prefix: str, field: str) -> bytes:
    return f"{prefix}{_quoted(field)}]".encode()


def _subject_context(tenant: str, subject: str) -> bytes:
    # Byte for byte json.dumps(["strongroom/data-key/v1", tenant, subject]).
    return f'["strongroom/data-key/v1", {_quoted(tenant)}, {_quoted(subject)}]'.encode()


class DataKey:
    __slots__ = ("_aead", "_material")

    def __init__(self, material: bytes) -> None:
        self._material = material
        self._aead = AESGCM(material)

    @classmethod
    def generate(cls) -> DataKey:
        return cls(AESGCM.generate_key(bit_length=256))

    def seal(self, plaintext: bytes, binding: Binding) -> bytes:
        nonce = os.urandom(_NONCE)
        return _VERSION + nonce + self._aead.encrypt(nonce, plaintext, binding.aad)

    def seal_fields(self, tenant: str, subject: str, values: dict[str, bytes]) -> dict[str, bytes]:
        """Seal several fields of one subject, each exactly as `seal` would with its Binding:
        one call to the OS generator for all the nonces, the binding's common part encoded
        once (a batch put seals six values per record)."""
        nonces = os.urandom(_NONCE * len(values))
        prefix = _aad_prefix(tenant, subject)
        out = {}
        for i, (field, plaintext) in enumerate(values.items()):
            nonce = nonces[i * _NONCE : (i + 1) * _NONCE]
            aad = _aad(prefix, field)
            out[field] = _VERSION + nonce + self._aead.encrypt(nonce, plaintext, aad)
        return out

    def unseal(self, sealed: bytes, binding: Binding) -> bytes:
        """Raises KeyUnavailable when the value was altered or belongs elsewhere."""
        return self._open(sealed, binding.field, binding.aad)

    def unseal_fields(
        self, tenant: str, subject: str, sealed: Iterable[tuple[str, bytes]]
    ) -> dict[str, bytes]:
        """Open several fields of one subject, each exactly as `unseal` would with its Binding
        and in the order given (the first that fails raises), the binding's common part
        encoded once: a masked view opens every field of a record. Raises KeyUnavailable."""
        prefix = _aad_prefix(tenant, subject)
        return {field: self._open(blob, field, _aad(prefix, field)) for field, blob in sealed}

    def _open(self, sealed: bytes, field: str, aad: bytes) -> bytes:
        if sealed[:1] != _VERSION or len(sealed) < 1 + _NONCE + 16:
            raise KeyUnavailable(f"sealed value for field '{field}' is malformed")
        try:
            return self._aead.decrypt(sealed[1 : 1 + _NONCE], sealed[1 + _NONCE :], aad)
        except InvalidTag as exc:
            raise KeyUnavailable(
                f"sealed value for field '{field}' does not open for this tenant, "
                "subject and field (altered or moved)"
            ) from exc

    def wrap(self, keyset: Keyset, tenant: str, subject: str) -> bytes:
        return keyset.seal(self._material, _subject_context(tenant, subject))

    @classmethod
    def unwrap(cls, wrapped: bytes, keyset: Keyset, tenant: str, subject: str) -> DataKey:
        """Raises KeyUnavailable when the wrapped key was altered or belongs to another subject."""
        return cls(keyset.unseal(wrapped, _subject_context(tenant, subject)))
