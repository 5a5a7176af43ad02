"""Reading batches of records from JSON lines or CSV, with the line of every record kept.

A record is a flat mapping with a required `id` and text values. Everything is read and
checked before anything is stored, so one bad line stores nothing; the error names the file,
the line (1-based, a CSV header being line 1) and the field.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from strongroom.errors import BadInput

SUBJECT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")


@dataclass(frozen=True)
class RawRecord:
    line: int
    subject: str
    values: dict[str, str]


def _record(file: str, line: int, raw: object) -> RawRecord:
    if not isinstance(raw, dict):
        raise BadInput("expected a JSON object", file=file, line=line)
    if "id" not in raw or raw["id"] in (None, ""):
        raise BadInput("every record needs an id", file=file, line=line, field="id")
    subject = raw["id"]
    if not isinstance(subject, str) or not SUBJECT_ID.match(subject):
        raise BadInput(
            "an id is 1-128 of A-Z a-z 0-9 . _ : - (starting alphanumeric)",
            file=file,
            line=line,
            field="id",
        )
    values: dict[str, str] = {}
    for key, value in raw.items():
        if key == "id" or value is None or value == "":
            continue
        if not isinstance(key, str):
            raise BadInput("field names must be text", file=file, line=line)
        if not isinstance(value, str):
            raise BadInput(
                f"expected text, got {type(value).__name__}", file=file, line=line, field=key
            )
        values[key] = value
    return RawRecord(line, subject, values)


def parse_jsonl(text: str, file: str) -> list[RawRecord]:
    out = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise BadInput(
                f"not valid JSON ({exc.msg} at column {exc.colno})", file=file, line=n
            ) from exc
        out.append(_record(file, n, raw))
    return out


def parse_csv(text: str, file: str) -> list[RawRecord]:
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        return []
    except csv.Error as exc:
        raise BadInput(f"not valid CSV: {exc}", file=file, line=1) from exc
    if "id" not in header:
        raise BadInput("the CSV header has no 'id' column", file=file, line=1, field="id")
    if len(set(header)) != len(header):
        raise BadInput("the CSV header repeats a column", file=file, line=1)
    out = []
    try:
        for row in reader:
            n = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise BadInput(
                    f"expected {len(header)} columns, found {len(row)}", file=file, line=n
                )
            out.append(_record(file, n, dict(zip(header, row, strict=True))))
    except csv.Error as exc:
        raise BadInput(f"not valid CSV: {exc}", file=file, line=reader.line_num) from exc
    return out


def read_records(path: Path) -> list[RawRecord]:
    """Raises BadInput for an unreadable file, an unknown extension or a bad line."""
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"cannot read: {exc}", file=file) from exc
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        records = parse_jsonl(text, file)
    elif suffix == ".csv":
        records = parse_csv(text, file)
    else:
        raise BadInput("expected a .jsonl or .csv file", file=file)
    return _unique(records, file)


def from_dicts(rows: Iterable[object], source: str = "<records>") -> list[RawRecord]:
    """Records handed over in memory (the API, the demo, tests), checked exactly as a file's
    lines are; the Nth row counts as line N. Raises BadInput."""
    return _unique([_record(source, n, raw) for n, raw in enumerate(rows, start=1)], source)


def _unique(records: list[RawRecord], file: str) -> list[RawRecord]:
    seen: dict[str, int] = {}
    for rec in records:
        if rec.subject in seen:
            raise BadInput(
                f"id '{rec.subject}' already appears on line {seen[rec.subject]}",
                file=file,
                line=rec.line,
                field="id",
            )
        seen[rec.subject] = rec.line
    return records
