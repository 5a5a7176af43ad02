"""Root key in a local file (mode 0600): the embedded default.

The file holds 32 random bytes from the OS generator (via pyca/cryptography). Wrapping is
AES-256-GCM with a fresh 96-bit nonce: `b"K1" || nonce || ciphertext+tag`.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from strongroom.errors import KeyUnavailable

_MAGIC = b"K1"
_NONCE = 12


def create_key_file(path: Path) -> None:
    """Write a new root key; refuses to overwrite one (that would orphan every keyset)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(AESGCM.generate_key(bit_length=256))


class KeyFileProvider:
    def __init__(self, path: Path) -> None:
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
            key = path.read_bytes()
        except OSError as exc:
            raise KeyUnavailable(f"root key file {path} cannot be read: {exc.strerror}") from exc
        if mode & 0o077:
            raise KeyUnavailable(
                f"root key file {path} is readable by others (mode {mode:o}); chmod 600 it"
            )
        if len(key) != 32:
            raise KeyUnavailable(f"root key file {path} is not a 256-bit key")
        self._aead = AESGCM(key)

    @property
    def name(self) -> str:
        return "keyfile"

    def wrap(self, plaintext: bytes, context: bytes) -> bytes:
        nonce = os.urandom(_NONCE)
        return _MAGIC + nonce + self._aead.encrypt(nonce, plaintext, context)

    def unwrap(self, wrapped: bytes, context: bytes) -> bytes:
        if not wrapped.startswith(_MAGIC) or len(wrapped) < len(_MAGIC) + _NONCE + 16:
            raise KeyUnavailable("wrapped key is not in the key-file provider's format")
        nonce = wrapped[2 : 2 + _NONCE]
        try:
            return self._aead.decrypt(nonce, wrapped[2 + _NONCE :], context)
        except InvalidTag as exc:
            raise KeyUnavailable(
                "wrapped key does not open under this root key (altered, moved, or another key)"
            ) from exc
