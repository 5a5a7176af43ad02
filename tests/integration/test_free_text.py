"""Free-text fields are stored neutralised, on SQLite, PostgreSQL and with the root key in
SoftHSM2: a card typed or spoken in a note is stored as its token (which detokenizes to the
card), other findings as typed placeholders; no store file, dump or ledger entry holds the
card; the put's entry counts the findings per field; and a batch that fails stores nothing,
not even a token."""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess

import pytest
from sqlalchemy import func, select

from strongroom.errors import BadInput, NotFound
from strongroom.sim.customers import card
from strongroom.store.tables import audit_entries, token_vault
from strongroom.vault import records, tokens
from strongroom.vault.intake import from_dicts
from strongroom.vault.spec import TenantSpec
from tests.conftest import Setup

TENANT = "acme-bank"
WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
PURPOSE = "refund agreed on the call"


def spoken(digits: str) -> str:
    """A card read out in groups of four, as a call transcript has it."""
    groups = [digits[i : i + 4] for i in range(0, len(digits), 4)]
    return ", ".join(" ".join(WORDS[int(d)] for d in g) for g in groups)


def spaced(digits: str) -> str:
    return " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))


def entries(setup: Setup) -> list[dict[str, object]]:
    with setup.instance.data.begin() as conn:
        rows = conn.execute(select(audit_entries.c.body).order_by(audit_entries.c.seq))
        return [json.loads(b) for b in rows.scalars()]


def vault_size(setup: Setup) -> int:
    with setup.instance.keys.begin() as conn:
        return int(conn.execute(select(func.count()).select_from(token_vault)).scalar_one())


def tokens_in(text: str) -> list[str]:
    return re.findall(r"(?<!\d)\d{12,19}(?!\d)", text)


def needles(*cards: str) -> list[bytes]:
    """A card in any form, and its first digits alone (which betray it without the last four)."""
    out: list[bytes] = []
    for c in cards:
        out += [c.encode(), spaced(c).encode(), c[:-4].encode(), spoken(c).encode()]
    return out


def stored_bytes(setup: Setup) -> dict[str, bytes]:
    """Every byte the instance keeps: its files, and on PostgreSQL a dump of both databases."""
    out = {str(p): p.read_bytes() for p in setup.home.rglob("*") if p.is_file()}
    if setup.pg is not None:
        if shutil.which("pg_dump") is None:
            pytest.fail("pg_dump is needed to check the PostgreSQL store")
        for db in setup.pg:
            out[f"pg_dump {db}"] = subprocess.run(
                ["pg_dump", "-h", "127.0.0.1", "-U", "postgres", "--data-only", db],
                check=True,
                capture_output=True,
            ).stdout
    return out


def test_cards_in_a_note_are_stored_as_tokens_that_detokenize_to_the_cards(
    setup: Setup, acme: TenantSpec
) -> None:
    rng = random.Random(41)
    typed, said, in_field = card(rng), card(rng), card(rng)
    email = "pat.smith@example.org"
    rows = [
        {
            "id": "c-1",
            "card_number": in_field,
            "notes": f"Refund to card {spaced(typed)} agreed; confirm to {email} today.",
        },
        {"id": "c-2", "notes": f"Caller read her card number: {spoken(said)}. Refund agreed."},
        {"id": "c-3", "notes": "Called about a late delivery."},
    ]
    inst, op = setup.instance, setup.operator
    records.put(inst, op, TENANT, from_dicts(rows))

    shown = records.get(inst, op, TENANT, "c-1")
    assert shown.fields["notes"] == "[withheld]"
    first = records.reveal(inst, op, TENANT, "c-1", "notes", PURPOSE)
    second = records.reveal(inst, op, TENANT, "c-2", "notes", PURPOSE)
    third = records.reveal(inst, op, TENANT, "c-3", "notes", PURPOSE)
    assert third == rows[2]["notes"]
    assert first.startswith("Refund to card ") and first.endswith(" today.")
    assert "<EMAIL_ADDRESS>" in first and email not in first
    assert second.startswith("Caller read her card number: ")
    [t1], [t2] = tokens_in(first), tokens_in(second)
    assert (t1[-4:], t2[-4:]) == (typed[-4:], said[-4:])
    assert tokens.detokenize(inst, op, TENANT, t1, PURPOSE) == typed
    assert tokens.detokenize(inst, op, TENANT, t2, PURPOSE) == said
    assert records.reveal(inst, op, TENANT, "c-1", "card_number", PURPOSE) == in_field
    for text in (first, second):
        assert not any(n.decode() in text for n in needles(typed, said))

    put = [e for e in entries(setup) if e["action"] == "record.put"][-1]
    counted = put["details"]["free_text"]["notes"]  # type: ignore[index]
    assert counted["CREDIT_CARD"] == 2 and counted["EMAIL_ADDRESS"] == 1
    ledger = json.dumps(entries(setup))
    assert email not in ledger
    for n in needles(typed, said, in_field):
        assert n.decode() not in ledger

    for where, blob in stored_bytes(setup).items():
        found = [n for n in [*needles(typed, said, in_field), email.encode()] if n in blob]
        assert found == [], f"a card or email in clear in {where}"


