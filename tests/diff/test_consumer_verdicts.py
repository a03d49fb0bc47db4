"""The verdicts hold in TensorFlow: what a consumer of OLD does works on OLD and fails on NEW
for a breaking change, and keeps working for a compatible one.

Each check loads the checked-in golden pair with real TensorFlow (``tf.saved_model.load``,
as ``hub.load`` does) and calls it the way the spec tells consumers to.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import need_tensorflow
from tests.diff.conftest import PAIRS_DIR

SIZE = 32


def load(pair: str, side: str, tags: list[str] | None = None) -> Any:
    import tensorflow as tf

    return tf.saved_model.load(str(PAIRS_DIR / pair / side), tags=tags)


def images(batch: int = 2, dtype: str = "float32") -> Any:
    import numpy as np
    import tensorflow as tf

    return tf.constant(np.random.RandomState(0).uniform(0, 1, (batch, SIZE, SIZE, 3)).astype(dtype))


def verdict(pair: str) -> int:
    return int(json.loads((PAIRS_DIR / pair / "expected.json").read_text(encoding="utf-8"))["exit"])


@pytest.fixture(autouse=True)
def _tensorflow() -> None:
    need_tensorflow()


def test_relaxed_input_is_compatible() -> None:
    assert verdict("input-shape-relaxed") == 0
    for side in ("old", "new"):
        assert load("input-shape-relaxed", side)(images()).shape == (2, 8)


def test_narrowed_input_breaks_a_batch_of_two() -> None:
    assert verdict("input-shape-narrowed") == 1
    assert load("input-shape-narrowed", "old")(images()).shape == (2, 8)
    with pytest.raises((ValueError, TypeError)):
        load("input-shape-narrowed", "new")(images())


def test_changed_width_changes_what_a_head_receives() -> None:
    assert verdict("output-width-changed") == 1
    widths = [load("output-width-changed", side)(images()).shape[-1] for side in ("old", "new")]
    assert widths == [8, 5]


def test_changed_input_dtype_refuses_float_images() -> None:
    assert verdict("input-dtype-changed") == 1
    load("input-dtype-changed", "old")(images())
    with pytest.raises((ValueError, TypeError)):
        load("input-dtype-changed", "new")(images())


def test_removed_training_argument_breaks_fine_tuning_calls() -> None:
    assert verdict("training-argument-removed") == 1
    load("training-argument-removed", "old")(images(), training=True)
    with pytest.raises((ValueError, TypeError)):
        load("training-argument-removed", "new")(images(), training=True)


def test_removed_call_and_attributes() -> None:
    assert verdict("call-removed") == 1 and verdict("attribute-removed") == 1
    load("call-removed", "old")(images())
    with pytest.raises(TypeError):
        load("call-removed", "new")(images())
    old, new = load("attribute-removed", "old"), load("attribute-removed", "new")
    assert len(old.trainable_variables) == 4
    assert not hasattr(new, "trainable_variables")


def test_compatible_pair_gives_the_same_answers() -> None:
    import numpy as np

    assert verdict("compatible") == 0
    old, new = (load("compatible", side)(images()).numpy() for side in ("old", "new"))
    np.testing.assert_allclose(old, new, rtol=1e-6)


def test_tf1_and_tf2_versions_take_the_same_images_and_give_the_same_width() -> None:
    """tf1-to-tf2 only warns (format changed): the default signature and ``__call__`` agree on the contract."""
    import numpy as np

    assert verdict("tf1-to-tf2") == 0
    tf1 = load("tf1-to-tf2", "old", tags=[]).signatures["default"](images=images())["default"].numpy()
    tf2 = load("tf1-to-tf2", "new")(images()).numpy()
    assert tf1.shape == tf2.shape == (2, 8)
    assert np.isfinite(tf1).all() and np.isfinite(tf2).all()
