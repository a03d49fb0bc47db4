"""The checkpoint behind a SavedModel: what ``variables/variables.index`` promises against what is on disk.

TensorFlow restores a SavedModel's variables from ``variables/variables.index`` and the data
shards it names, ``variables.data-NNNNN-of-MMMMM``. A shard that is not there (a partial upload,
a file left out of a commit) or shorter than the index says, or no ``variables/`` at all behind
a graph that holds variables, makes every loader fail (``tf.saved_model.load``, the
``tf.compat.v1`` loader; TF Serving's loader skips the restore and every call then fails on
uninitialized variables). This module finds that without TensorFlow, so the pre-commit hook
catches it.

The index is a table in TensorFlow's LevelDB-derived format (``tensorflow/core/lib/io``): a
48-byte footer points at an index block, whose entries point at data blocks; a block is a run
of prefix-compressed key/value entries followed by its restart offsets, and a 5-byte trailer
(compression type, masked CRC32C) follows every block. In the tensor bundle the entry with the
empty key is a ``BundleHeaderProto`` (``num_shards``), every other a ``BundleEntryProto``
(``shard_id``, ``offset``, ``size``). The file may be hostile: every length is checked against
the bytes that hold it, keys and entries are capped, and any inconsistency ends the parse with
one line, never an exception. Block checksums are not verified (CRC32C is not in the standard
library): a corruption they would catch can only hide a problem here, never invent one.
"""

from __future__ import annotations

import os
import stat
import struct
from dataclasses import dataclass, field

from google.protobuf import message as pb_message

from speclint.proto import messages
from speclint.read.files import CHECKPOINT_INDEX as INDEX_WHERE
from speclint.read.files import CHECKPOINT_INDEX_BYTES as INDEX_CAP
from speclint.read.files import SNIFF_BYTES, ModelTree
from speclint.read.loading import LFS_PREFIX
from speclint.read.tree import DirectoryTree
from speclint.safe_io import ReadError
from speclint.vocabulary import Json

INDEX_NAME = "variables.index"
TABLE_MAGIC = 0xDB4775248B80FB57  # kTableMagicNumber
FOOTER_SIZE = 48  # two BlockHandles padded to 40 bytes, then the 8-byte magic
BLOCK_TRAILER = 5  # compression type byte + masked CRC32C
NO_COMPRESSION = 0
SNAPPY = 1
BLOCK_CAP = 64 << 20  # the uncompressed size a Snappy block may claim
KEY_CAP = 1 << 16  # TensorFlow's tensor names are short; a longer key is a crafted file
ENTRY_CAP = 4_000_000
SHARD_CAP = 100_000  # DataFilename prints %05d: more shards than that is not a real checkpoint
SHARDS_LISTED = 1000
# The ops whose variables the SavedModel's saver restores from the checkpoint.
VARIABLE_OPS = ("VarHandleOp", "VariableV2", "Variable", "AutoReloadVariable", "_VarHandlesOp")

BundleHeaderProto = messages.message_class("tensorflow.BundleHeaderProto")
BundleEntryProto = messages.message_class("tensorflow.BundleEntryProto")


class IndexFormatError(Exception):
    """The index is not a readable tensor bundle index; the message is one line."""


@dataclass
class Shard:
    """What the index places in one data shard: how many tensors, up to which byte."""

    tensors: int = 0
    end: int = 0


@dataclass
class Index:
    """The parts of a checkpoint index that say which files must exist, and how big."""

    num_shards: int
    tensors: int = 0
    shards: dict[int, Shard] = field(default_factory=dict)


def data_filename(shard: int, num_shards: int) -> str:
    """TensorFlow's ``DataFilename``: ``variables.data-00000-of-00002``."""
    return f"variables.data-{shard:05d}-of-{num_shards:05d}"


# --- the table format ---------------------------------------------------------------------------


def _varint(data: bytes, position: int, limit: int, bits: int = 64) -> tuple[int, int]:
    """A little-endian base-128 varint of at most ``bits`` bits that ends before ``limit``."""
    result, shift = 0, 0
    while position < limit and shift < bits:
        byte = data[position]
        position += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            if result >> bits:
                break
            return result, position
        shift += 7
    raise IndexFormatError("a length or offset is cut off or too long (bad varint)")


def _handle(data: bytes, position: int, limit: int) -> tuple[int, int, int]:
    """A BlockHandle (offset, size) and the position after it."""
    offset, position = _varint(data, position, limit)
    size, position = _varint(data, position, limit)
    return offset, size, position


