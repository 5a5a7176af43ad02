"""An instance: its settings, its two stores and its root-key provider, opened together.

`init_instance` creates one (directory 0700, key file 0600 or a key in the HSM, both schemas);
`open_instance` opens an existing one and brings its schemas up to date, so an upgrade of the
package migrates on first use.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from strongroom import config
from strongroom.config import HsmSettings, InstanceSettings
from strongroom.crypto import Keyset, RootKeyProvider, open_provider
from strongroom.errors import Conflict
from strongroom.store import migrate
from strongroom.store.engine import open_engine


@dataclass
class Instance:
    home: Path
    settings: InstanceSettings
    data: Engine
    keys: Engine
    provider: RootKeyProvider
    # Unwrapped tenant keysets, per tenant and purpose, each beside the wrapped copy it came
    # from (`vault/keyring.py` compares that with the key store's); lives as long as the process.
    keysets: dict[tuple[str, str], tuple[bytes, Keyset]] = field(default_factory=dict)
    # Parsed tenant specs (immutable once a tenant exists), filled by the vault.
    specs: dict[str, Any] = field(default_factory=dict)
    # The checkpoint signer, loaded on first use by the audit layer.
    signer: Any = None
    # (ledger size, monotonic time) at the last checkpoint this process knows of.
    checkpointed: tuple[int, float] | None = None
    # Operations since this process last looked at the ledger's size.
    unchecked: int = 0

    def close(self) -> None:
        self.data.dispose()
        self.keys.dispose()
        closer = getattr(self.provider, "close", None)
        if closer is not None:
            closer()


def _engines(home: Path) -> tuple[Engine, Engine]:
    return open_engine(config.database_url(home)), open_engine(config.keystore_url(home))


def _origin() -> str:
    """This instance's ledger name in checkpoints: unique, so two instances' logs never pass
    for one another."""
    return f"strongroom.local/{secrets.token_hex(8)}"


def init_instance(home: Path | None = None, hsm: HsmSettings | None = None) -> Instance:
    """Create an instance. Raises Conflict if one exists, KeyUnavailable if the HSM refuses."""
    base = home or config.home()
    if (base / config.INSTANCE_FILE).exists():
        raise Conflict(f"an instance already exists at {base}")
    base.mkdir(parents=True, exist_ok=True)
    os.chmod(base, 0o700)
    if hsm is not None:
        from strongroom.crypto.providers.pkcs11 import create_root_key

        create_root_key(hsm)
        settings = InstanceSettings(provider="pkcs11", hsm=hsm, origin=_origin())
    else:
        from strongroom.crypto.providers.keyfile import create_key_file

        if not config.key_file(base).exists():
            create_key_file(config.key_file(base))
        settings = InstanceSettings(provider="keyfile", origin=_origin())
    provider = open_provider(settings, config.key_file(base))
    data, keys = _engines(base)
    migrate.upgrade(data, "data")
    migrate.upgrade(keys, "keys")
    config.save_instance(settings, base)
    return Instance(base, settings, data, keys, provider)


def open_instance(home: Path | None = None) -> Instance:
    """Raises NotInitialised, KeyUnavailable, StoreUnavailable."""
    base = home or config.home()
    settings = config.load_instance(base)
    provider = open_provider(settings, config.key_file(base))
    data, keys = _engines(base)
    for engine, kind in ((data, "data"), (keys, "keys")):
        if not migrate.is_current(engine, kind):
            migrate.upgrade(engine, kind)
    return Instance(base, settings, data, keys, provider)
