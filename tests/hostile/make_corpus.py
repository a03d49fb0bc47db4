"""Build the hostile corpus: models an attacker would put in a pull request, one class per folder.

Nothing large is checked in: every case is made here from a small golden model (written by
real TensorFlow, see golden/make_fixtures.py) plus the file-system tricks and proto edits an
attacker needs, which do not need TensorFlow. Run it by hand to look at the cases:

    python tests/hostile/make_corpus.py /tmp/hostile

Classes (issue 10):
- ``inject``: directory names, signature keys and input keys carrying newlines, ``\\r``,
  ESC/OSC sequences, bidi controls, GitHub workflow commands and ``{found}`` placeholders;
- ``outside``: model files that are symlinks to a secret outside the model (and to /proc/kmsg);
- ``deep``: a model at the bottom of a 1,200-level tree, one with a 1,200-level ``assets/`` (and
  an outward symlink at its bottom), a text-format model nested 1,200 levels deep;
- ``special``: a FIFO as ``saved_model.pb`` (open would block without O_NONBLOCK), dangling links,
  a FIFO ``.gitignore`` and a ``pyproject.toml`` linked to /proc/kmsg;
- ``slow``: a text-format model too big to read under a tiny ``--read-timeout``.
Every class also holds a dangerous model (PyFunc) whose report must survive its neighbours.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MODELS = REPO / "golden" / "models"
TF1 = MODELS / "tf1-input-uint8"  # TF1 Hub module: findings name its signatures
DANGEROUS = MODELS / "sec-pyfunc"  # TF2 model with a PyFunc: SL600
SECRET = "SECRET-TOKEN-4f9c2e"  # must never appear in any output
DEPTH = 1200
FORGED = "::error file=forged.py,line=1::FORGED"
STOP = "::stop-commands::pwned"
# One string with every kind of hostile character a name can carry.
NASTY = f"x\n{FORGED}\r\x1b[2J\x1b]0;title\x07\u202eevil\u2066{{found}}{{where}}\x00\x9b\n{STOP}\n"


def build(root: Path) -> dict[str, Path]:
    """Make every class under ``root``; return the top folder of each."""
    root.mkdir(parents=True, exist_ok=True)
    return {
        "inject": _inject(root / "inject"),
        "outside": _outside(root / "outside"),
        "deep": _deep(root / "deep"),
        "special": _special(root / "special"),
        "slow": _slow(root / "slow"),
    }


def _copy(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, symlinks=True)
    return target


def _with_dangerous(top: Path) -> None:
    _copy(DANGEROUS, top / "dangerous")


def _inject(top: Path) -> Path:
    from speclint.proto import messages

    top.mkdir()
    _with_dangerous(top)
    # Directory names: a terminal escape and a forged workflow command, and one that starts with '::'.
    _copy(TF1, top / "dir\n::error::FORGED\x1b[2J\x1b]0;t\x07\u202eevil")
    _copy(TF1, top / "::error file=x.py::FORGED")
    # Signature keys and input keys inside the proto.
    model = _copy(TF1, top / "names")
    saved_model = messages.SavedModel()
    saved_model.ParseFromString((model / "saved_model.pb").read_bytes())
    for meta_graph in saved_model.meta_graphs:
        default = meta_graph.signature_def["default"]
        hostile = meta_graph.signature_def[NASTY]
        hostile.CopyFrom(default)
        images = hostile.inputs["images"]
        hostile.inputs[NASTY].CopyFrom(images)
        del hostile.inputs["images"]
        default.outputs[NASTY].CopyFrom(default.outputs["default"])  # an extra output named by the attacker
    (model / "saved_model.pb").write_bytes(saved_model.SerializeToString())
    # A dangerous op whose attribute (shown in SL600's message) carries the same string.
    named = _copy(DANGEROUS, top / "dangerous-named")
    saved_model = messages.SavedModel()
    saved_model.ParseFromString((named / "saved_model.pb").read_bytes())
    for meta_graph in saved_model.meta_graphs:
        for function in meta_graph.graph_def.library.function:
            for node in function.node_def:
                if node.op == "PyFunc":
                    node.attr["token"].s = NASTY.encode("utf-8")
    (named / "saved_model.pb").write_bytes(saved_model.SerializeToString())
    return top


def _outside(top: Path) -> Path:
    top.mkdir()
    _with_dangerous(top)
    secret = top / "secret.txt"
    secret.write_text(f"{SECRET}\nroot:x:0:0:root:/root:/bin/bash\n")
    for name in ("saved_model.pb", "saved_model.pbtxt"):
        model = top / f"link-{name.replace('.', '-')}"
        model.mkdir()
        os.symlink(secret, model / name)
    kmsg = top / "link-proc-kmsg"
    kmsg.mkdir()
    os.symlink("/proc/kmsg", kmsg / "saved_model.pb")
    # A symlink that stays inside the model is the model's own file: still read.
    inside = _copy(TF1, top / "link-inside")
    (inside / "store").mkdir()
    os.replace(inside / "saved_model.pb", inside / "store" / "model.bin")
    os.symlink(os.path.join("store", "model.bin"), inside / "saved_model.pb")
    return top


def _deep(top: Path) -> Path:
    top.mkdir()
    _with_dangerous(top)
    bottom = top / "tree"
    bottom.mkdir()
    deep = _chain(bottom, "d")
    _copy(TF1, Path(deep) / "model")
    assets = _copy(TF1, top / "deep-assets") / "assets"
    assets.mkdir(exist_ok=True)
    nested = _chain(assets, "a")
    Path(nested, "vocab.txt").write_text("cat\ndog\n")
    hidden = _copy(TF1, top / "deep-assets-link") / "assets"  # an outward symlink hidden at the bottom
    hidden.mkdir(exist_ok=True)
    os.symlink("/etc/passwd", Path(_chain(hidden, "a"), "passwd"))
    # A text-format model whose messages nest DEPTH levels deep (protobuf's parsers stop at 100).
    nested = "tensor_spec_value { dtype: DT_FLOAT }"
    for _ in range(DEPTH):
        nested = f"list_value {{ values {{ {nested} }} }}"
    (top / "deep-pbtxt").mkdir()
    (top / "deep-pbtxt" / "saved_model.pbtxt").write_text(
        'meta_graphs { object_graph_def { concrete_functions { key: "f" value { output_signature { '
        + nested
        + " } } } } }\n"
    )
    return top


def _chain(top: Path, name: str) -> str:
    """``top/name/name/...`` ``DEPTH`` levels deep, made one level at a time (os.makedirs recurses)."""
    path = str(top)
    for _ in range(DEPTH):
        path = os.path.join(path, name)
        os.mkdir(path)
    return path


def remove_tree(top: Path) -> None:
    """``shutil.rmtree`` without recursion (it recurses on Python < 3.12, like os.walk)."""
    stack = [(str(top), False)]
    while stack:
        path, emptied = stack.pop()
        if emptied:
            os.rmdir(path)
            continue
        stack.append((path, True))
        with os.scandir(path) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append((entry.path, False))
                else:
                    os.unlink(entry.path)


def _special(top: Path) -> Path:
    top.mkdir()
    _with_dangerous(top)
    fifo = top / "fifo"
    fifo.mkdir()
    os.mkfifo(fifo / "saved_model.pb")
    fifo_keras = _copy(TF1, top / "fifo-fingerprint")
    os.mkfifo(fifo_keras / "fingerprint.pb")
    dangling = top / "dangling"
    dangling.mkdir()
    os.symlink("does-not-exist.pb", dangling / "saved_model.pb")
    # Files discovery and configuration read before any model: they come with the tree too.
    os.mkfifo(top / ".gitignore")
    os.symlink("/proc/kmsg", top / "pyproject.toml")
    os.symlink("/proc/kmsg", fifo / ".gitignore")
    return top


def _slow(top: Path) -> Path:
    """A valid text-format SavedModel big enough that reading it takes well over 50 ms."""
    from google.protobuf import text_format

    from speclint.proto import messages

    top.mkdir()
    _with_dangerous(top)
    saved_model = messages.SavedModel()
    meta_graph = saved_model.meta_graphs.add()
    meta_graph.meta_info_def.tags.append("serve")
    previous = "images"
    placeholder = meta_graph.graph_def.node.add(name="images", op="Placeholder")
    placeholder.attr["dtype"].type = 1
    for index in range(60000):
        node = meta_graph.graph_def.node.add(name=f"n{index}", op="Identity")
        node.input.append(previous)
        previous = node.name
    signature = meta_graph.signature_def["serving_default"]
    signature.inputs["images"].name = "images:0"
    signature.outputs["default"].name = f"{previous}:0"
    model = top / "big-pbtxt"
    model.mkdir()
    (model / "saved_model.pbtxt").write_text(text_format.MessageToString(saved_model))
    return top


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    for name, path in build(Path(sys.argv[1] if len(sys.argv) > 1 else "hostile-corpus")).items():
        print(f"{name}: {path}")
