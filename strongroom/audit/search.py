"""Searching the ledger: filters that an auditor or a SIEM export needs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from strongroom.instance import Instance
from strongroom.store.engine import transaction

_PAGE = 2000


@dataclass(frozen=True)
class Filters:
    tenant: str | None = None
    actor: str | None = None
    subject: str | None = None
    action: str | None = None
    outcome: str | None = None
    since: str | None = None  # ISO 8601, compared as text (entries store UTC ...Z)
    until: str | None = None


def _field(dialect: str, key: str) -> str:
    """The body field as the expression indexes of migration 0004 spell it."""
    if dialect == "sqlite":
        return f"json_extract(body, '$.{key}')"
    return f"((body::jsonb)->>'{key}')"


def entries(inst: Instance, f: Filters) -> Iterator[tuple[int, dict[str, Any]]]:
    """(sequence number, entry) in ledger order, streamed page by page."""
    dialect = inst.data.dialect.name
    where, params = ["seq >= ?"], [0]
    for key, value in (("tenant", f.tenant), ("principal", f.actor), ("action", f.action)):
        if value is not None:
            where.append(f"{_field(dialect, key)} = ?")
            params.append(value)  # type: ignore[arg-type]
    if f.since is not None:
        where.append(f"{_field(dialect, 'ts')} >= ?")
        params.append(f.since)  # type: ignore[arg-type]
    if f.until is not None:
        where.append(f"{_field(dialect, 'ts')} < ?")
        params.append(f.until)  # type: ignore[arg-type]
    sql = (
        f"SELECT seq, body FROM audit_entries WHERE {' AND '.join(where)} "
        f"ORDER BY seq LIMIT {_PAGE}"
    )
    start = 0
    while True:
        params[0] = start
        with transaction(inst.data, read_only=True) as tx:
            rows = tx.all(sql, params)
        for seq, body in rows:
            entry = json.loads(body)
            if f.subject is not None and f.subject not in entry["resource"].get("subjects", []):
                continue
            if f.outcome is not None and entry["outcome"]["decision"] != f.outcome:
                continue
            yield int(seq), entry
        if len(rows) < _PAGE:
            return
        start = int(rows[-1][0]) + 1
