"""speclint/fix/tf2.py: the TF2 wrapper keeps IN's variables: the same count, the same values, no copies, and they
are the ones ``__call__`` computes with (a change to one changes the output; gradients reach
every trainable one), for every TF2 golden model that fix wraps.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.conftest import MODELS, need_tensorflow, run_speclint

TF2_FIXABLE = [
    "keras3-export",
    "tf2-dict-output",
    "tf2-input-fixed-batch",
    "tf2-input-uint8",
    "tf2-no-call",
    "tf2-no-variables-attrs",
    "tf2-output-float64",
    "tf2-output-rank3",
    "tf2-rescale-127",
    "tf2-softmax-output",
    "tf2-training-not-bool",
]
VALUE_SUFFIX = "/.ATTRIBUTES/VARIABLE_VALUE"


def checkpoint_values(tf: Any, model: Path) -> list[tuple[tuple[int, ...], bytes]]:
    """Every variable value saved in a SavedModel's checkpoint, as (shape, bytes), sorted."""
    reader = tf.train.load_checkpoint(str(model / "variables" / "variables"))
    values = [reader.get_tensor(key) for key in reader.get_variable_to_shape_map() if key.endswith(VALUE_SUFFIX)]
    return sorted((tuple(v.shape), np.ascontiguousarray(v).tobytes()) for v in values)


@pytest.mark.tensorflow
@pytest.mark.parametrize("name", [*TF2_FIXABLE, "tf-keras-softmax"])
def test_wrapper_shares_the_original_variables(name: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    need_tensorflow()
    import tensorflow as tf

    source = tmp_path / name
    if name in TF2_FIXABLE:
        shutil.copytree(MODELS / name, source)
    else:  # built by tests/fix/make_models.py: the softmax nested in Keras layer functions
        shutil.copytree(request.getfixturevalue("hidden_models") / name, source)
    out = tmp_path / "out"
    result = run_speclint("fix", str(source), str(out))
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]

    # Keras 3's export saves each variable twice (`variables` and `_all_variables`); its values
    # once each are what OUT must hold, each once.
    original = sorted(set(checkpoint_values(tf, source)))
    assert checkpoint_values(tf, out) == original, "OUT saves other variables than IN, or copies"
    wrapper = tf.saved_model.load(str(out))
    assert len(wrapper.variables) == len(original)
    assert len({id(v) for v in wrapper.variables}) == len(original)
    assert sorted((tuple(v.shape), v.numpy().tobytes()) for v in wrapper.variables) == original

    rng = np.random.default_rng(7)
    images = tf.constant(rng.random((2, 32, 32, 3), dtype=np.float32))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(wrapper(images, training=True) * rng.standard_normal((2, 1)).astype(np.float32))
    gradients = tape.gradient(loss, wrapper.trainable_variables)
    assert wrapper.trainable_variables
    assert all(g is not None and np.any(tf.convert_to_tensor(g).numpy() != 0) for g in gradients)

    baseline = wrapper(images).numpy()
    for variable in wrapper.trainable_variables:  # fine-tuning changes what __call__ computes
        saved = variable.numpy()
        variable.assign(saved + 0.5)
        assert not np.allclose(wrapper(images).numpy(), baseline), f"{variable.name} is not used by __call__"
        variable.assign(saved)
    np.testing.assert_array_equal(wrapper(images).numpy(), baseline)
