"""The E.164 shortcut for +-prefixed numbers must agree with phonenumbers' full parser."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strongroom.vault.classes import phone_e164

CODES = sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)


def _library(value: str) -> str | None:
    try:
        parsed = phonenumbers.parse(value, "US")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _ours(value: str) -> str | None:
    try:
        return phone_e164(value, "US")
    except ValueError:
        return None


@settings(max_examples=1500)
@given(
    code=st.sampled_from(CODES),
    national=st.text(alphabet="0123456789", min_size=3, max_size=13),
    sep=st.sampled_from(["", " ", "-", "."]),
)
def test_plus_numbers_agree_with_the_full_parser(code: int, national: str, sep: str) -> None:
    value = f"+{code}{sep}{sep.join([national[:3], national[3:]])}"
    assert _ours(value) == _library(value)


@pytest.mark.parametrize(
    ("value", "region", "expected"),
    [
        ("+44 7700 900001", "US", "+447700900001"),
        ("+44 07700 900001", "US", "+447700900001"),  # trunk 0 after the code is stripped
        ("+7 8 912 345 67 89", "US", "+79123456789"),
        ("+39 06 1234 5678", "US", "+390612345678"),  # Italy keeps its leading zero
        ("07700 900001", "GB", "+447700900001"),  # no +: the region decides
        ("(415) 555-0132", "US", "+14155550132"),
    ],
)
def test_known_numbers(value: str, region: str, expected: str) -> None:
    assert phone_e164(value, region) == expected


def test_impossible_number_is_refused() -> None:
    with pytest.raises(ValueError):
        phone_e164("+44 12", "GB")
