"""The vault through its services, on SQLite, PostgreSQL and with the root key in SoftHSM2."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from stdnum import luhn

from strongroom.audit.ledger import GENESIS, chain_hash
from strongroom.errors import (
    BadInput,
    Conflict,
    Denied,
    Erased,
    KeyUnavailable,
    NotFound,
    StoreUnavailable,
)
from strongroom.sim.customers import customers
from strongroom.store.tables import audit_entries, records, subject_keys
from strongroom.vault import keys, tenants, tokens
from strongroom.vault import records as vault_records
from strongroom.vault.intake import from_dicts, read_records
from strongroom.vault.spec import TenantSpec
from tests.conftest import Setup, demo_spec


def _put(setup: Setup, rows: list[dict[str, str]], tenant: str = "acme-bank") -> None:
    vault_records.put(setup.instance, setup.operator, tenant, from_dicts(rows))


def _entries(setup: Setup) -> list[dict[str, object]]:
    with setup.instance.data.begin() as conn:
        return [
            json.loads(b)
            for b in conn.execute(
                select(audit_entries.c.body).order_by(audit_entries.c.seq)
            ).scalars()
        ]


def test_thousand_records_masked_revealed_and_found(setup: Setup, acme: TenantSpec) -> None:
    rows = list(customers(1000, seed=3))
    _put(setup, rows)
    target = rows[417]
    got = vault_records.get(setup.instance, setup.operator, "acme-bank", target["id"])
    card = target["card_number"]
    assert got.fields["card_number"].endswith(card[-4:])
    assert card[:-4] not in got.fields["card_number"]
    assert got.fields["email"] != target["email"] and "@" in got.fields["email"]
    assert target["email"] not in json.dumps(got.to_dict())
    assert got.fields["notes"] == "[withheld]"
    assert (
        vault_records.reveal(
            setup.instance,
            setup.operator,
            "acme-bank",
            target["id"],
            "card_number",
            "refund on ticket T-1",
        )
        == card
    )
    found = vault_records.find(
        setup.instance, setup.operator, "acme-bank", "email", f"  {target['email'].upper()} "
    )
    assert [r.subject for r in found] == [target["id"]]
    by_phone = vault_records.find(
        setup.instance,
        setup.operator,
        "acme-bank",
        "phone",
        target["phone"].replace(" ", "").replace("+44", "0"),
    )
    assert [r.subject for r in by_phone] == [target["id"]]


def test_every_operation_leaves_one_hash_linked_entry(setup: Setup, acme: TenantSpec) -> None:
    rows = list(customers(3, seed=5))
    _put(setup, rows)
    vault_records.get(setup.instance, setup.operator, "acme-bank", rows[0]["id"])
    with pytest.raises(NotFound):
        vault_records.get(setup.instance, setup.operator, "acme-bank", "nobody")
    with pytest.raises(Denied):
        vault_records.reveal(
            setup.instance, setup.operator, "acme-bank", rows[0]["id"], "email", ""
        )
    entries = _entries(setup)
    actions = [(e["action"], e["outcome"]["decision"]) for e in entries]  # type: ignore[index]
    assert actions == [
        ("tenant.create", "allowed"),
        ("record.put", "allowed"),  # one batch, one entry naming its subjects
        ("record.get", "allowed"),
        ("record.get", "failed"),
        ("record.reveal", "denied"),
    ]
    assert entries[1]["resource"]["subjects"] == [r["id"] for r in rows]  # type: ignore[index]
    with setup.instance.data.begin() as conn:
        rows_ = conn.execute(select(audit_entries).order_by(audit_entries.c.seq)).all()
    prev = GENESIS
    for row in rows_:
        assert row.prev_hash == prev
        assert row.entry_hash == chain_hash(prev, row.body.encode())
        prev = row.entry_hash
    text = json.dumps(entries)
    for r in rows:
        for field in ("email", "card_number", "iban", "phone", "full_name"):
            assert r[field] not in text


def _break_ledger(setup: Setup) -> None:
    """Make the database itself refuse ledger writes, as a full disk or a revoked grant would."""
    with setup.instance.data.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql(
                "CREATE TRIGGER no_ledger BEFORE INSERT ON audit_entries "
                "BEGIN SELECT RAISE(ABORT, 'ledger refused'); END"
            )
        else:
            conn.exec_driver_sql(
                "CREATE FUNCTION no_ledger() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'ledger refused'; END $$"
            )
            conn.exec_driver_sql(
                "CREATE TRIGGER no_ledger BEFORE INSERT ON audit_entries "
                "FOR EACH ROW EXECUTE FUNCTION no_ledger()"
            )


def test_failed_ledger_write_fails_the_reveal_and_returns_nothing(
    setup: Setup, acme: TenantSpec
) -> None:
    rows = list(customers(1, seed=9))
    _put(setup, rows)
    before = _entries(setup)
    _break_ledger(setup)
    result = None
    with pytest.raises((StoreUnavailable, Conflict)):
        result = vault_records.reveal(
            setup.instance,
            setup.operator,
            "acme-bank",
            rows[0]["id"],
            "card_number",
            "test purpose",
        )
    assert result is None
    with pytest.raises((StoreUnavailable, Conflict)):
        _put(setup, list(customers(2, seed=99, prefix="new")))
    assert _entries(setup) == before
    assert tenants_count(setup) == 1


def tenants_count(setup: Setup) -> int:
    with setup.instance.data.begin() as conn:
        return len(conn.execute(select(records.c.subject_id)).all())


def test_batch_with_one_bad_line_stores_nothing(
    setup: Setup, acme: TenantSpec, tmp_path: Path
) -> None:
    rows = list(customers(50, seed=1))
    rows[36]["card_number"] = "4111111111111112"  # fails Luhn
    path = tmp_path / "batch.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(BadInput) as err:
        vault_records.put(
            setup.instance, setup.operator, "acme-bank", read_records(path), str(path)
        )
    assert err.value.location.line == 37
    assert err.value.location.field == "card_number"
    assert err.value.location.file == str(path)
    assert tenants.show(setup.instance, setup.operator, "acme-bank").records == 0
    with setup.instance.keys.begin() as kconn:
        assert kconn.execute(select(subject_keys)).first() is None


def test_unknown_field_and_unknown_tenant_are_refused(setup: Setup, acme: TenantSpec) -> None:
    with pytest.raises(BadInput) as err:
        _put(setup, [{"id": "x-1", "shoe_size": "44"}])
    assert err.value.location.field == "shoe_size"
    with pytest.raises(NotFound):
        _put(setup, [{"id": "x-1", "email": "a@b.org"}], tenant="nobank")
    with pytest.raises(Conflict):
        tenants.create(setup.instance, setup.operator, acme)


def test_put_again_updates_and_keeps_the_subject_key(setup: Setup, acme: TenantSpec) -> None:
    rows = list(customers(2, seed=2))
    _put(setup, rows)
    rows[0]["email"] = "changed@example.org"
    vault_records.put(setup.instance, setup.operator, "acme-bank", from_dicts(rows[:1]))
    assert (
        vault_records.reveal(
            setup.instance, setup.operator, "acme-bank", rows[0]["id"], "email", "verify update"
        )
        == "changed@example.org"
    )
    assert (
        vault_records.find(
            setup.instance, setup.operator, "acme-bank", "email", "changed@example.org"
        )[0].subject
        == rows[0]["id"]
    )


def test_tokens_follow_the_rules_and_round_trip(setup: Setup, acme: TenantSpec) -> None:
    rows = list(customers(20, seed=4))
    _put(setup, rows)
    for r in rows:
        token = vault_records.get(setup.instance, setup.operator, "acme-bank", r["id"]).tokens[
            "card_number"
        ]
        card = r["card_number"]
        assert len(token) == len(card) and token[-4:] == card[-4:] and token != card
        assert not luhn.is_valid(token)
        assert (
            tokens.tokenize(
                setup.instance,
                setup.operator,
                "acme-bank",
                "CREDIT_CARD",
                " ".join([card[:4], card[4:]]),
            )
            == token
        )
        assert tokens.detokenize(setup.instance, setup.operator, "acme-bank", token) == card
    with pytest.raises(BadInput):
        tokens.detokenize(setup.instance, setup.operator, "acme-bank", rows[0]["card_number"])
    with pytest.raises(BadInput):
        tokens.tokenize(setup.instance, setup.operator, "acme-bank", "EMAIL_ADDRESS", "a@b.org")


def test_tokens_are_per_tenant(setup: Setup, acme: TenantSpec) -> None:
    tenants.create(setup.instance, setup.operator, demo_spec("zeta-retail"))
    card = "4111111111111111"
    a = tokens.tokenize(setup.instance, setup.operator, "acme-bank", "CREDIT_CARD", card)
    z = tokens.tokenize(setup.instance, setup.operator, "zeta-retail", "CREDIT_CARD", card)
    assert a != z
    with pytest.raises(NotFound):
        tokens.detokenize(setup.instance, setup.operator, "zeta-retail", a)


def test_rotation_keeps_values_and_new_writes_use_the_new_version(
    setup: Setup, acme: TenantSpec
) -> None:
    rows = list(customers(30, seed=6))
    _put(setup, rows[:20])
    rot = keys.rotate(setup.instance, setup.operator, "acme-bank")
    assert (rot.old_version, rot.new_version) == (1, 2)
    _put(setup, rows[20:])
    versions = {
        r["id"]: vault_records.get(setup.instance, setup.operator, "acme-bank", r["id"]).key_version
        for r in rows
    }
    assert {versions[r["id"]] for r in rows[:20]} == {1}
    assert {versions[r["id"]] for r in rows[20:]} == {2}
    for r in rows:
        assert (
            vault_records.reveal(
                setup.instance, setup.operator, "acme-bank", r["id"], "iban", "after rotation"
            )
            == r["iban"]
        )
    rot2 = keys.rotate(setup.instance, setup.operator, "acme-bank", rewrap=True)
    assert rot2.new_version == 3 and rot2.rewrapped_subject_keys == 30
    setup.instance.keysets.clear()  # prove it from the stored, wrapped keyset
    for r in rows:
        assert (
            vault_records.get(setup.instance, setup.operator, "acme-bank", r["id"]).key_version == 3
        )
        assert (
            vault_records.reveal(
                setup.instance, setup.operator, "acme-bank", r["id"], "card_number", "after rewrap"
            )
            == r["card_number"]
        )
        token = vault_records.get(setup.instance, setup.operator, "acme-bank", r["id"]).tokens[
            "card_number"
        ]
        assert (
            tokens.detokenize(setup.instance, setup.operator, "acme-bank", token)
            == r["card_number"]
        )


def _rotate_from_the_cli() -> int:
    """`strongroom keys rotate --rewrap` in a process of its own (the fixture's environment
    names the instance, its stores and its HSM), as an operator beside a running server."""
    exe = str(Path(sys.executable).with_name("strongroom"))
    done = subprocess.run(
        [exe, "keys", "rotate", "--tenant", "acme-bank", "--rewrap", "--json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return int(json.loads(done.stdout)["new_version"])


def test_a_rotation_by_another_process_is_seen_by_one_already_running(
    setup: Setup, acme: TenantSpec
) -> None:
    """Before, the running process's cached keyset lacked the other's new version: every
    rewrapped key then failed to open in it (KeyUnavailable, a 503 from a server) until it
    restarted, it went on wrapping new keys under the old version, and a rotation it made
    itself dropped the other's version, and with it every key re-wrapped under that."""
    rows = list(customers(12, seed=21))
    running = setup.instance
    _put(setup, rows[:4])
    token = vault_records.get(running, setup.operator, "acme-bank", rows[0]["id"]).tokens[
        "card_number"
    ]
    assert _rotate_from_the_cli() == 2
    got = vault_records.get(running, setup.operator, "acme-bank", rows[0]["id"])
    assert got.key_version == 2
    shown = vault_records.reveal(running, setup.operator, "acme-bank", rows[1]["id"], "iban", "why")
    assert shown == rows[1]["iban"]
    assert tokens.detokenize(running, setup.operator, "acme-bank", token) == rows[0]["card_number"]
    _put(setup, rows[4:8])
    assert {
        vault_records.get(running, setup.operator, "acme-bank", r["id"]).key_version
        for r in rows[4:8]
    } == {2}
    assert _rotate_from_the_cli() == 3  # the running process still holds version 2
    assert keys.rotate(running, setup.operator, "acme-bank", rewrap=True).new_version == 4
    _put(setup, rows[8:])
    running.keysets.clear()  # from the stored keyset alone
    for r in rows:
        shown = vault_records.reveal(running, setup.operator, "acme-bank", r["id"], "iban", "why")
        assert shown == r["iban"]
        assert vault_records.get(running, setup.operator, "acme-bank", r["id"]).key_version == 4


