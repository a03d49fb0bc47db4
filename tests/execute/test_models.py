"""speclint/execute/models.py: how a model is loaded and called, and a TensorFlow error as one short line.

The loaders themselves run under TensorFlow in ``tests/execute/test_execute.py``; here, the
words and the choices that need no TensorFlow.
"""

from __future__ import annotations

import pytest

from speclint.execute.models import CallError, _single_tensor, loader_name, one_line


def test_the_loader_is_named_as_a_consumer_would_name_it() -> None:
    assert loader_name({"format": "tf2"}) == "tf.saved_model.load"
    assert (
        loader_name({"format": "tf1-hub", "tags": ["train"]}) == "the tf.compat.v1 SavedModel loader (tag-set [train])"
    )
    assert loader_name({"format": "tf1"}) == "the tf.compat.v1 SavedModel loader (tag-set [])"


def test_a_call_s_result_is_unwrapped_only_when_unambiguous() -> None:
    assert _single_tensor({"default": 1, "logits": 2}) == 1
    assert _single_tensor({"only": 3}) == 3 and _single_tensor([4]) == 4 and _single_tensor(5) == 5
    with pytest.raises(CallError, match=r"a dict with keys \['a', 'b'\], not a single tensor"):
        _single_tensor({"a": 1, "b": 2})
    with pytest.raises(CallError, match="a tuple of 2 items"):
        _single_tensor((1, 2))
    with pytest.raises(CallError, match="returned None"):
        _single_tensor(None)


class InvalidArgumentError(Exception):
    """Shaped like TensorFlow's: a ``message`` attribute holding the runtime's text."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def test_a_graph_execution_error_is_its_cause_and_its_node() -> None:
    text = (
        "Graph execution error:\n\nDetected at node model/dense/MatMul defined at (most recent call last):\n"
        '  File "x.py", line 1\n'
        "Matrix size-incompatible: In[0]: [1,12], In[1]: [8,5]\n"
        "\t [[{{node model/dense/MatMul}}]] [Op:__inference_call_123]"
    )
    assert one_line(InvalidArgumentError(text)) == (
        "InvalidArgumentError: Matrix size-incompatible: In[0]: [1,12], In[1]: [8,5] (node model/dense/MatMul)"
    )


def test_one_line_is_short_and_keeps_a_call_error_s_own_words() -> None:
    assert one_line(CallError("__call__ returned None, not a tensor")) == "__call__ returned None, not a tensor"
    assert one_line(ValueError()) == "ValueError"
    long = one_line(ValueError("First sentence is long enough to be kept whole here. " + "x" * 400))
    assert long == "ValueError: First sentence is long enough to be kept whole here."
    assert len(one_line(ValueError("y" * 1000))) == 300


def test_one_line_keeps_the_cause_of_a_tensorflow_error() -> None:
    class InvalidArgumentError(Exception):
        message = (
            "Graph execution error:\n\nDetected at node identity_pyfunc defined at (most recent call last):\n"
            "<stack traces unavailable>\nValueError: Could not find callback with key=pyfunc_1 in the registry.\n"
            'Traceback (most recent call last):\n\n  File "x.py", line 1\n'
        )

    text = one_line(InvalidArgumentError())
    assert text == (
        "InvalidArgumentError: ValueError: Could not find callback with key=pyfunc_1 in the registry. "
        "(node identity_pyfunc)"
    )
    assert one_line(ValueError("a\nb")) == "ValueError: a"
    assert len(one_line(ValueError("x" * 1000))) == 300