def _block(data: bytes, offset: int, size: int, what: str) -> memoryview:
    """The contents of the block at ``offset`` (its trailer checked for type, not checksum)."""
    end = offset + size
    if end + BLOCK_TRAILER > len(data):
        raise IndexFormatError(f"the {what} block at byte {offset} ({size} bytes) runs past the end of the file")
    kind = data[end]
    if kind == SNAPPY:  # what TensorFlow's table writer did by default before TF 1.x bundles opted out
        return memoryview(snappy_decompress(data[offset:end], what))
    if kind != NO_COMPRESSION:
        raise IndexFormatError(f"the {what} block at byte {offset} has an unknown block type {kind}")
    return memoryview(data)[offset:end]


def snappy_decompress(data: bytes, what: str = "data") -> bytes:
    """Snappy's raw format: a varint length, then literals and back-references (bounded by that length)."""
    size, position = _varint(data, 0, len(data), 32)
    if size > BLOCK_CAP:
        raise IndexFormatError(f"a compressed {what} block claims {size} bytes uncompressed")
    out = bytearray()
    end = len(data)
    while position < end:
        tag = data[position]
        position += 1
        kind = tag & 3
        if kind == 0:  # a literal: its length - 1 in the tag, or in the 1-4 bytes after it
            length = tag >> 2
            if length >= 60:
                extra = length - 59
                if position + extra > end:
                    raise IndexFormatError(f"a compressed {what} block is cut off")
                length = int.from_bytes(data[position : position + extra], "little")
                position += extra
            length += 1
            if position + length > end or len(out) + length > size:
                raise IndexFormatError(f"a literal of a compressed {what} block runs past its end")
            out += data[position : position + length]
            position += length
            continue
        if kind == 1:
            if position + 1 > end:
                raise IndexFormatError(f"a compressed {what} block is cut off")
            length = 4 + ((tag >> 2) & 7)
            distance = ((tag >> 5) << 8) | data[position]
            position += 1
        else:
            width = 2 if kind == 2 else 4
            if position + width > end:
                raise IndexFormatError(f"a compressed {what} block is cut off")
            length = 1 + (tag >> 2)
            distance = int.from_bytes(data[position : position + width], "little")
            position += width
        if distance == 0 or distance > len(out) or len(out) + length > size:
            raise IndexFormatError(f"a back-reference of a compressed {what} block points outside it")
        start = len(out) - distance
        if distance >= length:
            out += out[start : start + length]
        else:  # overlapping: the copy repeats the last `distance` bytes
            for i in range(length):
                out.append(out[start + i])
    if len(out) != size:
        raise IndexFormatError(f"a compressed {what} block decompresses to {len(out)} bytes, not the {size} it claims")
    return bytes(out)


def _entries(block: memoryview, what: str) -> list[tuple[bytes, bytes]]:
    """The (key, value) entries of one block, keys rebuilt from their shared prefixes."""
    size = len(block)
    if size < 4:
        raise IndexFormatError(f"the {what} block is too short to hold its restart count")
    (restarts,) = struct.unpack_from("<I", block, size - 4)
    if restarts > (size - 4) // 4:
        raise IndexFormatError(f"the {what} block claims {restarts} restart points, more than it can hold")
    limit = size - (1 + restarts) * 4
    data = bytes(block[:limit])
    found: list[tuple[bytes, bytes]] = []
    key = b""
    position = 0
    while position < limit:
        shared, position = _varint(data, position, limit, 32)
        unshared, position = _varint(data, position, limit, 32)
        value_size, position = _varint(data, position, limit, 32)
        if shared > len(key):
            raise IndexFormatError(f"an entry of the {what} block shares more of the previous key than it has")
        if unshared + value_size > limit - position:
            raise IndexFormatError(f"an entry of the {what} block runs past the block")
        if shared + unshared > KEY_CAP:
            raise IndexFormatError(f"a key of the {what} block is longer than {KEY_CAP} bytes")
        key = key[:shared] + data[position : position + unshared]
        position += unshared
        found.append((key, data[position : position + value_size]))
        position += value_size
        if len(found) > ENTRY_CAP:
            raise IndexFormatError(f"more than {ENTRY_CAP} entries in one block")
    return found


