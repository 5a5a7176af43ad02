"""The ledger holds against a database administrator: every edit is found and named."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from strongroom.audit import log as ledger
from strongroom.audit.checkpoint import Checkpoint, sign
from strongroom.audit.ledger import GENESIS, chain_hash
from strongroom.crypto.signing import Ed25519Signer
from strongroom.errors import BadInput, TamperDetected
from strongroom.sim.customers import customers
from strongroom.store.tables import audit_entries
from strongroom.vault import records
from strongroom.vault.intake import from_dicts
from strongroom.vault.spec import TenantSpec
from tests.conftest import Setup


def _traffic(setup: Setup, n: int = 12) -> None:
    rows = list(customers(n, seed=44))
    batch = from_dicts(rows)
    records.put(setup.instance, setup.operator, "acme-bank", batch)
    for r in rows:
        records.reveal(setup.instance, setup.operator, "acme-bank", r["id"], "email", "ticket T-9")


def _sql(setup: Setup, sql: str, *params: Any) -> list[Any]:
    """Raw SQL as the database's superuser; on PostgreSQL it switches the append-only
    triggers off for its transaction, as an administrator set on rewriting history can."""
    with setup.instance.data.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        result = conn.exec_driver_sql(sql, params)
        return list(result) if result.returns_rows else []


def _marker(setup: Setup) -> str:
    return "?" if setup.instance.data.dialect.name == "sqlite" else "%s"


def _edit_body(setup: Setup, seq: int, change: dict[str, Any], rechain: bool = False) -> None:
    m = _marker(setup)
    body = json.loads(_sql(setup, f"SELECT body FROM audit_entries WHERE seq = {m}", seq)[0][0])
    body.update(change)
    _sql(setup, f"UPDATE audit_entries SET body = {m} WHERE seq = {m}", json.dumps(body), seq)
    if rechain:  # what an administrator without the signing key can still do
        rows = _sql(setup, "SELECT seq, body, prev_hash FROM audit_entries ORDER BY seq")
        prev = GENESIS
        for s, b, _ in rows:
            link = chain_hash(prev, b.encode())
            _sql(
                setup,
                f"UPDATE audit_entries SET prev_hash = {m}, entry_hash = {m} WHERE seq = {m}",
                prev,
                link,
                s,
            )
            prev = link


@pytest.fixture
def ledger_setup(setup: Setup, acme: TenantSpec) -> Setup:
    _traffic(setup)
    ledger.issue_checkpoint(setup.instance)
    assert ledger.verify(setup.instance).intact
    return setup


def _problems(setup: Setup, against: str | None = None) -> list[str]:
    report = ledger.verify(setup.instance, against)
    assert not report.intact
    return report.problems


def test_intact_ledger_verifies(ledger_setup: Setup) -> None:
    report = ledger.verify(ledger_setup.instance)
    assert report.intact and report.entries == 14 and report.checkpoints >= 1


def test_changed_field_is_named(ledger_setup: Setup) -> None:
    _edit_body(ledger_setup, 5, {"purpose": "nothing to see"})
    assert any(p.startswith("entry 5:") for p in _problems(ledger_setup))


def test_ledger_rows_hold_no_second_copy_of_an_entry(ledger_setup: Setup) -> None:
    # Filters read the signed body itself, so there is no column to edit out of step with it.
    columns = {c.name for c in audit_entries.columns}
    assert columns == {"seq", "body", "prev_hash", "entry_hash"}


def test_deleted_entry_is_named(ledger_setup: Setup) -> None:
    _sql(ledger_setup, f"DELETE FROM audit_entries WHERE seq = {_marker(ledger_setup)}", 6)
    problems = _problems(ledger_setup)
    assert problems[0].startswith("entry 6: missing")


def test_swapped_entries_are_named(ledger_setup: Setup) -> None:
    m = _marker(ledger_setup)
    rows = {
        s: (b, p, e)
        for s, b, p, e in _sql(
            ledger_setup,
            "SELECT seq, body, prev_hash, entry_hash FROM audit_entries WHERE seq IN (3, 4)",
        )
    }
    for a, b in ((3, 4), (4, 3)):
        body, prev, link = rows[b]
        _sql(
            ledger_setup,
            f"UPDATE audit_entries SET body = {m}, prev_hash = {m}, entry_hash = {m} "
            f"WHERE seq = {m}",
            body,
            prev,
            link,
            a,
        )
    assert any(p.startswith("entry 3:") for p in _problems(ledger_setup))


def test_truncated_tail_is_found(ledger_setup: Setup) -> None:
    _sql(ledger_setup, f"DELETE FROM audit_entries WHERE seq >= {_marker(ledger_setup)}", 10)
    assert any("truncated" in p for p in _problems(ledger_setup))


def test_rewritten_tail_with_recomputed_hashes_is_found(ledger_setup: Setup) -> None:
    _edit_body(ledger_setup, 8, {"purpose": "rewritten"}, rechain=True)
    problems = _problems(ledger_setup)
    assert not any("chain" in p for p in problems)  # the chain itself was recomputed
    assert "entry 8: its hash differs from the one recorded when it was checkpointed" in problems
    assert any(p.startswith("checkpoint 14: the entries no longer hash") for p in problems)


def test_rewrite_including_stored_nodes_is_found_by_an_outside_checkpoint(
    ledger_setup: Setup,
) -> None:
    outside = ledger.latest_checkpoint(ledger_setup.instance)
    assert outside is not None
    _edit_body(ledger_setup, 2, {"purpose": "rewritten"}, rechain=True)
    _sql(ledger_setup, "DELETE FROM audit_nodes")
    _sql(ledger_setup, "DELETE FROM checkpoints")
    problems = _problems(ledger_setup, outside.note)
    assert any(p.startswith("outside checkpoint 14: the entries no longer hash") for p in problems)


def test_proof_verifies_offline_and_fails_for_a_changed_entry(ledger_setup: Setup) -> None:
    doc = ledger.prove(ledger_setup.instance, 4)
    pem = ledger.public_key_pem(ledger_setup.instance)
    vkey = ledger.verifier(ledger_setup.instance)
    assert ledger.check_proof(doc, pem).size == 14
    assert ledger.check_proof(doc, vkey).size == 14
    changed = dict(doc, entry=doc["entry"].replace("ticket T-9", "ticket T-8"))
    with pytest.raises(TamperDetected):
        ledger.check_proof(changed, pem)
    wrong_index = dict(doc, index=5)
    with pytest.raises(TamperDetected):
        ledger.check_proof(wrong_index, pem)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"index": "4"}, "index"),  # read as entry 4 before
        ({"index": 4.0}, "index"),
        ({"index": True}, "index"),  # read as entry 1 before
        ({"index": -1}, "index"),
        ({"proof": "abc"}, "proof"),
        ({"proof": [1, 2]}, "proof"),
        ({"proof": ["not base64!"]}, "proof"),
        ({"checkpoint": None}, "checkpoint"),
        ({"entry": {"seq": 4}}, "entry"),
    ],
)
def test_a_malformed_proof_is_bad_input_naming_the_field(
    ledger_setup: Setup, change: dict[str, object], field: str
) -> None:
    doc = {**ledger.prove(ledger_setup.instance, 4), **change}
    with pytest.raises(BadInput) as err:
        ledger.check_proof(doc, ledger.public_key_pem(ledger_setup.instance), "proof.json")
    assert (err.value.location.file, err.value.location.field) == ("proof.json", field)


def test_proof_against_a_forged_checkpoint_fails(ledger_setup: Setup) -> None:
    doc = ledger.prove(ledger_setup.instance, 4)
    real = ledger.latest_checkpoint(ledger_setup.instance)
    assert real is not None
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    impostor = Ed25519Signer(ledger_setup.instance.settings.origin, Ed25519PrivateKey.generate())
    forged_note = sign(Checkpoint(real.checkpoint.origin, 14, bytes(32)), impostor)
    with pytest.raises(TamperDetected):
        ledger.check_proof(
            dict(doc, checkpoint=forged_note), ledger.public_key_pem(ledger_setup.instance)
        )


def test_consistency_between_checkpoints(ledger_setup: Setup) -> None:
    first = ledger.latest_checkpoint(ledger_setup.instance)
    assert first is not None
    _traffic(ledger_setup, 5)
    second = ledger.issue_checkpoint(ledger_setup.instance)
    doc = ledger.consistency(ledger_setup.instance, first.note, second.note)
    import base64

    from strongroom.audit import merkle

    proof = [base64.b64decode(p) for p in doc["proof"]]
    assert merkle.verify_consistency(
        first.checkpoint.size,
        second.checkpoint.size,
        first.checkpoint.root,
        second.checkpoint.root,
        proof,
    )
    assert ledger.verify(ledger_setup.instance, first.note).intact


def test_checkpoint_is_also_written_to_the_witness_directory(ledger_setup: Setup) -> None:
    latest = ledger.latest_checkpoint(ledger_setup.instance)
    assert latest is not None
    witness = ledger.witness_dir(ledger_setup.instance)
    assert (witness / "checkpoint").read_text() == latest.note
    assert (witness / f"checkpoint.{latest.checkpoint.size}").exists()


@pytest.mark.parametrize("setup", ["postgres-keyfile"], indirect=True)
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_entries SET body = 'x' WHERE seq = 1",
        "DELETE FROM audit_entries",
        "TRUNCATE audit_entries",
        "DELETE FROM checkpoints",
        "UPDATE audit_nodes SET level = 9",
    ],
)
def test_postgres_refuses_to_change_the_ledger(ledger_setup: Setup, statement: str) -> None:
    from sqlalchemy.exc import DBAPIError

    with (
        pytest.raises(DBAPIError, match="append-only"),
        ledger_setup.instance.data.begin() as conn,
    ):
        conn.exec_driver_sql(statement)
    assert ledger.verify(ledger_setup.instance).intact


def test_client_slice_verifies_offline_and_hides_other_tenants(
    ledger_setup: Setup, tmp_path: Path
) -> None:
    from strongroom.audit.slice import verify_slice, write_slice
    from strongroom.vault import tenants
    from tests.conftest import demo_spec

    inst = ledger_setup.instance
    tenants.create(inst, ledger_setup.operator, demo_spec("zeta-retail"))
    zeta = list(customers(3, seed=45, prefix="zeta"))
    records.put(
        inst,
        ledger_setup.operator,
        "zeta-retail",
        from_dicts(zeta),
    )
    for r in zeta:
        records.reveal(inst, ledger_setup.operator, "zeta-retail", r["id"], "iban", "zeta-only")
    out = tmp_path / "acme-slice"
    result = write_slice(inst, "acme-bank", out)
    assert result["entries"] == 14
    pem = ledger.public_key_pem(inst)
    checked = verify_slice(out, pem)
    assert checked == {
        "valid": True,
        "entries": 14,
        "tenants": ["acme-bank"],
        "tree_size": result["tree_size"],
    }
    blob = b"".join(p.read_bytes() for p in out.iterdir())
    for needle in (b"zeta-retail", b"zeta-only", *(r["id"].encode() for r in zeta)):
        assert needle not in blob
    entries_file = out / "entries.jsonl"
    lines = entries_file.read_text().splitlines()
    lines[3] = lines[3].replace("ticket T-9", "ticket T-0")
    entries_file.write_text("\n".join(lines) + "\n")
    with pytest.raises(TamperDetected):
        verify_slice(out, pem)


@pytest.mark.parametrize("setup", ["sqlite-keyfile"], indirect=True)
def test_checkpoints_are_issued_every_n_entries(
    setup: Setup, acme: TenantSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STRONGROOM_CHECKPOINT_EVERY", "5")
    monkeypatch.setenv("STRONGROOM_CHECKPOINT_SECONDS", "3600")
    _traffic(setup, 12)  # 1 put and 12 reveals after the tenant's creation
    sizes = [int(r[0]) for r in _sql(setup, "SELECT size FROM checkpoints ORDER BY size")]
    assert sizes[0] <= 2 and all(b - a >= 5 for a, b in itertools.pairwise(sizes))
    assert sizes[-1] >= 10 and len(sizes) >= 3
    assert ledger.verify(setup.instance).intact


@pytest.mark.parametrize("setup", ["sqlite-keyfile"], indirect=True)
def test_bad_interval_setting_is_bad_input(
    setup: Setup, acme: TenantSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    from strongroom.errors import BadInput

    monkeypatch.setenv("STRONGROOM_CHECKPOINT_EVERY", "often")
    with pytest.raises(BadInput):
        ledger.checkpoint_if_due(setup.instance)
