"""The append-only, hash-linked audit ledger.

Guarantees:
- `append` writes entries inside the caller's transaction, so an entry exists exactly when the
  operation it records committed; a failure to write it fails the operation.
- Entries are numbered 0, 1, 2, ... without gaps. Each stores
  `entry_hash = SHA-256(0x02 || prev_hash || leaf)`, where `leaf = SHA-256(0x00 || body)` is the
  RFC 9162 leaf hash (0x02 is neither RFC 9162's leaf nor node prefix), chaining every entry to
  all before it. Appends are serialised across processes by the database's write lock.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from sqlalchemy import Connection, insert, select, text

from strongroom.audit.entry import Entry
from strongroom.store.tables import audit_entries

GENESIS = bytes(32)


def leaf_hash(body: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + body).digest()


def chain_hash(prev: bytes, body: bytes) -> bytes:
    return hashlib.sha256(b"\x02" + prev + leaf_hash(body)).digest()


# Appends are serialised by the database: SQLite's BEGIN IMMEDIATE already holds the one write
# lock; on PostgreSQL a transaction-scoped advisory lock does the same job. The head of the
# ledger is then simply its last entry.
_LEDGER_LOCK = text("SELECT pg_advisory_xact_lock(7710001)")
_LAST = (
    select(audit_entries.c.seq, audit_entries.c.entry_hash)
    .order_by(audit_entries.c.seq.desc())
    .limit(1)
)
_INSERT = insert(audit_entries)


def append(conn: Connection, entries: Sequence[Entry]) -> list[int]:
    """Append entries in order; returns their sequence numbers."""
    if not entries:
        return []
    if conn.dialect.name == "postgresql":
        conn.execute(_LEDGER_LOCK)
    last = conn.execute(_LAST).first()
    size, prev = (int(last[0]) + 1, bytes(last[1])) if last else (0, GENESIS)
    rows: list[dict[str, object]] = []
    for i, entry in enumerate(entries):
        body = entry.canonical()
        link = chain_hash(prev, body)
        rows.append(
            {
                "seq": size + i,
                "ts": entry.timestamp,
                "principal": entry.principal,
                "tenant_id": entry.tenant,
                "action": entry.action,
                "outcome": entry.outcome,
                "body": body.decode(),
                "prev_hash": prev,
                "entry_hash": link,
            }
        )
        prev = link
    conn.execute(_INSERT, rows)
    return list(range(size, size + len(rows)))
