"""Card tokens keep length and last four, never pass Luhn, and are deterministic."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import luhn

from strongroom.vault.cards import format_token, is_token_shaped


@st.composite
def cards(draw: st.DrawFn) -> str:
    length = draw(st.integers(12, 19))
    body = draw(st.text(alphabet="0123456789", min_size=length - 1, max_size=length - 1))
    return body + luhn.calc_check_digit(body)


@settings(max_examples=1000)
@given(card=cards(), prf=st.binary(min_size=32, max_size=32))
def test_token_keeps_length_and_last_four_and_fails_luhn(card: str, prf: bytes) -> None:
    token = format_token(card, prf)
    assert len(token) == len(card)
    assert token[-4:] == card[-4:]
    assert token.isdigit()
    assert not luhn.is_valid(token)
    assert token != card
    assert is_token_shaped(token)
    assert not is_token_shaped(card)


@settings(max_examples=300)
@given(card=cards())
def test_token_is_a_function_of_card_and_key_output(card: str) -> None:
    prf = hashlib.sha256(card.encode()).digest()  # stands in for the tenant's keyed PRF
    assert format_token(card, prf) == format_token(card, prf)


def test_luhn_valid_middle_is_bent_by_exactly_one_digit() -> None:
    card = "4111111111111111"
    # Find a PRF output whose plain mapping would be Luhn-valid, and check the fix-up.
    for i in range(10_000):
        prf = hashlib.sha256(str(i).encode()).digest()
        free = len(card) - 4
        middle = str(int.from_bytes(prf, "big") % 10**free).zfill(free)
        if luhn.is_valid(middle + card[-4:]):
            token = format_token(card, prf)
            diffs = [a != b for a, b in zip(token, middle + card[-4:], strict=True)]
            assert sum(diffs) == 1 and not luhn.is_valid(token)
            return
    raise AssertionError("no Luhn-valid candidate found in 10,000 tries")
