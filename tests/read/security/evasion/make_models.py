#!/usr/bin/env python3
"""Build one SavedModel per evasion class of the security scan (issue 9), with real TensorFlow.

Each model does something outside itself when TensorFlow loads or calls it: it reads or
writes a file under TARGET (a test's temporary directory, never a real system path), or puts
dropout on its output. ``load_models.py`` loads each one with TensorFlow to prove the side
effect really happens; ``test_evasion.py`` checks that speclint flags it.

Usage::

    python tests/read/security/evasion/make_models.py OUT TARGET [NAME ...]
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

SIZE = 8  # image side: small models build fast
FEATURES = 4
LOOKALIKES = 250  # harmless ReadFile ops before the payload: more than the old 200-entry cap
PRINTABLE_PREFIX_FIELDS = 5  # unknown length-delimited fields of 126 printable bytes each


def _image_module(tf: Any) -> Any:
    root = tf.__internal__.tracking.AutoTrackable()
    root.kernel = tf.Variable(tf.ones([3, FEATURES]) * 0.1, name="kernel")
    return root


def _features(tf: Any, root: Any, images: Any) -> Any:
    return tf.matmul(tf.reduce_mean(images, axis=[1, 2]), root.kernel)


def _save_tf2(tf: Any, root: Any, path: str, call: Any) -> None:
    root.__call__ = call
    root.variables = [root.kernel]
    root.trainable_variables = [root.kernel]
    root.regularization_losses = []
    tf.saved_model.save(root, path)


IMAGES = "images"


def op_missing_from_old_table(path: str, target: str) -> None:
    """An object function reads a vocabulary file through FixedUnigramCandidateSampler.vocab_file."""
    import tensorflow as tf

    root = _image_module(tf)
    spec = tf.TensorSpec([None, SIZE, SIZE, 3], tf.float32)
    root.call = tf.function(lambda images: _features(tf, root, images), input_signature=[spec])

    @tf.function(input_signature=[])
    def leak() -> Any:
        sampled = tf.raw_ops.FixedUnigramCandidateSampler(
            true_classes=tf.constant([[0]], tf.int64),
            num_true=1,
            num_sampled=5,
            unique=False,
            range_max=3,
            vocab_file=os.path.join(target, "vocab.csv"),
        )
        return sampled[0]

    root.leak = leak
    _save_tf2(tf, root, path, root.call)


def _tf1_graph(tf: Any) -> tuple[Any, Any, Any, Any]:
    graph = tf.Graph()
    with graph.as_default():
        images = tf.compat.v1.placeholder(tf.float32, [None, SIZE, SIZE, 3], name=IMAGES)
        kernel = tf.compat.v1.get_variable("kernel", initializer=tf.ones([3, FEATURES]) * 0.1)
        features = tf.identity(tf.matmul(tf.reduce_mean(images, axis=[1, 2]), kernel), name="features")
    return graph, images, features, kernel


def _save_tf1(tf: Any, graph: Any, path: str, images: Any, features: Any, **options: Any) -> None:
    with graph.as_default(), tf.compat.v1.Session(graph=graph) as session:
        session.run(tf.compat.v1.global_variables_initializer())
        builder = tf.compat.v1.saved_model.Builder(path)
        signature = tf.compat.v1.saved_model.predict_signature_def({IMAGES: images}, {"default": features})
        builder.add_meta_graph_and_variables(
            session, ["serve"], signature_def_map={"default": signature}, strip_default_attrs=True, **options
        )
        builder.save()


def saver_restore_op_writes(path: str, target: str) -> None:
    """TF1: the saver's own restore op also runs a SaveV2 to a constant path under save/."""
    import tensorflow as tf

    graph, images, features, _ = _tf1_graph(tf)
    with graph.as_default():
        saver = tf.compat.v1.train.Saver()
        with graph.name_scope("save/"):
            write = tf.raw_ops.SaveV2(
                prefix=tf.constant(os.path.join(target, "saver-restore")),
                tensor_names=["leaked"],
                shape_and_slices=[""],
                tensors=[tf.constant(1.0)],
                name="SaveV2_1",
            )
            restore = tf.group(graph.get_operation_by_name(saver.saver_def.restore_op_name), write, name="restore")
        saver.saver_def.restore_op_name = restore.name
    _save_tf1(tf, graph, path, images, features, saver=saver)


