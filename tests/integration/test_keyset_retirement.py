"""Retiring a tenant's old `data` key versions (`strongroom keys rotate --retire`), on SQLite
and PostgreSQL with a key file and on SQLite with SoftHSM2: every value still opens, keys
wrapped under a retired version (as an older copy of the key store holds them) no longer
open under the live keyset, a process already running follows, and a key being wrapped under
the old version while the rotation starts is waited for, not lost."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import quote

import pytest

from strongroom.crypto import DATA, DataKey, Keyset
from strongroom.crypto.datakeys import Binding
from strongroom.errors import Conflict, KeyUnavailable
from strongroom.instance import Instance, open_instance
from strongroom.sim.customers import customers
from strongroom.store.engine import transaction
from strongroom.vault import keyring, keys, tokens
from strongroom.vault import records as vault_records
from strongroom.vault.intake import from_dicts
from strongroom.vault.keys import Rotation
from strongroom.vault.spec import TenantSpec
from tests.conftest import Setup

TENANT = "acme-bank"
# A connection option that makes REPEATABLE READ the session's default isolation.
REPEATABLE_READ = "?options=" + quote(r"-c default_transaction_isolation=repeatable\ read")


def _put(setup: Setup, rows: list[dict[str, str]]) -> None:
    vault_records.put(setup.instance, setup.operator, TENANT, from_dicts(rows))


def _wrapped_keys(inst: Instance) -> dict[str, bytes]:
    """The subject keys as a copy of the key store holds them."""
    with transaction(inst.keys, tenant=TENANT, read_only=True) as ktx:
        return dict(keyring.wrapped_data_keys(ktx, TENANT))


def _live_keyset(inst: Instance) -> Keyset:
    with transaction(inst.keys, tenant=TENANT, read_only=True) as ktx:
        return keyring.keyset(inst, ktx, TENANT, DATA, current=True)


def _opens(blob: bytes, ks: Keyset, subject: str) -> bool:
    try:
        DataKey.unwrap(blob, ks, TENANT, subject)
    except KeyUnavailable:
        return False
    return True


def _details(inst: Instance, action: str) -> list[tuple[str, object]]:
    with transaction(inst.data, read_only=True) as tx:
        bodies = [json.loads(b) for b in tx.column("SELECT body FROM audit_entries ORDER BY seq")]
    return [(e["outcome"]["decision"], e["details"]) for e in bodies if e["action"] == action]


def test_retiring_keeps_every_value_and_ends_every_key_wrapped_under_an_old_version(
    setup: Setup, acme: TenantSpec
) -> None:
    inst, op = setup.instance, setup.operator
    rows = list(customers(12, seed=41))
    _put(setup, rows[:6])  # under version 1
    keys.rotate(inst, op, TENANT)
    _put(setup, rows[6:])  # under version 2
    token = vault_records.get(inst, op, TENANT, rows[0]["id"]).tokens["card_number"]
    copy = _wrapped_keys(inst)  # a backup of the key store
    erased = rows[7]["id"]
    vault_records.erase(inst, op, TENANT, erased)
    live = _live_keyset(inst)
    assert all(_opens(blob, live, s) for s, blob in copy.items())  # the gap this closes

    done = keys.rotate(inst, op, TENANT, retire=True)
    assert done == Rotation(TENANT, 2, 3, 11, 11, (1, 2))

    inst.keysets.clear()  # from the stored, wrapped keyset alone
    live = _live_keyset(inst)
    assert (live.primary_version, live.retired_versions) == (3, (1, 2))
    assert not any(_opens(blob, live, s) for s, blob in copy.items())
    for r in rows:
        if r["id"] == erased:
            continue
        assert vault_records.reveal(inst, op, TENANT, r["id"], "iban", "why") == r["iban"]
        assert vault_records.get(inst, op, TENANT, r["id"]).key_version == 3
    assert tokens.detokenize(inst, op, TENANT, token) == rows[0]["card_number"]
    more = list(customers(14, seed=42))[12:]
    _put(setup, more)
    assert {vault_records.get(inst, op, TENANT, r["id"]).key_version for r in more} == {3}

    again = keys.rotate(inst, op, TENANT, retire=True)  # retires only what is left: 3
    assert (again.old_version, again.new_version, again.retired_versions) == (3, 4, (3,))
    assert _details(inst, "keys.rotate") == [
        ("allowed", {"rewrap": False, "retire": False, "version": 2, "retires": []}),
        ("allowed", {"rewrap": True, "retire": True, "version": 3, "retires": [1, 2]}),
        ("allowed", {"rewrap": True, "retire": True, "version": 4, "retires": [3]}),
    ]


@pytest.mark.parametrize("left", ["subject key", "token"])
def test_a_key_left_under_an_old_version_stops_the_retirement_and_nothing_changes(
    setup: Setup, acme: TenantSpec, monkeypatch: pytest.MonkeyPatch, left: str
) -> None:
    """The check after the re-wrap: a subject key the re-wrap did not reach (here one hidden
    from its read), or a token entry it did not reseal, refuses the retirement, which would
    have made it unreadable."""
    inst, op = setup.instance, setup.operator
    rows = list(customers(3, seed=43))
    _put(setup, rows)
    hidden = rows[0]["id"]
    token = vault_records.get(inst, op, TENANT, hidden).tokens["card_number"]
    reads, reseal = keyring.wrapped_data_keys, tokens.reseal_entries
    if left == "subject key":
        monkeypatch.setattr(
            keyring,
            "wrapped_data_keys",
            lambda tx, tenant: [(s, b) for s, b in reads(tx, tenant) if s != hidden],
        )
    else:
        monkeypatch.setattr(
            tokens,
            "reseal_entries",
            lambda tx, tenant, rows: reseal(tx, tenant, [(t, b) for t, b in rows if t != token]),
        )
    with pytest.raises(Conflict, match="1 subject key"):
        keys.rotate(inst, op, TENANT, retire=True)
    # Put back by hand: undo() would also undo the fixture's environment.
    monkeypatch.setattr(keyring, "wrapped_data_keys", reads)
    monkeypatch.setattr(tokens, "reseal_entries", reseal)
    inst.keysets.clear()
    live = _live_keyset(inst)
    assert (live.versions, live.retired_versions) == (1, ())  # the rotation rolled back whole
    for r in rows:
        assert vault_records.reveal(inst, op, TENANT, r["id"], "iban", "why") == r["iban"]
    assert tokens.detokenize(inst, op, TENANT, token) == rows[0]["card_number"]
    assert [d for d, _ in _details(inst, "keys.rotate")] == ["failed"]


def test_a_retiring_rotation_waits_for_a_key_being_wrapped_under_the_version_it_retires(
    setup: Setup, acme: TenantSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A key-store writer that read the keyset before the rotation locked it wraps under the
    version the rotation is about to destroy. The rotation must wait for that key and re-wrap
    it: without the writer's share lock on PostgreSQL, or under a server default of
    REPEATABLE READ (the rotation's snapshot then predates its wait), it re-wrapped the keys
    it saw, destroyed version 1, and the writer then committed a key nothing could open.
    (Gated operations are also serialised by the ledger's lock; this writer is not gated, to
    prove the key store's own locking.)"""
    inst, op = setup.instance, setup.operator
    _put(setup, list(customers(2, seed=44)))
    if setup.pg is not None:  # the rotating process's server default must not matter
        for var in ("STRONGROOM_DATABASE_URL", "STRONGROOM_KEYSTORE_URL"):
            monkeypatch.setenv(var, os.environ[var] + REPEATABLE_READ)
    other = open_instance()  # another process's view: engines and caches of its own
    if setup.pg is not None:
        with transaction(other.keys, tenant=TENANT, read_only=True) as tx:
            assert tx.one("SHOW transaction_isolation") == ("read committed",)
    done: list[Rotation] = []
    failed: list[BaseException] = []

    def rotate() -> None:
        try:
            done.append(keys.rotate(other, op, TENANT, retire=True))
        except BaseException as exc:  # reported below, not lost in the thread
            failed.append(exc)

    rotation = threading.Thread(target=rotate)
    try:
        with transaction(inst.keys, tenant=TENANT) as ktx:
            added = keyring.add_data_keys(inst, ktx, TENANT, ["late-0001"])
            assert added["late-0001"][1] == 1
            rotation.start()
            rotation.join(timeout=1.0)
            assert rotation.is_alive(), "the rotation did not wait for the open wrap"
        rotation.join(timeout=120)
        assert not rotation.is_alive() and not failed, failed
    finally:
        rotation.join(timeout=120)
        other.close()
    assert done[0].rewrapped_subject_keys == 3 and done[0].retired_versions == (1,)
    inst.keysets.clear()
    with transaction(inst.keys, tenant=TENANT, read_only=True) as ktx:
        key, version = keyring.data_key(inst, ktx, TENANT, "late-0001")
    assert version == 2
    binding = Binding(TENANT, "late-0001", "iban")
    assert key.unseal(added["late-0001"][0].seal(b"v", binding), binding) == b"v"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    exe = str(Path(sys.executable).with_name("strongroom"))
    return subprocess.run([exe, *args], capture_output=True, text=True, check=False, timeout=120)


