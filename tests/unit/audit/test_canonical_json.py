"""Entries' canonical JSON is RFC 8785: the fast path must give the reference library's bytes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from strongroom.audit.entry import Entry, RequestContext, canonical_json

text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40)
plain = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | text,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.text(alphabet=st.characters(max_codepoint=127), max_size=8), inner, max_size=4
        )
    ),
    max_leaves=20,
)


@settings(max_examples=400)
@given(plain)
def test_canonical_json_equals_rfc8785_for_plain_values(value: Any) -> None:
    assert canonical_json(value) == rfc8785.dumps(value)


@settings(max_examples=200)
@given(st.dictionaries(text, st.floats(allow_nan=False, allow_infinity=False) | text, max_size=4))
def test_values_outside_the_plain_subset_take_the_reference_encoder(value: Any) -> None:
    assert canonical_json(value) == rfc8785.dumps(value)


@settings(max_examples=200)
@given(
    principal=text,
    subjects=st.lists(text, max_size=5),
    purpose=st.none() | text,
    details=st.dictionaries(
        text,
        st.integers(-(2**53) + 1, 2**53 - 1)
        | text
        | st.floats(allow_nan=False, allow_infinity=False),
        max_size=3,
    ),
)
def test_entry_bytes_equal_rfc8785(
    principal: str, subjects: list[str], purpose: str | None, details: dict[str, Any]
) -> None:
    entry = Entry(
        ts=datetime(2026, 11, 24, tzinfo=UTC),
        principal=principal,
        role="agent",
        tenant="acme-bank",
        action="record.reveal",
        outcome="allowed",
        reason="ok",
        subjects=tuple(subjects),
        fields=("email",),
        purpose=purpose,
        policies=("p1",),
        context=RequestContext(ip="10.0.0.1", ticket="T-1"),
        details=details,
    )
    assert entry.canonical() == rfc8785.dumps(entry.to_dict())


def test_lone_surrogate_is_refused_like_the_reference() -> None:
    with pytest.raises(rfc8785.CanonicalizationError):
        rfc8785.dumps({"a": "\ud800"})
    with pytest.raises(rfc8785.CanonicalizationError):
        canonical_json({"a": "\ud800"})


@pytest.mark.parametrize("value", [{"n": 2**53}, {"x": float("inf")}, {"k\u00e9": 1.5e300}])
def test_out_of_domain_numbers_fail_or_match_as_the_reference_does(value: Any) -> None:
    try:
        expected = rfc8785.dumps(value)
    except rfc8785.CanonicalizationError:
        with pytest.raises(rfc8785.CanonicalizationError):
            canonical_json(value)
    else:
        assert canonical_json(value) == expected


@settings(max_examples=500)
@given(
    st.datetimes(
        min_value=datetime(2, 1, 1),
        max_value=datetime(9998, 12, 31),
        timezones=st.just(UTC)
        | st.builds(
            timezone, st.timedeltas(min_value=timedelta(hours=-23), max_value=timedelta(hours=23))
        ),
    )
)
def test_entry_timestamp_matches_the_original_formula(ts: datetime) -> None:
    entry = Entry(
        ts=ts, principal="p", role="agent", tenant=None, action="a", outcome="allowed", reason="ok"
    )
    utc = ts if ts.tzinfo is UTC else ts.astimezone(UTC)
    assert entry.timestamp == utc.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def test_entry_bytes_are_unchanged() -> None:
    # A known answer: the ledger's hashes are over these bytes, so they must never drift.
    entry = Entry(
        ts=datetime(2026, 11, 24, 0, 14, 25, 123456, tzinfo=UTC),
        principal="agent-0001",
        role="agent",
        tenant="bench",
        action="record.get",
        outcome="allowed",
        reason="allowed by agent-ticket",
        subjects=("c-000006",),
        policies=("agent-ticket",),
        context=RequestContext(ip="127.0.0.1", device="ws-1", site="mnl-1", ticket="T-6"),
    )
    assert entry.canonical() == (
        b'{"action":"record.get","context":{"device":"ws-1","ip":"127.0.0.1","site":"mnl-1",'
        b'"ticket":"T-6"},"outcome":{"decision":"allowed","policies":["agent-ticket"],'
        b'"reason":"allowed by agent-ticket"},"principal":"agent-0001","resource":{"subjects":'
        b'["c-000006"]},"role":"agent","tenant":"bench","ts":"2026-11-24T00:14:25.123456Z","v":1}'
    )
