"""Read a SavedModel file (binary or text format) into speclint's messages, or say why not.

Every failure becomes a ``ReadError`` whose message names the problem in one line; the
caller attaches the file name. The checks before parsing recognise what people really
commit instead of a SavedModel: Git LFS pointers, notes, GraphDefs, label maps.
"""

from __future__ import annotations

from google.protobuf import message as pb_message

import speclint.read.lazy_read as lazy_read
from speclint.proto import messages
from speclint.read.graph.index import GraphIndex
from speclint.read.tree import read_bytes
from speclint.safe_io import DEFAULT_MAX_BYTES, PROTOBUF_LIMIT, ReadError

__all__ = ["DEFAULT_MAX_BYTES", "PROTOBUF_LIMIT", "ReadError", "load_saved_model", "parse_saved_model", "read_bytes"]
LFS_PREFIX = b"version https://git-lfs.github.com/spec/"


def describe_non_proto(data: bytes) -> str | None:
    """Name what a file is when it is plainly not a serialized proto (LFS pointer, text...)."""
    if not data:
        return "file is empty"
    if data.startswith(LFS_PREFIX):
        return "is a Git LFS pointer file, not the model itself (run `git lfs pull`)"
    return None


def parse_binary(data: bytes, message: pb_message.Message) -> None:
    """Parse wire-format bytes; protobuf's own error text is kept after a plain explanation."""
    try:
        message.ParseFromString(data)
    except (pb_message.DecodeError, RecursionError, ValueError) as exc:
        raise ReadError(f"not a valid {message.DESCRIPTOR.name} protocol buffer ({_short(exc)})") from None


def load_saved_model(path: str, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[messages.Message, list[GraphIndex] | None]:
    """Load ``saved_model.pb`` or ``saved_model.pbtxt`` from disk (see ``parse_saved_model``)."""
    return parse_saved_model(read_bytes(path, max_bytes), path)


def parse_saved_model(data: bytes, name: str) -> tuple[messages.Message, list[GraphIndex] | None]:
    """Parse the bytes of ``saved_model.pb`` or ``saved_model.pbtxt`` (``name`` says which) and check
    it holds at least one MetaGraphDef: a file on disk or a member of a published archive alike.

    Returns the SavedModel and, when ``read.lazy_read`` read it (a binary file, the accelerator
    built), one ``GraphIndex`` per meta graph: its ``graph_def`` messages then hold no nodes,
    which only the indexes give. Otherwise the whole file is parsed and the indexes are None.
    """
    problem = describe_non_proto(data)
    if problem:
        raise ReadError(problem)
    if not name.endswith(".pbtxt"):
        loaded = lazy_read.load(data)
        if loaded is not None:
            return loaded
    saved_model = messages.SavedModel()
    if name.endswith(".pbtxt"):
        _parse_text(data, saved_model)
    else:  # parsed as binary whatever its first bytes look like, as TensorFlow's loader does
        try:
            parse_binary(data, saved_model)
        except ReadError:
            if _looks_like_text(data):
                raise ReadError(
                    f"is a {len(data)}-byte text file, not a binary SavedModel: {_first_line(data)}"
                ) from None
            raise
        if not saved_model.meta_graphs:
            if _looks_like_text(data):
                raise ReadError(f"is a {len(data)}-byte text file, not a binary SavedModel: {_first_line(data)}")
            raise ReadError(_what_else_binary(data))
    return saved_model, None


def _parse_text(data: bytes, saved_model: messages.Message) -> None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ReadError(f"not UTF-8 text (byte {exc.start}), so not a text-format SavedModel") from None
    stripped = text.lstrip()
    if not stripped:
        raise ReadError("file holds only whitespace")
    other = _what_else_text(stripped)  # decided from the first token, before a slow full parse
    if other:
        raise ReadError(f"not a text-format SavedModel: {other}")
    from google.protobuf import text_format  # only text-format models pay for importing it

    try:
        text_format.Parse(
            text,
            saved_model,
            allow_unknown_extension=True,
            allow_unknown_field=True,
            descriptor_pool=messages.POOL,
        )
    except RecursionError:
        raise ReadError("not a text-format SavedModel: messages nested too deeply to parse") from None
    except (text_format.ParseError, ValueError) as exc:
        raise ReadError(f"not a text-format SavedModel ({_short(exc)})") from None
    if not saved_model.meta_graphs:
        raise ReadError("text-format SavedModel holds no meta_graphs")


def _what_else_text(text: str) -> str | None:
    first = text[:64].split(None, 1)[0] if text[:64].split() else ""
    if first.startswith(("node", "versions", "library")):
        return "it is a GraphDef (top-level `node`/`versions`), not a SavedModel with `meta_graphs`"
    if first.startswith("item"):
        return "it looks like a label map (top-level `item` entries), not a SavedModel"
    return None


def _what_else_binary(data: bytes) -> str:
    graph = messages.GraphDef()
    try:
        graph.ParseFromString(data)
        if graph.node and all(node.op for node in graph.node):
            return "it is a frozen GraphDef, not a SavedModel (no MetaGraphDef)"
    except (pb_message.DecodeError, RecursionError, ValueError):
        pass
    return "not a SavedModel: it holds no MetaGraphDef"


def _looks_like_text(data: bytes) -> bool:
    sample = data[:512]
    if b"\x00" in sample:
        return False
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError:
        return False
    printable = sum(32 <= b < 127 or b in (9, 10, 13) for b in sample)
    return printable == len(sample)


def _first_line(data: bytes) -> str:
    """A short, escaped prefix of the model's own file: enough to recognise it, too little to leak."""
    from speclint.safe_text import escape

    head = data[:240].decode("utf-8", "replace").strip()
    line = head.splitlines()[0] if head else ""
    return "'" + escape(line[:60]) + ("..." if len(line) > 60 else "") + "'"


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:160]
