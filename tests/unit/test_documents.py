"""Text files as every command reads them: UTF-8, a byte-order mark dropped, a bad byte named."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from strongroom.documents import decode, read_documents, read_text
from strongroom.errors import BadInput


@given(st.text())
def test_utf8_with_or_without_a_bom_reads_back_the_same(text: str) -> None:
    assume(not text.startswith("\ufeff"))  # a BOM of the text's own would be dropped too
    raw = text.encode()
    read = text.replace("\r\n", "\n").replace("\r", "\n")  # as Python's text files read
    assert decode(raw, "f") == read
    assert decode(codecs.BOM_UTF8 + raw, "f") == read


def test_windows_and_old_mac_line_ends_read_as_line_feeds() -> None:
    assert decode(b"a\r\nb\rc\n", "f") == "a\nb\nc\n"
    with pytest.raises(BadInput) as err:
        decode(b"a\r\nb\rc \xc3\xa9\xff", "f")
    assert err.value.location.line == 3 and "at column 4" in err.value.message


@pytest.mark.parametrize(
    ("raw", "line", "column"),
    [
        (b"\xe9t\xe9\n", 1, 1),  # Latin-1 from the first byte
        (b'{"a": 1}\n{"name": "Ren\xe9e"}\n', 2, 14),
        (b"id,email\nc-1,x@example.org\nc-2,Jos\xe9@example.org\n", 3, 8),
        (codecs.BOM_UTF8 + b"ok\nstill ok\n\xff", 3, 1),
        ("£1".encode("utf-16"), 1, 1),  # UTF-16's own BOM is not UTF-8
    ],
)
def test_a_byte_that_is_not_utf8_is_named_by_line_and_column(
    raw: bytes, line: int, column: int
) -> None:
    with pytest.raises(BadInput) as err:
        decode(raw, "in.jsonl")
    assert (err.value.location.file, err.value.location.line) == ("in.jsonl", line)
    assert f"at column {column}" in err.value.message and "UTF-8" in err.value.message


def test_a_csv_saved_with_a_bom_keeps_its_first_column(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_bytes(codecs.BOM_UTF8 + b"id,email\nc-1,pat@example.org\n")
    assert read_documents(path, columns=("id",)) == [(2, {"id": "c-1", "email": "pat@example.org"})]


def test_a_json_lines_file_saved_with_a_bom_reads_its_first_line(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_bytes(codecs.BOM_UTF8 + b'{"id": "c-1"}\n')
    assert read_documents(path) == [(1, {"id": "c-1"})]


def test_a_file_that_cannot_be_read_is_named(tmp_path: Path) -> None:
    with pytest.raises(BadInput) as err:
        read_text(tmp_path / "absent.csv")
    assert err.value.location.file == str(tmp_path / "absent.csv")
    assert "cannot read" in err.value.message