def test_the_cli_retires_beside_a_running_process_which_follows(
    setup: Setup, acme: TenantSpec
) -> None:
    running, op = setup.instance, setup.operator
    rows = list(customers(6, seed=45))
    _put(setup, rows[:3])
    assert vault_records.get(running, op, TENANT, rows[0]["id"]).key_version == 1  # cached v1

    shown = _cli("keys", "rotate", "--tenant", TENANT, "--retire", "--json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout) == {
        "tenant": TENANT,
        "old_version": 1,
        "new_version": 2,
        "rewrapped_subject_keys": 3,
        "rewrapped_tokens": 3,
        "retired_versions": [1],
    }
    for r in rows[:3]:  # its cached keyset lacks version 2: it reads the stored one again
        assert vault_records.reveal(running, op, TENANT, r["id"], "iban", "why") == r["iban"]
    _put(setup, rows[3:])
    assert {vault_records.get(running, op, TENANT, r["id"]).key_version for r in rows} == {2}

    table = _cli("keys", "rotate", "--tenant", TENANT, "--retire")
    assert table.returncode == 0, table.stderr
    assert ["retired_versions", "2"] in [line.split() for line in table.stdout.splitlines()]
    unknown = _cli("keys", "rotate", "--tenant", "no-such-bank", "--retire")
    assert unknown.returncode == 2 and "no-such-bank" in unknown.stderr
