"""The checkpoint reader: what variables/variables.index promises, read without TensorFlow.

The static facts are held to TensorFlow's own reader (same tensors, shard extents equal to the
files TensorFlow wrote) and every finding to TensorFlow's loaders: a model SL010 or SL011 flags
fails ``tf.saved_model.load`` and the ``tf.compat.v1`` loader, and one they pass loads.
"""

from __future__ import annotations

import os
import random
import shutil
import struct
import time
from pathlib import Path
from typing import Any

import pytest

from speclint.read import read_model
from speclint.read.checkpoint import (
    ENTRY_CAP,
    KEY_CAP,
    IndexFormatError,
    checkpoint_facts,
    parse_index,
    snappy_decompress,
)
from speclint.rules.ruleset import RuleSet
from tests.conftest import CORPUS, MODELS, need, need_tensorflow

Json = dict[str, Any]
INDEX = Path("variables") / "variables.index"


def codes(model: Path) -> set[str]:
    return {f.code for f in RuleSet().check(read_model(str(model))).findings}


def copy_model(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(MODELS / name, target)
    return target


# --- the facts on the fixtures ----------------------------------------------------------------


def test_a_whole_checkpoint_is_described_and_not_flagged() -> None:
    facts = read_model(str(MODELS / "tf2-feature-vector"))["checkpoint"]
    assert facts["index"] == "present" and facts["num_shards"] == 1 and facts["tensors"] == 5
    [shard] = facts["shards"]
    assert shard["file"] == "variables.data-00000-of-00001" and shard["problem"] is None
    on_disk = os.path.getsize(MODELS / "tf2-feature-vector" / "variables" / shard["file"])
    assert shard["size"] == shard["needed_bytes"] == on_disk
    assert facts["graph_variables"] == 4 and facts["incomplete"] is None and facts["absent"] is None
    assert not {"SL010", "SL011"} & codes(MODELS / "tf2-feature-vector")


def test_a_missing_shard_is_named() -> None:
    facts = read_model(str(MODELS / "checkpoint-missing-shard"))["checkpoint"]
    assert facts["num_shards"] == 2
    missing = [s for s in facts["shards"] if s["problem"]]
    assert [(s["file"], s["problem"]) for s in missing] == [("variables.data-00000-of-00002", "is missing")]
    assert facts["incomplete"].startswith("names 2 data shards, and variables/variables.data-00000-of-00002 (")
    assert "SL010" in codes(MODELS / "checkpoint-missing-shard")


def test_no_variables_directory_behind_variables_is_flagged() -> None:
    facts = read_model(str(MODELS / "checkpoint-no-variables"))["checkpoint"]
    assert facts["directory"] is False and facts["index"] == "absent" and facts["graph_variables"] == 4
    assert facts["absent"] == "the graph of tag-set [serve] holds 4 variables but there is no variables/ directory"
    assert {"SL011"} <= codes(MODELS / "checkpoint-no-variables")
    assert "SL010" not in codes(MODELS / "checkpoint-no-variables")


def test_a_tf1_graph_counts_its_ref_variables(tmp_path: Path) -> None:
    model = copy_model("tf1-hub-feature-vector", tmp_path)
    shutil.rmtree(model / "variables")
    facts = read_model(str(model))["checkpoint"]
    assert facts["graph_variables"] == 2 and facts["absent"] is not None
    assert "SL011" in codes(model)


def test_a_variables_directory_without_its_index_is_flagged(tmp_path: Path) -> None:
    model = copy_model("tf2-feature-vector", tmp_path)
    (model / INDEX).unlink()
    facts = read_model(str(model))["checkpoint"]
    assert facts["absent"] == "the graph of tag-set [serve] holds 4 variables but there is no variables/variables.index"


def test_a_short_shard_and_an_lfs_pointer_are_named(tmp_path: Path) -> None:
    model = copy_model("tf2-feature-vector", tmp_path)
    shard = model / "variables" / "variables.data-00000-of-00001"
    size = shard.stat().st_size
    shard.write_bytes(shard.read_bytes()[: size - 10])
    facts = read_model(str(model))["checkpoint"]
    problem = f"is {size - 10} bytes, but the index places tensor data up to byte {size} in it"
    assert facts["shards"][0]["problem"] == problem
    shard.write_text("version https://git-lfs.github.com/spec/v1\noid sha256:" + "0" * 64 + "\nsize 1181\n")
    facts = read_model(str(model))["checkpoint"]
    assert facts["shards"][0]["problem"] == "is a Git LFS pointer file, not the data itself (run `git lfs pull`)"
    (model / INDEX).write_text("version https://git-lfs.github.com/spec/v1\noid sha256:" + "0" * 64 + "\nsize 494\n")
    facts = read_model(str(model))["checkpoint"]
    assert facts["index"] == "unreadable"
    assert facts["incomplete"] == (
        "cannot be read: it is a Git LFS pointer file, not the index itself (run `git lfs pull`)"
    )
    assert "SL010" in codes(model)


def test_a_shard_that_is_a_link_to_nothing_or_a_directory_is_named(tmp_path: Path) -> None:
    model = copy_model("tf2-feature-vector", tmp_path)
    shard = model / "variables" / "variables.data-00000-of-00001"
    shard.unlink()
    shard.symlink_to(tmp_path / "nowhere")
    assert read_model(str(model))["checkpoint"]["shards"][0]["problem"] == "is a symbolic link to nothing"
    shard.unlink()
    shard.mkdir()
    assert read_model(str(model))["checkpoint"]["shards"][0]["problem"] == "is a directory, not a data file"


def test_an_index_outside_the_model_is_not_read(tmp_path: Path) -> None:
    model = copy_model("tf2-feature-vector", tmp_path)
    outside = tmp_path / "outside.index"
    shutil.move(model / INDEX, outside)
    (model / INDEX).symlink_to(outside)
    facts = read_model(str(model))["checkpoint"]
    assert facts["index"] == "unreadable" and "outside the model directory" in facts["index_problem"]


def test_a_model_without_variables_needs_no_checkpoint() -> None:
    """A graph of constants (no variable ops) and no variables/: nothing to restore, nothing flagged."""
    facts = checkpoint_facts("/nonexistent", [{"where": "tag-set [serve]", "graph": {"op_counts": {"Const": 3}}}])
    assert facts["graph_variables"] == 0 and facts["absent"] is None and facts["incomplete"] is None


# --- the table format, and hostile bytes ------------------------------------------------------------


def _index_bytes() -> bytes:
    return (MODELS / "checkpoint-missing-shard" / INDEX).read_bytes()


def test_every_golden_index_parses_and_matches_the_shards_tensorflow_wrote() -> None:
    checked = 0
    for model in sorted(MODELS.iterdir()):
        if not (model / INDEX).exists():
            continue
        index = parse_index((model / INDEX).read_bytes())
        for shard_id, shard in index.shards.items():
            path = model / "variables" / f"variables.data-{shard_id:05d}-of-{index.num_shards:05d}"
            if path.exists():  # the data TensorFlow wrote ends where the index says
                assert path.stat().st_size == shard.end, model.name
        checked += 1
    assert checked > 50


def test_snappy_blocks_are_decompressed() -> None:
    # "abcd" as a literal, then a 1-byte-offset copy of 8 (overlapping: abcdabcd), then a
    # 2-byte-offset copy of 3 from 12 back, then a literal "!": 16 bytes in all.
    stream = bytes([16, 3 << 2]) + b"abcd" + bytes([1 | ((8 - 4) << 2), 4]) + bytes([2 | ((3 - 1) << 2), 12, 0])
    stream += bytes([0]) + b"!"
    assert snappy_decompress(stream) == b"abcdabcdabcdabc!"
    for bad in (
        bytes([10, 3 << 2]) + b"ab",  # literal cut off
        bytes([8, 1 | (4 << 2), 1]),  # copy before any output
        bytes([0xFF, 0xFF, 0xFF, 0xFF, 0x0F]),  # 4 GiB claimed
        bytes([4, 0]) + b"a",  # ends short of its length
    ):
        with pytest.raises(IndexFormatError):
            snappy_decompress(bad)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "too short to be a table"),
        (b"\0" * 100, "bad magic number"),
        (b"\xff" * 40 + struct.pack("<Q", 0xDB4775248B80FB57), "bad varint"),
        (b"\x00\x00\x90\x4e\x10" + b"\0" * 35 + struct.pack("<Q", 0xDB4775248B80FB57), "runs past the end"),
    ],
)
def test_broken_tables_are_one_line_problems(data: bytes, problem: str) -> None:
    with pytest.raises(IndexFormatError, match=problem):
        parse_index(data)


