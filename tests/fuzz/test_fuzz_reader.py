"""Hostile input: thousands of broken models derived from real ones, read in-process.

Every case is a real model file (golden fixtures and the shared corpus) after one mutation:
truncation, bit flips, oversized length prefixes, spliced or random bytes, nesting far deeper
than any real model (StructuredValue, AttrValue, TensorInfo, GraphDefs inside constants,
Keras metadata JSON, text format), semantic damage through the proto API (inputs naming
missing nodes, functions calling themselves, object graph ids out of range, odd tensor
names, escaping asset paths...) and text-format garbage for ``.pbtxt`` files.

For each case ``read_model`` must return a facts document that JSON can serialise, with every
problem as a one-line error naming the file, and the security scan must not have tripped
over an internal error. The worst time per case and the process's peak RSS are bounded and
reported. ``SPECLINT_FUZZ_CASES`` (default 10000) and ``SPECLINT_FUZZ_SEED`` choose the run.
"""

from __future__ import annotations

import json
import os
import random
import resource
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from speclint.proto import messages
from speclint.read import read_model
from speclint.read.security import dangerous_ops
from tests.conftest import MODELS, corpus_dirs, need

CASES = int(os.environ.get("SPECLINT_FUZZ_CASES", "10000"))
SEED = int(os.environ.get("SPECLINT_FUZZ_SEED", "5318008"))
MAX_CASE_SECONDS = float(os.environ.get("SPECLINT_FUZZ_MAX_CASE_SECONDS", "5"))
MAX_RSS_MIB = int(os.environ.get("SPECLINT_FUZZ_MAX_RSS_MIB", "2048"))
MODEL_FILES = ("saved_model.pb", "saved_model.pbtxt", "tfhub_module.pb", "fingerprint.pb", "keras_metadata.pb")
BIG = 600_000  # seed files above this many bytes get a small share of the cases (they are slow to read)
BIG_SHARE = 0.01
DEPTHS = (20, 64, 99, 100, 101, 1000, 10_000)
WEIRD_NAMES = (
    "", ":", "::", "^", "^missing", "missing", "missing:0", "x:99", "a:b:c", "a:b:c:d", "n:output:999999999999",
    "n:-1", ":0", "\u00e9\u4e2d", "a" * 5000, "../../etc/passwd", "/etc/passwd", "\\..\\x", "C:\\evil", "a\x00b",
)  # fmt: skip