@pytest.mark.parametrize("setup", ["sqlite-keyfile"], indirect=True)
def test_erasing_the_only_holder_of_a_note_card_shreds_its_token(
    setup: Setup, acme: TenantSpec
) -> None:
    inst, op = setup.instance, setup.operator
    c = card(random.Random(42))
    records.put(inst, op, TENANT, from_dicts([{"id": "c-9", "notes": f"card {c} on file"}]))
    [token] = tokens_in(records.reveal(inst, op, TENANT, "c-9", "notes", PURPOSE))
    assert tokens.detokenize(inst, op, TENANT, token, PURPOSE) == c
    assert records.erase(inst, op, TENANT, "c-9")["tokens_shredded"] == 1
    with pytest.raises(NotFound):
        tokens.detokenize(inst, op, TENANT, token, PURPOSE)


@pytest.mark.parametrize("setup", ["sqlite-keyfile"], indirect=True)
def test_the_same_card_in_a_note_and_in_a_card_field_has_one_token(
    setup: Setup, acme: TenantSpec
) -> None:
    inst, op = setup.instance, setup.operator
    c = card(random.Random(43))
    row = {"id": "c-5", "card_number": c, "notes": f"customer confirmed {spaced(c)}"}
    records.put(inst, op, TENANT, from_dicts([row]))
    got = records.get(inst, op, TENANT, "c-5")
    note = records.reveal(inst, op, TENANT, "c-5", "notes", PURPOSE)
    assert tokens_in(note) == [got.tokens["card_number"]]
    assert vault_size(setup) == 1


@pytest.mark.parametrize("setup", ["sqlite-keyfile"], indirect=True)
def test_a_batch_with_a_bad_record_stores_nothing_not_even_the_note_token(
    setup: Setup, acme: TenantSpec
) -> None:
    inst, op = setup.instance, setup.operator
    c = card(random.Random(44))
    rows = [
        {"id": "c-1", "notes": f"card {spaced(c)}"},
        {"id": "c-2", "email": "not an email"},
    ]
    with pytest.raises(BadInput) as err:
        records.put(inst, op, TENANT, from_dicts(rows))
    assert err.value.location.line == 2 and err.value.location.field == "email"
    assert vault_size(setup) == 0
    failed = entries(setup)[-1]
    assert failed["action"] == "record.put" and failed["outcome"]["decision"] == "failed"  # type: ignore[index]
    assert c not in json.dumps(failed)


@pytest.mark.parametrize("setup", ["sqlite-keyfile"], indirect=True)
def test_a_put_without_free_text_says_nothing_of_it(setup: Setup, acme: TenantSpec) -> None:
    inst, op = setup.instance, setup.operator
    records.put(inst, op, TENANT, from_dicts([{"id": "c-1", "email": "pat@example.org"}]))
    records.put(inst, op, TENANT, from_dicts([{"id": "c-2", "notes": "Prefers email contact."}]))
    without, with_note = [e for e in entries(setup) if e["action"] == "record.put"]
    assert "details" not in without
    assert with_note["details"] == {"free_text": {"notes": {}}}


@pytest.mark.parametrize("setup", ["sqlite-keyfile"], indirect=True)
def test_a_note_too_long_is_refused_naming_line_and_field(setup: Setup, acme: TenantSpec) -> None:
    inst, op = setup.instance, setup.operator
    rows = [{"id": "c-1", "notes": "x" * 65_537}]
    with pytest.raises(BadInput) as err:
        records.put(inst, op, TENANT, from_dicts(rows))
    assert (err.value.location.line, err.value.location.field) == (1, "notes")


@pytest.mark.parametrize("setup", ["sqlite-keyfile"], indirect=True)
@pytest.mark.parametrize("cue", ["txn", "order #", "ref", "case"])
def test_a_card_after_a_reference_word_is_still_not_stored(
    setup: Setup, acme: TenantSpec, cue: str
) -> None:
    """The scanner lets "order 4539..." pass as a reference; the store does not take the risk."""
    typed = card(random.Random(cue))
    note = f"Customer quoted {cue} {typed} when asking for the refund."
    inst, op = setup.instance, setup.operator
    records.put(inst, op, TENANT, from_dicts([{"id": "c-9", "notes": note}]))
    stored = records.reveal(inst, op, TENANT, "c-9", "notes", PURPOSE)
    assert typed not in stored and typed[:-4] not in stored
    [token] = tokens_in(stored)
    assert tokens.detokenize(inst, op, TENANT, token, PURPOSE) == typed
    for where, blob in stored_bytes(setup).items():
        assert typed.encode() not in blob, f"the card in clear in {where}"