def test_random_damage_never_escapes_and_stays_fast() -> None:
    """Every flipped, cut or overwritten byte of a real index: a result or a one-line problem, quickly."""
    original = _index_bytes()
    rng = random.Random(28)
    start = time.perf_counter()
    for trial in range(3000):
        data = bytearray(original)
        kind = trial % 3
        if kind == 0:
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        elif kind == 1:
            data = data[: rng.randrange(len(data))]
        else:
            position = rng.randrange(len(data))
            data[position : position + 4] = rng.randbytes(4)
        try:
            index = parse_index(bytes(data))
        except IndexFormatError as exc:
            assert "\n" not in str(exc) and str(exc)
        else:
            assert index.num_shards > 0 and all(0 <= s < index.num_shards for s in index.shards)
    assert time.perf_counter() - start < 10


def _table(entries: list[tuple[bytes, bytes]], claimed_restarts: int = 1, pointers: int = 1) -> bytes:
    """A one-data-block table of ``entries`` (no prefix sharing), built by hand; its index block
    points at that data block ``pointers`` times."""

    def varint(value: int) -> bytes:
        out = bytearray()
        while True:
            byte = value & 0x7F
            value >>= 7
            out.append(byte | (0x80 if value else 0))
            if not value:
                return bytes(out)

    def block(items: list[tuple[bytes, bytes]]) -> bytes:
        body = b"".join(varint(0) + varint(len(k)) + varint(len(v)) + k + v for k, v in items)
        return body + struct.pack("<I", 0) + struct.pack("<I", claimed_restarts)

    data_block = block(entries)
    handle = varint(0) + varint(len(data_block))
    index_block = block([(b"\xff" + bytes([i]), handle) for i in range(pointers)])
    index_offset = len(data_block) + 5
    footer = varint(0) + varint(0) + varint(index_offset) + varint(len(index_block))
    footer = footer.ljust(40, b"\0") + struct.pack("<Q", 0xDB4775248B80FB57)
    return data_block + b"\0\0\0\0\0" + index_block + b"\0\0\0\0\0" + footer


