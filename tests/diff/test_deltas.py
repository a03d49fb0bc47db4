"""speclint/diff/deltas.py: two contract views compared into plain facts about what changed, in a stable order.

Each checked-in golden diff pair (golden/make_diff_pairs.py, built by TensorFlow) changes one
thing; its deltas must say exactly that, and a pair that changes nothing has none.
"""

from __future__ import annotations

from typing import Any

import pytest

from speclint.diff.deltas import compare, delta, shape_direction
from speclint.diff.view import contract_view
from speclint.read import read_model
from tests.conftest import need
from tests.diff.conftest import PAIRS_DIR

SERVE, CALL = "signature_def['serving_default'] in tag-set [serve]", "`__call__`"
DEFAULT = "signature_def['default'] in tag-set []"


def deltas(pair: str) -> list[dict[str, Any]]:
    need((PAIRS_DIR / pair).is_dir(), f"golden diff pair {pair} missing (run golden/make_diff_pairs.py)")
    old, new = (contract_view(read_model(str(PAIRS_DIR / pair / side))) for side in ("old", "new"))
    return compare(old, new)


@pytest.mark.parametrize("pair", ["compatible", "tf1-compatible"])
def test_nothing_changed_is_no_delta(pair: str) -> None:
    assert deltas(pair) == []


@pytest.mark.parametrize(
    ("pair", "expected"),
    [
        ("tf1-to-tf2", [delta("format-changed", "model", "tf1-hub", "tf2")]),
        ("call-removed", [delta("call-removed", CALL, CALL, None)]),
        ("tag-set-removed", [delta("tag-set-removed", "tag-set [train]", "[train]", None)]),
        ("dangerous-op-added", [delta("dangerous-op-added", "graph", None, "ReadFile", op="ReadFile")]),
        ("training-argument-removed", [delta("training-argument-removed", CALL, "training", None)]),
        ("image-size-changed", [delta("image-size-changed", "hub.get_expected_image_size()", [32, 32], [24, 24])]),
        ("input-added", [delta("key-added", DEFAULT, None, "threshold", side="input")]),
        (
            "output-width-changed",
            [
                delta("output-width-changed", SERVE, 8, 5, side="output", key="output_0"),
                delta("output-width-changed", CALL, 8, 5, side="output", key="output"),
            ],
        ),
        (
            "input-shape-relaxed",
            [
                delta(
                    "shape-changed",
                    SERVE,
                    [-1, 32, 32, 3],
                    [-1, -1, -1, 3],
                    side="input",
                    key="images",
                    direction="relaxed",
                ),
                delta(
                    "shape-changed",
                    CALL,
                    [-1, 32, 32, 3],
                    [-1, -1, -1, 3],
                    side="input",
                    key="images",
                    direction="relaxed",
                ),
            ],
        ),
        (
            "output-structure-changed",
            [
                delta("key-renamed", SERVE, "output_0", "features", side="output"),
                delta("output-structure-changed", CALL, "tensor", "dict"),
            ],
        ),
    ],
)
def test_each_pair_s_change_is_its_deltas(pair: str, expected: list[dict[str, Any]]) -> None:
    assert deltas(pair) == expected


def test_a_rename_is_told_from_a_removal_and_an_addition() -> None:
    renamed = deltas("input-renamed")
    assert renamed and all(d["kind"] == "key-renamed" and (d["old"], d["new"]) == ("images", "pixels") for d in renamed)
    removed = deltas("input-removed")
    assert removed == [delta("key-removed", DEFAULT, "threshold", None, side="input")]


def test_the_task_changes_only_with_evidence_on_both_sides() -> None:
    first = deltas("task-changed")[0]
    assert first == delta(
        "task-changed",
        "model",
        "feature-vector",
        "classification",
        old_evidence="signature image_feature_vector",
        new_evidence="signature image_classification",
    )


@pytest.mark.parametrize(
    ("old", "new", "direction"),
    [
        ([-1, 224, 224, 3], [-1, 224, 224, 3], None),
        ([-1, 224, 224, 3], [-1, -1, -1, 3], "relaxed"),
        ([-1, -1, -1, 3], [-1, 224, 224, 3], "narrowed"),
        ([-1, 224, 224, 3], [1, 224, 224, 3], "narrowed"),
        ([-1, 224, 224, 3], [-1, 192, 192, 3], "changed"),
        ([-1, 8], [-1, 1, 8], "changed"),
        (None, [-1, 8], "narrowed"),
        ([-1, 8], None, "relaxed"),
        ([-1, -1, 224, 3], [1, 224, -1, 3], "narrowed"),  # narrowing one dimension is not undone by relaxing another
    ],
)
def test_shape_direction(old: list[int] | None, new: list[int] | None, direction: str | None) -> None:
    assert shape_direction(old, new) == direction