def table_initializer_writes(path: str, target: str) -> None:
    """TF1: a SaveV2 named like the saver's, run only by the table_initializer collection."""
    import tensorflow as tf

    graph, images, features, _ = _tf1_graph(tf)
    with graph.as_default():
        with graph.name_scope("save/"):
            write = tf.raw_ops.SaveV2(
                prefix=tf.constant(os.path.join(target, "table-init")),
                tensor_names=["leaked"],
                shape_and_slices=[""],
                tensors=[tf.constant(1.0)],
                name="SaveV2_1",
            )
        tf.compat.v1.add_to_collection(tf.compat.v1.GraphKeys.TABLE_INITIALIZERS, write)
    _save_tf1(tf, graph, path, images, features)


def not_an_image_model(path: str, target: str) -> None:
    """A text model (SL002 fires) whose __call__ writes a file."""
    import tensorflow as tf

    root = _image_module(tf)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def call(text: Any) -> Any:
        write = tf.io.write_file(os.path.join(target, "not-image.txt"), "written")
        with tf.control_dependencies([write]):
            lengths = tf.cast(tf.strings.length(text), tf.float32)
        return tf.stack([lengths] * FEATURES, axis=1)

    _save_tf2(tf, root, path, call)


def payload_after_lookalikes(path: str, target: str) -> None:
    """__call__ runs 250 ReadFile ops on a public file, then one WriteFile."""
    import tensorflow as tf

    root = _image_module(tf)

    @tf.function(input_signature=[tf.TensorSpec([None, SIZE, SIZE, 3], tf.float32)])
    def call(images: Any) -> Any:
        total = tf.constant(0)
        for _ in range(LOOKALIKES):
            total += tf.strings.length(tf.io.read_file(os.path.join(target, "public.txt")))
        write = tf.io.write_file(os.path.join(target, "payload.txt"), "written")
        with tf.control_dependencies([write]):
            return _features(tf, root, images) + tf.cast(total, tf.float32) * 0.0

    _save_tf2(tf, root, path, call)


def _writing_call(tf: Any, root: Any, filename: str) -> Any:
    @tf.function(input_signature=[tf.TensorSpec([None, SIZE, SIZE, 3], tf.float32)])
    def call(images: Any) -> Any:
        write = tf.io.write_file(filename, "written")
        with tf.control_dependencies([write]):
            return _features(tf, root, images)

    return call


def binary_that_looks_like_text(path: str, target: str) -> None:
    """A binary saved_model.pb whose first 630 bytes are printable (unknown fields TensorFlow skips)."""
    import tensorflow as tf

    root = _image_module(tf)
    _save_tf2(tf, root, path, _writing_call(tf, root, os.path.join(target, "looks-like-text.txt")))
    model = os.path.join(path, "saved_model.pb")
    with open(model, "rb") as handle:
        data = handle.read()
    field = b"z~" + b"x" * 126  # field 15, length-delimited ('z'), 126 bytes ('~')
    with open(model, "wb") as handle:
        handle.write(field * PRINTABLE_PREFIX_FIELDS + data)


def keras_metadata_unreadable(path: str, target: str) -> None:
    """A working TF2 model with a keras_metadata.pb no parser can read (it could hide a Lambda layer)."""
    import tensorflow as tf

    root = _image_module(tf)
    spec = tf.TensorSpec([None, SIZE, SIZE, 3], tf.float32)
    _save_tf2(tf, root, path, tf.function(lambda images: _features(tf, root, images), input_signature=[spec]))
    with open(os.path.join(path, "keras_metadata.pb"), "wb") as handle:
        handle.write(b"\xff\xff\xff\xff\xff not a SavedMetadata")


