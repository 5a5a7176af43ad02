"""Operators: what a finding becomes. Redact and mask never leave a run of a card's digits;
mask keeps a card's last four and nothing more; hash is a keyed pseudonym, the same within a
tenant and different across tenants; tokenize asks for the token of exactly the cards found."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum import luhn

from strongroom.crypto import INDEX, new_keyset
from strongroom.dlp.finding import Finding
from strongroom.dlp.operators import (
    OPERATORS,
    card_of,
    cards,
    hash_form,
    neutralise,
    spoken_digits,
)
from strongroom.dlp.recognizers.context import REFERENCE_WORDS
from strongroom.dlp.scanner import scan
from strongroom.vault.free_text import hasher

CARD = "4111111111111111"
CARD_SPACED = "4111 1111 1111 1111"
DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
SPOKEN_CARD = " ".join(DIGIT_WORDS[int(d)] for d in CARD)


def found(text: str, value: str, entity_type: str, score: float = 0.9) -> Finding:
    start = text.index(value)
    return Finding(entity_type, start, start + len(value), score, "test")


def fixed_hash(entity_type: str, form: str) -> str:
    return "0123456789abcdef"


def token(card: str) -> str:
    return "9" * (len(card) - 4) + card[-4:]


def runs(digits: str, n: int = 5) -> set[str]:
    return {digits[i : i + n] for i in range(len(digits) - n + 1)}


def leaks(card: str, text: str, n: int = 5) -> bool:
    """Whether any run of `n` consecutive digits of `card` appears in `text`'s digits, read
    across separators too."""
    digits = "".join(ch for ch in text if ch.isdigit())
    return any(r in digits for r in runs(card, n))


# --- each operator on each type ------------------------------------------------------------

MASKED = [
    ("card 4111 1111 1111 1111 ok", "4111 1111 1111 1111", "CREDIT_CARD", "**** **** **** 1111"),
    ("card 4111-1111-1111-1111.", "4111-1111-1111-1111", "CREDIT_CARD", "****-****-****-1111"),
    ("card 4111111111111111", "4111111111111111", "CREDIT_CARD", "************1111"),
    (
        "it is four one one one double one one one one one one one triple one",
        "four one one one double one one one one one one one triple one",
        "CREDIT_CARD",
        "<CREDIT_CARD ****1111>",
    ),
    ("write to pat.smith@example.org", "pat.smith@example.org", "EMAIL_ADDRESS", "p***@e***.org"),
    ("ring +44 7700 900123 today", "+44 7700 900123", "PHONE_NUMBER", "+** **** ****23"),
    ("iban GB29 NWBK 6016 1331 9268 19", "GB29 NWBK 6016 1331 9268 19", "IBAN_CODE",
     "**** **** **** **** **68 19"),
    ("ssn 123-45-6789", "123-45-6789", "US_SSN", "***-**-6789"),
    ("from 192.0.2.10", "192.0.2.10", "IP_ADDRESS", "<IP_ADDRESS>"),
    ("nino QQ 12 34 56 C", "QQ 12 34 56 C", "UK_NINO", "<UK_NINO>"),
    ("spoke to Pat Smith", "Pat Smith", "PERSON", "P. S."),
]  # fmt: skip


@pytest.mark.parametrize(("text", "value", "entity_type", "shown"), MASKED)
def test_mask_shows_what_the_vaults_mask_for_the_class_shows(
    text: str, value: str, entity_type: str, shown: str
) -> None:
    out = neutralise(text, [found(text, value, entity_type)], "mask")
    assert out == text.replace(value, shown)


@pytest.mark.parametrize(("text", "value", "entity_type", "shown"), MASKED)
def test_redact_leaves_the_typed_placeholder(
    text: str, value: str, entity_type: str, shown: str
) -> None:
    out = neutralise(text, [found(text, value, entity_type)], "redact")
    assert out == text.replace(value, f"<{entity_type}>")


def test_hash_is_the_type_and_the_tenants_pseudonym() -> None:
    text = "mail pat@example.org or card 4111 1111 1111 1111"
    fs = [found(text, "pat@example.org", "EMAIL_ADDRESS"), found(text, CARD_SPACED, "CREDIT_CARD")]
    out = neutralise(text, fs, "hash", tenant_hasher=fixed_hash)
    assert out == "mail <EMAIL_ADDRESS#0123456789abcdef> or card <CREDIT_CARD#0123456789abcdef>"


def test_tokenize_swaps_cards_for_tokens_and_redacts_the_rest() -> None:
    text = "card 4111 1111 1111 1111, mail pat@example.org"
    fs = [found(text, CARD_SPACED, "CREDIT_CARD"), found(text, "pat@example.org", "EMAIL_ADDRESS")]
    asked: list[str] = []

    def tokenizer(card: str) -> str:
        asked.append(card)
        return token(card)

    out = neutralise(text, fs, "tokenize", tokenizer=tokenizer)
    assert out == "card 999999999999" + "1111, mail <EMAIL_ADDRESS>"
    assert asked == [CARD]
    assert cards(text, fs) == {CARD}


def test_tokenize_reads_a_spoken_card_as_the_digits_it_spells() -> None:
    spoken = "four one one one, double one one one... one one one one, one triple one"
    text = f"caller read {spoken} twice"
    fs = [found(text, spoken, "CREDIT_CARD")]
    assert cards(text, fs) == {CARD}
    assert neutralise(text, fs, "tokenize", tokenizer=token) == f"caller read {token(CARD)} twice"


def test_tokenize_redacts_a_card_finding_that_is_no_valid_card() -> None:
    text = "ref 4111 1111 1111 1112"
    fs = [found(text, "4111 1111 1111 1112", "CREDIT_CARD")]
    assert cards(text, fs) == set()
    assert neutralise(text, fs, "tokenize", tokenizer=token) == "ref <CREDIT_CARD>"


def test_overlapping_findings_become_one_span_typed_by_the_best() -> None:
    text = "call 4111111111111111 now"
    fs = [
        Finding("PHONE_NUMBER", 5, 15, 0.4, "phone"),
        Finding("CREDIT_CARD", 5, 21, 1.0, "card"),
        Finding("US_SSN", 12, 22, 0.3, "ssn"),
    ]
    assert neutralise(text, fs, "redact") == "call <CREDIT_CARD>now"


def test_no_findings_no_change_and_adjacent_findings_stay_apart() -> None:
    assert neutralise("nothing here", [], "redact") == "nothing here"
    text = "ab"
    fs = [Finding("PERSON", 0, 1, 0.5, "x"), Finding("PERSON", 1, 2, 0.5, "x")]
    assert neutralise(text, fs, "redact") == "<PERSON><PERSON>"


@pytest.mark.parametrize(
    ("finding", "words"),
    [
        (Finding("CREDIT_CARD", 3, 40, 1.0, "x"), "outside a text"),
        (Finding("CREDIT_CARD", -1, 2, 1.0, "x"), "outside a text"),
        (Finding("CREDIT_CARD", 2, 2, 1.0, "x"), "outside a text"),
    ],
)
def test_a_finding_outside_the_text_is_refused(finding: Finding, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        neutralise("short text", [finding], "redact")


def test_unknown_operator_and_keyed_operators_without_their_key_are_refused() -> None:
    text = "x 4111111111111111"
    fs = [found(text, CARD, "CREDIT_CARD")]
    with pytest.raises(ValueError, match="unknown operator"):
        neutralise(text, fs, "shred")
    with pytest.raises(ValueError, match="hasher"):
        neutralise(text, fs, "hash")
    with pytest.raises(ValueError, match="tokenizer"):
        neutralise(text, fs, "tokenize")


@pytest.mark.parametrize(
    ("words", "digits"),
    [
        ("four one one one", "4111"),
        ("Four, ONE... oh nine", "4109"),
        ("double four triple two", "44222"),
        ("four 111 one", "41111"),
        ("four dash one", "41"),
        ("forty one, uh, eleven", "4111"),
        ("cuatro uno", "41"),
        ("no number here", None),
        ("double", None),
        ("", None),
    ],
)
def test_spoken_digits(words: str, digits: str | None) -> None:
    assert spoken_digits(words) == digits


@pytest.mark.parametrize(
    ("value", "card"),
    [
        ("4111 1111 1111 1111", CARD),
        ("4111-1111-1111-1111", CARD),
        ("4111 1111 1111 1112", None),
        (SPOKEN_CARD, CARD),
        ("four one one one", None),
    ],
)
def test_card_of(value: str, card: str | None) -> None:
    assert card_of(value) == card


@pytest.mark.parametrize(
    ("entity_type", "a", "b"),
    [
        ("CREDIT_CARD", "4111 1111 1111 1111", SPOKEN_CARD),
        ("EMAIL_ADDRESS", "Pat@Example.org", "pat@example.org"),
        ("IBAN_CODE", "gb29 nwbk 6016 1331 9268 19", "GB29NWBK60161331926819"),
        ("PHONE_NUMBER", "+44 7700 900123", "+447700900123"),
        ("PERSON", "Pat  Smith", "pat smith"),
    ],
)
def test_one_value_written_two_ways_has_one_hash_form(entity_type: str, a: str, b: str) -> None:
    assert hash_form(entity_type, a) == hash_form(entity_type, b)


# --- hash: keyed per tenant --------------------------------------------------------------------


def test_hash_is_deterministic_per_tenant_and_differs_across_tenants() -> None:
    acme, zeta = hasher(new_keyset(INDEX)), hasher(new_keyset(INDEX))
    text = "mail pat@example.org"
    fs = [found(text, "pat@example.org", "EMAIL_ADDRESS")]
    once = neutralise(text, fs, "hash", tenant_hasher=acme)
    again = neutralise(text.upper().replace("MAIL", "mail"), fs, "hash", tenant_hasher=acme)
    other = neutralise(text, fs, "hash", tenant_hasher=zeta)
    assert re.fullmatch(r"mail <EMAIL_ADDRESS#[0-9a-f]{16}>", once)
    assert once == again
    assert other != once
    # The label keeps one type's pseudonym from standing for another's.
    assert acme("EMAIL_ADDRESS", "x") != acme("PERSON", "x")


# --- properties: no run of a card's digits survives --------------------------------------------


@st.composite
def luhn_cards(draw: st.DrawFn) -> str:
    prefix, length = draw(
        st.sampled_from([("4", 16), ("4", 13), ("4", 19), ("51", 16), ("55", 16), ("37", 15),
                         ("34", 15), ("6011", 16), ("36", 14), ("3528", 16)])
    )  # fmt: skip
    body = prefix + draw(st.text("0123456789", min_size=length - len(prefix) - 1,
                                 max_size=length - len(prefix) - 1))  # fmt: skip
    return body + luhn.calc_check_digit(body)


@st.composite
def written(draw: st.DrawFn, card: str) -> str:
    """The card as people type it: compact, or in groups of four split by a space or dash."""
    sep = draw(st.sampled_from(["", " ", "-"]))
    return sep.join(card[i : i + 4] for i in range(0, len(card), 4))


def names_a_reference(word: str) -> bool:
    return any(w in REFERENCE_WORDS for w in re.findall(r"[^\W\d_]+", word.lower()))


# Words around the card, without digits, so any digit in the output came from the card, and
# without the words that rightly say a number is no card ("txn 4000…", "order #4111…").
WORD = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJ,.;:!?'()", min_size=1, max_size=12
).filter(lambda w: not names_a_reference(w))
ANY_PROSE = st.lists(WORD, max_size=8).map(" ".join)
# ... and without words a caller reads digits with ("o", "oh", "one", "dos"), which may
# rightly join the card into a longer spoken number.
PROSE = st.lists(WORD.filter(lambda w: spoken_digits(w) is None), max_size=8).map(" ".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), card=luhn_cards(), before=PROSE, after=PROSE)
def test_redact_and_mask_leave_no_run_of_the_card_given_its_finding(
    data: st.DataObject, card: str, before: str, after: str
) -> None:
    value = data.draw(written(card))
    text = f"{before} {value} {after}"
    fs = [found(text, value, "CREDIT_CARD")]
    redacted = neutralise(text, fs, "redact")
    masked = neutralise(text, fs, "mask")
    assert not leaks(card, redacted) and not any(ch.isdigit() for ch in redacted)
    assert not leaks(card, masked)
    assert "".join(ch for ch in masked if ch.isdigit()) == card[-4:]


def _scanned_card_neutralised(
    data: st.DataObject, card: str, before: str, after: str
) -> tuple[str, str]:
    """The card written some way between two runs of prose, found by the scanner itself,
    then redacted and masked; neither may keep a run of the card."""
    value = data.draw(written(card))
    text = f"{before} {value} {after}"
    fs = scan(text)
    redacted = neutralise(text, fs, "redact")
    masked = neutralise(text, fs, "mask")
    assert not leaks(card, redacted), redacted
    assert not leaks(card, masked), masked
    return redacted, masked


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), card=luhn_cards(), before=PROSE, after=PROSE)
def test_scanned_then_redacted_or_masked_no_run_of_the_card_survives(
    data: st.DataObject, card: str, before: str, after: str
) -> None:
    _, masked = _scanned_card_neutralised(data, card, before, after)
    assert "".join(ch for ch in masked if ch.isdigit()) == card[-4:]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), card=luhn_cards(), before=ANY_PROSE, after=ANY_PROSE)
def test_scanned_among_any_words_no_run_of_the_card_survives_and_four_digits_at_most(
    data: st.DataObject, card: str, before: str, after: str
) -> None:
    _, masked = _scanned_card_neutralised(data, card, before, after)
    assert sum(ch.isdigit() for ch in masked) <= 4, masked


@settings(max_examples=100, deadline=None)
@given(card=luhn_cards(), before=PROSE, after=PROSE)
def test_spoken_card_masked_keeps_only_the_last_four(card: str, before: str, after: str) -> None:
    spoken = " ".join(DIGIT_WORDS[int(d)] for d in card)
    text = f"{before} {spoken} {after}"
    fs = [found(text, spoken, "CREDIT_CARD")]
    masked = neutralise(text, fs, "mask")
    assert masked == text.replace(spoken, f"<CREDIT_CARD ****{card[-4:]}>", 1)
    assert cards(text, fs) == {card}


@pytest.mark.parametrize("operator", OPERATORS)
def test_every_operator_leaves_the_text_around_the_finding_alone(operator: str) -> None:
    text = "before 4111 1111 1111 1111 after"
    out = neutralise(
        text,
        [found(text, CARD_SPACED, "CREDIT_CARD")],
        operator,
        tenant_hasher=fixed_hash,
        tokenizer=token,
    )
    assert out.startswith("before ") and out.endswith(" after")
    assert not leaks(CARD, out)


def test_a_disguised_card_gets_the_token_and_the_pseudonym_of_the_plain_one() -> None:
    """Invisible characters inside a value do not change what it is tokenized or hashed as:
    varying them would otherwise break the linkage a pseudonym gives, on purpose."""
    from strongroom.dlp.scanner import scan

    plain, hidden = "card 4556737586899855", "card 4556\u200b7375\u200d8689\u00ad9855"
    asked: list[str] = []

    def tokenizer(card: str) -> str:
        asked.append(card)
        return "tok"

    for text in (plain, hidden):
        assert neutralise(text, scan(text), "tokenize", tokenizer=tokenizer) == "card tok"
        hashed = neutralise(text, scan(text), "hash", tenant_hasher=lambda k, v: v[-4:])
        assert hashed == "card <CREDIT_CARD#9855>"
    assert asked == ["4556737586899855", "4556737586899855"]
    assert cards(hidden, scan(hidden)) == {"4556737586899855"}
