"""Export one TF2 model whose image input is uint8 and divided by 255 (SL112, SL119) to OUT.

``--shift N`` first traces N throwaway functions, so TensorFlow numbers the model's own
functions differently (``__inference_<lambda>_<uid>``), as a later re-export would.

    python tests/rules/make_renumbered.py OUT [--shift N]
"""

from __future__ import annotations

import argparse


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--shift", type=int, default=0)
    args = parser.parse_args()
    import tensorflow as tf

    for number in range(args.shift):
        tf.function(lambda x, n=number: x + n).get_concrete_function(tf.TensorSpec([], tf.float32))
    module = tf.__internal__.tracking.AutoTrackable()
    module.w = tf.Variable(tf.ones([3, 4]))

    @tf.function(input_signature=[tf.TensorSpec([None, 8, 8, 3], tf.uint8)])
    def call(images: tf.Tensor) -> tf.Tensor:
        pooled = tf.reduce_mean(tf.cast(images, tf.float32) / 255.0, axis=[1, 2])
        return tf.matmul(pooled, module.w)

    module.__call__ = call
    module.variables = [module.w]
    module.trainable_variables = [module.w]
    module.regularization_losses = []
    tf.saved_model.save(module, args.out)


if __name__ == "__main__":
    main()
