"""A sealed value is bound to tenant, subject and field through its associated data."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strongroom.crypto import Binding, DataKey
from strongroom.errors import KeyUnavailable

names = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=30)


@settings(max_examples=300)
@given(names, names, names)
def test_aad_is_the_json_list_of_the_binding(tenant: str, subject: str, field: str) -> None:
    expected = json.dumps(["strongroom/value/v1", tenant, subject, field]).encode()
    assert Binding(tenant, subject, field).aad == expected


@settings(max_examples=200)
@given(st.text(max_size=200))
def test_seal_round_trips(value: str) -> None:
    key = DataKey.generate()
    b = Binding("acme", "c-1", "notes")
    data = value.encode("utf-8", "surrogatepass")
    assert key.unseal(key.seal(data, b), b) == data


@pytest.mark.parametrize(
    "other",
    [
        Binding("zeta", "c-1", "email"),
        Binding("acme", "c-2", "email"),
        Binding("acme", "c-1", "iban"),
    ],
)
def test_value_bound_elsewhere_does_not_open(other: Binding) -> None:
    key = DataKey.generate()
    sealed = key.seal(b"pat@example.org", Binding("acme", "c-1", "email"))
    with pytest.raises(KeyUnavailable):
        key.unseal(sealed, other)


def test_tampered_value_does_not_open() -> None:
    key = DataKey.generate()
    b = Binding("acme", "c-1", "email")
    sealed = bytearray(key.seal(b"pat@example.org", b))
    sealed[-1] ^= 1
    with pytest.raises(KeyUnavailable):
        key.unseal(bytes(sealed), b)


@settings(max_examples=100)
@given(names, names, st.dictionaries(names, st.binary(max_size=40), max_size=6))
def test_seal_fields_opens_with_each_fields_binding(
    tenant: str, subject: str, values: dict[str, bytes]
) -> None:
    key = DataKey.generate()
    sealed = key.seal_fields(tenant, subject, values)
    assert set(sealed) == set(values)
    for field, blob in sealed.items():
        assert key.unseal(blob, Binding(tenant, subject, field)) == values[field]
    nonces = [blob[1:13] for blob in sealed.values()]
    assert len(set(nonces)) == len(nonces)


@settings(max_examples=100)
@given(names, names, st.dictionaries(names, st.binary(max_size=40), max_size=6))
def test_unseal_fields_opens_what_seal_fields_sealed(
    tenant: str, subject: str, values: dict[str, bytes]
) -> None:
    key = DataKey.generate()
    sealed = key.seal_fields(tenant, subject, values)
    assert key.unseal_fields(tenant, subject, sealed.items()) == values


def test_unseal_fields_names_the_first_field_that_does_not_open() -> None:
    key = DataKey.generate()
    sealed = key.seal_fields("acme", "c-1", {"email": b"pat@example.org", "iban": b"GB29"})
    moved = key.seal(b"pat@example.org", Binding("acme", "c-2", "email"))
    with pytest.raises(KeyUnavailable, match="field 'email' does not open"):
        key.unseal_fields("acme", "c-1", [("email", moved), ("iban", b"\x01short")])
    with pytest.raises(KeyUnavailable, match="field 'iban' is malformed"):
        key.unseal_fields("acme", "c-1", [("email", sealed["email"]), ("iban", b"\x01short")])