# ---- wire format helpers -------------------------------------------------------------------
def varint(value: int) -> bytes:
    out = bytearray()
    value &= (1 << 64) - 1
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field_bytes(number: int, payload: bytes) -> bytes:
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise ValueError("bad varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def length_fields(data: bytes, limit: int = 4000) -> list[tuple[int, int, int]]:
    """(offset of the length varint, offset of the payload, length) of length-delimited fields."""
    found: list[tuple[int, int, int]] = []
    stack = [(0, len(data), 0)]
    while stack and len(found) < limit:
        start, end, depth = stack.pop()
        pos, local = start, []
        try:
            while pos < end:
                tag, pos = _read_varint(data, pos)
                wire = tag & 7
                if wire == 0:
                    _, pos = _read_varint(data, pos)
                elif wire == 1:
                    pos += 8
                elif wire == 5:
                    pos += 4
                elif wire == 2:
                    length_at = pos
                    length, pos = _read_varint(data, pos)
                    if pos + length > end:
                        raise ValueError("overrun")
                    local.append((length_at, pos, length))
                    pos += length
                else:
                    raise ValueError("wire type")
            if pos != end:
                raise ValueError("overrun")
        except ValueError:
            if depth:
                continue  # a bytes field, not a message
        found.extend(local)
        if depth < 8:
            stack.extend((payload, payload + length, depth + 1) for _, payload, length in local if length > 1)
    return found


def nest(core: bytes, wrappers: list[int], depth: int) -> bytes:
    """``core`` wrapped ``depth`` times in the fields ``wrappers`` (cycled), built without recursion."""
    size, prefixes = len(core), []
    for level in range(depth):
        number = wrappers[level % len(wrappers)]
        prefix = varint(number << 3 | 2) + varint(size)
        prefixes.append(prefix)
        size += len(prefix)
    return b"".join(reversed(prefixes)) + core


# ---- deep messages ---------------------------------------------------------------------------
def _meta_graph(payload: bytes) -> bytes:
    """A SavedModel with one MetaGraphDef made of ``payload`` (MetaGraphDef fields) and tag serve."""
    tags = field_bytes(1, field_bytes(4, b"serve"))
    return field_bytes(2, tags + payload)


def deep_structured_value(depth: int) -> bytes:
    # SavedConcreteFunction.canonicalized_input_signature (3) = StructuredValue: list_value (51) / values (1)
    value = nest(b"", [51, 1], depth * 2)
    function = field_bytes(1, b"__inference_f_1") + field_bytes(2, field_bytes(3, value))
    root = field_bytes(1, field_bytes(6, b"\x0a\x0f__inference_f_1"))  # nodes[0]: SavedFunction
    return _meta_graph(field_bytes(7, root + field_bytes(2, function)))


def deep_attr_value(depth: int) -> bytes:
    # NodeDef.attr (5) entry -> value (2) AttrValue -> func (10) NameAttrList -> attr (2) entry -> value (2)...
    inner = nest(b"", [2, 10, 2, 2], depth * 4)  # entry.value, AttrValue.func, NameAttrList.attr, entry.value
    node = field_bytes(1, b"n") + field_bytes(2, b"If") + varint(5 << 3 | 2) + varint(len(inner)) + inner
    return _meta_graph(field_bytes(2, field_bytes(1, node)))


def deep_tensor_info(depth: int) -> bytes:
    # SignatureDef.inputs entry value TensorInfo -> composite_tensor (5) -> components (2) TensorInfo...
    info = nest(field_bytes(1, b"images:0"), [2, 5], depth * 2)
    entry = field_bytes(1, b"images") + field_bytes(2, info)
    signature = field_bytes(1, entry)
    return _meta_graph(field_bytes(5, field_bytes(1, b"serving_default") + field_bytes(2, signature)))


def deep_type_spec(depth: int) -> bytes:
    # TensorInfo.composite_tensor (5).type_spec (1).type_state (2) StructuredValue.type_spec_value (34)...
    spec = nest(b"", [2, 34], depth * 2)
    info = field_bytes(5, field_bytes(1, spec))
    entry = field_bytes(1, b"x") + field_bytes(2, info)
    return _meta_graph(field_bytes(5, field_bytes(1, b"sig") + field_bytes(2, field_bytes(2, entry))))


def graph_in_const(depth: int) -> bytes:
    """GraphDefs serialized in Const string values, each holding the next, ``depth`` levels."""
    graph = field_bytes(1, field_bytes(1, b"leak") + field_bytes(2, b"ReadFile"))
    for _ in range(min(depth, 200)):  # each level is parsed separately: 200 is plenty
        tensor = b"\x08\x07" + field_bytes(8, graph)  # dtype DT_STRING, string_val
        attr = field_bytes(1, b"value") + field_bytes(2, field_bytes(8, tensor))
        node = field_bytes(1, b"c") + field_bytes(2, b"Const") + field_bytes(5, attr)
        graph = field_bytes(1, node)
    return _meta_graph(field_bytes(2, graph))


def deep_json(depth: int) -> bytes:
    """keras_metadata.pb whose layer metadata JSON nests ``depth`` levels, a Lambda at the bottom."""
    text = '{"a":' * depth + '{"class_name": "Lambda", "config": "not a dict"}' + "}" * depth
    node = (
        b"\x10\x01"
        + field_bytes(3, b"root.layer-1")
        + field_bytes(4, b"_tf_keras_layer")
        + field_bytes(5, text.encode())
    )
    return field_bytes(1, node)


def deep_text(depth: int) -> bytes:
    return (
        "meta_graphs {\n graph_def {\n"
        + "library { function { attr { key: 'x' value { func { attr { key: 'y' value {" * (depth // 8 + 1)
    ).encode()


DEEP_BUILDERS: dict[str, Callable[[int], bytes]] = {
    "structured-value": deep_structured_value,
    "attr-value": deep_attr_value,
    "tensor-info": deep_tensor_info,
    "type-spec": deep_type_spec,
    "graph-in-const": graph_in_const,
}


# ---- seeds and cases -----------------------------------------------------------------------
@dataclass
class Seed:
    directory: Path
    files: dict[str, bytes]
    fields: dict[str, list[tuple[int, int, int]]] = field(default_factory=dict)

    def length_fields(self, name: str) -> list[tuple[int, int, int]]:
        if name not in self.fields:
            self.fields[name] = length_fields(self.files[name]) if not name.endswith(".pbtxt") else []
        return self.fields[name]

    @property
    def big(self) -> bool:
        return max(len(data) for data in self.files.values()) > BIG


def load_seeds(dirs: list[Path], work: Path) -> list[Seed]:
    seeds = []
    for index, directory in enumerate(dirs):
        files = {n: (directory / n).read_bytes() for n in MODEL_FILES if (directory / n).is_file()}
        if not files:
            continue
        copy = work / f"{index:03d}-{directory.name}"
        copy.mkdir()
        for name, data in files.items():
            (copy / name).write_bytes(data)
        seeds.append(Seed(copy, files))
    return seeds


class Mutator:
    """One case: a seed file after one mutation, described in a short line."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def bytes_mutation(self, seed: Seed, name: str) -> tuple[str, bytes]:
        rng, data = self.rng, seed.files[name]
        kind = rng.choice(
            ["truncate", "truncate", "bitflip", "bitflip", "bytes", "length", "length", "splice", "random"]
        )
        if kind == "truncate" and data:
            cut = rng.randrange(len(data))
            return f"truncate at {cut}", data[:cut]
        if kind == "bitflip" and data:
            out = bytearray(data)
            flips = rng.randint(1, 16)
            for _ in range(flips):
                out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
            return f"{flips} bit flips", bytes(out)
        if kind == "bytes" and data:
            out = bytearray(data)
            for _ in range(rng.randint(1, 8)):
                out[rng.randrange(len(out))] = rng.choice([0x00, 0xFF, 0x80, 0x7F, rng.randrange(256)])
            return "overwritten bytes", bytes(out)
        if kind == "length":
            fields = seed.length_fields(name)
            if fields:
                length_at, payload, length = rng.choice(fields)
                new = rng.choice([length + 1, length + 9, 2 * length + 100, 2**31 - 1, 2**31, 2**32 + 5, 2**63 - 1, 0])
                return f"length {length} at {length_at} -> {new}", data[:length_at] + varint(new) + data[payload:]
        if kind == "splice" and data:
            start = rng.randrange(len(data))
            end = min(len(data), start + rng.randint(1, 4096))
            choice = rng.randrange(3)
            if choice == 0:
                return f"deleted {start}:{end}", data[:start] + data[end:]
            if choice == 1:
                return f"duplicated {start}:{end}", data[:end] + data[start:end] + data[end:]
            return f"inserted random at {start}", data[:start] + rng.randbytes(rng.randint(1, 64)) + data[start:]
        size = rng.choice([0, 1, 2, 7, 64, 1000, 65_536])
        head = rng.choice([b"", b"\x12", b"\x0a", b"\x08\x01\x12"])
        return f"{size} random bytes", head + rng.randbytes(size)

    def text_mutation(self, seed: Seed, name: str) -> tuple[str, bytes]:
        rng, data = self.rng, seed.files[name]
        text = data.decode("utf-8", "replace")
        kind = rng.choice(["truncate", "garbage", "lines", "numbers", "braces", "deep", "bytes"])
        if kind == "truncate":
            cut = rng.randrange(len(text) + 1)
            return f"text truncated at {cut}", text[:cut].encode()
        if kind == "garbage":
            at = rng.randrange(len(text) + 1)
            junk = rng.choice(
                ['"', "{", "}", ":", "\\x", "\\", "[type.googleapis.com/x] {", "\u2603", "\x00", "<>", "#"]
            )
            return f"text {junk!r} at {at}", (text[:at] + junk * rng.randint(1, 5) + text[at:]).encode()
        if kind == "lines":
            lines = text.splitlines()
            if lines:
                del lines[rng.randrange(len(lines))]
            return "text line deleted", "\n".join(lines).encode()
        if kind == "numbers":
            huge = rng.choice(
                ["99999999999999999999999", "-1", "1e400", "nan", "0x7fffffffffffffff", "18446744073709551616"]
            )
            return f"text numbers -> {huge}", _replace_numbers(text, huge, rng).encode()
        if kind == "braces":
            return "text braces unbalanced", (text.replace("}", "", rng.randint(1, 3))).encode()
        if kind == "deep":
            depth = rng.choice(DEPTHS)
            return f"text nesting {depth}", deep_text(depth)
        return self.bytes_mutation(seed, name)

    def semantic_mutation(self, seed: Seed, name: str) -> tuple[str, bytes]:
        """Valid protobuf, hostile content: parse, damage through the proto API, serialise."""
        rng = self.rng
        saved_model = messages.SavedModel()
        try:
            saved_model.ParseFromString(seed.files[name])
        except Exception:
            return self.bytes_mutation(seed, name)
        if not saved_model.meta_graphs:
            return self.bytes_mutation(seed, name)
        meta_graph = rng.choice(saved_model.meta_graphs)
        graph = meta_graph.graph_def
        scopes = [graph.node, *(f.node_def for f in graph.library.function)]
        nodes = [n for scope in scopes for n in scope]
        functions = [f.signature.name for f in graph.library.function]
        kind = rng.randrange(16)
        what = ""
        if kind == 0 and nodes:
            for _ in range(rng.randint(1, 20)):
                node = rng.choice(nodes)
                if node.input:
                    node.input[rng.randrange(len(node.input))] = rng.choice(WEIRD_NAMES)
                else:
                    node.input.append(rng.choice(WEIRD_NAMES))
            what = "node inputs renamed"
        elif kind == 1 and nodes:
            for _ in range(rng.randint(1, 10)):
                node = rng.choice(nodes)
                target = rng.choice([*functions, "missing_fn", ""]) if functions else "missing_fn"
                node.attr[rng.choice(["f", "then_branch", "else_branch", "body", "cond"])].func.name = target
                if rng.random() < 0.3:
                    node.op = target
            what = "function references rewired (self-calls, cycles, missing)"
        elif kind == 2 and graph.library.function:
            for _ in range(rng.randint(1, max(1, len(graph.library.function) // 2))):
                del graph.library.function[rng.randrange(len(graph.library.function))]
            what = "library functions deleted"
        elif kind == 3 and nodes:
            for _ in range(rng.randint(1, 20)):
                rng.choice(nodes).name = rng.choice(nodes).name if rng.random() < 0.7 else rng.choice(WEIRD_NAMES)
            what = "duplicate and odd node names"
        elif kind == 4 and meta_graph.object_graph_def.nodes:
            object_nodes = meta_graph.object_graph_def.nodes
            for _ in range(rng.randint(1, 20)):
                node = rng.choice(object_nodes)
                child = node.children.add()
                child.node_id = rng.choice([-5, -1, 0, len(object_nodes), len(object_nodes) + 9, 2**31 - 1])
                child.local_name = rng.choice(["__call__", "variables", "signatures", "x"])
                saveable = node.saveable_objects[rng.choice(["a", "b"])]
                saveable.save_function = rng.choice([-1, 0, 10**6])
            what = "object graph ids out of range and cycles"
        elif kind == 5:
            for key in list(meta_graph.signature_def)[:3] or ["serving_default"]:
                signature = meta_graph.signature_def[key]
                for side in (signature.inputs, signature.outputs):
                    side[rng.choice(["images", "default", "x"])].name = rng.choice(WEIRD_NAMES)
            meta_graph.signature_def["__saved_model_init_op"].outputs["__saved_model_init_op"].name = rng.choice(
                WEIRD_NAMES
            )
            what = "signature tensor names"
        elif kind == 6:
            meta_graph.saver_def.save_tensor_name = rng.choice(WEIRD_NAMES)
            meta_graph.saver_def.restore_op_name = rng.choice(WEIRD_NAMES)
            packed = meta_graph.collection_def["savers"].any_list.value.add()
            packed.type_url = "type.googleapis.com/tensorflow.SaverDef"
            packed.value = rng.randbytes(rng.randint(0, 40))
            meta_graph.collection_def["saved_model_main_op"].node_list.value.append(rng.choice(WEIRD_NAMES))
            what = "saver and init op names"
        elif kind == 7:
            for _ in range(rng.randint(1, 4)):
                asset = meta_graph.asset_file_def.add()
                asset.filename = rng.choice(WEIRD_NAMES)
                asset.tensor_info.name = rng.choice(WEIRD_NAMES)
                packed = meta_graph.collection_def["saved_model_assets"].any_list.value.add()
                packed.type_url = rng.choice(["type.googleapis.com/tensorflow.AssetFileDef", "garbage", ""])
                packed.value = asset.SerializeToString() if rng.random() < 0.5 else rng.randbytes(12)
            what = "asset file defs"
        elif kind == 8:
            node = graph.node.add(name="embedded", op="Const")
            tensor = node.attr["value"].tensor
            tensor.dtype = 7
            tensor.string_val.append(graph.SerializeToString() if rng.random() < 0.5 else seed.files[name][:100_000])
            what = "the graph serialized into one of its own constants"
        elif kind == 9:
            ops = sorted(dangerous_ops())
            for index in range(rng.choice([10, 500, 5000])):
                node = graph.node.add(name=f"hostile_{index}", op=rng.choice([*ops, "NotAnOp", ""]))
                node.input.append(rng.choice(WEIRD_NAMES))
                node.attr["output_stream"].i = 3  # wrong kind for PrintV2's string attribute
                node.attr["debug_urls"].list.i.append(1)
            what = "thousands of dangerous, unknown and empty ops"
        elif kind == 10 and nodes:
            for _ in range(rng.randint(1, 10)):
                rng.choice(nodes).op = rng.choice(["", "NotARealOp", "PrintV2", "PyFunc", "\u00e9", "If", "While"])
            what = "node ops replaced"
        elif kind == 11 and meta_graph.object_graph_def.concrete_functions:
            functions_map = meta_graph.object_graph_def.concrete_functions
            key = rng.choice(sorted(functions_map))
            function = functions_map[key]
            function.bound_inputs.extend([-1, 10**6])
            function.canonicalized_input_signature.Clear()
            choice = rng.randrange(3)
            if choice == 0:
                function.canonicalized_input_signature.list_value.values.add().dict_value.fields["x"].string_value = "y"
            elif choice == 1:
                function.canonicalized_input_signature.string_value = "not a tuple"
            what = "concrete function signatures of the wrong shape"
        elif kind == 12:
            meta_graph.meta_info_def.tags[:] = [rng.choice(WEIRD_NAMES) for _ in range(rng.randint(0, 3))]
            what = "tags"
        elif kind == 13:
            for node in rng.sample(nodes, min(len(nodes), 10)):
                for key in list(node.attr)[:3]:
                    node.attr[key].Clear()
                    node.attr[key].list.func.add().name = (
                        rng.choice([*functions, "missing"]) if functions else "missing"
                    )
            what = "attributes replaced by function lists"
        elif kind == 14:
            meta_graph.object_graph_def.nodes.add().user_object.metadata = rng.choice(
                ['{"class_name": "Lambda"}', '{"class_name": "Lambda", "config": 3}', "[" * 5000, "{", '"x"', "null"]
            )
            what = "object graph Keras metadata"
        else:
            del saved_model.meta_graphs[rng.randrange(len(saved_model.meta_graphs))]
            what = "meta graph deleted"
        return f"semantic: {what}", saved_model.SerializeToString()

    def case(self, seeds: list[Seed], big: list[Seed]) -> tuple[Seed, str, str, bytes]:
        rng = self.rng
        seed = rng.choice(big) if big and rng.random() < BIG_SHARE else rng.choice(seeds)
        names = sorted(seed.files)
        main = next((n for n in names if n.startswith("saved_model")), names[0])
        name = main if rng.random() < 0.8 else rng.choice(names)
        roll = rng.random()
        if roll < 0.05 and name.endswith(".pb"):
            depth = rng.choice(DEPTHS)
            if name == "keras_metadata.pb":
                return seed, name, f"deep JSON {depth}", deep_json(depth)
            builder = rng.choice(sorted(DEEP_BUILDERS))
            return seed, main, f"deep {builder} {depth}", DEEP_BUILDERS[builder](depth)
        if name.endswith(".pbtxt"):
            return (seed, name, *self.text_mutation(seed, name))
        if roll < 0.35 and name == main:
            return (seed, name, *self.semantic_mutation(seed, name))
        return (seed, name, *self.bytes_mutation(seed, name))


def _replace_numbers(text: str, value: str, rng: random.Random) -> str:
    import re

    matches = list(re.finditer(r"(?<=: )-?[0-9]+", text))
    for match in reversed(rng.sample(matches, min(len(matches), 5))):
        text = text[: match.start()] + value + text[match.end() :]
    return text


# ---- checks --------------------------------------------------------------------------------
def check_facts(facts: dict[str, object], directory: Path) -> None:
    json.dumps(facts, ensure_ascii=False).encode("utf-8")  # serialisable, valid UTF-8
    names = {p.name for p in directory.iterdir()} | {"saved_model.pb"}
    errors = facts["errors"]
    assert isinstance(errors, list)
    for error in errors:
        assert error["file"] in names, error
        assert "\n" not in error["message"] and error["message"], error
        assert len(error["message"]) < 600, error
    security = facts["security"]
    assert isinstance(security, dict)
    for key in ("dangerous_ops", "unknown_ops", "keras_lambda_layers", "escaping_assets"):
        assert isinstance(security[key], list)
    assert len(security["dangerous_ops"]) == security["dangerous_op_count"]  # no cap hides a finding
    assert len(security["unknown_ops"]) == security["unknown_op_count"]
    internal = [e for e in security["errors"] if "internal error" in e["message"]]
    assert not internal, internal


@dataclass
class Stats:
    cases: int = 0
    unreadable: int = 0
    worst: float = 0.0
    worst_case: str = ""
    total: float = 0.0
    failures: list[str] = field(default_factory=list)
    kinds: dict[str, int] = field(default_factory=dict)


def run_cases(seeds: list[Seed], count: int, seed: int) -> Stats:
    rng = random.Random(seed)
    mutator = Mutator(rng)
    small = [s for s in seeds if not s.big] or seeds
    big = [s for s in seeds if s.big]
    stats = Stats()
    for number in range(count):
        current, name, description, data = mutator.case(small, big)
        label = f"case {number}: {current.directory.name}/{name}: {description}"
        kind = description.split(":")[0].split(" ")[0]
        stats.kinds[kind] = stats.kinds.get(kind, 0) + 1
        target = current.directory / name
        target.write_bytes(data)
        try:
            start = time.perf_counter()
            facts = read_model(str(current.directory))
            elapsed = time.perf_counter() - start
            check_facts(facts, current.directory)
            stats.unreadable += bool(facts["errors"])
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                raise
            elapsed = time.perf_counter() - start
            lines = traceback.format_exception(type(exc), exc, exc.__traceback__)
            stats.failures.append(label + "\n" + "".join(lines[-6:]))
        finally:
            target.write_bytes(current.files[name])
        stats.cases += 1
        stats.total += elapsed
        if elapsed > stats.worst:
            stats.worst, stats.worst_case = elapsed, label
    return stats


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def test_fuzz_read_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dirs = sorted(p for p in MODELS.iterdir() if p.is_dir()) if MODELS.is_dir() else []
    dirs += corpus_dirs()
    need(len(dirs) >= 5, f"seed models missing: build golden/models or set SPECLINT_CORPUS (found {len(dirs)})")
    seeds = load_seeds(dirs, tmp_path)
    started = time.perf_counter()
    stats = run_cases(seeds, CASES, SEED)
    wall = time.perf_counter() - started
    rss = peak_rss_mib()
    with capsys.disabled():
        print(
            f"\nfuzz: {stats.cases} cases from {len(seeds)} seed models (seed {SEED}) in {wall:.1f} s; "
            f"{stats.unreadable} unreadable; mean {1000 * stats.total / max(stats.cases, 1):.1f} ms, "
            f"worst {1000 * stats.worst:.0f} ms ({stats.worst_case}); peak RSS {rss:.0f} MiB; "
            f"{len(stats.failures)} failures"
        )
    assert not stats.failures, f"{len(stats.failures)} failures, first ones:\n" + "\n".join(stats.failures[:5])
    assert stats.worst < MAX_CASE_SECONDS, f"slowest case took {stats.worst:.1f} s: {stats.worst_case}"
    assert rss < MAX_RSS_MIB, f"peak RSS {rss:.0f} MiB"


# ---- files too large, trees that must stay untouched ---------------------------------------------
def test_size_cap_fails_before_allocation(tmp_path: Path) -> None:
    import tracemalloc

    from speclint.read.loading import ReadError, read_bytes

    huge = tmp_path / "huge"
    huge.mkdir()
    with open(huge / "saved_model.pb", "wb") as handle:
        handle.truncate(3 << 30)  # sparse: 3 GiB on paper, nothing on disk
    with open(huge / "keras_metadata.pb", "wb") as handle:
        handle.truncate(1 << 31)
    tracemalloc.start()
    try:
        facts = read_model(str(huge))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 << 20, f"{peak} bytes allocated for a file that was never read"
    [error] = facts["errors"]
    assert error["file"] == "saved_model.pb" and "above protobuf's 2 GiB message limit" in error["message"]
    [security_error] = facts["security"]["errors"]
    assert security_error["file"] == "keras_metadata.pb" and "2 GiB" in security_error["message"]

    small = tmp_path / "small"
    small.mkdir()
    (small / "saved_model.pb").write_bytes(b"\x12" + b"\x00" * 10_000)
    (small / "keras_metadata.pb").write_bytes(b"\x0a" * 5_000)
    facts = read_model(str(small), max_bytes=4096)
    assert [(e["file"], e["message"]) for e in facts["errors"]] == [
        ("saved_model.pb", "file is 10001 bytes, above the size cap of 4096 bytes (--max-file-size)")
    ]
    assert "above the size cap of 4096 bytes" in facts["security"]["errors"][0]["message"]
    with pytest.raises(ReadError, match="size cap of 100 bytes"):
        read_bytes(str(small / "saved_model.pb"), max_bytes=100)


def _tree_state(root: Path) -> dict[str, str]:
    import hashlib

    state = {}
    for path in sorted(root.rglob("*")):
        key = str(path.relative_to(root))
        if path.is_symlink():
            state[key] = "link:" + os.readlink(path)
        elif path.is_file():
            state[key] = hashlib.sha256(path.read_bytes()).hexdigest() + f":{path.stat().st_mode:o}"
        else:
            state[key] = f"dir:{path.stat().st_mode:o}"
    return state


def test_read_only_tree_is_left_untouched(tmp_path: Path) -> None:
    import shutil
    import stat
    import subprocess

    from speclint.read.graph.index import GraphIndex
    from speclint.read.loading import load_saved_model
    from speclint.read.security import scan
    from tests.conftest import run_speclint

    names = ["sec-readfile", "sec-asset-escape", "sec-keras-lambda", "sec-lookup-table-from-file",
             "tf1-hub-feature-vector-pbtxt", "broken-truncated"]  # fmt: skip
    sources = [MODELS / name for name in names if (MODELS / name).is_dir()]
    need(len(sources) >= 4, "golden/models missing")
    tree = tmp_path / "models"
    for source in sources:
        shutil.copytree(source, tree / source.name, symlinks=True)
    (tree / "sec-readfile" / "assets").mkdir(exist_ok=True)
    (tree / "sec-readfile" / "assets" / "passwd").symlink_to("/etc/passwd")
    subprocess.run(["chmod", "-R", "a-w", str(tree)], check=True)
    before = _tree_state(tree)
    try:
        models = [str(tree / source.name) for source in sources]
        for args in (["show", *models], ["show", "--format", "json", *models]):
            result = run_speclint(*args, env={"PYTHONDONTWRITEBYTECODE": "1"})
            assert "Traceback" not in result.stderr, result.stderr[-2000:]
            assert result.returncode in (0, 1, 2), result.stderr
        for model in models:
            facts = read_model(model)
            saved_model = next(
                Path(model) / n for n in ("saved_model.pb", "saved_model.pbtxt") if (Path(model) / n).exists()
            )
            try:
                loaded, indexes = load_saved_model(str(saved_model))
            except Exception:
                loaded, indexes = None, None
            graphs = indexes or ([GraphIndex(m.graph_def) for m in loaded.meta_graphs] if loaded is not None else [])
            assert scan(model, graphs, loaded) == facts["security"]
        assert _tree_state(tree) == before
        escaping = read_model(str(tree / "sec-readfile"))["security"]["escaping_assets"]
        assert [a["path"] for a in escaping] == ["assets/passwd"]
    finally:
        for path in [tree, *tree.rglob("*")]:
            if path.is_dir() and not path.is_symlink():
                path.chmod(path.stat().st_mode | stat.S_IWUSR)
