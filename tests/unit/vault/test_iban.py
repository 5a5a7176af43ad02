"""The IBAN check with a cached account format must accept exactly what python-stdnum does."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import iban

from strongroom.vault.classes import iban_compact

COUNTRIES = [
    "GB",
    "DE",
    "FR",
    "NL",
    "BE",
    "ES",
    "IT",
    "PL",
    "IE",
    "SE",
    "CH",
    "AT",
    "PT",
    "NO",
    "DK",
    "FI",
    "LU",
    "GR",
    "XX",
    "US",
]


def _ours(value: str) -> str | None:
    try:
        return iban_compact(value)
    except ValueError:
        return None


def _library(value: str) -> str | None:
    return iban.compact(value) if iban.is_valid(value) else None


@settings(max_examples=1500)
@given(
    country=st.sampled_from(COUNTRIES),
    bban=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=8, max_size=30),
    digits=st.text(alphabet="0123456789", min_size=8, max_size=30),
    use_digits=st.booleans(),
    spaced=st.booleans(),
)
def test_agrees_with_stdnum(
    country: str, bban: str, digits: str, use_digits: bool, spaced: bool
) -> None:
    body = digits if use_digits else bban
    number = country + iban.calc_check_digits(country + "00" + body) + body
    value = " ".join(number[i : i + 4] for i in range(0, len(number), 4)) if spaced else number
    assert _ours(value) == _library(value)
    broken = value[:-1] + ("0" if value[-1] != "0" else "1")
    assert _ours(broken) == _library(broken)


@pytest.mark.parametrize(
    "value", ["GB29 NWBK 6016 1331 9268 19", "DE89370400440532013000", "NL91ABNA0417164300"]
)
def test_known_good_ibans(value: str) -> None:
    assert iban_compact(value) == value.replace(" ", "")


@pytest.mark.parametrize("value", ["GB29 NWBK 6016 1331 9268 18", "GB29NWBK6016133192681", "ZZ"])
def test_known_bad_ibans(value: str) -> None:
    with pytest.raises(ValueError):
        iban_compact(value)
