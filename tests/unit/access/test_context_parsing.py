"""Context documents (tickets, shifts, badges, training): every refusal names line and field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from strongroom.access.context import (
    KINDS,
    PARSERS,
    REQUIRED,
    Kind,
    parse_badge,
    parse_shift,
    parse_ticket,
    parse_training,
    read_docs,
)
from strongroom.errors import BadInput

GOOD: dict[Kind, dict[str, Any]] = {
    "tickets": {
        "ticket": "T-1001",
        "tenant": "acme-bank",
        "subject": "c-0001",
        "assignee": "agent-17",
        "opened": "2026-11-24T09:00:00Z",
        "kind": "payment",
    },
    "shifts": {
        "actor": "agent-17",
        "site": "ldn-1",
        "start": "2026-11-24T08:00:00Z",
        "end": "2026-11-24T16:00:00Z",
    },
    "badges": {
        "ts": "2026-11-24T07:58:00Z",
        "actor": "agent-17",
        "site": "ldn-1",
        "zone": "floor",
        "direction": "in",
    },
    "training": {
        "actor": "agent-17",
        "course": "data-protection",
        "completed": "2026-01-10T12:00:00Z",
        "expires": "2027-01-10T12:00:00Z",
    },
}


def _refused(kind: Kind, doc: object, line: int = 7) -> BadInput:
    with pytest.raises(BadInput) as err:
        PARSERS[kind](doc, line, "ctx.jsonl")
    assert err.value.location.file == "ctx.jsonl"
    assert err.value.location.line == line
    return err.value


def test_times_with_offsets_are_stored_as_utc_text() -> None:
    t = parse_ticket(
        {**GOOD["tickets"], "opened": "2026-11-24T10:00:00+01:00", "closed": None}, 3, "f"
    )
    assert (t.line, t.opened, t.closed) == (3, "2026-11-24T09:00:00.000000Z", None)
    s = parse_shift({**GOOD["shifts"], "start": "2026-11-24T03:00:00-05:00"})
    assert s.start == "2026-11-24T08:00:00.000000Z" and s.end == "2026-11-24T16:00:00.000000Z"
    b = parse_badge({**GOOD["badges"], "ts": "2026-11-24T07:58:00.5+00:00", "direction": "OUT"})
    assert (b.ts, b.direction) == ("2026-11-24T07:58:00.500000Z", "out")
    r = parse_training({**GOOD["training"], "extra": {"ignored": True}})
    assert (r.completed, r.expires) == (
        "2026-01-10T12:00:00.000000Z",
        "2027-01-10T12:00:00.000000Z",
    )


def test_a_closed_ticket_keeps_its_close_time() -> None:
    t = parse_ticket({**GOOD["tickets"], "closed": "2026-11-24T11:30:00Z"})
    assert t.closed == "2026-11-24T11:30:00.000000Z"


@pytest.mark.parametrize(
    ("kind", "change", "field"),
    [
        ("tickets", {"ticket": None}, "ticket"),
        ("tickets", {"subject": ""}, "subject"),
        ("tickets", {"kind": "refund"}, "kind"),
        ("tickets", {"tenant": "Acme Bank"}, "tenant"),
        ("tickets", {"subject": "c 1"}, "subject"),
        ("tickets", {"ticket": "T" * 65}, "ticket"),
        ("tickets", {"assignee": 17}, "assignee"),
        ("tickets", {"opened": "yesterday"}, "opened"),
        ("tickets", {"opened": "2026-11-24T09:00:00"}, "opened"),  # no offset
        ("tickets", {"closed": "2026-11-24T08:59:59Z"}, "closed"),  # before opened
        ("tickets", {"closed": 5}, "closed"),
        ("shifts", {"end": "2026-11-24T08:00:00Z"}, "end"),  # not after start
        ("shifts", {"end": "2026-11-24T07:00:00Z"}, "end"),
        ("shifts", {"end": "2026-11-25T00:00:01Z"}, "end"),  # 16 h and a second
        ("shifts", {"start": 1732435200}, "start"),
        ("shifts", {"site": "ldn 1"}, "site"),
        ("badges", {"direction": "sideways"}, "direction"),
        ("badges", {"ts": "2026-13-01T00:00:00Z"}, "ts"),
        ("badges", {"zone": "\x00"}, "zone"),
        ("training", {"expires": "2026-01-10T12:00:00Z"}, "expires"),
        ("training", {"completed": "2026-01-10"}, "completed"),
    ],
)
def test_bad_document_names_its_field(kind: Kind, change: dict[str, Any], field: str) -> None:
    assert _refused(kind, {**GOOD[kind], **change}).location.field == field


def test_a_shift_of_exactly_sixteen_hours_is_accepted() -> None:
    parse_shift({**GOOD["shifts"], "end": "2026-11-25T00:00:00Z"})


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("doc", [[1, 2], "text", None, 5])
def test_a_document_that_is_not_an_object_is_refused(kind: Kind, doc: object) -> None:
    err = _refused(kind, doc)
    assert err.location.field is None and "object" in err.reason


def _absent(doc: dict[str, Any], key: str) -> bool:
    value = doc.get(key)
    return value is None or (isinstance(value, str) and not value.strip())


_values = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.integers(),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
    st.sampled_from(["2026-11-24T09:00:00Z", "in", "floor", "payment", "acme-bank", "  "]),
)


@st.composite
def _missing_one(draw: st.DrawFn) -> tuple[Kind, dict[str, Any], str]:
    """A document of some kind with arbitrary values and at least one required key absent."""
    kind = draw(st.sampled_from(KINDS))
    keys = REQUIRED[kind]
    gone = draw(st.sets(st.sampled_from(keys), min_size=1))
    doc: dict[str, Any] = draw(
        st.dictionaries(st.text(max_size=8).filter(lambda k: k not in keys), _values, max_size=3)
    )
    for key in keys:
        if key not in gone:
            doc[key] = draw(st.one_of(st.just(GOOD[kind][key]), _values))
        elif draw(st.booleans()):
            doc[key] = draw(st.sampled_from([None, "", " \t"]))
    first = next(k for k in keys if _absent(doc, k))
    return kind, doc, first


@given(_missing_one())
def test_any_document_missing_a_required_key_is_refused_naming_it(
    case: tuple[Kind, dict[str, Any], str],
) -> None:
    kind, doc, first = case
    err = _refused(kind, doc, line=4)
    assert err.location.field == first
    assert first in err.reason


@given(
    st.datetimes(
        min_value=datetime(1990, 1, 1),
        max_value=datetime(2090, 1, 1),
        # RFC 3339 offsets are whole minutes.
        timezones=st.builds(
            timezone, st.integers(-23 * 60, 23 * 60).map(lambda m: timedelta(minutes=m))
        ),
    )
)
def test_a_badge_time_in_any_offset_is_stored_as_the_same_instant(when: datetime) -> None:
    b = parse_badge({**GOOD["badges"], "ts": when.isoformat()})
    assert datetime.fromisoformat(b.ts) == when
    assert b.ts.endswith("Z") and len(b.ts) == len("2026-11-24T00:14:25.123456Z")
    assert datetime.fromisoformat(b.ts).tzinfo == UTC


@pytest.mark.parametrize("kind", KINDS)
@given(
    extra=st.dictionaries(st.text(max_size=10).filter(lambda k: k != "closed"), _values, max_size=4)
)
def test_keys_a_schema_does_not_know_are_ignored(kind: Kind, extra: dict[str, Any]) -> None:
    plain = PARSERS[kind](GOOD[kind], 1, None)
    doc = {**extra, **GOOD[kind]}
    assert PARSERS[kind](doc, 1, None) == plain


def test_jsonl_keeps_line_numbers_and_skips_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text('{"a": 1}\n\n   \n{"b": 2}\n')
    assert read_docs(path) == [(1, {"a": 1}), (4, {"b": 2})]


def test_csv_header_is_line_one_and_empty_cells_are_absent(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text("ts,actor,site,zone,direction\n2026-11-24T07:58:00Z,a,ldn,floor,in\n\n,b,,,\n")
    assert read_docs(path) == [
        (
            2,
            {
                "ts": "2026-11-24T07:58:00Z",
                "actor": "a",
                "site": "ldn",
                "zone": "floor",
                "direction": "in",
            },
        ),
        (4, {"actor": "b"}),
    ]


@pytest.mark.parametrize(
    ("name", "text", "line"),
    [
        ("t.jsonl", '{"a": 1}\n[1, 2]\n', 2),
        ("t.jsonl", '{"a": 1}\n\n"text"\n', 3),
        ("t.jsonl", '{"a": 1}\n{"a": \n', 2),
        ("t.csv", "a,a\n1,2\n", 1),
        ("t.csv", "a,b\n1,2\n1,2,3\n", 3),
        ("t.txt", "{}\n", None),
    ],
)
def test_a_bad_file_names_its_line(tmp_path: Path, name: str, text: str, line: int | None) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(BadInput) as err:
        read_docs(path)
    assert (err.value.location.file, err.value.location.line) == (str(path), line)


def test_an_unreadable_file_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInput) as err:
        read_docs(tmp_path / "absent.jsonl")
    assert err.value.location.file == str(tmp_path / "absent.jsonl")