def dropout_only_when_training(path: str, target: str) -> None:
    """TF2 __call__(images, training): dropout on the output itself, only when training=True."""
    import tensorflow as tf

    root = _image_module(tf)

    @tf.function
    def call(images: Any, training: bool = False) -> Any:
        features = _features(tf, root, images)
        return tf.nn.dropout(features, rate=0.5) if training else features

    spec = tf.TensorSpec([None, SIZE, SIZE, 3], tf.float32)
    for training in (False, True):
        call.get_concrete_function(spec, training)
    _save_tf2(tf, root, path, call)


def writes_relative_path(path: str, target: str) -> None:
    """__call__ writes a file at a relative path: into whatever directory the loader runs in."""
    import tensorflow as tf

    root = _image_module(tf)
    _save_tf2(tf, root, path, _writing_call(tf, root, "written-by-model.txt"))


def local_variable_initializer_writes(path: str, target: str) -> None:
    """TF1: a WriteFile that only the initializer of a variable in ``local_variables`` runs."""
    import tensorflow as tf

    graph, images, features, _ = _tf1_graph(tf)
    with graph.as_default():
        write = tf.raw_ops.WriteFile(filename=os.path.join(target, "local-variable.txt"), contents="written")
        with tf.control_dependencies([write]):
            initial = tf.identity(tf.constant(0.0))
        tf.compat.v1.Variable(
            initial, trainable=False, collections=[tf.compat.v1.GraphKeys.LOCAL_VARIABLES], name="counter"
        )
    _save_tf1(tf, graph, path, images, features)


def local_resources_collection(path: str, target: str) -> None:
    """TF1: a WriteFile listed in the ``local_resources`` collection (a node list: the only way it exports)."""
    import tensorflow as tf

    graph, images, features, _ = _tf1_graph(tf)
    with graph.as_default():
        write = tf.raw_ops.WriteFile(filename=os.path.join(target, "local-resource.txt"), contents="written")
        tf.compat.v1.add_to_collection(tf.compat.v1.GraphKeys.LOCAL_RESOURCES, write)
    _save_tf1(tf, graph, path, images, features)


UNKNOWN_FIELD_FIRST = b"\xa0\x06\x01"  # GraphDef field 100 (unknown), varint 1: TensorFlow skips it


def _dataset_from_graph_call(tf: Any, root: Any, graph_def: bytes, split: bool = False) -> Any:
    """__call__ runs the dataset serialized in ``graph_def`` (DatasetFromGraph) and adds its first line's length.

    ``split``: the string is joined at run time from its two halves and an empty string computed
    from the input, as an attacker would (grappler folds a constant input into a variant constant
    it then fails to read, so a constant GraphDef never runs).
    """

    @tf.function(input_signature=[tf.TensorSpec([None, SIZE, SIZE, 3], tf.float32)])
    def call(images: Any) -> Any:
        if split:
            empty = tf.strings.substr(tf.strings.as_string(tf.shape(images)[0]), 0, 0)
            half = len(graph_def) // 2
            serialized = tf.strings.join([tf.constant(graph_def[:half]), tf.constant(graph_def[half:]), empty])
        else:
            serialized = tf.constant(graph_def)
        variant = tf.raw_ops.DatasetFromGraph(graph_def=serialized)
        dataset = tf.data.experimental.from_variant(variant, tf.TensorSpec([], tf.string))
        line = tf.data.experimental.get_single_element(dataset.take(1))
        return _features(tf, root, images) + tf.cast(tf.strings.length(line), tf.float32) * 0.0

    return call


def graph_behind_unknown_field(path: str, target: str) -> None:
    """A serialized dataset graph (TextLineDataset of a file) that starts with an unknown field, not a node."""
    import tensorflow as tf

    dataset = tf.data.TextLineDataset(os.path.join(target, "secret.txt"))
    graph_def = UNKNOWN_FIELD_FIRST + dataset._as_serialized_graph().numpy()
    root = _image_module(tf)
    _save_tf2(tf, root, path, _dataset_from_graph_call(tf, root, graph_def))