def test_erasure_makes_reveal_fail_and_shreds_its_card(setup: Setup, acme: TenantSpec) -> None:
    rows = list(customers(3, seed=8))
    _put(setup, rows)
    token = vault_records.get(setup.instance, setup.operator, "acme-bank", rows[0]["id"]).tokens[
        "card_number"
    ]
    vault_records.erase(setup.instance, setup.operator, "acme-bank", rows[0]["id"])
    with pytest.raises(Erased, match="erased"):
        vault_records.reveal(
            setup.instance, setup.operator, "acme-bank", rows[0]["id"], "email", "after erase"
        )
    with pytest.raises(NotFound):
        tokens.detokenize(setup.instance, setup.operator, "acme-bank", token)
    with pytest.raises(BadInput):
        _put(setup, rows[:1])
    assert (
        vault_records.find(setup.instance, setup.operator, "acme-bank", "email", rows[0]["email"])
        == []
    )
    assert (
        vault_records.reveal(
            setup.instance, setup.operator, "acme-bank", rows[1]["id"], "email", "still there"
        )
        == rows[1]["email"]
    )


@pytest.mark.parametrize(
    "purpose",
    [
        "check note for Zebulon zebulon.q@uniquemail.example",
        "refund to 4111 1111 1111 1111",
        "call back on +44 20 7123 4567",
        "payout to GB82 WEST 1234 5698 7654 32",
    ],
)
def test_a_purpose_holding_customer_data_is_refused_and_not_recorded(
    setup: Setup, acme: TenantSpec, purpose: str
) -> None:
    """A purpose is kept verbatim in the append-only ledger (and its exports and client
    slices): before, an agent's typed e-mail or card stayed there after the subject's erasure."""
    rows = list(customers(1, seed=27))
    _put(setup, rows)
    before = _entries(setup)
    with pytest.raises(BadInput) as err:
        vault_records.reveal(
            setup.instance, setup.operator, "acme-bank", rows[0]["id"], "email", purpose
        )
    assert err.value.location.field == "purpose"
    assert _entries(setup) == before
    shown = vault_records.reveal(
        setup.instance, setup.operator, "acme-bank", rows[0]["id"], "email", "refund T-1001"
    )
    assert shown == rows[0]["email"]


