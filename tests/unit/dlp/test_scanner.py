"""The scanner: every recogniser together, hard negatives, overlaps and ordering."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from strongroom.dlp.finding import ENTITIES, Finding
from strongroom.dlp.recognizers.interface import CHECKSUM_SCORE
from strongroom.dlp.scanner import recognizers, refuse_customer_data, resolve, scan, scan_many
from strongroom.errors import BadInput

# Look-alikes a contact centre's text is full of, none of them sensitive data.
HARD_NEGATIVES = [
    "order #123456789012",
    "Your order 4539 5787 6362 1486 has shipped",
    "tracking 1Z999AA10123456784",
    "INV-2024-000123",
    "Case ref 1234567812345678 is open",
    "SKU AB-1234-5678-9012",
    "Total: $1,234.56",
    "Kwota: 1 234,56 zł",
    "Paid on 2024-03-15",
    "Paid on 15/03/2024 at 14:30",
    "card ending 4242",
    "the last four are 4242",
    "version 1.2.3.4 is out",
    "May I help you? Will Visa refund it in June?",
    "Our Manila and Krakow sites open on Monday.",
    "Thank you for contacting Customer Service.",
]


@pytest.mark.parametrize("text", HARD_NEGATIVES)
def test_hard_negatives_find_nothing(text: str) -> None:
    assert scan(text) == []


def test_a_contact_centre_message_finds_each_entity_once_in_order() -> None:
    text = (
        "Customer (Maria Santos): my card is 4111 1111 1111 1111, phone +44 20 7946 0958, "
        "email maria.santos@example.com, IBAN PL61 1090 1014 0000 0712 1981 2874, "
        "SSN 536-22-1234, NI AB 12 34 56 C, from 10.0.0.1. Order #123456789012."
    )
    findings = scan(text)
    assert [(f.entity_type, text[f.start : f.end]) for f in findings] == [
        ("PERSON", "Maria Santos"),
        ("CREDIT_CARD", "4111 1111 1111 1111"),
        ("PHONE_NUMBER", "+44 20 7946 0958"),
        ("EMAIL_ADDRESS", "maria.santos@example.com"),
        ("IBAN_CODE", "PL61 1090 1014 0000 0712 1981 2874"),
        ("US_SSN", "536-22-1234"),
        ("UK_NINO", "AB 12 34 56 C"),
        ("IP_ADDRESS", "10.0.0.1"),
    ]


def test_luhn_valid_card_is_a_card_not_a_phone() -> None:
    (finding,) = scan("call 4111 1111 1111 1111")
    assert finding.entity_type == "CREDIT_CARD"


def test_iban_wins_over_a_card_hidden_in_its_digits() -> None:
    # "4996 2283 0388 3685" inside this German IBAN passes Luhn on its own
    text = "DE63 4996 2283 0388 3685 95"
    assert [f.entity_type for f in scan(text, entities=["CREDIT_CARD"])] == ["CREDIT_CARD"]
    assert [(f.entity_type, f.start, f.end) for f in scan(text)] == [("IBAN_CODE", 0, 27)]


def test_spoken_and_typed_digits_make_one_card() -> None:
    text = "it's four one one one 1111 1111 1111"
    (finding,) = scan(text)
    assert (finding.entity_type, text[finding.start : finding.end]) == (
        "CREDIT_CARD",
        "four one one one 1111 1111 1111",
    )


def test_entities_limit_the_recognisers_run() -> None:
    text = "Maria Santos, 4111 1111 1111 1111, maria@example.com"
    assert [f.entity_type for f in scan(text, entities=["EMAIL_ADDRESS"])] == ["EMAIL_ADDRESS"]
    assert [f.entity_type for f in scan(text, entities={"PERSON", "CREDIT_CARD"})] == [
        "PERSON",
        "CREDIT_CARD",
    ]
    assert scan(text, entities=[]) == []


def test_unknown_entity_is_bad_input() -> None:
    with pytest.raises(BadInput, match="LOCATION"):
        scan("anything", entities=["LOCATION"])


def test_scan_many_equals_scan_of_each() -> None:
    texts = ["Hi Maria,", "", "4111111111111111", "nothing here"]
    assert scan_many(texts) == [scan(t) for t in texts]


def test_every_finding_uses_a_known_entity() -> None:
    text = "Mr John Smith, 4111111111111111, +63 917 123 4567, GB82WEST12345698765432"
    assert {f.entity_type for f in scan(text)} <= set(ENTITIES)


def _f(entity: str, start: int, end: int, score: float) -> Finding:
    return Finding(entity, start, end, score, "test")


def test_resolve_prefers_checksum_then_length_then_score() -> None:
    card = _f("CREDIT_CARD", 10, 29, 1.0)
    longer_phone = _f("PHONE_NUMBER", 5, 30, 0.75)
    ssn = _f("US_SSN", 40, 51, 0.85)
    phone_same_span = _f("PHONE_NUMBER", 40, 51, 0.6)
    longer_person = _f("PERSON", 38, 60, 0.7)
    kept = resolve([longer_phone, card, phone_same_span, ssn, longer_person])
    assert kept == [card, longer_person]


def test_resolve_sorts_and_keeps_touching_findings() -> None:
    a, b, c = _f("PERSON", 0, 5, 0.8), _f("PERSON", 5, 9, 0.8), _f("EMAIL_ADDRESS", 20, 30, 0.95)
    assert resolve([c, b, a]) == [a, b, c]


def test_resolve_on_equal_preference_keeps_the_earlier() -> None:
    first, second = _f("PHONE_NUMBER", 0, 10, 0.6), _f("PHONE_NUMBER", 5, 15, 0.6)
    assert resolve([second, first]) == [first]


# Invisible characters: what a chat window shows as nothing must not hide a value from the scan.
_HIDERS = [
    "\x00",
    "\x81",
    "\ufe0f",
    "\u00ad",
    "\u200b",
    "\u200c",
    "\u200d",
    "\u2060",
    "\ufeff",
    "\u202e",
]
_CARD = "4556737586899855"


@given(
    cuts=st.lists(st.integers(min_value=1, max_value=len(_CARD) - 1), max_size=6),
    hiders=st.lists(st.sampled_from(_HIDERS), min_size=6, max_size=6),
)
def test_a_card_with_invisible_characters_inside_is_found_and_spans_them(
    cuts: list[int], hiders: list[str]
) -> None:
    hidden = _CARD
    for cut, hider in sorted(zip(cuts, hiders, strict=False), reverse=True):
        hidden = hidden[:cut] + hider + hidden[cut:]
    text = f"my card is {hidden} thanks"
    for found in (scan(text), scan_many(["nothing here", text])[1]):
        cards = [f for f in found if f.entity_type == "CREDIT_CARD"]
        assert [(f.start, f.end) for f in cards] == [(11, 11 + len(hidden))]


@given(st.text(alphabet=st.sampled_from([*"ab 0123456789@.-+", *_HIDERS]), max_size=80))
def test_findings_map_onto_the_text_as_given(text: str) -> None:
    """Every finding the text as given shows stands; each other one is a finding of the text
    without its invisible characters, mapped back onto the text."""
    visible = "".join(ch for ch in text if ch not in _HIDERS)
    found = scan(text)
    as_given = {(f.entity_type, text[f.start : f.end]) for f in scan_many([text])[0]}
    assert {(f.entity_type, text[f.start : f.end]) for f in found} == as_given
    plain = {
        (f.entity_type, f.start, f.end)
        for f in resolve([g for r in recognizers() for g in r.find(text)])
    }
    folded = {(f.entity_type, visible[f.start : f.end]) for f in scan(visible)}
    for f in found:
        span = text[f.start : f.end]
        assert span[0] not in _HIDERS and span[-1] not in _HIDERS
        unhidden = "".join(c for c in span if c not in _HIDERS)
        assert (f.entity_type, f.start, f.end) in plain or (f.entity_type, unhidden) in folded
    for _kind, start, end in plain - {(f.entity_type, f.start, f.end) for f in found}:
        # Only a checksum-confirmed value the invisible characters hid displaces one.
        assert any(f.start < end and start < f.end and f.score >= CHECKSUM_SCORE for f in found)


def test_invisible_characters_between_two_values_do_not_join_them() -> None:
    """Folding joins what the characters separated; what the text as given shows stands."""
    for sep in ("\u200b", "\x00", "\x1f"):
        cards = scan(f"{_CARD}{sep}4111111111111111")
        assert [(f.entity_type, f.start, f.end) for f in cards] == [
            ("CREDIT_CARD", 0, 16),
            ("CREDIT_CARD", 17, 33),
        ]
        mails = scan(f"pat@example.org{sep}bob@example.org")
        assert [(f.start, f.end) for f in mails] == [(0, 15), (16, 31)]
    with pytest.raises(BadInput):
        refuse_customer_data(f"chargeback for card {_CARD}\u200b0 ok", "purpose")


def test_text_without_invisible_characters_is_scanned_as_given() -> None:
    text = "card 4556 7375 8689 9855, mail pat@example.org"
    assert [(f.start, f.end) for f in scan(text)] == [(5, 24), (31, 46)]
