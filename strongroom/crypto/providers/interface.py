"""The root-key provider: the one key that wraps every tenant keyset.

A provider never hands out its key. It wraps and unwraps small secrets (serialized tenant
keysets) with AES-256-GCM, binding a context string as associated data, so a wrapped keyset
moved to another tenant or purpose fails to unwrap. Implementations: `keyfile.py` (a local
file, the embedded default) and `pkcs11.py` (an HSM; the key stays inside the token).
"""

from __future__ import annotations

from typing import Protocol


class RootKeyProvider(Protocol):
    @property
    def name(self) -> str:
        """A short label recorded beside each wrapped keyset (`keyfile`, `pkcs11`)."""
        ...

    def wrap(self, plaintext: bytes, context: bytes) -> bytes:
        """Encrypt `plaintext` bound to `context`. Raises KeyUnavailable."""
        ...

    def unwrap(self, wrapped: bytes, context: bytes) -> bytes:
        """Decrypt what `wrap` produced with the same context. Raises KeyUnavailable when the
        key is missing or the blob was altered or bound to another context."""
        ...
