"""The root-key provider: the one key that wraps every tenant keyset.

A provider never hands out its key. It wraps and unwraps small secrets (serialized tenant
keysets, TOTP secrets, the checkpoint key) with AES-256-GCM, binding a context string as
associated data, so a wrapped secret moved to another tenant or purpose fails to unwrap.
Implementations: `keyfile.py` (a local file, the embedded default) and `pkcs11.py` (an HSM;
the key stays inside the token).

Rotation (`vault/keys.py: rotate_root`) replaces the root key so that copies of the key store
taken before it no longer open without the live key store: `stage` makes a successor key
beside the current one, from which moment every process wraps under the successor while
still opening under either; every wrapped secret is then wrapped again; `retire` destroys the
current key and the successor takes its place. A process that started before the rotation
notices it the next time it wraps, when a secret fails to open, or (key file) within a
second while it only opens.
"""

from __future__ import annotations

from typing import Protocol

from strongroom.errors import KeyUnavailable


class RootKeyProvider(Protocol):
    @property
    def name(self) -> str:
        """A short label recorded beside each wrapped keyset (`keyfile`, `pkcs11`)."""
        ...

    def wrap(self, plaintext: bytes, context: bytes) -> bytes:
        """Encrypt `plaintext` bound to `context`, under the staged successor key when there
        is one. Raises KeyUnavailable."""
        ...

    def unwrap(self, wrapped: bytes, context: bytes) -> bytes:
        """Decrypt what `wrap` produced with the same context, under the current key or its
        staged successor. Raises KeyUnavailable when neither opens it (missing key, a blob
        altered or bound to another context)."""
        ...

    def stage(self) -> bool:
        """Make the successor key unless one is staged already (a rotation cut short);
        returns whether one was. Raises KeyUnavailable."""
        ...

    def unwrap_staged(self, wrapped: bytes, context: bytes) -> bytes:
        """`unwrap` under the staged successor alone. Raises KeyUnavailable, also when none
        is staged."""
        ...

    def retire(self) -> None:
        """Destroy the current key; the staged successor becomes current. Only once nothing
        is wrapped under the current key any more. Raises KeyUnavailable."""
        ...


def rewrap(provider: RootKeyProvider, wrapped: bytes, context: bytes) -> bytes | None:
    """`wrapped` wrapped again under the staged successor, or None when it already is (a
    rotation run again after being cut short skips what it did). Raises KeyUnavailable."""
    try:
        provider.unwrap_staged(wrapped, context)
        return None
    except KeyUnavailable:
        pass  # not under the successor yet
    return provider.wrap(provider.unwrap(wrapped, context), context)