def test_an_erased_card_tokenized_again_gets_a_new_token(setup: Setup, acme: TenantSpec) -> None:
    """Tokens derived from the card with the tenant's key came back unchanged when the card
    was tokenized again after erasure, and detokenized for whoever still held the old one."""
    rows = list(customers(2, seed=22))
    _put(setup, rows)
    card = rows[0]["card_number"]
    old = vault_records.get(setup.instance, setup.operator, "acme-bank", rows[0]["id"]).tokens[
        "card_number"
    ]
    vault_records.erase(setup.instance, setup.operator, "acme-bank", rows[0]["id"])
    new = tokens.tokenize(setup.instance, setup.operator, "acme-bank", "CREDIT_CARD", card)
    assert new != old and new[-4:] == old[-4:]
    with pytest.raises(NotFound):
        tokens.detokenize(setup.instance, setup.operator, "acme-bank", old)
    assert tokens.tokenize(setup.instance, setup.operator, "acme-bank", "CREDIT_CARD", card) == new


def test_a_card_replaced_in_one_record_is_shredded_with_the_other_who_holds_it(
    setup: Setup, acme: TenantSpec
) -> None:
    """A and B hold one card; B's record is put again with another card. Before, B still
    counted as holding the first, so erasing A shredded nothing and the card detokenized."""
    a, b = list(customers(2, seed=23))
    shared = a["card_number"]
    _put(setup, [a, {**b, "card_number": shared}])
    token = vault_records.get(setup.instance, setup.operator, "acme-bank", a["id"]).tokens[
        "card_number"
    ]
    _put(setup, [b])  # b's own card now
    erased = vault_records.erase(setup.instance, setup.operator, "acme-bank", a["id"])
    assert erased["tokens_shredded"] == 1
    with pytest.raises(NotFound):
        tokens.detokenize(setup.instance, setup.operator, "acme-bank", token)
    # A card a subject held before is still its own: erasing it shreds that card too.
    c = {**list(customers(3, seed=24))[2], "id": "c-held-before"}
    _put(setup, [c])
    before = vault_records.get(setup.instance, setup.operator, "acme-bank", c["id"]).tokens[
        "card_number"
    ]
    _put(setup, [{**c, "card_number": b["card_number"]}])
    assert (
        vault_records.erase(setup.instance, setup.operator, "acme-bank", c["id"])["tokens_shredded"]
        == 1
    )  # the card it held before; b still holds the other
    with pytest.raises(NotFound):
        tokens.detokenize(setup.instance, setup.operator, "acme-bank", before)
    b_token = vault_records.get(setup.instance, setup.operator, "acme-bank", b["id"]).tokens[
        "card_number"
    ]
    assert (
        tokens.detokenize(setup.instance, setup.operator, "acme-bank", b_token) == b["card_number"]
    )


