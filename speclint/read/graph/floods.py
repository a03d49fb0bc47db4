"""The data-flow primitives of ``GraphIndex`` in pure Python: the reference for ``speclint._wire``.

``speclint._wire`` (C) implements the same four functions with the same arguments and results;
``speclint.read.accelerator.floods`` picks one. Keeping both behind one interface keeps one
algorithm in ``graph/index.py``, and ``tests/read/graph/test_floods.py`` compares the two on random graphs.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterable
from itertools import accumulate, repeat


def by_producer(src: array, dst: array, pos: array, size: int) -> tuple[array, array, array]:
    """The edges sorted by producer (stable; unknown producers, -1, first): out_start, out_dst, out_pos.

    A node's consumers are ``out_dst[out_start[id]:out_start[id + 1]]``.
    """
    order = sorted(range(len(src)), key=src.__getitem__)
    out_dst = array("i", map(dst.__getitem__, order))
    out_pos = array("i", map(pos.__getitem__, order))
    del order
    counts = Counter(src)
    per_node = map(counts.get, range(size), repeat(0))
    return array("i", accumulate(per_node, initial=counts.get(-1, 0))), out_dst, out_pos


def forward(
    out_start: array, out_dst: array, calls_out: bytearray, seeds: Iterable[int], visited: bytearray, reached: bytearray
) -> list[int]:
    """Flood from ``seeds`` along consumer edges, marking ``visited`` and ``reached`` (their consumers).

    Returns the visited nodes flagged in ``calls_out``: their data enters called functions, whose
    arguments the caller adds as new seeds.
    """
    size = len(visited)
    found = []
    stack = list(seeds)
    while stack:
        current = stack.pop()
        if current < 0 or current >= size or visited[current]:
            continue
        visited[current] = 1
        consumers = out_dst[out_start[current] : out_start[current + 1]]
        for consumer in consumers:
            reached[consumer] = 1
        stack.extend(consumer for consumer in consumers if not visited[consumer])
        if calls_out[current]:
            found.append(current)
    return found


def backward(
    in_start: array,
    edge_src: array,
    edge_index: array,
    kind: bytearray,
    stamp: array,
    mark: int,
    edges: Iterable[int],
    visited: list[int],
) -> list[tuple[int, int]]:
    """Walk input ``edges`` back through plain nodes (kind 0), stamping each with ``mark`` once.

    A plain node not yet stamped is stamped, appended to ``visited`` and its input edges
    followed. Returns the (node, output index) pairs met that are not plain (arguments, nodes
    that may run a function), which the caller handles before calling again with their edges.
    """
    found = []
    stack = list(edges)
    count = len(edge_src)
    while stack:
        edge = stack.pop()
        if edge < 0 or edge >= count:
            continue
        current = edge_src[edge]
        if current < 0:
            continue
        if kind[current]:
            found.append((current, edge_index[edge]))
            continue
        if stamp[current] == mark:
            continue
        stamp[current] = mark
        visited.append(current)
        stack.extend(range(in_start[current + 1] - 1, in_start[current] - 1, -1))
    return found


def ops_on(ops: list[str], flags: bytearray, nodes: Iterable[int]) -> set[str]:
    """The op types of ``nodes`` whose flag is set."""
    return {ops[node] for node in nodes if 0 <= node < len(flags) and flags[node]}
