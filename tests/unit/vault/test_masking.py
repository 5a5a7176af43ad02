"""Masks show enough to confirm a customer and no more."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strongroom.vault.masking import WITHHELD, mask


@pytest.mark.parametrize(
    ("kind", "value", "shown"),
    [
        ("last4", "4111111111111111", "************1111"),
        ("last4", "GB29NWBK60161331926819", "******************6819"),
        ("email", "pat.smith@example.org", "p***@e***.org"),
        ("email", "x@mail.example.co.uk", "x***@m***.uk"),
        ("last2", "+447700900123", "+**********23"),
        ("initials", "Pat  van der Berg", "P. V. D. B."),
        ("withhold", "Called about card 4111111111111111", WITHHELD),
    ],
)
def test_masks(kind: str, value: str, shown: str) -> None:
    assert mask(kind, value) == shown


@settings(max_examples=300)
@given(st.text(alphabet="0123456789", min_size=5, max_size=19))
def test_last4_shows_only_the_last_four_digits(digits: str) -> None:
    shown = mask("last4", digits)
    assert len(shown) == len(digits)
    assert shown.endswith(digits[-4:])
    assert sum(ch.isdigit() for ch in shown) == 4


@settings(max_examples=300)
@given(st.text(min_size=1, max_size=3))
def test_short_values_are_starred_whole(value: str) -> None:
    if sum(ch.isalnum() for ch in value) <= 4:
        assert set(mask("last4", value)) <= {"*"}