def _key_store_commits_then_the_data_store_fails(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The crash ADR 0001 allows for: the key store's transaction commits, then the data
    store's fails (and rolls back)."""
    real = vault_records.transaction

    @contextmanager
    def failing(engine: Any, **kw: Any) -> Iterator[Any]:
        with real(engine, **kw) as tx:
            yield tx
        if engine is setup.instance.keys and not kw.get("read_only"):
            raise StoreUnavailable("the data store failed (test)")

    monkeypatch.setattr(vault_records, "transaction", failing)


def test_a_put_cut_short_after_the_key_store_leaves_a_subject_that_can_be_put_or_erased(
    setup: Setup, acme: TenantSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before, the key left without a record made every later put of the subject a Conflict
    and its erasure NotFound, with its card still in the token vault."""
    rows = list(customers(3, seed=25))
    with monkeypatch.context() as m:
        _key_store_commits_then_the_data_store_fails(setup, m)
        with pytest.raises(StoreUnavailable):
            _put(setup, rows[:2])
    with pytest.raises(NotFound):
        vault_records.get(setup.instance, setup.operator, "acme-bank", rows[0]["id"])
    _put(setup, rows[:1])  # stored now, under the key left behind
    assert (
        vault_records.reveal(
            setup.instance, setup.operator, "acme-bank", rows[0]["id"], "iban", "why"
        )
        == rows[0]["iban"]
    )
    token = tokens.tokenize(
        setup.instance, setup.operator, "acme-bank", "CREDIT_CARD", rows[1]["card_number"]
    )
    erased = vault_records.erase(setup.instance, setup.operator, "acme-bank", rows[1]["id"])
    assert erased["tokens_shredded"] == 1
    with pytest.raises(NotFound):
        tokens.detokenize(setup.instance, setup.operator, "acme-bank", token)
    with pytest.raises(NotFound):  # neither record nor key: nothing to erase
        vault_records.erase(setup.instance, setup.operator, "acme-bank", rows[2]["id"])


def test_an_erasure_cut_short_after_the_key_store_is_finished_by_running_it_again(
    setup: Setup, acme: TenantSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before, a put of the subject then raised KeyError (a 500 from the API), and every find
    matching it failed with Erased."""
    rows = list(customers(3, seed=26))
    _put(setup, rows)
    victim = rows[0]
    with monkeypatch.context() as m:
        _key_store_commits_then_the_data_store_fails(setup, m)
        with pytest.raises(StoreUnavailable):
            vault_records.erase(setup.instance, setup.operator, "acme-bank", victim["id"])
    assert (
        vault_records.find(setup.instance, setup.operator, "acme-bank", "email", victim["email"])
        == []
    )
    with pytest.raises(BadInput, match="erase it again") as err:
        _put(setup, [rows[1], victim])
    assert (err.value.location.line, err.value.location.field) == (2, "id")
    vault_records.erase(setup.instance, setup.operator, "acme-bank", victim["id"])
    with pytest.raises(Erased):
        vault_records.get(setup.instance, setup.operator, "acme-bank", victim["id"])
    with pytest.raises(BadInput, match="was erased"):
        _put(setup, [victim])


def test_ciphertext_moved_to_another_row_field_or_tenant_does_not_open(
    setup: Setup, acme: TenantSpec
) -> None:
    tenants.create(setup.instance, setup.operator, demo_spec("zeta-retail"))
    rows = list(customers(2, seed=10))
    _put(setup, rows)
    _put(setup, [dict(rows[1], id=rows[0]["id"])], tenant="zeta-retail")
    a, b = rows[0]["id"], rows[1]["id"]
    with setup.instance.data.begin() as conn:
        sealed = {
            (t, s): json.loads(v)
            for t, s, v in conn.execute(
                select(records.c.tenant_id, records.c.subject_id, records.c.sealed)
            )
        }

    def plant(tenant: str, subject: str, field: str, value: str) -> None:
        target = dict(sealed[(tenant, subject)], **{field: value})
        with setup.instance.data.begin() as conn:
            conn.execute(
                update(records)
                .where(records.c.tenant_id == tenant, records.c.subject_id == subject)
                .values(sealed=json.dumps(target))
            )

    # another row: b's card into a's card
    plant("acme-bank", a, "card_number", sealed[("acme-bank", b)]["card_number"])
    with pytest.raises(KeyUnavailable):
        vault_records.reveal(
            setup.instance, setup.operator, "acme-bank", a, "card_number", "moved row"
        )
    # another field: a's email into a's iban
    plant("acme-bank", a, "iban", sealed[("acme-bank", a)]["email"])
    with pytest.raises(KeyUnavailable):
        vault_records.reveal(setup.instance, setup.operator, "acme-bank", a, "iban", "moved field")
    # another tenant: zeta's record a into acme's record a (same subject id)
    plant("acme-bank", a, "email", sealed[("zeta-retail", a)]["email"])
    with pytest.raises(KeyUnavailable):
        vault_records.reveal(
            setup.instance, setup.operator, "acme-bank", a, "email", "moved tenant"
        )
