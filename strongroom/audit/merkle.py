"""RFC 9162 Merkle tree maths: tree heads, inclusion and consistency proofs, and their checks.

Pure: no I/O. Hashes come from a `NodeSource` that answers "the hash of the perfect subtree at
(level, index)" (level 0 = leaves), so the same code serves an in-memory tree, the ledger's
stored nodes, and the naive recomputation the tests compare against. Which nodes a proof needs
depends only on the tree size and the entry's index, never on hash values: `needed` lists them
first so the store can fetch them in one query.

Verification follows RFC 9162 section 2.1.3.2 and 2.1.4.2 and fails closed: a proof of the
wrong length, an index out of range or an empty consistency proof where one is needed is
rejected, not accepted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

NodeSource = Callable[[int, int], bytes]  # (level, index) -> hash of that perfect subtree

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def subtree(nodes: NodeSource, start: int, end: int) -> bytes:
    """MTH of leaves [start, end): a stored node when the range is a perfect subtree, else
    built from the perfect subtrees it splits into."""
    size = end - start
    if size & (size - 1) == 0 and start % size == 0:
        return nodes(size.bit_length() - 1, start // size)
    k = _split(size)
    return node_hash(subtree(nodes, start, start + k), subtree(nodes, start + k, end))


def root(nodes: NodeSource, size: int) -> bytes:
    return EMPTY_ROOT if size == 0 else subtree(nodes, 0, size)


def inclusion_proof(nodes: NodeSource, index: int, size: int) -> list[bytes]:
    """PATH(index, D[size]). Raises ValueError when index is not in the tree."""
    if not 0 <= index < size:
        raise ValueError(f"entry {index} is not in a tree of size {size}")
    proof: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            proof.append(subtree(nodes, start + k, end))
            end = start + k
        else:
            proof.append(subtree(nodes, start, start + k))
            start += k
    proof.reverse()
    return proof


def consistency_proof(nodes: NodeSource, old: int, new: int) -> list[bytes]:
    """PROOF(old, D[new]). Raises ValueError unless 0 < old <= new."""
    if not 0 < old <= new:
        raise ValueError(f"no consistency proof from size {old} to size {new}")
    proof: list[bytes] = []
    start, end, whole = 0, new, True
    m = old
    while True:
        if m == end - start:
            if not whole:
                proof.append(subtree(nodes, start, end))
            break
        k = _split(end - start)
        if m <= k:
            proof.append(subtree(nodes, start + k, end))
            end = start + k
        else:
            proof.append(subtree(nodes, start, start + k))
            start += k
            m -= k
            whole = False
    proof.reverse()
    return proof


def needed(index_or_old: int, size: int, *, consistency: bool = False) -> set[tuple[int, int]]:
    """The (level, index) nodes a proof will ask for, for fetching them in one query."""
    seen: set[tuple[int, int]] = set()

    def record(level: int, idx: int) -> bytes:
        seen.add((level, idx))
        return EMPTY_ROOT

    if consistency:
        consistency_proof(record, index_or_old, size)
    else:
        inclusion_proof(record, index_or_old, size)
    return seen


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], expected_root: bytes
) -> bool:
    """RFC 9162 2.1.3.2: True only if `proof` links the leaf hash at `index` to the root."""
    if not 0 <= index < size or any(len(p) != 32 for p in proof):
        return False
    fn, sn = index, size - 1
    r = leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == expected_root


def verify_consistency(
    old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 2.1.4.2: True only if the tree of size `old` is a prefix of the one of `new`."""
    if old == new:
        return not proof and old_root == new_root
    if not 0 < old < new or not proof or any(len(p) != 32 for p in proof):
        return False
    path = list(proof)
    if old & (old - 1) == 0:  # old is a power of two: its root is the proof's implicit start
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


class MemoryTree:
    """Every perfect-subtree hash of a list of leaves, computed up front: the reference the
    tests and the offline verifier use, and the shape the ledger stores."""

    def __init__(self, leaves: Sequence[bytes]) -> None:
        self.levels: list[list[bytes]] = [list(leaves)]
        sha256 = hashlib.sha256
        while len(self.levels[-1]) > 1:
            below = self.levels[-1]
            self.levels.append(
                [  # node_hash, inlined: this loop runs once per entry in `audit verify`
                    sha256(b"\x01" + below[i] + below[i + 1]).digest()
                    for i in range(0, len(below) - 1, 2)
                ]
            )

    def node(self, level: int, index: int) -> bytes:
        return self.levels[level][index]

    @property
    def size(self) -> int:
        return len(self.levels[0])

    def root(self, size: int | None = None) -> bytes:
        return root(self.node, self.size if size is None else size)