def graph_computed_at_run_time(path: str, target: str) -> None:
    """The dataset graph (TextLineDataset of a file) joined at run time from two constants: neither one parses."""
    import tensorflow as tf

    dataset = tf.data.TextLineDataset(os.path.join(target, "secret.txt"))
    root = _image_module(tf)
    _save_tf2(tf, root, path, _dataset_from_graph_call(tf, root, dataset._as_serialized_graph().numpy(), split=True))


def graph_that_does_not_parse(path: str, target: str) -> None:
    """DatasetFromGraph given a string that starts like a GraphDef (a node field) but is cut short."""
    import tensorflow as tf

    dataset = tf.data.TextLineDataset(os.path.join(target, "secret.txt"))
    graph_def = dataset._as_serialized_graph().numpy()
    root = _image_module(tf)
    _save_tf2(tf, root, path, _dataset_from_graph_call(tf, root, graph_def[: len(graph_def) // 2]))


def _builder_two_tag_sets(path: str, target: str, name: str, attack: bool) -> None:
    """The v1 Builder's usual use: [serve] saved with variables, then [train] by ``add_meta_graph``.

    Without ``saver=``, the Builder gives [train] a saver of its own (``save_1/``), so [train]'s
    graph also holds [serve]'s saver ``save/``. Here that saver's unfed file name is a path under
    TARGET: whoever runs ``save/`` without feeding it writes there. The attack variant makes
    [train]'s main op run it.
    """
    import tensorflow as tf

    v1 = tf.compat.v1
    graph, images, features, _ = _tf1_graph(tf)
    with graph.as_default(), v1.Session(graph=graph) as session:
        session.run(v1.global_variables_initializer())
        saver = v1.train.Saver(sharded=True, filename=os.path.join(target, name))  # the Builder's default, sharded
        signature = v1.saved_model.predict_signature_def({IMAGES: images}, {"default": features})
        builder = v1.saved_model.Builder(path)
        builder.add_meta_graph_and_variables(session, ["serve"], signature_def_map={"default": signature}, saver=saver)
        main_op = None
        if attack:
            main_op = tf.group(graph.get_tensor_by_name(saver.saver_def.save_tensor_name), name="train_main_op")
        builder.add_meta_graph(["train"], signature_def_map={"default": signature}, main_op=main_op)
        builder.save()


def builder_peer_saver(path: str, target: str) -> None:
    """TF1 Builder, two tag-sets: [train] holds [serve]'s saver, which loading [train] never runs."""
    _builder_two_tag_sets(path, target, "builder-peer-saver", attack=False)


def builder_peer_saver_in_main_op(path: str, target: str) -> None:
    """The same, but [train]'s main op runs [serve]'s save op: it writes under TARGET at load."""
    _builder_two_tag_sets(path, target, "builder-peer-saver-in-main-op", attack=True)


MODELS: dict[str, Callable[[str, str], None]] = {
    "op-missing-from-old-table": op_missing_from_old_table,
    "saver-restore-op-writes": saver_restore_op_writes,
    "table-initializer-writes": table_initializer_writes,
    "not-an-image-model": not_an_image_model,
    "payload-after-lookalikes": payload_after_lookalikes,
    "binary-that-looks-like-text": binary_that_looks_like_text,
    "keras-metadata-unreadable": keras_metadata_unreadable,
    "dropout-only-when-training": dropout_only_when_training,
    "writes-relative-path": writes_relative_path,
    "local-variable-initializer-writes": local_variable_initializer_writes,
    "local-resources-collection": local_resources_collection,
    "graph-behind-unknown-field": graph_behind_unknown_field,
    "graph-that-does-not-parse": graph_that_does_not_parse,
    "graph-computed-at-run-time": graph_computed_at_run_time,
    "builder-peer-saver": builder_peer_saver,
    "builder-peer-saver-in-main-op": builder_peer_saver_in_main_op,
}


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_held_out import MODELS as HELD_OUT  # noqa: E402  (issue 21: values, roots, look-alikes)

MODELS.update(HELD_OUT)


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    out, target, names = argv[0], argv[1], argv[2:] or list(MODELS)
    for name in names:
        MODELS[name](os.path.join(out, name), target)
        print(name, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
