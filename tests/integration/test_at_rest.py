"""Nothing in clear at rest: the SQLite files (WAL and journal included) and a pg_dump hold no
card number, email or IBAN; a copy of the data store taken before an erasure cannot be read
for the erased subject afterwards."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from strongroom.config import database_url
from strongroom.errors import Erased
from strongroom.instance import open_instance
from strongroom.sim.customers import customers
from strongroom.vault import records as vault_records
from strongroom.vault.intake import from_dicts
from strongroom.vault.spec import TenantSpec
from tests.conftest import PgServer, Setup

SECRET_FIELDS = ("card_number", "email", "iban")


def _load(setup: Setup, n: int = 1000) -> list[dict[str, str]]:
    rows = list(customers(n, seed=21))
    batch = from_dicts(rows)
    vault_records.put(setup.instance, setup.operator, "acme-bank", batch)
    # Exercise every path that handles values once more before looking at the files.
    for r in rows[:50]:
        vault_records.get(setup.instance, setup.operator, "acme-bank", r["id"])
        vault_records.reveal(
            setup.instance,
            setup.operator,
            "acme-bank",
            r["id"],
            "card_number",
            "test: at-rest scan",
        )
    vault_records.find(setup.instance, setup.operator, "acme-bank", "email", rows[7]["email"])
    return rows


def _needles(rows: list[dict[str, str]]) -> list[bytes]:
    out = []
    for r in rows:
        for f in SECRET_FIELDS:
            out.append(r[f].encode())
            out.append(r[f].lower().encode())
    # A card's middle digits would betray it even without the last four.
    out += [r["card_number"][:-4].encode() for r in rows]
    return out


def _scan(blob: bytes, needles: list[bytes]) -> list[bytes]:
    return [n for n in needles if n in blob]


@pytest.mark.parametrize("setup", ["sqlite-keyfile", "sqlite-hsm"], indirect=True)
def test_no_value_in_clear_in_sqlite_files(setup: Setup, acme: TenantSpec) -> None:
    rows = _load(setup)
    files = [p for p in setup.home.rglob("*") if p.is_file()]
    assert any(p.name.endswith("-wal") for p in files), "WAL mode should leave a -wal file"
    needles = _needles(rows)
    for path in files:
        assert _scan(path.read_bytes(), needles) == [], f"plaintext found in {path}"
    setup.instance.close()
    for path in [p for p in setup.home.rglob("*") if p.is_file()]:
        assert _scan(path.read_bytes(), needles) == [], f"plaintext found in {path} after close"


@pytest.mark.parametrize("setup", ["postgres-keyfile"], indirect=True)
def test_no_value_in_clear_in_pg_dump(setup: Setup, acme: TenantSpec) -> None:
    if shutil.which("pg_dump") is None:
        pytest.fail("pg_dump is needed to check the PostgreSQL store")
    rows = _load(setup)
    assert setup.pg is not None
    needles = _needles(rows)
    for db in setup.pg:
        dump = subprocess.run(
            ["pg_dump", "-h", "127.0.0.1", "-U", "postgres", "--data-only", db],
            check=True,
            capture_output=True,
        ).stdout
        assert len(dump) > 10_000
        assert _scan(dump, needles) == [], f"plaintext found in pg_dump of {db}"


@pytest.mark.parametrize("setup", ["sqlite-keyfile", "sqlite-hsm"], indirect=True)
def test_backup_taken_before_erasure_cannot_be_read_after(
    setup: Setup, acme: TenantSpec, tmp_path: Path
) -> None:
    rows = list(customers(5, seed=31))
    batch = from_dicts(rows)
    vault_records.put(setup.instance, setup.operator, "acme-bank", batch)
    victim = rows[0]["id"]
    # A consistent copy of the data store, as a nightly backup would take it.
    backup = tmp_path / "backup.db"
    src = Path(database_url(setup.home).removeprefix("sqlite:///"))
    with sqlite3.connect(src) as live, sqlite3.connect(backup) as copy:
        live.backup(copy)
    vault_records.erase(setup.instance, setup.operator, "acme-bank", victim)
    setup.instance.close()
    # Restore the backup over the live data store; the key store stays as it is now.
    for suffix in ("", "-wal", "-shm"):
        Path(f"{src}{suffix}").unlink(missing_ok=True)
    shutil.copy(backup, src)
    restored = open_instance(setup.home)
    try:
        with pytest.raises(Erased):
            vault_records.reveal(
                restored,
                setup.operator,
                "acme-bank",
                victim,
                "card_number",
                "test: read the erased subject from a backup",
            )
        # The others in the same backup still read: the erasure was that subject's alone.
        assert (
            vault_records.reveal(
                restored, setup.operator, "acme-bank", rows[1]["id"], "email", "test: backup intact"
            )
            == rows[1]["email"]
        )
    finally:
        restored.close()


@pytest.mark.parametrize("setup", ["postgres-keyfile"], indirect=True)
def test_pg_dump_taken_before_erasure_cannot_be_read_after(
    setup: Setup, acme: TenantSpec, pg_server: PgServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = list(customers(5, seed=32))
    batch = from_dicts(rows)
    vault_records.put(setup.instance, setup.operator, "acme-bank", batch)
    assert setup.pg is not None
    dump = subprocess.run(
        ["pg_dump", "-h", "127.0.0.1", "-U", "postgres", setup.pg[0]],
        check=True,
        capture_output=True,
    ).stdout
    vault_records.erase(setup.instance, setup.operator, "acme-bank", rows[0]["id"])
    setup.instance.close()
    restored_db = pg_server.create()
    try:
        subprocess.run(
            [
                "psql",
                "-q",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-d",
                restored_db,
                "-v",
                "ON_ERROR_STOP=1",
            ],
            input=dump,
            check=True,
            capture_output=True,
        )
        monkeypatch.setenv("STRONGROOM_DATABASE_URL", pg_server.url(restored_db))
        restored = open_instance(setup.home)
        try:
            with pytest.raises(Erased):
                vault_records.reveal(
                    restored,
                    setup.operator,
                    "acme-bank",
                    rows[0]["id"],
                    "iban",
                    "test: read the erased subject from a dump",
                )
            assert (
                vault_records.reveal(
                    restored,
                    setup.operator,
                    "acme-bank",
                    rows[1]["id"],
                    "iban",
                    "test: dump intact",
                )
                == rows[1]["iban"]
            )
        finally:
            restored.close()
    finally:
        pg_server.drop(restored_db)


@pytest.mark.parametrize("setup", ["sqlite-keyfile", "sqlite-hsm"], indirect=True)
def test_an_erased_subjects_wrapped_key_and_index_are_nowhere_in_the_files(
    setup: Setup, acme: TenantSpec
) -> None:
    """Before, the key store's write-ahead log still held the wrapped data key after the
    erasure returned (a running process opened the record with it), and with SQLite's upstream
    default (secure_delete off; Debian's build turns it on) freed pages kept it in the database
    file too: every connection now turns it on itself."""
    rows = list(customers(20, seed=32))
    vault_records.put(setup.instance, setup.operator, "acme-bank", from_dicts(rows))
    victim = rows[3]["id"]
    keys_db = setup.home / "keystore.db"
    data_db = setup.home / "strongroom.db"
    with sqlite3.connect(keys_db) as conn:
        (wrapped,) = conn.execute(
            "SELECT wrapped FROM subject_keys WHERE subject_id = ?", (victim,)
        ).fetchone()
    with sqlite3.connect(data_db) as conn:
        digests = [
            bytes(d)
            for (d,) in conn.execute(
                "SELECT digest FROM blind_index WHERE subject_id = ?", (victim,)
            )
        ]
        (sealed,) = conn.execute(
            "SELECT sealed FROM records WHERE subject_id = ?", (victim,)
        ).fetchone()
    assert len(wrapped) > 40 and len(digests) >= 2
    vault_records.erase(setup.instance, setup.operator, "acme-bank", victim)
    files = [p for p in setup.home.iterdir() if p.name.startswith(("keystore.db", "strongroom.db"))]
    blob = b"".join(p.read_bytes() for p in files)
    assert bytes(wrapped) not in blob
    assert [d for d in digests if d in blob] == []
    assert sealed.encode() not in blob
    with setup.instance.keys.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
