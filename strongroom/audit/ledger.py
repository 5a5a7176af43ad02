"""The append-only, hash-linked audit ledger.

Guarantees:
- `append` writes entries inside the caller's transaction, so an entry exists exactly when the
  operation it records committed; a failure to write it fails the operation.
- Entries are numbered 0, 1, 2, ... without gaps. Each stores
  `entry_hash = SHA-256(0x02 || prev_hash || leaf)`, where `leaf = SHA-256(0x00 || body)` is the
  RFC 9162 leaf hash (0x02 is neither RFC 9162's leaf nor node prefix), chaining every entry to
  all before it; the head (size, last hash) is one row that every append locks, which
  serialises appends across processes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from sqlalchemy import Connection, bindparam, insert, select, update

from strongroom.audit.entry import Entry
from strongroom.store.tables import audit_entries, ledger_head

GENESIS = bytes(32)


def leaf_hash(body: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + body).digest()


def chain_hash(prev: bytes, body: bytes) -> bytes:
    return hashlib.sha256(b"\x02" + prev + leaf_hash(body)).digest()


_HEAD = (
    select(ledger_head.c.size, ledger_head.c.head_hash)
    .where(ledger_head.c.id == 1)
    .with_for_update()
)
_INSERT = insert(audit_entries)
_MOVE_HEAD = (
    update(ledger_head)
    .where(ledger_head.c.id == 1)
    .values(size=bindparam("size"), head_hash=bindparam("head"))
)


def append(conn: Connection, entries: Sequence[Entry]) -> list[int]:
    """Append entries in order; returns their sequence numbers."""
    if not entries:
        return []
    head = conn.execute(_HEAD).first()
    size, prev = (int(head[0]), bytes(head[1])) if head else (0, GENESIS)
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
    new_size = size + len(rows)
    if head:
        conn.execute(_MOVE_HEAD, {"size": new_size, "head": prev})
    else:
        conn.execute(insert(ledger_head).values(id=1, size=new_size, head_hash=prev))
    return list(range(size, new_size))
