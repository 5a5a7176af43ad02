"""Where an instance lives and how it is reached.

An instance is a directory (`STRONGROOM_HOME`, default `./.strongroom`) holding
`instance.json` (which root-key provider to use, written by `strongroom init`), the local
root key file when that provider is chosen, and, by default, two SQLite databases: the data
store and, apart from it, the key store. They are apart on purpose: destroying a subject's
data key in the key store must make the subject's sealed values unreadable in every copy and
backup of the data store, which only holds if no backup of the data store also carries the
keys (and, for a key-store backup taken before the erasure, only once it has expired).

Environment variables win over `instance.json`:
`STRONGROOM_DATABASE_URL` (e.g. `postgresql+psycopg://127.0.0.1/strongroom`) and
`STRONGROOM_KEYSTORE_URL` select the two stores.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from strongroom.errors import BadInput, NotInitialised

INSTANCE_FILE = "instance.json"


@dataclass(frozen=True)
class HsmSettings:
    """A PKCS#11 token holding the root key; the PIN is read from the named variable at use."""

    module: str
    token: str
    pin_env: str
    key_label: str = "strongroom-root"


@dataclass(frozen=True)
class InstanceSettings:
    """What `init` records about an instance; safe to print (no secret in it)."""

    provider: str = "keyfile"
    hsm: HsmSettings | None = None
    origin: str = "strongroom.local"
    extra: dict[str, str] = field(default_factory=dict)


def home() -> Path:
    return Path(os.environ.get("STRONGROOM_HOME", ".strongroom")).resolve()


def database_url(base: Path | None = None) -> str:
    env = os.environ.get("STRONGROOM_DATABASE_URL")
    if env:
        return env
    return f"sqlite:///{(base or home()) / 'strongroom.db'}"


def keystore_url(base: Path | None = None) -> str:
    env = os.environ.get("STRONGROOM_KEYSTORE_URL")
    if env:
        return env
    return f"sqlite:///{(base or home()) / 'keystore.db'}"


def key_file(base: Path | None = None) -> Path:
    return (base or home()) / "root.key"


def load_instance(base: Path | None = None) -> InstanceSettings:
    """Read `instance.json`.

    Raises NotInitialised when the instance has not been created, BadInput when the file is
    not what `init` writes.
    """
    path = (base or home()) / INSTANCE_FILE
    if not path.exists():
        raise NotInitialised(
            f"no Strongroom instance at {path.parent}: run `strongroom init` first "
            "(STRONGROOM_HOME selects the instance)"
        )
    try:
        raw = json.loads(path.read_text())
        hsm = raw.get("hsm")
        return InstanceSettings(
            provider=str(raw["provider"]),
            hsm=HsmSettings(**hsm) if hsm else None,
            origin=str(raw.get("origin", "strongroom.local")),
            extra={str(k): str(v) for k, v in raw.get("extra", {}).items()},
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise BadInput(f"instance settings are unreadable: {exc}", file=str(path)) from exc


def save_instance(settings: InstanceSettings, base: Path | None = None) -> Path:
    path = (base or home()) / INSTANCE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(settings), indent=2, sort_keys=True) + "\n")
    return path


def checkpoint_every() -> tuple[int, float]:
    """(entries, seconds): a checkpoint is issued once this many entries or this much time
    have passed since the last one. `STRONGROOM_CHECKPOINT_EVERY` (default 1000 entries) and
    `STRONGROOM_CHECKPOINT_SECONDS` (default 300). Raises BadInput for values that are not
    positive numbers."""
    try:
        entries = int(os.environ.get("STRONGROOM_CHECKPOINT_EVERY", "1000"))
        seconds = float(os.environ.get("STRONGROOM_CHECKPOINT_SECONDS", "300"))
    except ValueError as exc:
        raise BadInput(
            f"checkpoint interval is not a number: {exc}", field="STRONGROOM_CHECKPOINT_EVERY"
        ) from exc
    if entries < 1 or seconds <= 0:
        raise BadInput("checkpoint intervals must be positive", field="STRONGROOM_CHECKPOINT_EVERY")
    return entries, seconds
