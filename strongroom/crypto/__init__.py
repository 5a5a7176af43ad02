"""The only package that touches key material or a cipher.

Everything above it sees sealed bytes, `Keyset` objects for one tenant and purpose, and
`DataKey` objects for one subject. Primitives come from Google Tink (tenant keysets: AEAD and
PRF) and pyca/cryptography (AES-GCM for subject data keys and the key-file root key); nothing
here implements a cipher, a MAC or a random generator.
"""

from strongroom.crypto.datakeys import Binding, DataKey
from strongroom.crypto.keysets import (
    DATA,
    INDEX,
    PURPOSES,
    TOKEN,
    Keyset,
    new_keyset,
    retire,
    rewrap_keyset,
    rotate,
    unwrap_keyset,
    wrap_keyset,
)
from strongroom.crypto.providers import RootKeyProvider, open_provider

__all__ = [
    "DATA",
    "INDEX",
    "PURPOSES",
    "TOKEN",
    "Binding",
    "DataKey",
    "Keyset",
    "RootKeyProvider",
    "new_keyset",
    "open_provider",
    "retire",
    "rewrap_keyset",
    "rotate",
    "unwrap_keyset",
    "wrap_keyset",
]
