"""CREDIT_CARD typed as digits: a table of true and false positives, then the rules."""

from __future__ import annotations

import pytest

from strongroom.dlp.recognizers.credit_card import (
    CreditCardRecognizer,
    best_card_span,
    is_card_number,
    plausible_issuer,
)
from tests.unit.dlp.spans import found

recognizer = CreditCardRecognizer()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # true positives: brands, lengths and layouts
        ("4012888888881881", ["4012888888881881"]),
        ("4111 1111 1111 1111", ["4111 1111 1111 1111"]),
        ("4111-1111-1111-1111", ["4111-1111-1111-1111"]),
        ("my card is 5555555555554444, exp 04/27", ["5555555555554444"]),
        ("amex 3782 822463 10005 thanks", ["3782 822463 10005"]),
        ("371449635398431", ["371449635398431"]),
        ("Diners 30569309025904.", ["30569309025904"]),
        ("discover 6011 0009 9013 9424", ["6011 0009 9013 9424"]),
        ("JCB 3530111333300000", ["3530111333300000"]),
        ("mastercard 2-series 2223003122003222", ["2223003122003222"]),
        ("visa 13 digits 4222222222222", ["4222222222222"]),
        ("unionpay 19 digits 6250941006528599000", []),  # fails Luhn
        ("unionpay 6250 9410 0652 8599", ["6250 9410 0652 8599"]),
        ("maestro 6759649826438453", ["6759649826438453"]),
        ("card: 4111 1111 1111 1111 0425 123", ["4111 1111 1111 1111"]),
        ("(4111111111111111)", ["4111111111111111"]),
        ("4111111111111111.", ["4111111111111111"]),
        (
            "two cards 4111111111111111 and 5555 5555 5555 4444",
            ["4111111111111111", "5555 5555 5555 4444"],
        ),
        # false positives: references, amounts, dates, partial numbers
        ("order #123456789012", []),
        ("order #4539578763621486", []),
        ("order number 4539 5787 6362 1486", []),
        ("IMEI 356938035643809", []),
        ("tracking 1Z999AA10123456784", []),
        ("INV-2024-000123", []),
        ("INV-4111-1111-1111-1111", []),
        ("case 4111111111111112", []),
        ("case reference 4829103847561234", []),
        ("card ending 4242", []),
        ("$1,234.56", []),
        ("1 234,56 zł", []),
        ("2024-03-15 15/03/2024 14:30", []),
        ("SKU 4111111111111111X", []),
        ("x4111111111111111", []),
        ("4111111111111111abc", []),
        ("12345678901234567890123", []),
        ("7111111111111111111", []),
        ("0000 0000 0000 0000", []),
        ("4111111111111111.50", []),
    ],
)
def test_credit_card_table(text: str, expected: list[str]) -> None:
    assert found(recognizer, text) == expected


def test_finding_has_exact_offsets_and_records_luhn() -> None:
    text = "Customer: pay with 4111 1111 1111 1111 now"
    (finding,) = recognizer.find(text)
    assert (finding.start, finding.end) == (19, 38)
    assert finding.entity_type == "CREDIT_CARD"
    assert finding.recogniser == "credit_card/luhn"
    assert finding.score == 1.0


@pytest.mark.parametrize(
    ("digits", "plausible"),
    [("4111", True), ("5105", True), ("6011", True), ("3782", True), ("3111", False),
     ("2221", True), ("2100", False), ("7000", False), ("9999", False), ("0123", False)],
)  # fmt: skip
def test_plausible_issuer_follows_scheme_ranges(digits: str, plausible: bool) -> None:
    assert plausible_issuer(digits + "0" * 12) is plausible


def test_uatp_cards_start_with_one_and_have_fifteen_digits() -> None:
    assert is_card_number("135410014004955")
    assert not is_card_number("1354100140049550")


def test_best_span_prefers_whole_run_then_longest_then_earliest() -> None:
    units = [(0, 4, "4111"), (5, 9, "1111"), (10, 14, "1111"), (15, 19, "1111")]
    assert best_card_span(units) == (0, 3)
    prefixed = [(0, 1, "2"), *[(s + 2, e + 2, d) for s, e, d in units]]
    assert best_card_span(prefixed) == (1, 4)
    assert best_card_span([(0, 4, "4111")]) is None
