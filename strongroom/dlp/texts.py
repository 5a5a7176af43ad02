"""Texts to scan or neutralise, one per line of a file, and the same done to many at once.

A file whose name ends in `.jsonl`, `.ndjson` or `.json` is JSON lines: each line an object
whose `text` key holds the text (other keys are kept, untouched, for the output). Any other
file is plain text: each line is one text. Every input line has exactly one output line, so
the two files line up: a blank line is an empty text (JSON lines: no document, an empty
text), and lines end only at `\\n` (a `\\r` before it is dropped), never at the other
characters `str.splitlines` would split on.

Errors are `BadInput` naming the file, the 1-based line and the field (`text`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from strongroom import documents
from strongroom.dlp.finding import Finding
from strongroom.dlp.operators import KEYED, OPERATORS, neutralise
from strongroom.dlp.scanner import scan_many
from strongroom.documents import JSON_SUFFIXES
from strongroom.errors import BadInput

TEXT_KEY = "text"


@dataclass(frozen=True)
class TextLine:
    """One input line: its number, its text, and for JSON lines the document it came in."""

    line: int
    text: str
    doc: dict[str, Any] | None = None

    def render(self, text: str, as_json: bool) -> str:
        """The output line carrying `text` in this line's place: the document with `text`
        replaced for JSON lines, `{"text": ...}` for a plain line under `as_json`."""
        if self.doc is not None:
            return json.dumps({**self.doc, TEXT_KEY: text}, ensure_ascii=False)
        if as_json:
            return json.dumps({TEXT_KEY: text}, ensure_ascii=False)
        return text


@dataclass(frozen=True)
class TextFile:
    path: str
    json_lines: bool
    lines: tuple[TextLine, ...]

    @property
    def texts(self) -> list[str]:
        return [tl.text for tl in self.lines]


def _lines(text: str) -> list[str]:
    parts = text.split("\n")
    if parts and parts[-1] == "":
        parts.pop()
    return [p.removesuffix("\r") for p in parts]


def read_texts(path: Path) -> TextFile:
    """Raises BadInput for an unreadable file, a JSON line that is not an object, or one
    without a string `text` (naming file, line and field)."""
    file = str(path)
    raw = documents.read_text(path)
    is_json = path.suffix.lower() in JSON_SUFFIXES
    out: list[TextLine] = []
    for n, line in enumerate(_lines(raw), start=1):
        if not is_json:
            out.append(TextLine(n, line))
            continue
        if not line.strip():
            out.append(TextLine(n, ""))
            continue
        doc = documents.parse_json(line, file, n)
        if not isinstance(doc, dict):
            raise BadInput("expected a JSON object with a 'text'", file=file, line=n)
        text = doc.get(TEXT_KEY)
        if not isinstance(text, str):
            got = "no 'text'" if TEXT_KEY not in doc else f"a {type(text).__name__}"
            raise BadInput(
                f"expected a string 'text', found {got}", file=file, line=n, field=TEXT_KEY
            )
        out.append(TextLine(n, text, doc))
    return TextFile(file, is_json, tuple(out))


def check_operator(operator: str) -> str:
    """Raises BadInput for an operator that is not one of `OPERATORS`."""
    if operator not in OPERATORS:
        raise BadInput(
            f"unknown operator {operator!r}; expected one of {', '.join(OPERATORS)}",
            field="operator",
        )
    return operator


def scan_all(texts: Sequence[str], entities: Sequence[str] | None = None) -> list[list[Finding]]:
    """Each text's findings, in order. Raises BadInput for an unknown entity type."""
    return scan_many(texts, entities)


def counts(found: Sequence[Sequence[Finding]]) -> dict[str, int]:
    """How many findings of each type: what a ledger entry may say (never a value)."""
    out: dict[str, int] = {}
    for fs in found:
        for f in fs:
            out[f.entity_type] = out.get(f.entity_type, 0) + 1
    return dict(sorted(out.items()))


def neutralise_all(
    texts: Sequence[str], operator: str, entities: Sequence[str] | None = None
) -> list[str]:
    """Each text scanned and neutralised by `redact` or `mask`, which need no key.

    Raises BadInput for an unknown operator or entity type, or a keyed one (`hash`,
    `tokenize`: those take a tenant, through `vault.free_text.redact`)."""
    check_operator(operator)
    if operator in KEYED:
        raise BadInput(
            f"the {operator} operator uses a tenant's keys: name the tenant", field="tenant"
        )
    found = scan_all(texts, entities)
    return [neutralise(t, fs, operator) for t, fs in zip(texts, found, strict=True)]
