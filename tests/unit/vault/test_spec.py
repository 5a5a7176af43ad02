"""Tenant specs: the example parses; each mistake names file, line and field."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strongroom.errors import BadInput
from strongroom.sim.customers import SPEC_YAML
from strongroom.vault.spec import FieldSpec, TenantSpec, parse_spec

HEAD = "tenant: acme\nname: Acme\nretention_days: 30\nfields:\n"


def test_example_spec_parses_with_default_masks() -> None:
    spec = parse_spec(SPEC_YAML.format(tenant="acme-bank", name="Acme Bank"))
    assert spec.tenant == "acme-bank" and spec.retention_days == 730
    card = spec.field("card_number")
    assert card is not None and card.tokenize and card.mask == "last4"
    email = spec.field("email")
    assert email is not None and email.searchable and email.mask == "email"
    assert spec.phone_region == "GB"


@pytest.mark.parametrize(
    ("text", "line", "field"),
    [
        (HEAD + "  a: {class: NOPE}\n", 5, "fields.a.class"),
        # Values YAML's resolver or safe loader refuse: a ValueError or ConstructorError
        # traceback before.
        (HEAD + "  e: {class: EMAIL_ADDRESS, searchable: 2026-02-30}\n", 5, "fields.e.searchable"),
        (HEAD + "  a: {class: PERSON, mask: !!python/object:os.system R}\n", 5, "fields.a.mask"),
        (
            "tenant: acme\nname: A\nretention_days: 2026-13-45\nfields:\n  a: {class: PERSON}\n",
            3,
            "retention_days",
        ),
        (HEAD + "  a: {class: PERSON, mask: stars}\n", 5, "fields.a.mask"),
        (HEAD + "  e: {class: EMAIL_ADDRESS, searchabel: true}\n", 5, "fields.e.searchabel"),
        (HEAD + "  c: {class: CREDIT_CARD, searchable: true}\n", 5, "fields.c.searchable"),
        (HEAD + "  n: {class: FREE_TEXT, searchable: true}\n", 5, "fields.n.searchable"),
        (HEAD + "  e: {class: EMAIL_ADDRESS, tokenize: true}\n", 5, "fields.e.tokenize"),
        (HEAD + "  e: {class: EMAIL_ADDRESS, searchable: yes please}\n", 5, "fields.e.searchable"),
        (HEAD + "  id: {class: PERSON}\n", 5, "fields.id"),
        (HEAD + "  Bad-Name: {class: PERSON}\n", 5, "fields.Bad-Name"),
        (HEAD + "  a: {mask: initials}\n", 5, "fields.a.class"),
        (HEAD + "  a: {class: PERSON, retention_days: 0}\n", 5, "fields.a.retention_days"),
        (
            "tenant: Acme Bank\nname: A\nretention_days: 3\nfields:\n  a: {class: PERSON}\n",
            1,
            "tenant",
        ),
        (
            "tenant: acme\nname: A\nretention_days: many\nfields:\n  a: {class: PERSON}\n",
            3,
            "retention_days",
        ),
        (
            "tenant: acme\nname: A\nretention_days: true\nfields:\n  a: {class: PERSON}\n",
            3,
            "retention_days",
        ),
        (
            "tenant: acme\nname: A\nretention_days: 99999\nfields:\n  a: {class: PERSON}\n",
            3,
            "retention_days",
        ),
        ("tenant: acme\nname: A\nfields:\n  a: {class: PERSON}\n", 1, "retention_days"),
        (
            "tenant: acme\nname: A\nretention_days: 3\ncolour: red\n"
            "fields:\n  a: {class: PERSON}\n",
            4,
            "colour",
        ),
        (
            "tenant: acme\nname: A\nretention_days: 3\nphone_region: XX\nfields:\n"
            "  a: {class: PERSON}\n",
            4,
            "phone_region",
        ),
        ("tenant: acme\nname: A\nretention_days: 3\nfields: {}\n", 4, "fields"),
        # A display name is one line a listing can show.
        (
            f"tenant: acme\nname: {'A' * 201}\nretention_days: 3\n"
            "fields:\n  a: {class: PERSON}\n",
            2,
            "name",
        ),
        (
            'tenant: acme\nname: "Acme\\u2028Bank"\nretention_days: 3\n'
            "fields:\n  a: {class: PERSON}\n",
            2,
            "name",
        ),
        (
            'tenant: acme\nname: "Acme\\nBank"\nretention_days: 3\nfields:\n  a: {class: PERSON}\n',
            2,
            "name",
        ),
        (
            "tenant: acme\ntenant: other\nname: A\nretention_days: 3\n"
            "fields:\n  a: {class: PERSON}\n",
            2,
            "tenant",
        ),
    ],
)
def test_bad_spec_names_line_and_field(text: str, line: int, field: str) -> None:
    with pytest.raises(BadInput) as err:
        parse_spec(text, "acme.yaml")
    assert (err.value.location.file, err.value.location.line, err.value.location.field) == (
        "acme.yaml",
        line,
        field,
    )
    assert f"acme.yaml:{line}" in err.value.message


@pytest.mark.parametrize(
    "text", ["", "tenant: [unclosed\n", "- a list\n", "tenant: " + "[" * 5000 + "]" * 5000]
)
def test_unusable_yaml_is_bad_input_with_the_file(text: str) -> None:
    with pytest.raises(BadInput) as err:
        parse_spec(text, "x.yaml")
    assert err.value.location.file == "x.yaml"


names = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True).filter(lambda n: n != "id")


@settings(max_examples=100)
@given(fields=st.lists(names, min_size=1, max_size=5, unique=True), days=st.integers(1, 36500))
def test_spec_json_round_trips(fields: list[str], days: int) -> None:
    spec = TenantSpec(
        "acme", "Acme", days, tuple(FieldSpec(f, "PERSON", "initials") for f in fields)
    )
    assert TenantSpec.from_json(spec.to_json()) == spec