def parse_index(data: bytes) -> Index:
    """The header and the per-shard extent of every tensor of a tensor bundle index."""
    if len(data) < FOOTER_SIZE:
        raise IndexFormatError(
            f"it is {len(data)} bytes, too short to be a table (one ends in a {FOOTER_SIZE}-byte footer)"
        )
    footer = len(data) - FOOTER_SIZE
    (magic,) = struct.unpack_from("<Q", data, len(data) - 8)
    if magic != TABLE_MAGIC:
        raise IndexFormatError("it is not a table (bad magic number at its end)")
    _, _, position = _handle(data, footer, len(data) - 8)  # the metaindex block: unused by TensorFlow
    index_offset, index_size, _ = _handle(data, position, len(data) - 8)
    header: Index | None = None
    total = 0
    covered = 0  # data blocks are disjoint parts of the file: more than its size is a crafted loop
    previous_key: bytes | None = None
    for _, handle in _entries(_block(data, index_offset, index_size, "index"), "index"):
        offset, size, _ = _handle(handle, 0, len(handle))
        covered += size + BLOCK_TRAILER
        if covered > len(data):
            raise IndexFormatError("its index block points at more data than the file holds")
        for key, value in _entries(_block(data, offset, size, "data"), "data"):
            if previous_key is not None and key <= previous_key:
                raise IndexFormatError("its keys are not in ascending order")
            previous_key = key
            total += 1
            if total > ENTRY_CAP:
                raise IndexFormatError(f"it holds more than {ENTRY_CAP} entries")
            if header is None:
                header = _header(key, value)
                continue
            _add_entry(header, value)
    if header is None:
        raise IndexFormatError("it has no entries (no BundleHeaderProto)")
    return header


def _header(key: bytes, value: bytes) -> Index:
    if key != b"":
        raise IndexFormatError('its first entry is not the header (key "")')
    proto = BundleHeaderProto()
    try:
        proto.ParseFromString(value)
    except (pb_message.DecodeError, RecursionError, ValueError):
        raise IndexFormatError("its header is not a valid BundleHeaderProto") from None
    shards = int(proto.num_shards)
    if not 0 < shards <= SHARD_CAP:
        raise IndexFormatError(f"its header gives {shards} data shards")
    return Index(num_shards=shards)


def _add_entry(index: Index, value: bytes) -> None:
    proto = BundleEntryProto()
    try:
        proto.ParseFromString(value)
    except (pb_message.DecodeError, RecursionError, ValueError):
        raise IndexFormatError("an entry is not a valid BundleEntryProto") from None
    index.tensors += 1
    offset, size = int(proto.offset), int(proto.size)
    if offset < 0 or size < 0:
        raise IndexFormatError("an entry has a negative offset or size")
    if size == 0:
        return  # a partitioned variable's full entry, or an empty tensor: no bytes to read
    shard_id = int(proto.shard_id)
    if not 0 <= shard_id < index.num_shards:
        raise IndexFormatError(f"an entry names data shard {shard_id}, but the header gives {index.num_shards}")
    shard = index.shards.setdefault(shard_id, Shard())
    shard.tensors += 1
    shard.end = max(shard.end, offset + size)


# --- the facts ----------------------------------------------------------------------------------


def checkpoint_facts(model: str | ModelTree, meta_graphs: list[Json], max_bytes: int = INDEX_CAP) -> Json:
    """``facts["checkpoint"]``: what the index promises, what is on disk, and what the graph needs.

    ``model``: its directory, or its files (``read.tree``: a directory or a published archive,
    whose members are judged by the sizes their headers declare)."""
    tree = DirectoryTree(model) if isinstance(model, str) else model
    variables, where = _graph_variables(meta_graphs)
    object_graph = next((m.get("where") for m in meta_graphs if m.get("object_graph") is not None), None)
    facts: Json = {
        "where": INDEX_WHERE,
        "directory": tree.is_dir("variables"),
        "index": "absent",
        "index_problem": None,
        "num_shards": None,
        "tensors": None,
        "shards": [],
        "graph_variables": variables,
        "graph_variables_where": where,
        "object_graph_where": object_graph,
        "incomplete": None,
        "absent": None,
    }
    if facts["directory"] and _exists(tree, INDEX_WHERE):
        try:
            index = parse_index(tree.read(INDEX_WHERE, min(INDEX_CAP, max_bytes)))
        except (ReadError, IndexFormatError) as exc:
            facts.update(index="unreadable", index_problem=_index_problem(tree, str(exc)))
            facts["incomplete"] = f"cannot be read: {facts['index_problem']}"
        else:
            facts.update(index="present", num_shards=index.num_shards, tensors=index.tensors)
            facts["shards"] = _shards(tree, index)
            facts["incomplete"] = _incomplete(facts["shards"], index.num_shards)
    elif variables or object_graph:
        missing = "no variables/ directory" if not facts["directory"] else f"no {INDEX_WHERE}"
        if variables:
            noun = "variable" if variables == 1 else "variables"
            facts["absent"] = f"the graph of {where} holds {variables} {noun} but there is {missing}"
        else:  # tf.saved_model.load restores the object graph from the checkpoint, variables or not
            facts["absent"] = (
                f"the TF2 object graph of {object_graph} is restored from the checkpoint but there is {missing}"
            )
    return facts


