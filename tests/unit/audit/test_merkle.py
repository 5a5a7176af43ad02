"""Merkle tree maths against the RFC 6962 vectors and a naive recomputation."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from strongroom.audit import merkle

VECTORS = json.loads((Path(__file__).parents[2] / "vectors" / "merkle_rfc6962.json").read_text())
LEAVES = [bytes.fromhex(h) for h in VECTORS["leaf_inputs_hex"]]


def naive_root(leaves: list[bytes]) -> bytes:
    """MTH exactly as RFC 9162 2.1.1 writes it, recursion and all."""
    if not leaves:
        return merkle.EMPTY_ROOT
    if len(leaves) == 1:
        return merkle.leaf_hash(leaves[0])
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return merkle.node_hash(naive_root(leaves[:k]), naive_root(leaves[k:]))


def naive_path(m: int, leaves: list[bytes]) -> list[bytes]:
    if len(leaves) <= 1:
        return []
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    if m < k:
        return [*naive_path(m, leaves[:k]), naive_root(leaves[k:])]
    return [*naive_path(m - k, leaves[k:]), naive_root(leaves[:k])]


def naive_subproof(m: int, leaves: list[bytes], whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [naive_root(leaves)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*naive_subproof(m, leaves[:k], whole), naive_root(leaves[k:])]
    return [*naive_subproof(m - k, leaves[k:], False), naive_root(leaves[:k])]


def tree(leaves: list[bytes]) -> merkle.MemoryTree:
    return merkle.MemoryTree([merkle.leaf_hash(x) for x in leaves])


def test_roots_match_the_published_vectors() -> None:
    for size, expected in enumerate(VECTORS["root_hashes_hex"]):
        assert tree(LEAVES[:size]).root().hex() == expected
        assert merkle.root(tree(LEAVES).node, size).hex() == expected
    assert [h.hex() for h in tree(LEAVES).levels[1]] == VECTORS["level1_hex"]


leaf_lists = st.lists(st.binary(max_size=8), min_size=1, max_size=70)


@settings(max_examples=300)
@given(leaf_lists, st.data())
def test_inclusion_proofs_match_naive_and_verify(leaves: list[bytes], data: st.DataObject) -> None:
    t = tree(leaves)
    size = data.draw(st.integers(1, len(leaves)))
    index = data.draw(st.integers(0, size - 1))
    proof = merkle.inclusion_proof(t.node, index, size)
    assert proof == naive_path(index, leaves[:size])
    root = naive_root(leaves[:size])
    assert merkle.root(t.node, size) == root
    leaf = merkle.leaf_hash(leaves[index])
    assert merkle.verify_inclusion(leaf, index, size, proof, root)
    assert not merkle.verify_inclusion(
        merkle.leaf_hash(leaves[index] + b"x"), index, size, proof, root
    )
    if size > 1:
        assert not merkle.verify_inclusion(leaf, index, size, proof[:-1], root)
        assert not merkle.verify_inclusion(leaf, (index + 1) % size, size, proof, root) or (
            leaves[(index + 1) % size] == leaves[index]
        )
    assert not merkle.verify_inclusion(leaf, index, size, [*proof, root], root)


@settings(max_examples=300)
@given(leaf_lists, st.data())
def test_consistency_proofs_match_naive_and_verify(
    leaves: list[bytes], data: st.DataObject
) -> None:
    t = tree(leaves)
    new = data.draw(st.integers(1, len(leaves)))
    old = data.draw(st.integers(1, new))
    proof = merkle.consistency_proof(t.node, old, new)
    assert proof == naive_subproof(old, leaves[:new], True)
    old_root, new_root = naive_root(leaves[:old]), naive_root(leaves[:new])
    assert merkle.verify_consistency(old, new, old_root, new_root, proof)
    if old < new:
        forged = naive_root([*leaves[: old - 1], leaves[old - 1] + b"!"])
        assert not merkle.verify_consistency(old, new, forged, new_root, proof)
        assert not merkle.verify_consistency(old, new, old_root, new_root, [])


@settings(max_examples=100)
@given(leaf_lists, st.data())
def test_needed_lists_exactly_the_nodes_a_proof_reads(
    leaves: list[bytes], data: st.DataObject
) -> None:
    t = tree(leaves)
    size = data.draw(st.integers(1, len(leaves)))
    index = data.draw(st.integers(0, size - 1))
    wanted = merkle.needed(index, size)
    fetched = {key: t.node(*key) for key in wanted}
    assert merkle.inclusion_proof(lambda lv, i: fetched[(lv, i)], index, size) == (
        merkle.inclusion_proof(t.node, index, size)
    )


def test_out_of_range_is_refused() -> None:
    t = tree(LEAVES)
    for bad in (-1, 8):
        try:
            merkle.inclusion_proof(t.node, bad, 8)
        except ValueError:
            continue
        raise AssertionError("accepted an index outside the tree")
    assert not merkle.verify_inclusion(merkle.leaf_hash(b""), 8, 8, [], t.root())
    assert not merkle.verify_consistency(0, 8, merkle.EMPTY_ROOT, t.root(), [])
