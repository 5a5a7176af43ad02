"""The append-only, hash-linked audit ledger.

Guarantees:
- `append` writes entries inside the caller's transaction, so an entry exists exactly when the
  operation it records committed; a failure to write it fails the operation.
- Entries are numbered 0, 1, 2, ... without gaps. Each stores
  `entry_hash = SHA-256(0x02 || prev_hash || leaf)`, where `leaf = SHA-256(0x00 || body)` is the
  RFC 9162 leaf hash (0x02 is neither RFC 9162's leaf nor node prefix), chaining every entry to
  all before it. Appends are serialised across processes by the database: SQLite's
  BEGIN IMMEDIATE already holds its one write lock; on PostgreSQL a transaction-scoped advisory
  lock does the same. The head of the ledger is then simply its last entry.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from strongroom.audit.entry import Entry
from strongroom.store.engine import Tx

GENESIS = bytes(32)
_LEDGER_LOCK = "SELECT pg_advisory_xact_lock(7710001)"
_LAST = "SELECT seq, entry_hash FROM audit_entries ORDER BY seq DESC LIMIT 1"
_INSERT = "INSERT INTO audit_entries (seq, body, prev_hash, entry_hash) VALUES (?, ?, ?, ?)"


def leaf_hash(body: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + body).digest()


def chain_hash(prev: bytes, body: bytes) -> bytes:
    return hashlib.sha256(b"\x02" + prev + leaf_hash(body)).digest()


def lock(tx: Tx) -> None:
    """Take the ledger's lock for the rest of the transaction (PostgreSQL; SQLite's BEGIN
    IMMEDIATE already holds the whole store). Every writer of the ledger takes it, so reads
    made after it see what every earlier writer committed. Taking it again is a no-op."""
    if tx.dialect == "postgresql":
        tx.run(_LEDGER_LOCK)


def append(tx: Tx, entries: Sequence[Entry]) -> list[int]:
    """Append entries in order; returns their sequence numbers."""
    if not entries:
        return []
    lock(tx)
    last = tx.one(_LAST)
    size, prev = (int(last[0]) + 1, bytes(last[1])) if last else (0, GENESIS)
    rows = []
    sha256 = hashlib.sha256
    for i, entry in enumerate(entries):
        body = entry.canonical()
        link = sha256(b"\x02" + prev + sha256(b"\x00" + body).digest()).digest()  # chain_hash
        rows.append((size + i, body.decode(), prev, link))
        prev = link
    if len(rows) == 1:
        tx.run(_INSERT, rows[0])
    else:
        tx.many(_INSERT, rows)
    return list(range(size, size + len(rows)))