def test_a_hand_built_table_parses_and_its_limits_hold() -> None:
    header = bytes([0x08, 0x03])  # num_shards = 3
    entry = bytes([0x18, 0x02, 0x20, 0x0A, 0x28, 0x06])  # shard_id 2, offset 10, size 6
    index = parse_index(_table([(b"", header), (b"w", entry)]))
    assert index.num_shards == 3 and index.tensors == 1 and index.shards[2].end == 16
    with pytest.raises(IndexFormatError, match="names data shard 2, but the header gives 1"):
        parse_index(_table([(b"", bytes([0x08, 0x01])), (b"w", entry)]))
    with pytest.raises(IndexFormatError, match="gives 0 data shards"):
        parse_index(_table([(b"", b"")]))
    with pytest.raises(IndexFormatError, match="not the header"):
        parse_index(_table([(b"a", header)]))
    with pytest.raises(IndexFormatError, match="ascending"):
        parse_index(_table([(b"", header), (b"b", entry), (b"a", entry)]))
    with pytest.raises(IndexFormatError, match=f"longer than {KEY_CAP}"):
        parse_index(_table([(b"", header), (b"k" * (KEY_CAP + 1), entry)]))
    with pytest.raises(IndexFormatError, match="points at more data than the file holds"):
        parse_index(_table([], pointers=200))
    with pytest.raises(IndexFormatError, match="restart points"):
        parse_index(_table([(b"", header)], claimed_restarts=10**6))
    assert ENTRY_CAP >= 1_000_000


# --- TensorFlow: what the index says is what TensorFlow reads; what is flagged does not load ----------


@pytest.mark.tensorflow
def test_the_reader_agrees_with_tensorflow_on_every_real_checkpoint() -> None:
    need_tensorflow()
    import tensorflow as tf

    models = [m for m in sorted(MODELS.iterdir()) if (m / INDEX).exists()]
    models += [m for m in sorted(CORPUS.iterdir()) if (m / INDEX).exists()] if CORPUS.is_dir() else []
    compared = 0
    for model in models:
        try:
            names = tf.train.list_variables(str(model / "variables" / "variables"))
        except Exception:  # an LFS pointer index: TensorFlow cannot read it either
            with pytest.raises(IndexFormatError):
                parse_index((model / INDEX).read_bytes())
            continue
        index = parse_index((model / INDEX).read_bytes())
        sliced = index.tensors - len(names)  # a partitioned variable adds one entry per slice
        assert sliced >= 0, model.name
        compared += 1
    assert compared > 50


