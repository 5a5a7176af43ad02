"""PHONE_NUMBER: a table of true and false positives over the regions the BPO serves."""

from __future__ import annotations

import pytest

from strongroom.dlp.recognizers.phone import PhoneRecognizer
from tests.unit.dlp.spans import found

recognizer = PhoneRecognizer()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # international format, any country
        ("call me on +44 20 7946 0958 please", ["+44 20 7946 0958"]),
        ("+63 917 123 4567", ["+63 917 123 4567"]),
        ("+48 12 345 67 89", ["+48 12 345 67 89"]),
        ("+57 601 2345678", ["+57 601 2345678"]),
        ("+1 (415) 555-2671", ["+1 (415) 555-2671"]),
        ("(+44) 20 7946 0958", ["(+44) 20 7946 0958"]),
        ("0048 12 345 67 89", ["0048 12 345 67 89"]),
        ("Tel:+4930123456", ["+4930123456"]),
        # national formats of the regions tried
        ("(415) 555-2671", ["(415) 555-2671"]),
        ("415-555-2671", ["415-555-2671"]),
        ("020 7946 0958", ["020 7946 0958"]),
        ("0917 123 4567", ["0917 123 4567"]),
        ("12 345 67 89", ["12 345 67 89"]),
        ("030 12345678", ["030 12345678"]),
        ("01 42 68 53 00", ["01 42 68 53 00"]),
        ("98765 43210", ["98765 43210"]),
        ("0412 345 678", ["0412 345 678"]),
        ("two numbers: 0917 123 4567 / 0918 765 4321", ["0917 123 4567", "0918 765 4321"]),
        ("+44 20 7946 0958 (415) 555-2671", ["+44 20 7946 0958", "(415) 555-2671"]),
        # false positives
        ("order 123456789012", []),
        ("order #123456789", []),
        ("invoice 4155552671", []),
        ("INV-2024-000123", []),
        ("tracking 1Z999AA10123456784", []),
        ("2024-03-15", []),
        ("15/03/2024", []),
        ("15.03.2024", []),
        ("at 14:30:00", []),
        ("192.168.1.10", []),
        ("4111 1111 1111 1111", []),  # a Luhn-valid card is not a phone
        ("4111111111111111", []),
        ("$1,234.56", []),
        ("1 234,56 zł", []),
        ("card ending 4242", []),
        ("536-22-1234", []),  # an SSN's grouping
        ("123456", []),
        ("+44 20", []),
        ("+99 1234 5678", []),  # no such country code
    ],
)
def test_phone_table(text: str, expected: list[str]) -> None:
    assert found(recognizer, text) == expected


def test_international_number_scores_higher_than_national() -> None:
    (international,) = recognizer.find("+44 20 7946 0958")
    (national,) = recognizer.find("020 7946 0958")
    assert international.score > national.score
    assert international.recogniser == national.recogniser == "phone/phonenumbers"


def test_regions_limit_national_numbers() -> None:
    only_us = PhoneRecognizer(regions=("US",))
    assert found(only_us, "0917 123 4567") == []
    assert found(only_us, "(415) 555-2671") == ["(415) 555-2671"]
    assert found(only_us, "+63 917 123 4567") == ["+63 917 123 4567"]
