#!/usr/bin/env python3
"""Build the extra TF2 models the fix tests need, with golden/make_fixtures.py's own builder.

Variants of the golden TF2 model that have no root ``__call__`` and break one more promise
that shows only once the signature is called (so IN's lint cannot see it):

* ``nocall-uint8``: its serving signature takes uint8 images;
* ``nocall-float64``: its serving signature returns float64;
* ``nocall-nondeterministic``: a counter variable changes every output (the wrapper exposes it,
  so fix's proof must fail on the execution probe SL704 and remove OUT).

and, written here because the golden script has neither:

* ``sigmoid-output``: a multi-label classifier, conforming except that it returns
  ``tf.sigmoid(logits)``;
* ``tf-keras-softmax``: a tf_keras classifier whose last Dense layer has
  ``activation="softmax"``, saved by tf_keras: the Softmax sits in a function nested in the
  ``__call__`` function (one per layer), as in real Keras models;
* ``tf1-builder-sharded``: a TF1 classifier (softmax output, no ``tfhub_module.pb``) saved the
  textbook way, by the v1 ``Builder`` with its default *sharded* saver (``ShardedFilename``,
  ``MergeV2Checkpoints``), one tag-set ``[]``: the golden TF1 fixtures share one plain saver;
* ``tf1-builder-two-savers``: the same with a second tag-set ``[train]`` added by
  ``add_meta_graph`` without ``saver=``: the Builder makes a new saver ``save_1/`` for it, so
  ``[train]``'s graph also holds ``save/``, the saver of ``[]``.

Usage: ``python tests/fix/make_models.py OUT_DIR`` (runs in a fresh process; TensorFlow).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "make_fixtures.py"
VARIANTS = {
    "nocall-uint8": {"has_call": False, "input_dtype": "uint8"},
    "nocall-float64": {"has_call": False, "output_dtype": "float64"},
    "nocall-nondeterministic": {"has_call": False, "probe": "nondeterministic"},
}


def main(out: str) -> int:
    spec = importlib.util.spec_from_file_location("make_fixtures", GOLDEN)
    assert spec is not None and spec.loader is not None
    fixtures = importlib.util.module_from_spec(spec)
    sys.modules["make_fixtures"] = fixtures  # dataclasses look their module up by name
    spec.loader.exec_module(fixtures)
    for name, options in VARIANTS.items():
        fixtures.build_tf2(os.path.join(out, name), fixtures.Tf2Spec(**options))
        print(name)
    build_sigmoid(os.path.join(out, "sigmoid-output"))
    print("sigmoid-output")
    build_tf_keras_softmax(os.path.join(out, "tf-keras-softmax"))
    print("tf-keras-softmax")
    build_tf1_builder(os.path.join(out, "tf1-builder-sharded"), train=False)
    build_tf1_builder(os.path.join(out, "tf1-builder-two-savers"), train=True)
    print("tf1-builder-sharded, tf1-builder-two-savers")
    return 0


def build_tf1_builder(path: str, *, train: bool) -> None:
    """Pooled pixels -> dense -> softmax, saved by the v1 Builder with its own default saver(s)."""
    import tensorflow as tf

    v1 = tf.compat.v1
    with tf.Graph().as_default():
        images = v1.placeholder(tf.float32, [None, 32, 32, 3], name="images")
        kernel = v1.get_variable("head/kernel", [3, 4], initializer=v1.random_normal_initializer(seed=5))
        probabilities = tf.nn.softmax(tf.matmul(tf.reduce_mean(images, axis=[1, 2]), kernel))
        info = v1.saved_model.utils.build_tensor_info
        signature = v1.saved_model.signature_def_utils.build_signature_def(
            inputs={"images": info(images)}, outputs={"default": info(probabilities)}
        )
        signatures = {"default": signature, "image_classification": signature}
        builder = v1.saved_model.Builder(path)
        with v1.Session() as session:
            session.run(v1.global_variables_initializer())
            builder.add_meta_graph_and_variables(session, [], signature_def_map=signatures)
            if train:
                builder.add_meta_graph(["train"], signature_def_map=signatures)
        builder.save()


def build_tf_keras_softmax(path: str) -> None:
    import tf_keras

    tf_keras.utils.set_random_seed(5)
    inputs = tf_keras.Input((32, 32, 3), name="images")
    x = tf_keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="conv1")(inputs)
    x = tf_keras.layers.GlobalAveragePooling2D(name="pool")(x)
    outputs = tf_keras.layers.Dense(5, activation="softmax", name="probabilities")(x)
    tf_keras.Model(inputs, outputs).save(path, save_format="tf", include_optimizer=False)


def build_sigmoid(path: str) -> None:
    """Pooled pixels -> dense -> sigmoid, with the Reusable SavedModel attributes."""
    import numpy as np
    import tensorflow as tf

    rng = np.random.default_rng(5)
    kernel = tf.Variable(rng.standard_normal((3, 4)).astype(np.float32), name="head/kernel")
    bias = tf.Variable(rng.standard_normal(4).astype(np.float32), name="head/bias")
    root = tf.__internal__.tracking.AutoTrackable()
    spec = tf.TensorSpec([None, 32, 32, 3], tf.float32)

    @tf.function(input_signature=[spec])
    def call(images: tf.Tensor) -> tf.Tensor:
        return tf.sigmoid(tf.matmul(tf.reduce_mean(images, axis=[1, 2]), kernel) + bias)

    root.__call__ = call
    root.variables = [kernel, bias]
    root.trainable_variables = [kernel, bias]
    root.regularization_losses = []
    tf.saved_model.save(root, path, signatures={"serving_default": call.get_concrete_function()})


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
