"""Merkle tree hashing of RFC 6962 (Certificate Transparency) — pure, no I/O.

* leaf hash ``SHA-256(0x00 || data)``, interior node ``SHA-256(0x01 || left || right)`` (RFC 6962 §2.1);
* the tree of ``n`` leaves splits at ``k``, the largest power of two smaller than ``n``;
* ``inclusion_path`` is ``PATH(m, D[n])`` (§2.1.1), ``consistency_path`` is ``PROOF(m, D[n])``
  (§2.1.2); the verifiers are the algorithms of RFC 9162 §2.1.3.2 and §2.1.4.2, which an outside
  party can run with nothing but the signed tree heads and the proofs.

Stored trees are addressed by *complete subtrees*: ``(level, index)`` is the root of leaves
``[index·2^level, (index+1)·2^level)``. Every left part of the RFC's recursion is such a subtree, so a
proof needs only O(log² n) stored nodes, fetched through a ``get(level, index)`` callback.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

NodeGetter = Callable[[int, int], bytes]


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


EMPTY_ROOT = hashlib.sha256(b"").digest()  # MTH({}) = SHA-256() (§2.1)


def split_point(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (n ≥ 2)."""
    if n < 2:
        raise ValueError("a split needs at least two leaves")
    return 1 << ((n - 1).bit_length() - 1)


def subtree_root(start: int, end: int, get: NodeGetter) -> bytes:
    """MTH of leaves ``[start, end)``, where ``start`` is aligned as in the RFC's recursion."""
    n = end - start
    if n <= 0:
        raise ValueError("empty range")
    if n & (n - 1) == 0 and start % n == 0:
        level = n.bit_length() - 1
        return get(level, start >> level)
    k = split_point(n)
    return node_hash(subtree_root(start, start + k, get), subtree_root(start + k, end, get))


def root(size: int, get: NodeGetter) -> bytes:
    return EMPTY_ROOT if size == 0 else subtree_root(0, size, get)


def inclusion_path(m: int, n: int, get: NodeGetter) -> list[bytes]:
    """PATH(m, D[n]): the audit path of leaf ``m`` in the tree of the first ``n`` leaves."""
    if not 0 <= m < n:
        raise ValueError(f"leaf {m} is not in a tree of {n} leaves")

    def path(m: int, start: int, end: int) -> list[bytes]:
        n = end - start
        if n == 1:
            return []
        k = split_point(n)
        if m < k:
            return [*path(m, start, start + k), subtree_root(start + k, end, get)]
        return [*path(m - k, start + k, end), subtree_root(start, start + k, get)]

    return path(m, 0, n)


def consistency_path(m: int, n: int, get: NodeGetter) -> list[bytes]:
    """PROOF(m, D[n]): proves the tree of ``m`` leaves is a prefix of the tree of ``n`` leaves."""
    if not 0 < m <= n:
        raise ValueError(f"no consistency proof from {m} to {n} leaves")

    def subproof(m: int, start: int, end: int, complete: bool) -> list[bytes]:
        n = end - start
        if m == n:
            return [] if complete else [subtree_root(start, end, get)]
        k = split_point(n)
        if m <= k:
            return [*subproof(m, start, start + k, complete), subtree_root(start + k, end, get)]
        return [*subproof(m - k, start + k, end, False), subtree_root(start, start + k, get)]

    return subproof(m, 0, n, True)


def verify_inclusion(leaf: bytes, index: int, size: int, path: Sequence[bytes], expected_root: bytes) -> bool:
    """RFC 9162 §2.1.3.2: does ``path`` prove leaf hash ``leaf`` at ``index`` in the tree ``expected_root``?"""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
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
    first: int, second: int, first_root: bytes, second_root: bytes, path: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2: is the tree ``first_root`` of ``first`` leaves a prefix of ``second_root``?"""
    if first < 1 or first > second:
        return False
    if first == second:
        return not path and first_root == second_root
    if not path:
        return False
    proof = list(path)
    if first & (first - 1) == 0:  # a power of two: the first root is itself the first proof node
        proof = [first_root, *proof]
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
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
    return sn == 0 and fr == first_root and sr == second_root


class Frontier:
    """The right edge of a growing tree: the roots of its complete subtrees ("peaks"), largest first.

    ``append`` returns the complete nodes the new leaf completes — ``(level, index, hash)`` to store —
    so appending is O(log n) and needs no other stored node.
    """

    def __init__(self, size: int = 0, peaks: Iterable[bytes] = ()) -> None:
        self.size = size
        self.peaks = list(peaks)
        if len(self.peaks) != bin(size).count("1"):
            raise ValueError(f"{len(self.peaks)} peaks do not fit a tree of {size} leaves")

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        index = self.size
        created = [(0, index, leaf)]
        h, level, i = leaf, 0, index
        while i & 1:  # the new node is a right child: merge with the peak on its left
            h = node_hash(self.peaks.pop(), h)
            level += 1
            i >>= 1
            created.append((level, i, h))
        self.peaks.append(h)
        self.size += 1
        return created

    def root(self) -> bytes:
        if not self.peaks:
            return EMPTY_ROOT
        h = self.peaks[-1]
        for p in reversed(self.peaks[:-1]):
            h = node_hash(p, h)
        return h


def reference_root(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) straight from the RFC's definition over leaf hashes (for tests and verification)."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = split_point(len(leaves))
    return node_hash(reference_root(leaves[:k]), reference_root(leaves[k:]))


def needed_nodes(fn: Callable[[NodeGetter], object]) -> set[tuple[int, int]]:
    """The ``(level, index)`` nodes ``fn`` reads — to fetch them from storage in one query first."""
    seen: set[tuple[int, int]] = set()

    def record(level: int, index: int) -> bytes:
        seen.add((level, index))
        return b"\x00" * 32

    fn(record)
    return seen
