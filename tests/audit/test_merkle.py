"""RFC 6962 hashing, proofs and their verification (pure), checked against the RFC's definitions."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from services.audit.log.merkle import (
    EMPTY_ROOT,
    Frontier,
    consistency_path,
    inclusion_path,
    leaf_hash,
    node_hash,
    reference_root,
    root,
    verify_consistency,
    verify_inclusion,
)


def build(n: int):
    """A tree of n leaves through the Frontier, its stored nodes and their getter."""
    f = Frontier()
    nodes: dict[tuple[int, int], bytes] = {}
    leaves = [leaf_hash(f"事件{i}".encode()) for i in range(n)]
    for leaf in leaves:
        for level, index, h in f.append(leaf):
            nodes[(level, index)] = h
    return f, leaves, lambda level, index: nodes[(level, index)]


def test_hashing_is_rfc6962_domain_separated():
    assert leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    assert node_hash(b"a" * 32, b"b" * 32) == hashlib.sha256(b"\x01" + b"a" * 32 + b"b" * 32).digest()
    assert root(0, lambda *_: b"") == EMPTY_ROOT == hashlib.sha256(b"").digest()
    # The RFC 6962 test vector tree of the empty string leaf.
    assert leaf_hash(b"").hex() == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=70))
def test_frontier_and_stored_nodes_give_the_reference_root(n):
    f, leaves, get = build(n)
    assert f.root() == reference_root(leaves) == root(n, get)
    for m in range(1, n + 1):
        assert root(m, get) == reference_root(leaves[:m])


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=40), st.data())
def test_every_inclusion_proof_verifies_and_no_other_leaf_or_index_does(n, data):
    _, leaves, get = build(n)
    size = data.draw(st.integers(min_value=1, max_value=n))
    m = data.draw(st.integers(min_value=0, max_value=size - 1))
    r = reference_root(leaves[:size])
    path = inclusion_path(m, size, get)
    assert verify_inclusion(leaves[m], m, size, path, r)
    assert not verify_inclusion(leaf_hash(b"forged"), m, size, path, r)
    if size > 1:
        other = (m + 1) % size
        assert not verify_inclusion(leaves[m], other, size, path, r)
        forged = [bytes(32)] + path[1:] if path else path
        assert not verify_inclusion(leaves[m], m, size, forged, r)
        assert not verify_inclusion(leaves[m], m, size, path[:-1], r)  # truncated proof
        assert not verify_inclusion(leaves[m], m, size, [*path, bytes(32)], r)  # padded proof


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=40), st.data())
def test_every_consistency_proof_verifies_and_a_rewritten_history_does_not(n, data):
    _, leaves, get = build(n)
    first = data.draw(st.integers(min_value=1, max_value=n))
    r1, r2 = reference_root(leaves[:first]), reference_root(leaves)
    path = consistency_path(first, n, get)
    assert verify_consistency(first, n, r1, r2, path)
    # A first tree with one leaf changed is not a prefix of the second one.
    changed = list(leaves[:first])
    changed[data.draw(st.integers(min_value=0, max_value=first - 1))] = leaf_hash(b"rewritten")
    assert not verify_consistency(first, n, reference_root(changed), r2, path)
    if path:
        assert not verify_consistency(first, n, r1, r2, [bytes(32), *path[1:]])
    if first < n:
        assert not verify_consistency(first, n, r1, r2, [])


def test_known_proof_shapes_of_rfc6962_section_2_1_3():
    # The RFC's example tree of 7 leaves: PATH(0) = [b, h, l] (three nodes); PROOF(3, D[7]) = [c, d, g, l].
    _, leaves, get = build(7)
    assert len(inclusion_path(0, 7, get)) == 3
    assert len(inclusion_path(6, 7, get)) == 2
    assert len(consistency_path(3, 7, get)) == 4
    assert len(consistency_path(4, 7, get)) == 1
    assert len(consistency_path(6, 7, get)) == 3
