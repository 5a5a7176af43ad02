"""Input files of documents, one per line: JSON lines (.jsonl, .ndjson, .json) or CSV with a
header. The one reader of such files, so every command names file and line the same way.

Lines are 1-based and blank lines are skipped; a CSV header is line 1 and an empty cell is
left out of its row, as an absent key would be. What a document must contain is the caller's
business; this module only refuses what is not a document at all.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from pathlib import Path

from strongroom.errors import BadInput

JSON_SUFFIXES = (".jsonl", ".ndjson", ".json")


def read_documents(path: Path, *, columns: tuple[str, ...] = ()) -> list[tuple[int, object]]:
    """Each line's document with its line number. A CSV header must name `columns`.

    Raises BadInput for an unreadable file, another extension, a line that is not JSON, a
    malformed CSV row, or a header without a required column (naming file, line, field)."""
    file = str(path)
    text = read_text(path)
    suffix = path.suffix.lower()
    if suffix in JSON_SUFFIXES:
        return json_lines(text, file)
    if suffix == ".csv":
        return csv_rows(text, file, columns)
    raise BadInput("expected a .jsonl or .csv file", file=file)


def read_text(path: Path) -> str:
    """The file as UTF-8 text, through `decode`: the one way every command reads a text file,
    so a BOM or a stray byte means the same in a records file, a tenant spec, a policy or a
    transcript. Raises BadInput naming the file (and the line of a byte that is not UTF-8)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise BadInput(f"cannot read: {exc.strerror or exc}", file=str(path)) from exc
    return decode(raw, str(path))


_LINE_BREAK = re.compile(rb"\r\n|\r|\n")


def _not_utf8(raw: bytes, line_start: int, at: int) -> str:
    """The bad byte at `at` and its column (in characters) on the line starting there."""
    column = len(raw[line_start:at].decode("utf-8", "replace")) + 1
    return f"not UTF-8 text: byte 0x{raw[at]:02x} at column {column}"


def decode(raw: bytes, file: str) -> str:
    """UTF-8 text with "\\r\\n" and a lone "\\r" read as "\\n" (as Python's text files
    read them: a policy saved on Windows is written back with its own line ends, not "\\r\\r\\n"),
    and a leading byte-order mark dropped (Windows editors and Excel's "CSV UTF-8" write one;
    kept, it became part of the first column's name or the first key). Raises BadInput naming
    the line and column (in characters) of the first byte that is not UTF-8: a file saved as
    Latin-1 or UTF-16 is refused where it goes wrong, not as one opaque codec error."""
    body = raw.removeprefix(codecs.BOM_UTF8)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        breaks = list(_LINE_BREAK.finditer(body, 0, exc.start))
        start = breaks[-1].end() if breaks else 0
        raise BadInput(
            f"{_not_utf8(body, start, exc.start)} (save the file as UTF-8)",
            file=file,
            line=len(breaks) + 1,
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


class DuplicateKey(ValueError):
    """A key given twice in one JSON object. JSON leaves the meaning to the reader, and
    Python's keeps the last: a document with `"email"` twice would lose a value unsaid."""

    def __init__(self, key: str) -> None:
        super().__init__(f"the key '{key[:40]}' appears twice in one object")
        self.key = key


class TooDeep(ValueError):
    """Arrays or objects nested past what the parser's recursion can follow."""

    def __init__(self) -> None:
        super().__init__("arrays or objects nested too deeply")


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in pairs:
        if key in out:
            raise DuplicateKey(key)
        out[key] = value
    return out


def loads(text: str | bytes) -> object:
    """`json.loads` that refuses what it would otherwise take silently or crash on.

    Raises ValueError for everything that is not one JSON value: json.JSONDecodeError,
    DuplicateKey, TooDeep (a RecursionError from the parser, which is not a ValueError)."""
    try:
        return json.loads(text, object_pairs_hook=_unique_keys)
    except RecursionError:
        raise TooDeep() from None


def refusal(exc: ValueError) -> tuple[str, str | None]:
    """Why `loads` refused a line, said for a person: the reason (with the column where the
    parser stopped, or of a byte that is not UTF-8) and the field it concerns, if any."""
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON ({exc.msg} at column {exc.colno})", None
    if isinstance(exc, DuplicateKey):
        return str(exc), exc.key[:40]
    if isinstance(exc, UnicodeDecodeError) and isinstance(exc.object, bytes):
        return _not_utf8(exc.object, 0, exc.start), None
    return f"not read: {exc}", None


def parse_json(text: str | bytes, file: str, line: int | None = None) -> object:
    """One JSON value of `file` (a line of it, or the whole). Raises BadInput naming the file
    and the line (for a whole file, the line where the parser stopped)."""
    try:
        return loads(text)
    except ValueError as exc:
        reason, field = refusal(exc)
        if line is None and isinstance(exc, json.JSONDecodeError):
            line = exc.lineno
        raise BadInput(reason, file=file, line=line, field=field) from exc


def json_lines(text: str, file: str) -> list[tuple[int, object]]:
    """Each non-blank line's JSON value with its line number. Lines end at "\n" only (a JSON
    string may hold U+2028 or a form feed unescaped, which `str.splitlines` would cut at).
    Raises BadInput naming file and line for a line that is not one JSON value."""
    out: list[tuple[int, object]] = []
    for n, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            out.append((n, parse_json(line, file, n)))
    return out


def csv_rows(text: str, file: str, columns: tuple[str, ...] = ()) -> list[tuple[int, object]]:
    """Rows by the line each starts on (a quoted cell may span lines). Strict: a quote left
    open, or text after a closing quote, is refused; read leniently, an open quote swallowed
    every later row into one cell and the file was stored short without a word."""
    reader = csv.reader(io.StringIO(text), strict=True)
    out: list[tuple[int, object]] = []
    start = 1
    try:
        header = next(reader, None)
        if header is None:
            return out
        for column in columns:
            if column not in header:
                raise BadInput(
                    f"the CSV header has no '{column}' column", file=file, line=1, field=column
                )
        if len(set(header)) != len(header):
            raise BadInput("the CSV header repeats a column", file=file, line=1)
        start = reader.line_num + 1
        for row in reader:
            n, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise BadInput(
                    f"expected {len(header)} columns, found {len(row)}", file=file, line=n
                )
            out.append((n, {k: v for k, v in zip(header, row, strict=True) if v.strip()}))
    except csv.Error as exc:
        raise BadInput(f"not valid CSV: {exc}", file=file, line=start) from exc
    return out
