#!/usr/bin/env python3
"""Build the golden model pairs of ``speclint diff`` with real TensorFlow.

Each pair is two versions of one small model, ``golden/diff/<pair>/old`` and ``.../new``,
that differ in exactly one way (or, for ``compatible``, not at all). The builders are those of
``golden/make_fixtures.py`` (imported, not copied), so a pair is as real as every fixture.
``golden/diff/<pair>/expected.json`` is what ``speclint diff old new --format json`` says
(codes, severities, places, messages, exit code); ``tests/diff`` rebuilds the pairs and checks it.

Usage::

    python golden/make_diff_pairs.py [--out DIR] [--only PAIR ...] [--list] [--expected]
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import shutil
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_fixtures as fx  # the fixture builders, next to this script

Build = Callable[[str], None]
HERE = Path(__file__).resolve().parent


class PairSpec(NamedTuple):
    name: str
    description: str
    old: Build
    new: Build


def tf1(**options: Any) -> Build:
    return functools.partial(fx.build_tf1, spec=fx.Tf1Spec(**options))


def tf2(**options: Any) -> Build:
    return functools.partial(fx.build_tf2, spec=fx.Tf2Spec(**options))


def tf1_plain(extra_input: bool) -> Build:
    """A plain TF1 SavedModel whose ``default`` signature may take a second input, ``threshold``."""

    def build(path: str) -> None:
        import tensorflow as tf

        v1 = tf.compat.v1
        info = v1.saved_model.utils.build_tensor_info
        graph = tf.Graph()
        with graph.as_default():
            images = v1.placeholder(tf.float32, [None, fx.IMAGE_SIZE, fx.IMAGE_SIZE, 3], name="images")
            weights = fx._init_weights(3, fx.NUM_FEATURES)
            kernel = v1.get_variable("conv1/kernel", initializer=weights.conv_kernel, use_resource=False)
            dense = v1.get_variable("logits/kernel", initializer=weights.dense_kernel, use_resource=False)
            _, pooled = fx._conv_pool(tf, images, kernel, None, nchw=False)
            out = tf.matmul(pooled, dense)
            inputs = {"images": info(images)}
            if extra_input:
                threshold = v1.placeholder(tf.float32, [], name="threshold")
                out = tf.nn.relu(out - threshold)
                inputs["threshold"] = info(threshold)
            signature = v1.saved_model.signature_def_utils.build_signature_def(
                inputs=inputs, outputs={"default": info(out)}
            )
            builder = v1.saved_model.Builder(path)
            with v1.Session(graph=graph) as session:
                session.run(v1.global_variables_initializer())
                builder.add_meta_graph_and_variables(
                    session, [], signature_def_map={"default": signature}, strip_default_attrs=True
                )
            builder.save()

    return build


PAIRS: dict[str, PairSpec] = {}


def _pair(name: str, description: str, old: Build, new: Build) -> None:
    PAIRS[name] = PairSpec(name, description, old, new)


_pair("compatible", "the same TF2 feature vector saved twice", tf2(), tf2())
_pair("tf1-to-tf2", "the same network as a TF1 Hub module, then as a TF2 SavedModel", tf1(), tf2())
_pair("tf1-compatible", "the same TF1 Hub module saved twice", tf1(), tf1())
_pair("input-shape-relaxed", "fixed 32x32 input becomes any size", tf2(), tf2(input_shape=(None, None, None, 3)))
_pair("input-shape-narrowed", "batch size -1 becomes 1", tf2(), tf2(input_shape=(1, fx.IMAGE_SIZE, fx.IMAGE_SIZE, 3)))
_pair(
    "image-size-changed",
    "TF1 module: expected image size 32x32 becomes 24x24",
    tf1(),
    tf1(input_shape=(None, 24, 24, 3), attachment=(24, 24)),
)
_pair("output-width-changed", "feature vector width 8 becomes 5", tf2(), tf2(num_outputs=5))
_pair("input-dtype-changed", "float32 images become uint8", tf2(), tf2(input_dtype="uint8"))
_pair("output-dtype-changed", "float32 features become float64", tf2(), tf2(output_dtype="float64"))
_pair("output-shape-relaxed", "a known width becomes unknown", tf2(), tf2(output_shape="unknown-width"))
_pair("output-shape-narrowed", "an unknown width becomes known", tf2(output_shape="unknown-width"), tf2())
_pair("output-rank-changed", "[batch, 8] becomes [batch, 1, 8]", tf2(), tf2(output_shape="rank3"))
_pair("output-structure-changed", "a tensor becomes {'features': tensor}", tf2(), tf2(dict_output=True))
_pair("task-changed", "TF1 feature vector becomes a classifier", tf1(), tf1(task="image_classification"))
_pair("training-argument-removed", "__call__ loses training=", tf2(training="bool"), tf2())
_pair(
    "attribute-removed", "variables, trainable_variables, regularization_losses go", tf2(), tf2(variables_attrs=False)
)
_pair("call-removed", "the root __call__ goes", tf2(), tf2(has_call=False))
_pair("signature-removed", "image_feature_vector signature goes", tf1(), tf1(task_signature=False))
_pair("tag-set-removed", "the [train] meta graph goes", tf1(), tf1(tag_sets=((),)))
_pair("input-renamed", "input 'images' becomes 'pixels'", tf1(), tf1(input_key="pixels"))
_pair("output-renamed", "output 'default' becomes 'features'", tf1(), tf1(output_key="features"))
_pair("output-removed", "extra outputs of the task signature go", tf1(extra_outputs=True), tf1())
_pair("output-added", "the task signature gains extra outputs", tf1(), tf1(extra_outputs=True))
_pair("input-removed", "plain TF1: the 'threshold' input goes", tf1_plain(True), tf1_plain(False))
_pair("input-added", "plain TF1: a 'threshold' input appears", tf1_plain(False), tf1_plain(True))
_pair("dangerous-op-added", "__call__ starts reading a file", tf2(), tf2(security="readfile"))
_pair("unknown-op-added", "a Relu becomes a custom op", tf1(), tf1(custom_op="SpeclintCustomRelu"))
_pair("lint-regression", "the graph switches to NCHW", tf2(), tf2(nchw=True))


def _tree_old(path: str) -> None:
    os.makedirs(path)
    tf2()(os.path.join(path, "kept"))
    tf2()(os.path.join(path, "retired"))


def _tree_new(path: str) -> None:
    os.makedirs(path)
    tf2()(os.path.join(path, "kept"))
    tf2()(os.path.join(path, "fresh"))


_pair("models-added-removed", "trees: 'retired' goes, 'fresh' comes, 'kept' stays", _tree_old, _tree_new)


def build_pairs(out_dir: str | Path | None = None, only: Iterable[str] | None = None) -> list[str]:
    """Build the pairs (all, or ``only``) under ``out_dir``; returns the names built.

    Only ``out_dir/<pair>/old`` and ``.../new`` are deleted and rebuilt; ``expected.json`` stays.
    """
    out = Path(out_dir) if out_dir is not None else HERE / "diff"
    wanted = list(PAIRS) if only is None else list(only)
    unknown = sorted(set(wanted) - set(PAIRS))
    if unknown:
        raise KeyError(f"unknown pair(s): {', '.join(unknown)}")
    for name in wanted:
        for side in ("old", "new"):
            path = out / name / side
            if path.exists():
                shutil.rmtree(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.redirect_stdout(sys.stderr):
                getattr(PAIRS[name], side)(str(path))
    return wanted


def expected(pair_dir: Path) -> dict[str, Any]:
    """What speclint diff says about one pair, without the paths (which depend on where it lies)."""
    import io

    from speclint.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["diff", str(pair_dir / "old"), str(pair_dir / "new"), "--format", "json"])
    report = __import__("json").loads(out.getvalue())
    findings = [
        {
            **{k: f[k].replace(str(pair_dir), "PAIR") for k in ("code", "severity", "where", "message")},
            "locations": [place["where"].replace(str(pair_dir), "PAIR") for place in f["locations"]],
        }
        for model in report["models"]
        for f in model["findings"]
    ]
    models = [{k: m[k] for k in ("status", "old_format", "new_format")} for m in report["models"]]
    return {"exit": code, "models": models, "findings": findings}


def write_expected(out_dir: Path, names: Iterable[str]) -> None:
    import json

    for name in names:
        data = {"description": PAIRS[name].description, **expected(out_dir / name)}
        (out_dir / name / "expected.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the golden model pairs of speclint diff.")
    parser.add_argument("--out", type=Path, default=HERE / "diff")
    parser.add_argument("--only", nargs="+", action="extend", metavar="PAIR")
    parser.add_argument("--list", action="store_true", help="list the pairs and exit")
    parser.add_argument("--expected", action="store_true", help="also (re)write each pair's expected.json")
    parser.add_argument("--no-build", action="store_true", help="keep the models; with --expected, rewrite only that")
    args = parser.parse_args(argv)
    if args.list:
        for spec in PAIRS.values():
            print(f"{spec.name}\t{spec.description}")
        return 0
    try:
        names = list(args.only or PAIRS) if args.no_build else build_pairs(args.out, args.only)
    except KeyError as exc:
        print(f"error: {exc.args[0]}", file=sys.stderr)
        return 2
    if args.expected:
        write_expected(args.out, names)
    for name in names:
        print(name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
