"""What one NodeDef tells the graph index, each rule written once: the reference for ``speclint._wire``.

Both builders of the index tables (``from_messages`` over parsed NodeDefs, ``from_wire`` over
the file's bytes in C) decide the same four things about every node: its kind (may it run a
function?), whether it declares a channels-first layout, whether its ``value`` may be a string
tensor, and which output an input names. The Python functions here are those rules; the C
side mirrors them, and ``tests/read/graph/test_node_rules.py`` and ``tests/read/test_accelerator.py``
hold it to them.
"""

from __future__ import annotations

import functools
from pathlib import Path

from speclint.proto.messages import Message

CALL_OPS = frozenset({"PartitionedCall", "StatefulPartitionedCall"})
IF_OPS = frozenset({"If", "StatelessIf"})
WHILE_OPS = frozenset({"While", "StatelessWhile"})
CASE_OPS = frozenset({"Case", "StatelessCase"})
CONTROL_FLOW_OPS = IF_OPS | WHILE_OPS | CASE_OPS
CALLING_OPS = CALL_OPS | CONTROL_FLOW_OPS  # with library function names as ops: all that can run a function
PLAIN, CALLING, ARGUMENT = 0, 1, 2  # kinds of ids in the index: a node, a node that may run a function, an argument
NCHW_FORMATS = frozenset({b"NCHW", b"NCDHW", b"NCHW_VECT_C"})
# Registered ops with a ``data_format`` attribute (TensorFlow 2.21; tests/read/test_layout_ops.py checks
# it against the registry). TensorFlow ignores one on any other registered op (the same test shows it),
# so their attributes are never read for it; unregistered ops and internal ``_`` ops always are.
LAYOUT_OPS = frozenset(
    [
        "AvgPool",
        "AvgPool3D",
        "AvgPool3DGrad",
        "AvgPoolGrad",
        "BiasAdd",
        "BiasAddGrad",
        "Conv",
        "Conv2D",
        "Conv2DBackpropFilter",
        "Conv2DBackpropFilterV2",
        "Conv2DBackpropInput",
        "Conv2DBackpropInputV2",
        "Conv3D",
        "Conv3DBackpropFilterV2",
        "Conv3DBackpropInputV2",
        "DepthToSpace",
        "DepthwiseConv2dNative",
        "DepthwiseConv2dNativeBackpropFilter",
        "DepthwiseConv2dNativeBackpropInput",
        "FusedBatchNorm",
        "FusedBatchNormGrad",
        "FusedBatchNormGradV2",
        "FusedBatchNormGradV3",
        "FusedBatchNormV2",
        "FusedBatchNormV3",
        "MaxPool",
        "MaxPool3D",
        "MaxPool3DGrad",
        "MaxPool3DGradGrad",
        "MaxPoolGrad",
        "MaxPoolGradGrad",
        "MaxPoolGradGradV2",
        "MaxPoolGradV2",
        "MaxPoolV2",
        "RiscConv",
        "RiscPool",
        "SpaceToDepth",
    ]
)
MAX_INDEX = (1 << 31) - 1  # output indices above this are hostile input; they would not fit the index arrays
DT_STRING = 7  # tensorflow.DataType


def kind(op: str, calling_ops: frozenset[str]) -> int:
    """``CALLING`` for an op that may run a function (``calling_ops``: ``CALLING_OPS`` and the
    library's function names, which a node may use as its op), else ``PLAIN``."""
    return CALLING if op in calling_ops else PLAIN


def nchw_layout(node: Message, no_layout: frozenset[str]) -> bytes | None:
    """The channels-first ``data_format`` a node declares, or None.

    Only a string attribute counts (a list of strings is no layout), and never on a registered
    op that declares no such attribute (``no_layout_ops``): TensorFlow ignores it there.
    """
    if node.op in no_layout:
        return None
    attrs = node.attr
    if "data_format" not in attrs:
        return None
    layout = attrs["data_format"].s
    return layout if layout in NCHW_FORMATS else None


def may_be_string(node: Message) -> bool:
    """Whether a node's ``value`` attribute may hold a string tensor (a serialized graph can hide in
    one): False only when it certainly does not, so a scan need not look at the node."""
    attrs = node.attr
    if "value" not in attrs:
        return False
    value = attrs["value"]
    return value.WhichOneof("value") == "tensor" and value.tensor.dtype == DT_STRING


def output_index(text: str) -> int:
    """An output index; anything but ASCII digits is 0, and absurd values stop at ``MAX_INDEX``."""
    if not (text.isascii() and text.isdigit()):
        return 0  # str.isdigit() alone accepts "²", which int() refuses
    return int(text) if len(text) < 10 else min(int(text), MAX_INDEX)


@functools.lru_cache(maxsize=1)
def no_layout_ops() -> frozenset[str]:
    """Registered public ops that declare no ``data_format`` attribute."""
    return frozenset(op for op in registered_ops() if op not in LAYOUT_OPS and not op.startswith("_"))


@functools.lru_cache(maxsize=1)
def registered_ops() -> frozenset[str]:
    """Every op TensorFlow 2.21 registers (``speclint/data/known_ops.txt``)."""
    return _op_file("known_ops.txt")


@functools.lru_cache(maxsize=1)
def plain_ops() -> frozenset[str]:
    """Registered ops that declare no function-valued attribute: TensorFlow runs no function through them."""
    return registered_ops() - _op_file("function_ops.txt")


def _op_file(file_name: str) -> frozenset[str]:
    text = (Path(__file__).resolve().parents[2] / "data" / file_name).read_text(encoding="utf-8")
    return frozenset(line for line in text.split("\n") if line and not line.startswith("#"))