def _graph_variables(meta_graphs: list[Json]) -> tuple[int, str | None]:
    """The most variable ops any meta graph's top-level graph holds, and which meta graph."""
    best, where = 0, None
    for meta in meta_graphs:
        counts = ((meta.get("graph") or {}).get("op_counts")) or {}
        found = sum(int(counts.get(op, 0)) for op in VARIABLE_OPS)
        if found > best:
            best, where = found, meta.get("where")
    return best, where


def _exists(tree: ModelTree, relative: str) -> bool:
    """An entry of the model (a broken link counts: it is said, not skipped)."""
    directory = getattr(tree, "directory", None)
    if isinstance(directory, str):
        try:
            os.lstat(os.path.join(directory, *relative.split("/")))
        except OSError:
            return False
        return True
    return tree.size(relative) is not None


def _index_problem(tree: ModelTree, problem: str) -> str:
    """Say so when the index is a Git LFS pointer: the usual reason a real one cannot be read."""
    try:
        head = tree.read(INDEX_WHERE, SNIFF_BYTES)
    except ReadError:
        return problem
    if head.startswith(LFS_PREFIX):
        return "it is a Git LFS pointer file, not the index itself (run `git lfs pull`)"
    return problem


def _shards(tree: ModelTree, index: Index) -> list[Json]:
    """Each data shard the index names: present, big enough for the bytes placed in it."""
    listed: list[Json] = []
    for shard_id in range(index.num_shards):
        shard = index.shards.get(shard_id, Shard())
        name = data_filename(shard_id, index.num_shards)
        entry: Json = {"file": name, "tensors": shard.tensors, "size": None, "needed_bytes": shard.end, "problem": None}
        entry["size"], entry["problem"] = _shard_state(tree, f"variables/{name}", shard)
        if entry["problem"] is not None or len(listed) < SHARDS_LISTED:
            listed.append(entry)
    return listed


def _shard_state(tree: ModelTree, relative: str, shard: Shard) -> tuple[int | None, str | None]:
    """``(size, problem)``: why TensorFlow cannot read the bytes the index places in this shard."""
    directory = getattr(tree, "directory", None)
    if isinstance(directory, str):  # on disk: what the entry is, as the loader will find it
        path = os.path.join(directory, *relative.split("/"))
        try:
            info = os.stat(path)
        except FileNotFoundError:
            if _exists(tree, relative):
                return None, "is a symbolic link to nothing"
            return None, "is missing" if shard.tensors else None
        except OSError as exc:
            return None, f"cannot be examined ({exc.strerror or exc})"
        if stat.S_ISDIR(info.st_mode):
            return None, "is a directory, not a data file"
        if not stat.S_ISREG(info.st_mode):
            return None, "is not a regular file"
        size: int | None = int(info.st_size)
    elif tree.is_dir(relative):
        return None, "is a directory, not a data file"
    else:  # an archive member: the size its header declares (links and devices are refused, SL207)
        size = tree.size(relative)
        if size is None:
            return None, "is missing" if shard.tensors else None
    assert size is not None
    if size >= shard.end:
        return size, None
    problem = f"is {size} bytes, but the index places tensor data up to byte {shard.end} in it"
    if size <= SNIFF_BYTES:
        try:
            if tree.read(relative, SNIFF_BYTES).startswith(LFS_PREFIX):
                problem = "is a Git LFS pointer file, not the data itself (run `git lfs pull`)"
        except ReadError:
            pass
    return size, problem


def _incomplete(shards: list[Json], num_shards: int) -> str | None:
    """One line naming the shards TensorFlow cannot read, or None when the checkpoint is whole."""
    broken = [s for s in shards if s["problem"] is not None]
    if not broken:
        return None
    shown = "; ".join(f"variables/{s['file']} ({_tensors(s['tensors'])}) {s['problem']}" for s in broken[:3])
    more = f"; and {len(broken) - 3} more" if len(broken) > 3 else ""
    return f"names {num_shards} data shard{'s' if num_shards != 1 else ''}, and {shown}{more}"


def _tensors(count: int) -> str:
    return f"{count} tensor{'s' if count != 1 else ''}"
