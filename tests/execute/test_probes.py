"""The probe maths on a fake numpy model: no TensorFlow, so every branch is cheap to reach."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import REQUIRE_ALL

if importlib.util.find_spec("numpy") is None:  # numpy comes with the execute extra (TensorFlow)
    if REQUIRE_ALL:
        raise ImportError("numpy is required for CI")
    pytest.skip("numpy is not installed", allow_module_level=True)

import numpy as np

from speclint.execute import ExecuteOptions
from speclint.execute.models import CallError
from speclint.execute.probes import Context, compare, run_all

Json = dict[str, Any]


class FakeModel:
    """A 'model' that is a numpy function of the images."""

    def __init__(self, function: Callable[[np.ndarray], np.ndarray]) -> None:
        self.function = function
        self.calls = 0

    def call(self, call: Json, images: np.ndarray) -> np.ndarray:
        self.calls += 1
        return self.function(images)

    def fine_tune(self, call: Json, images: np.ndarray, seed: int) -> Json:
        return {
            "has_trainable_variables": True,
            "trainable_variables": 2,
            "gradients": 2,
            "nonzero_gradients": 2,
            "nonfinite_gradients": 0,
            "regularization_losses": [{"index": 0, "shape": [], "value": 0.1, "finite": True, "error": None}],
        }

    def close(self) -> None:
        pass


def features(images: np.ndarray) -> np.ndarray:
    pooled = images.mean(axis=(1, 2))  # [batch, 3]
    return np.concatenate([pooled - 0.5, pooled**2], axis=1).astype(np.float32)


def context(function: Callable[[np.ndarray], np.ndarray], *, free: bool = False, task: str | None = None) -> Context:
    call = {"where": "__call__(images)", "training": None, "declared": {"dtype": "DT_FLOAT", "shape": [-1, 6]}}
    job = {
        "format": "tf2",
        "task": task,
        "free_size": free,
        "calls": [call],
        "options": ExecuteOptions(throughput_batch=4).job_options(),
    }
    randoms = np.random.default_rng(0).random((7, 8, 8, 3), dtype=np.float32)
    return Context(model=FakeModel(function), job=job, primary=call, size=(8, 8), device="CPU:0", randoms=randoms)


def statuses(results: dict[str, Json]) -> dict[str, str]:
    return {name: result["status"] for name, result in results.items()}


def test_a_well_behaved_model_passes_everything() -> None:
    results = run_all(context(features, free=True))
    keras = {"keras_layer", "keras_fine_tuning"}  # they load the model's directory; a fake model has none
    assert {k: v for k, v in statuses(results).items() if k not in keras} == dict.fromkeys(set(results) - keras, "pass")
    assert {results[k]["summary"] for k in keras} == {"no model directory for hub.KerasLayer to load"}
    assert results["determinism"]["max_abs_diff"] == 0.0
    assert results["input_size_independence"]["output_shapes"] == [[2, 6], [2, 6]]
    assert results["throughput"]["images_per_second"] > 0
    assert all(
        r["where"] == "__call__(images)" and isinstance(r["summary"], str) for k, r in results.items() if k not in keras
    )


def test_a_counter_breaks_determinism_and_skips_batch_independence() -> None:
    counter = iter(range(1000))
    results = run_all(context(lambda x: features(x) + next(counter)))
    assert results["determinism"]["status"] == "fail"
    assert results["determinism"]["max_abs_diff"] >= 1.0
    assert results["batch_independence"]["status"] == "skipped"


def test_batch_statistics_break_batch_independence() -> None:
    results = run_all(context(lambda x: features(x) - features(x).mean(axis=0, keepdims=True)))
    independence = results["batch_independence"]
    assert independence["status"] == "fail" and independence["rows_differing"] == 7
    assert independence["max_abs_diff"] > 1e-3
    assert statuses(results)["determinism"] == "pass"


def test_softmax_rows_look_like_probabilities_unless_the_task_is_a_feature_vector() -> None:
    def softmax(x: np.ndarray) -> np.ndarray:
        e = np.exp(features(x))
        return e / e.sum(axis=1, keepdims=True)

    logits = run_all(context(softmax))["logits"]
    assert logits["status"] == "fail" and logits["looks_like_probabilities"] is True
    assert logits["rows_summing_to_one"] == logits["rows"] == 9
    feature_vector = run_all(context(softmax, task="feature-vector"))["logits"]
    assert feature_vector["status"] == "skipped" and feature_vector["looks_like_probabilities"] is True


def test_nan_for_black_images_is_counted() -> None:
    def normalized(x: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return features(x) / x.sum(axis=(1, 2, 3))[:, None]

    results = run_all(context(normalized))
    finite = results["finite_outputs"]
    assert finite["status"] == "fail"
    assert finite["inputs"]["black"]["nan"] + finite["inputs"]["black"]["inf"] == 6
    assert finite["inputs"]["white"]["finite"] is True and finite["inputs"]["random"]["finite"] is True
    assert "all-black image gives" in finite["summary"]


def test_width_following_the_input_size_fails_only_when_sizes_are_free() -> None:
    def grid(x: np.ndarray) -> np.ndarray:
        return x[:, ::4, ::4, 0].reshape(x.shape[0], -1)

    call_declares = context(grid, free=True)
    call_declares.primary["declared"] = {"dtype": "DT_FLOAT", "shape": [-1, 4]}
    results = run_all(call_declares)
    assert results["input_size_independence"]["status"] == "fail"
    assert results["input_size_independence"]["output_shapes"] == [[2, 4], [2, 36]]
    assert results["declared_output"]["status"] == "pass"
    assert run_all(context(grid, free=False))["input_size_independence"]["status"] == "skipped"


def test_a_fixed_batch_breaks_batch_sizes_and_the_declared_shape() -> None:
    def batch_of_one(x: np.ndarray) -> np.ndarray:
        if x.shape[0] != 1:
            raise CallError("expected a batch of 1")
        return features(x)

    results = run_all(context(batch_of_one))
    assert results["batch_sizes"]["status"] == "fail"
    assert results["batch_sizes"]["summary"].startswith("batches of 2 and 7 images failed")
    assert [m["error"] is None for m in results["batch_sizes"]["measured"]] == [True, False, False]
    assert results["declared_output"]["status"] == "pass" and results["declared_output"]["batch"] == 1
    assert results["batch_independence"]["status"] == "skipped"
    assert results["throughput"]["status"] == "error"


def test_a_wrong_runtime_shape_or_dtype_breaks_declared_output() -> None:
    results = run_all(context(lambda x: features(x).astype(np.float64)))
    assert results["declared_output"]["status"] == "fail"
    assert results["declared_output"]["checks"][0]["runtime"] == {"dtype": "DT_DOUBLE", "shape": [2, 6]}


def test_a_probe_that_raises_is_an_error_not_a_lost_model() -> None:
    ctx = context(features)
    ctx.model.fine_tune = lambda *a: (_ for _ in ()).throw(RuntimeError("boom"))  # type: ignore[method-assign]
    results = run_all(ctx)
    assert results["fine_tuning"]["status"] == "error" and "RuntimeError: boom" in results["fine_tuning"]["summary"]
    assert results["determinism"]["status"] == "pass"


def test_compare_treats_matching_nan_as_equal_and_counts_mismatches() -> None:
    a = np.array([[1.0, np.nan, np.inf]])
    assert compare(a, a.copy(), 0.0, 0.0) == (True, 0.0, 0)
    b = np.array([[1.5, 0.0, np.inf]])
    assert compare(a, b, 0.0, 0.0) == (False, 0.5, 1)
    assert compare(np.ones((1, 2)), np.ones((1, 2)) + 5e-5, 1e-4, 0.0)[0] is True
    assert compare(np.ones((1, 2)), np.ones((1, 3)), 1.0, 1.0)[0] is False


# --- the input range -------------------------------------------------------------------------------


def test_a_model_that_rescales_by_1_255_inside_is_blind_to_images_in_0_1() -> None:
    """features(x / 255): every image in [0, 1] looks nearly black; scaled to [0, 255] they differ."""
    results = run_all(context(lambda x: features(x / np.float32(255.0))))
    probe = results["input_range"]
    assert probe["status"] == "fail" and probe["blind_to_unit_range"] is True
    assert probe["unit_spread"] < 0.01 * probe["output_scale"] and probe["scaled_spread"] > 100 * probe["unit_spread"]
    assert "the model reads pixel values in another range" in probe["summary"]
    assert results["input_range"]["rows"] == 9


def test_a_model_that_reads_0_1_passes_the_input_range() -> None:
    probe = run_all(context(features))["input_range"]
    assert probe["status"] == "pass" and probe["blind_to_unit_range"] is False
    assert probe["unit_spread"] == pytest.approx(1.0, abs=1e-6)


def test_an_output_that_ignores_the_images_tells_no_range() -> None:
    probe = run_all(context(lambda x: np.ones((x.shape[0], 4), dtype=np.float32)))["input_range"]
    assert probe["status"] == "skipped" and "hardly depends on the images" in probe["summary"]


def test_a_model_without_any_offset_cannot_be_told_apart_and_passes() -> None:
    """f(x / 255) = f(x) / 255 for a model without offsets: the probe must not guess."""
    probe = run_all(context(lambda x: x.mean(axis=(1, 2)) / np.float32(255.0)))["input_range"]
    assert probe["status"] == "pass"


def test_non_finite_outputs_leave_the_range_to_finite_outputs() -> None:
    def nan_on_black(x: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return features(x) / x.sum(axis=(1, 2, 3))[:, None]

    assert run_all(context(nan_on_black))["input_range"]["status"] == "skipped"


# --- the throughput batch ------------------------------------------------------------------------


def test_the_throughput_batch_shrinks_to_what_the_measured_memory_allows(monkeypatch: pytest.MonkeyPatch) -> None:
    """1,000 MiB + 100 MiB per image, --memory-limit 4096: 32 images would need ~4,800 MiB, 16 fit."""
    from speclint.execute import memory

    def peak(work: Callable[[], Any]) -> tuple[Any, float]:
        images_before = ctx.model.last_batch  # type: ignore[attr-defined]
        result = work()
        del images_before
        return result, 1000.0 + 100.0 * ctx.model.last_batch  # type: ignore[attr-defined]

    class Sized(FakeModel):
        last_batch = 0

        def call(self, call: Json, images: np.ndarray) -> np.ndarray:
            self.last_batch = images.shape[0]
            return super().call(call, images)

    ctx = context(features)
    ctx.model = Sized(features)
    ctx.job["options"] = {**ExecuteOptions(throughput_batch=32).job_options()}
    monkeypatch.setattr(memory, "peak_during", peak)
    monkeypatch.setattr(memory, "available_mb", lambda: 20_000.0)
    monkeypatch.setattr(memory, "rss_mb", lambda: 1_100.0)
    result = run_all(ctx)["throughput"]
    assert result["status"] == "pass" and result["batch"] == 16 and result["requested_batch"] == 32
    assert result["reduced"] == (
        "a batch of 32 would need about 4,825 MiB (100.0 MiB per image measured), above --memory-limit 4096 MiB"
    )
    assert "at batch 16 (reduced from 32: a batch of 32 would need" in result["summary"]
    # the machine, not the limit, is what is short: 20 GB limit, 2 GB available
    ctx = context(features)
    ctx.model = Sized(features)
    ctx.job["options"] = {**ExecuteOptions(throughput_batch=32, memory_limit_mb=20_000).job_options()}
    monkeypatch.setattr(memory, "available_mb", lambda: 2_000.0)
    result = run_all(ctx)["throughput"]
    assert result["batch"] == 8 and "above the 2,000 MiB this machine has available" in result["reduced"]


def test_the_throughput_batch_stays_when_memory_cannot_be_measured(monkeypatch: pytest.MonkeyPatch) -> None:
    from speclint.execute import memory

    monkeypatch.setattr(memory, "peak_during", lambda work: (work(), None))
    ctx = context(features)
    ctx.job["options"] = {**ExecuteOptions(throughput_batch=32).job_options()}
    result = run_all(ctx)["throughput"]
    assert result["batch"] == 32 and result["reduced"] is None


def test_every_probe_reports_its_peak_memory_on_linux() -> None:
    results = run_all(context(features))
    import os

    if os.path.exists("/proc/self/clear_refs"):
        assert all(isinstance(r["peak_mb"], float) and r["peak_mb"] > 0 for r in results.values())


def test_a_slow_model_gets_a_throughput_batch_that_fits_in_half_the_probe_timeout() -> None:
    """20 ms per image, --probe-timeout 1 s: a warm-up and a timed call of 32 images would take 1.3 s."""
    import time

    def slow(x: np.ndarray) -> np.ndarray:
        time.sleep(0.02 * x.shape[0])
        return features(x)

    ctx = context(slow)
    ctx.job["options"] = {**ExecuteOptions(throughput_batch=32, timeout_s=1.0).job_options()}
    started = time.perf_counter()
    result = run_all(ctx)["throughput"]
    assert result["status"] == "pass" and result["batch"] == 8 and result["calls"] >= 1
    assert "too long for --probe-timeout 1 s" in result["reduced"]
    assert result["seconds"] < 1.0
    assert time.perf_counter() - started < 30
