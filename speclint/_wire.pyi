"""Types of the optional C accelerator (speclint/_wire.c); ``speclint.read.native`` loads it."""

from array import array
from collections.abc import Iterable
from typing import Any

def plan(data: bytes, /) -> tuple[bytes, list[tuple[int, int] | None]] | None: ...
def graph_index(
    data: bytes, start: int, end: int, calling_ops: frozenset[str], no_layout: frozenset[str], /
) -> tuple[Any, ...] | None: ...
def envelope(
    data: bytes, starts: Any, ends: Any, first: int, limit: int, in_function: bool, /
) -> tuple[bytes, int]: ...
def by_producer(src: array, dst: array, pos: array, size: int, /) -> tuple[bytes, bytes, bytes]: ...
def forward(
    out_start: array,
    out_dst: array,
    calls_out: bytearray,
    seeds: Iterable[int],
    visited: bytearray,
    reached: bytearray,
    /,
) -> list[int]: ...
def backward(
    in_start: array,
    edge_src: array,
    edge_index: array,
    kind: bytearray,
    stamp: array,
    mark: int,
    edges: Iterable[int],
    visited: list[int],
    /,
) -> list[tuple[int, int]]: ...
def ops_on(ops: list[str], flags: bytearray, nodes: Iterable[int], /) -> set[str]: ...
