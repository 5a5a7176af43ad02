"""Input files of documents, one per line: JSON lines (.jsonl, .ndjson, .json) or CSV with a
header. The one reader of such files, so every command names file and line the same way.

Lines are 1-based and blank lines are skipped; a CSV header is line 1 and an empty cell is
left out of its row, as an absent key would be. What a document must contain is the caller's
business; this module only refuses what is not a document at all.
"""

from __future__ import annotations

import csv
import io
import json
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
    """The file as UTF-8 text. Raises BadInput naming the file when it cannot be read."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"cannot read: {exc}", file=str(path)) from exc


def json_lines(text: str, file: str) -> list[tuple[int, object]]:
    """Each non-blank line's JSON value with its line number. Lines end at "\n" only (a JSON
    string may hold U+2028 or a form feed unescaped, which `str.splitlines` would cut at).
    Raises BadInput naming file and line for a line that is not JSON."""
    out: list[tuple[int, object]] = []
    for n, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            out.append((n, json.loads(line)))
        except json.JSONDecodeError as exc:
            raise BadInput(
                f"not valid JSON ({exc.msg} at column {exc.colno})", file=file, line=n
            ) from exc
    return out


def csv_rows(text: str, file: str, columns: tuple[str, ...] = ()) -> list[tuple[int, object]]:
    reader = csv.reader(io.StringIO(text))
    out: list[tuple[int, object]] = []
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
        for row in reader:
            n = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise BadInput(
                    f"expected {len(header)} columns, found {len(row)}", file=file, line=n
                )
            out.append((n, {k: v for k, v in zip(header, row, strict=True) if v.strip()}))
    except csv.Error as exc:
        raise BadInput(f"not valid CSV: {exc}", file=file, line=reader.line_num) from exc
    return out
