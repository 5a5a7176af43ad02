"""The checkpoint signing key: Ed25519 from pyca/cryptography, held in one of two ways.

With a key-file root key, the Ed25519 private key is generated here and only ever stored
wrapped by the root key (in the key store). With an HSM, the key pair is generated inside the
token and signing happens there (see `providers/pkcs11.py`). Either way callers see a
`NoteSigner`: a name, the raw public key, and `sign`.
"""

from __future__ import annotations

import json

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from strongroom.crypto.providers.interface import RootKeyProvider, rewrap


def _context(name: str) -> bytes:
    return json.dumps(["strongroom/checkpoint-key/v1", name]).encode()


class Ed25519Signer:
    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        self._name = name
        self._key = private_key
        self._public = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def name(self) -> str:
        return self._name

    @property
    def public_key(self) -> bytes:
        return self._public

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)


def new_wrapped_signer(provider: RootKeyProvider, name: str) -> tuple[Ed25519Signer, bytes]:
    """A fresh signer and its private key wrapped by the root key, for the key store."""
    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return Ed25519Signer(name, key), provider.wrap(raw, _context(name))


def unwrap_signer(provider: RootKeyProvider, name: str, wrapped: bytes) -> Ed25519Signer:
    """Raises KeyUnavailable when the wrapped key does not open under the root key."""
    raw = provider.unwrap(wrapped, _context(name))
    return Ed25519Signer(name, Ed25519PrivateKey.from_private_bytes(raw))


def rewrap_signer(provider: RootKeyProvider, name: str, wrapped: bytes) -> bytes | None:
    """The wrapped checkpoint key wrapped again under the staged root key (None if it already
    is). Raises KeyUnavailable."""
    return rewrap(provider, wrapped, _context(name))