@pytest.mark.tensorflow
def test_what_the_checkpoint_rules_flag_tensorflow_cannot_load(tmp_path: Path) -> None:
    need_tensorflow()
    import tensorflow as tf

    def tf2_fails(model: Path) -> str | None:
        try:
            tf.saved_model.load(str(model))
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"
        return None

    def v1_fails(model: Path, tags: list[str]) -> str | None:
        graph = tf.Graph()
        try:
            with graph.as_default(), tf.compat.v1.Session(graph=graph) as session:
                tf.compat.v1.saved_model.loader.load(session, tags, str(model))
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"
        return None

    missing_shard = MODELS / "checkpoint-missing-shard"
    assert "variables.data-00000-of-00002" in (tf2_fails(missing_shard) or "")
    assert "variables" in (tf2_fails(MODELS / "checkpoint-no-variables") or "")
    assert "not a valid checkpoint" in (v1_fails(MODELS / "checkpoint-no-variables", ["serve"]) or "")

    tf1 = copy_model("tf1-hub-feature-vector", tmp_path)
    shutil.rmtree(tf1 / "variables")
    assert "not a valid checkpoint" in (v1_fails(tf1, []) or "")

    short = copy_model("tf2-feature-vector", tmp_path)
    shard = short / "variables" / "variables.data-00000-of-00001"
    shard.write_bytes(shard.read_bytes()[:-10])
    assert "SL010" in codes(short) and tf2_fails(short) is not None

    assert tf2_fails(MODELS / "tf2-feature-vector") is None  # the passing example loads

    # A TF2 SavedModel without any variable: tf.saved_model.load still restores its object graph
    # from the checkpoint, so it needs variables/ all the same.
    constants = tmp_path / "tf2-constants-only"
    root = tf.Module()
    root.f = tf.function(lambda x: x * 2.0, input_signature=[tf.TensorSpec([None, 2])])
    tf.saved_model.save(root, str(constants))
    shutil.rmtree(constants / "variables")
    facts = read_model(str(constants))["checkpoint"]
    assert facts["graph_variables"] == 0 and facts["absent"] == (
        "the TF2 object graph of tag-set [serve] is restored from the checkpoint but there is no variables/ directory"
    )
    assert "variables" in (tf2_fails(constants) or "")

    # A TF1 graph of constants: no saver, nothing to restore; both loaders take it without variables/.
    tf1_constants = tmp_path / "tf1-constants-only"
    graph = tf.Graph()
    with graph.as_default(), tf.compat.v1.Session(graph=graph) as session:
        x = tf.compat.v1.placeholder(tf.float32, [None, 2], name="x")
        y = tf.multiply(x, 2.0, name="y")
        builder = tf.compat.v1.saved_model.Builder(str(tf1_constants))
        signature = tf.compat.v1.saved_model.predict_signature_def({"x": x}, {"y": y})
        builder.add_meta_graph_and_variables(session, ["serve"], {"serving_default": signature}, saver=None)
        builder.save()
    shutil.rmtree(tf1_constants / "variables", ignore_errors=True)
    assert read_model(str(tf1_constants))["checkpoint"]["absent"] is None
    assert v1_fails(tf1_constants, ["serve"]) is None and tf2_fails(tf1_constants) is None


@pytest.mark.tensorflow
def test_the_corpus_partial_upload_is_found_and_does_not_load() -> None:
    need(CORPUS.is_dir(), f"corpus not found at {CORPUS}")
    model = next(CORPUS.glob("015_*"), None)
    need(model is not None, "corpus model 015_* (a partial variables/ upload)")
    assert model is not None
    facts = read_model(str(model))["checkpoint"]
    assert facts["num_shards"] == 2 and [s["file"] for s in facts["shards"] if s["problem"]] == [
        "variables.data-00000-of-00002"
    ]
    need_tensorflow()
    import tensorflow as tf

    with pytest.raises(Exception, match=r"variables\.data-00000-of-00002"):
        tf.saved_model.load(str(model))


def test_a_published_archive_s_checkpoint_is_judged_as_its_directory_s(tmp_path: Path) -> None:
    """A .tar.gz of a model with a missing shard or an LFS-pointer shard says what the directory says."""
    from tests.read.test_archive import files_of, write_tar

    model = copy_model("checkpoint-missing-shard", tmp_path)
    archived = write_tar(tmp_path / "missing.tar.gz", files_of(model, "m/"))
    assert read_model(str(archived))["checkpoint"] == read_model(str(model))["checkpoint"]
    assert "SL010" in codes(archived)
    whole = copy_model("tf2-feature-vector", tmp_path / "lfs")
    shard = whole / "variables" / "variables.data-00000-of-00001"
    shard.write_text("version https://git-lfs.github.com/spec/v1\noid sha256:" + "0" * 64 + "\nsize 1181\n")
    archived = write_tar(tmp_path / "lfs.tar.gz", files_of(whole))
    problem = read_model(str(archived))["checkpoint"]["shards"][0]["problem"]
    assert problem == "is a Git LFS pointer file, not the data itself (run `git lfs pull`)"
