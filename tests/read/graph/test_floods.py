"""``graph.floods``: the data-flow floods of ``GraphIndex`` in Python, and their C twins in ``speclint._wire``.

The Python floods are the reference: here they are checked by hand on small graphs, then held
to the C ones on random graphs (``accelerator.wire`` runs the same four functions).
"""

from __future__ import annotations

import random
from array import array

from speclint.read import accelerator
from speclint.read.graph import floods
from tests.conftest import need

# 0 -> 1 -> 3 -> 4, 0 -> 2 -> 3, and an input of 4 that names no node (-1); edges in consumer order
SRC = array("i", [0, 0, 1, 2, -1, 3])
DST = array("i", [1, 2, 3, 3, 4, 4])
POS = array("i", [0, 0, 0, 1, 0, 1])
IN_START = array("i", [0, 0, 1, 2, 4, 6])
SIZE = 5


def test_by_producer_sorts_the_edges_by_producer_unknown_first() -> None:
    out_start, out_dst, out_pos = floods.by_producer(SRC, DST, POS, SIZE)
    assert list(out_start) == [1, 3, 4, 5, 6, 6]  # the one unknown producer's edge comes first
    assert list(out_dst) == [4, 1, 2, 3, 3, 4]
    assert list(out_pos) == [0, 0, 0, 0, 1, 1]
    consumers = [list(out_dst[out_start[node] : out_start[node + 1]]) for node in range(SIZE)]
    assert consumers == [[1, 2], [3], [3], [4], []]


def test_forward_floods_the_consumers_and_returns_the_calls_it_visits() -> None:
    out_start, out_dst, _ = floods.by_producer(SRC, DST, POS, SIZE)
    calls = bytearray([0, 0, 0, 1, 0])
    visited, reached = bytearray(SIZE), bytearray(SIZE)
    assert floods.forward(out_start, out_dst, calls, [1, -1, 99], visited, reached) == [3]
    assert list(visited) == [0, 1, 0, 1, 1]  # out-of-range seeds are ignored; 0 and 2 lie upstream
    assert list(reached) == [0, 0, 0, 1, 1]  # a seed is visited, not reached
    again = floods.forward(out_start, out_dst, calls, [1], visited, reached)
    assert again == []  # already visited: a second seed set floods only what is new


def test_forward_ends_on_a_cycle() -> None:
    src, dst = array("i", [1, 0]), array("i", [0, 1])
    out_start, out_dst, _ = floods.by_producer(src, dst, array("i", [0, 0]), 2)
    visited, reached = bytearray(2), bytearray(2)
    assert floods.forward(out_start, out_dst, bytearray(2), [0], visited, reached) == []
    assert list(visited) == [1, 1] and list(reached) == [1, 1]


def test_backward_walks_plain_nodes_once_and_stops_at_the_others() -> None:
    kind = bytearray([0, 0, 1, 0, 0])  # node 2 may run a function: the caller handles it
    output = array("i", [0, 0, 0, 2, 0, 1])
    stamp, visited = array("i", [0] * SIZE), []
    found = floods.backward(IN_START, SRC, output, kind, stamp, 7, [4, 5, -1, 6], visited)
    assert found == [(2, 2)]  # node 2 read at its output 2 (edge 3); edge 4 names no node
    assert visited == [3, 1, 0]
    assert list(stamp) == [7, 7, 0, 7, 0]
    visited_again: list[int] = []
    assert floods.backward(IN_START, SRC, output, kind, stamp, 7, [2], visited_again) == []
    assert visited_again == []  # stamped with this mark already
    assert floods.backward(IN_START, SRC, output, kind, stamp, 8, [2], visited_again) == []
    assert visited_again == [1, 0]  # a new mark walks them again


def test_ops_on_keeps_the_flagged_nodes_in_range() -> None:
    flags = bytearray([1, 0, 0, 1, 1])
    assert floods.ops_on(["A", "B", "C", "D", "D"], flags, [-1, 0, 1, 3, 4, 5, 99]) == {"A", "D"}
    assert floods.ops_on(["A"], bytearray(1), [0]) == set()


# ---- the C floods against the Python ones ------------------------------------------------------
def test_floods_agree_on_random_graphs() -> None:
    need(accelerator.wire is not None, "speclint._wire is not built")
    rng = random.Random(7)
    for _ in range(200):
        size = rng.randint(1, 60)
        edges = rng.randint(0, 150)
        src = array("i", [rng.randint(-1, size - 1) for _ in range(edges)])
        dst = array("i", sorted(rng.randrange(size) for _ in range(edges)))
        pos = array("i", range(edges))
        in_start = array("i", [sum(1 for d in dst if d < node) for node in range(size + 1)])
        expected = floods.by_producer(src, dst, pos, size)
        assert accelerator.by_producer(src, dst, pos, size) == expected
        out_start, out_dst, _ = expected
        calls = bytearray(rng.random() < 0.2 for _ in range(size))
        seeds = [rng.randint(-1, size - 1) for _ in range(3)]
        results = []
        for module in (floods, accelerator.wire):
            visited, reached = bytearray(size), bytearray(size)
            found = module.forward(out_start, out_dst, calls, seeds, visited, reached)
            results.append((sorted(found), visited, reached))
        assert results[0] == results[1]
        kind = bytearray(rng.choice((0, 0, 0, 1, 2)) for _ in range(size))
        index = array("i", [rng.randint(0, 3) for _ in range(edges)])
        seeds = [rng.randint(-1, edges) for _ in range(4)]
        results = []
        for module in (floods, accelerator.wire):
            stamp, seen = array("i", [0] * size), []
            found = module.backward(in_start, src, index, kind, stamp, 1, seeds, seen)
            results.append((sorted(found), sorted(seen), stamp))
        assert results[0] == results[1]
        ops = [rng.choice("ABC") for _ in range(size)]
        nodes = [rng.randint(-2, size + 2) for _ in range(20)]
        assert floods.ops_on(ops, reached, nodes) == accelerator.wire.ops_on(ops, reached, nodes)
