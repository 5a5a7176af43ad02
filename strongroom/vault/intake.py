"""Reading batches of records from JSON lines or CSV, with the line of every record kept.

A record is a flat mapping with a required `id` and text values without control characters
(tab, line feed and carriage return aside). Everything is read and
checked before anything is stored, so one bad line stores nothing; the error names the file,
the line (1-based, a CSV header being line 1) and the field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from strongroom.documents import csv_rows, json_lines, read_documents
from strongroom.errors import BadInput

SUBJECT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")
# Control characters but tab, line feed and carriage return: no CRM field means one, a NUL cuts
# the value short in C-string tools downstream (exports, SIEM), and inside a card number it hid
# the number from the DLP scan of the exports.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


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
        control = _CONTROL.search(value)
        if control is not None:
            raise BadInput(
                f"holds the control character U+{ord(control.group()):04X} at character "
                f"{control.start() + 1} of {len(value)}",
                file=file,
                line=line,
                field=key,
            )
        values[key] = value
    return RawRecord(line, subject, values)


def parse_jsonl(text: str, file: str) -> list[RawRecord]:
    return [_record(file, n, raw) for n, raw in json_lines(text, file)]


def parse_csv(text: str, file: str) -> list[RawRecord]:
    return [_record(file, n, raw) for n, raw in csv_rows(text, file, columns=("id",))]


def read_records(path: Path) -> list[RawRecord]:
    """Raises BadInput for an unreadable file, an unknown extension or a bad line."""
    file = str(path)
    found = read_documents(path, columns=("id",))
    return _unique([_record(file, n, raw) for n, raw in found], file)


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
