"""Batches from JSON lines and CSV: every problem names the file, line and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strongroom.errors import BadInput
from strongroom.vault.intake import parse_csv, parse_jsonl, read_records


def test_jsonl_skips_blank_lines_and_keeps_line_numbers() -> None:
    recs = parse_jsonl('{"id": "a", "email": "a@b.org"}\n\n{"id": "b"}\n', "f.jsonl")
    assert [(r.line, r.subject) for r in recs] == [(1, "a"), (3, "b")]


@pytest.mark.parametrize(
    ("text", "line", "field"),
    [
        ('{"id": "a"}\n{"id": \n', 2, None),
        ('{"id": "a"}\n{"email": "x@y.org"}\n', 2, "id"),
        ('{"id": "a", "email": 5}\n', 1, "email"),
        ('{"id": "a b"}\n', 1, "id"),
        ("[1, 2]\n", 1, None),
        # A key twice: Python's reader kept the last and the first value was lost unsaid.
        ('{"id": "a"}\n{"id": "b", "email": "x@y.org", "email": "z@y.org"}\n', 2, "email"),
        # Nested past the parser's recursion: a RecursionError and a traceback before.
        ('{"id": "a"}\n{"id": "b"}\n' + "[" * 100_000 + "]" * 100_000 + "\n", 3, None),
    ],
)
def test_bad_jsonl_line_is_named(text: str, line: int, field: str | None) -> None:
    with pytest.raises(BadInput) as err:
        parse_jsonl(text, "f.jsonl")
    assert (err.value.location.line, err.value.location.field) == (line, field)


def test_csv_header_is_line_one_and_rows_follow() -> None:
    recs = parse_csv("id,email\na,a@b.org\nb,\n", "f.csv")
    assert [(r.line, r.subject, r.values) for r in recs] == [
        (2, "a", {"email": "a@b.org"}),
        (3, "b", {}),
    ]


@pytest.mark.parametrize(
    ("text", "line", "field"),
    [
        ("email\nx@y.org\n", 1, "id"),
        ("id,email\na,b,c\n", 2, None),
        ("id,id\na,b\n", 1, None),
        # A quote left open: read leniently, it swallowed every later row into one cell and
        # the file was stored one record long, exit 0.
        ('id,notes\nc-1,ok\nc-2,"refund asked\nc-3,ok\nc-4,ok\n', 3, None),
        ('id,notes\nc-1,ok\nc-2,"abc"def\n', 3, None),  # text after the closing quote
        # A row after a two-line quoted cell is named by its own first line.
        ('id,notes\nc-1,"two\nlines"\nc-2,x,y\n', 4, None),
    ],
)
def test_bad_csv_is_named(text: str, line: int, field: str | None) -> None:
    with pytest.raises(BadInput) as err:
        parse_csv(text, "f.csv")
    assert (err.value.location.line, err.value.location.field) == (line, field)


def test_duplicate_id_names_the_second_line(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text('{"id": "a"}\n{"id": "b"}\n{"id": "a"}\n')
    with pytest.raises(BadInput) as err:
        read_records(path)
    assert (err.value.location.line, err.value.location.field) == (3, "id")
    assert "line 1" in err.value.message


def test_unknown_extension_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "d.xlsx"
    path.write_text("")
    with pytest.raises(BadInput):
        read_records(path)


# Any text a field holds: every character but control characters (tab and line feed aside).
text_chars = st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\t\n")
ids = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,20}", fullmatch=True)
values = st.dictionaries(
    st.from_regex(r"[a-z][a-z_]{0,8}", fullmatch=True).filter(lambda k: k != "id"),
    st.text(text_chars, min_size=1, max_size=20),
    max_size=4,
)


@settings(max_examples=150)
@given(st.lists(st.tuples(ids, values), max_size=10, unique_by=lambda t: t[0]))
def test_jsonl_round_trips(rows: list[tuple[str, dict[str, str]]]) -> None:
    text = "".join(json.dumps({"id": i, **v}) + "\n" for i, v in rows)
    assert [(r.subject, r.values) for r in parse_jsonl(text, "f")] == rows


cells = st.text(text_chars)


@settings(max_examples=150)
@given(st.lists(st.tuples(ids, cells), max_size=8, unique_by=lambda t: t[0]))
def test_csv_round_trips_with_each_row_named_by_its_first_line(
    rows: list[tuple[str, str]],
) -> None:
    """Quoted cells may hold commas, quotes and line breaks; each row keeps its starting line."""
    import csv
    import io

    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC).writerows(
        [("id", "notes"), *rows]
    )
    got = parse_csv(buf.getvalue(), "f.csv")
    want = [(i, {"notes": n} if n.strip() else {}) for i, n in rows]
    assert [(r.subject, r.values) for r in got] == want
    line = 2
    for r, (_, notes) in zip(got, rows, strict=True):
        assert r.line == line
        line += 1 + notes.count("\n")


def test_records_in_memory_are_checked_like_file_lines() -> None:
    from strongroom.vault.intake import from_dicts

    assert [r.line for r in from_dicts([{"id": "a"}, {"id": "b"}], "api")] == [1, 2]
    with pytest.raises(BadInput) as err:
        from_dicts([{"id": "a"}, {"id": "b", "email": 7}], "api")
    assert (err.value.location.file, err.value.location.line, err.value.location.field) == (
        "api",
        2,
        "email",
    )
    with pytest.raises(BadInput) as err:
        from_dicts([{"id": "a"}, {"id": "a"}], "api")
    assert (err.value.location.line, err.value.location.field) == (2, "id")


@given(
    before=st.text(text_chars, max_size=8),
    control=st.characters(categories=("Cc",)).filter(lambda c: c not in "\t\n\r"),
    after=st.text(text_chars, max_size=8),
)
def test_a_control_character_in_a_value_is_refused_naming_line_and_field(
    before: str, control: str, after: str
) -> None:
    value = before + control + after
    text = json.dumps({"id": "a"}) + "\n" + json.dumps({"id": "b", "notes": value}) + "\n"
    with pytest.raises(BadInput) as err:
        parse_jsonl(text, "f.jsonl")
    assert (err.value.location.line, err.value.location.field) == (2, "notes")
    assert f"U+{ord(control):04X} at character {len(before) + 1}" in err.value.message
