"""The ledger's Merkle tree in the data store.

Leaves are the entries' canonical bodies. Perfect-subtree hashes are stored (`audit_nodes`)
when a checkpoint is issued, not on every append, so the hot path writes one row; a proof
against any checkpoint then reads only the O(log n) nodes `merkle.needed` names, in one query.
"""

from __future__ import annotations

from strongroom.audit import merkle
from strongroom.errors import TamperDetected
from strongroom.store.engine import Tx


def stored_leaves(tx: Tx) -> int:
    row = tx.one("SELECT count(*) FROM audit_nodes WHERE level = 0")
    return int(row[0]) if row else 0


def extend(tx: Tx, upto: int) -> None:
    """Store every perfect-subtree hash of the first `upto` entries not stored yet."""
    have = stored_leaves(tx)
    if upto <= have:
        return
    bodies = tx.all(
        "SELECT seq, body FROM audit_entries WHERE seq >= ? AND seq < ? ORDER BY seq", (have, upto)
    )
    if len(bodies) != upto - have or (bodies and int(bodies[0][0]) != have):
        raise TamperDetected("the ledger has gaps; run `strongroom audit verify`")
    level = [merkle.leaf_hash(str(body).encode()) for _, body in bodies]
    rows = [(0, have + i, h) for i, h in enumerate(level)]
    lvl, start = 0, have  # `level` holds nodes start.. of this level, all new
    while True:
        # A new parent needs its left child, which may be an old stored node.
        parent_start = start // 2
        parent_end = (start + len(level)) // 2
        if parent_end <= parent_start:
            break
        if start % 2 == 1:
            left = tx.one(
                "SELECT hash FROM audit_nodes WHERE level = ? AND idx = ?", (lvl, start - 1)
            )
            if left is None:
                raise TamperDetected(f"stored tree node ({lvl}, {start - 1}) is missing")
            level = [bytes(left[0]), *level]
            start -= 1
        parents = [
            merkle.node_hash(level[i], level[i + 1])
            for i in range(0, (parent_end - parent_start) * 2, 2)
        ]
        lvl += 1
        rows += [(lvl, parent_start + i, h) for i, h in enumerate(parents)]
        level, start = parents, parent_start
    tx.many("INSERT INTO audit_nodes (level, idx, hash) VALUES (?, ?, ?)", rows)


def nodes_for(tx: Tx, wanted: set[tuple[int, int]]) -> merkle.NodeSource:
    """A node source over exactly the wanted stored nodes, fetched in one query."""
    found: dict[tuple[int, int], bytes] = {}
    pairs = sorted(wanted)
    for start in range(0, len(pairs), 400):
        chunk = pairs[start : start + 400]
        where = " OR ".join(["(level = ? AND idx = ?)"] * len(chunk))
        params = [v for pair in chunk for v in pair]
        for lvl, idx, h in tx.all(
            f"SELECT level, idx, hash FROM audit_nodes WHERE {where}", params
        ):
            found[(int(lvl), int(idx))] = bytes(h)

    def source(level: int, index: int) -> bytes:
        try:
            return found[(level, index)]
        except KeyError:
            raise TamperDetected(f"stored tree node ({level}, {index}) is missing") from None

    return source


def root_at(tx: Tx, size: int) -> bytes:
    if size == 0:
        return merkle.EMPTY_ROOT
    wanted: set[tuple[int, int]] = set()

    def record(level: int, index: int) -> bytes:
        wanted.add((level, index))
        return merkle.EMPTY_ROOT

    merkle.root(record, size)
    return merkle.root(nodes_for(tx, wanted), size)


def inclusion_proof(tx: Tx, index: int, size: int) -> list[bytes]:
    """RFC 9162 PATH(index, D[size]) from the stored nodes, read in one query."""
    return merkle.inclusion_proof(nodes_for(tx, merkle.needed(index, size)), index, size)
