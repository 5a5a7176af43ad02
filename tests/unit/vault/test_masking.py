"""Masks show enough to confirm a customer and no more."""

from __future__ import annotations

import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strongroom.vault.masking import _ALNUM, WITHHELD, _keep_last, mask


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


def _keep_last_reference(value: str, keep: int) -> str:
    """The original per-character implementation, which `_keep_last` must match exactly."""
    alnum = [i for i, ch in enumerate(value) if ch.isalnum()]
    if len(alnum) <= keep:
        return "*" * len(value)
    visible = set(alnum[-keep:])
    return "".join(ch if (i in visible or not ch.isalnum()) else "*" for i, ch in enumerate(value))


@settings(max_examples=1000)
@given(
    st.text(alphabet=st.sampled_from("0123456789abcXYZ _-+./@éß٣Ⅻ²\u00a0"), max_size=30)
    | st.text(max_size=30),
    st.integers(min_value=1, max_value=6),
)
def test_keep_last_matches_the_reference(value: str, keep: int) -> None:
    assert _keep_last(value, keep) == _keep_last_reference(value, keep)


def test_alnum_pattern_is_exactly_isalnum() -> None:
    for code in range(sys.maxunicode + 1):
        ch = chr(code)
        assert (_ALNUM.match(ch) is not None) == ch.isalnum(), hex(code)
