"""The probes: promises of the spec that only show when the model runs.

Each probe is a function of a shared ``Context`` (the model, the seeded inputs, a memo of
calls already made) returning a plain-JSON result: ``status`` (pass, fail, error, skipped),
a one-line ``summary`` of what was measured, and the numbers behind it. Only numpy is used
here; TensorFlow stays behind ``models.Model``, so the maths can be tested with a fake model.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import speclint.execute.keras_probes as keras_probes
import speclint.execute.memory as memory
from speclint.execute.models import Model, one_line
from speclint.execute.plan import PROBE_NAMES
from speclint.execute.results import result
from speclint.vocabulary import TF2, Json, dtype_name, format_shape


@dataclass
class Outcome:
    """One call: its output, or the one-line error it raised."""

    output: np.ndarray | None
    error: str | None


@dataclass
class Context:
    """Everything the probes share for one model."""

    model: Model
    job: Json
    primary: Json  # the call probed (a member of job["calls"])
    size: tuple[int, int]  # height, width probed
    device: str
    randoms: np.ndarray  # [max batch, h, w, 3], seeded, in [0, 1)
    results: dict[str, Json] = field(default_factory=dict)
    scratch: dict[str, Any] = field(default_factory=dict)  # what one probe builds for the next
    _memo: dict[Any, Outcome] = field(default_factory=dict)

    @property
    def options(self) -> Json:
        return self.job["options"]

    @property
    def tolerances(self) -> Json:
        return self.job["options"]["tolerances"]

    def run(self, key: Any, images: np.ndarray, call: Json | None = None, *, fresh: bool = False) -> Outcome:
        """Call the model (the primary call unless ``call``); memoized by ``key`` unless ``fresh``."""
        if not fresh and key in self._memo:
            return self._memo[key]
        try:
            outcome = Outcome(self.model.call(call or self.primary, images), None)
        except Exception as exc:
            outcome = Outcome(None, one_line(exc))
        if not fresh:
            self._memo[key] = outcome
        return outcome

    def remember(self, key: Any, outcome: Outcome) -> None:
        """Reuse a call already made (the worker's first call is the probes' batch of 1)."""
        self._memo[key] = outcome

    def batch(self, size: int) -> Outcome:
        return self.run(("batch", size), self.randoms[:size])

    def single(self, row: int) -> Outcome:
        return self.run(("batch", 1) if row == 0 else ("single", row), self.randoms[row : row + 1])

    def largest_working_batch(self) -> int | None:
        for size in sorted(self.options["batch_sizes"], reverse=True):
            outcome = self.batch(size)
            if outcome.output is not None and outcome.output.ndim >= 1 and outcome.output.shape[0] == size:
                return size
        return None

    def small_batch(self) -> int:
        """2, so that a batch dimension shows; 1 when the model cannot take 2 (batch_sizes says so)."""
        if self.randoms.shape[0] < 2:
            return 1
        outcome = self.run(("batch", 2), self.randoms[:2])
        return 2 if outcome.output is not None else 1

    def images(self, value: float, batch: int = 1) -> np.ndarray:
        return np.full((batch, *self.size, 3), value, dtype=np.float32)


# --- the probes ------------------------------------------------------------------------------


def batch_sizes(ctx: Context) -> Json:
    """The module accepts any batch_size, and the output batch_size is the input's."""
    sizes = ctx.options["batch_sizes"]
    measured, problems, failed = [], [], []
    for size in sizes:
        outcome = ctx.batch(size)
        shape = list(outcome.output.shape) if outcome.output is not None else None
        measured.append({"batch": size, "output_shape": shape, "error": outcome.error})
        if outcome.error is not None:
            failed.append((size, outcome.error))
        elif not shape or shape[0] != size:
            problems.append(f"a batch of {size} images gave an output of shape {format_shape(shape or [])}")
    if failed:
        noun = "a batch" if len(failed) == 1 else "batches"
        problems.insert(0, f"{noun} of {_join([s for s, _ in failed])} images failed ({failed[0][1]})")
    if problems:
        return result("fail", "; ".join(problems), batch_sizes=sizes, measured=measured)
    return result(
        "pass",
        f"batches of {_join(sizes)} images gave outputs with batch sizes {_join(sizes)}",
        batch_sizes=sizes,
        measured=measured,
    )


def declared_output(ctx: Context) -> Json:
    """Every consumer call returns the dtype and shape the SavedModel declares for it."""
    batch = ctx.small_batch()
    checks, problems = [], []
    for call in ctx.job["calls"]:
        declared = call.get("declared")
        check: Json = {"where": call["where"], "declared": declared, "runtime": None, "matches": None, "error": None}
        outcome = ctx.run(("declared", call["where"]), ctx.randoms[:batch], call)
        if outcome.error is not None:
            check.update(matches=False, error=outcome.error)
            problems.append(f"{call['where']} failed: {outcome.error}")
        else:
            assert outcome.output is not None
            runtime = {"dtype": dtype_name(outcome.output.dtype.name), "shape": list(outcome.output.shape)}
            check["runtime"] = runtime
            if declared is not None:
                check["matches"] = _conforms(runtime, declared)
                if not check["matches"]:
                    problems.append(
                        f"{call['where']} returned {runtime['dtype']} {format_shape(runtime['shape'])} "
                        f"for {batch} images but declares {declared['dtype']} {_declared_shape(declared['shape'])}"
                    )
        checks.append(check)
    if problems:
        return result("fail", "; ".join(problems), batch=batch, checks=checks)
    if all(c["declared"] is None for c in checks):
        return result("skipped", "no call declares a single output tensor to compare with", batch=batch, checks=checks)
    shown = checks[0]["runtime"]
    return result(
        "pass",
        f"{len(checks)} call(s) returned what they declare "
        f"({shown['dtype']} {format_shape(shown['shape'])} for {batch} images)",
        batch=batch,
        checks=checks,
    )


def input_size_independence(ctx: Context) -> Json:
    """With free height and width, num_features must not follow the input size."""
    height, width = ctx.size
    if not ctx.job["free_size"]:
        return result(
            "skipped", f"height and width are fixed to {height}x{width} by the declared input", sizes=[[height, width]]
        )
    sizes = [[height, width], [height + 16, width + 16]]
    shapes: list[list[int] | None] = []
    for h, w in sizes:
        images = np.random.default_rng(ctx.options["seed"] + 1).random((2, h, w, 3), dtype=np.float32)
        outcome = ctx.run(("size", h, w), images)
        if outcome.error is not None:
            return result(
                "skipped",
                f"calling with {h}x{w} images failed ({outcome.error}); the model documentation may restrict the size",
                sizes=sizes,
                output_shapes=shapes,
            )
        assert outcome.output is not None
        shapes.append(list(outcome.output.shape))
    first, second = shapes
    assert first is not None and second is not None
    numbers = {"sizes": sizes, "output_shapes": shapes}
    if first[1:] != second[1:]:
        return result(
            "fail",
            f"{sizes[0][0]}x{sizes[0][1]} images gave output shape {format_shape(first)} but "
            f"{sizes[1][0]}x{sizes[1][1]} images gave {format_shape(second)}",
            **numbers,
        )
    return result(
        "pass",
        f"{sizes[0][0]}x{sizes[0][1]} and {sizes[1][0]}x{sizes[1][1]} images both gave "
        f"output shape {format_shape(first)}",
        **numbers,
    )


def determinism(ctx: Context) -> Json:
    """The same input twice gives the same output (no dropout or state on the actual outputs)."""
    batch = ctx.largest_working_batch()
    tol = ctx.tolerances
    atol, rtol = tol["determinism_atol"], tol["determinism_rtol"]
    if batch is None:
        return result("skipped", "no batch size could be called (see batch_sizes)", atol=atol, rtol=rtol)
    first = ctx.batch(batch).output
    again = ctx.run(("again", batch), ctx.randoms[:batch], fresh=True)
    if again.error is not None or again.output is None or first is None:
        return result("error", f"calling the same batch again failed: {again.error}", batch=batch, atol=atol, rtol=rtol)
    same, diff, mismatched = compare(again.output, first, atol, rtol)
    numbers = {"batch": batch, "max_abs_diff": diff, "nonfinite_mismatches": mismatched, "atol": atol, "rtol": rtol}
    what = f"two calls on the same {format_shape(ctx.randoms[:batch].shape)} batch"
    if not same:
        return result(
            "fail",
            f"{what} differ by up to {_num(diff)}{_nonfinite(mismatched)} ({_allowed(atol, rtol)})",
            **numbers,
        )
    return result("pass", f"{what} differ by at most {_num(diff)} ({_allowed(atol, rtol)})", **numbers)


def batch_independence(ctx: Context) -> Json:
    """Row i of a batch is image i's output alone: examples in a batch do not see each other."""
    tol = ctx.tolerances
    atol, rtol = tol["batch_atol"], tol["batch_rtol"]
    if ctx.results.get("determinism", {}).get("status") == "fail":
        return result(
            "skipped",
            "outputs differ between two calls on the same input (see determinism), "
            "so rows cannot be compared across calls",
            atol=atol,
            rtol=rtol,
        )
    batch = ctx.largest_working_batch()
    if batch is None or batch < 2:
        return result("skipped", "no batch of 2 or more images could be called (see batch_sizes)", atol=atol, rtol=rtol)
    batched = ctx.batch(batch).output
    assert batched is not None
    worst_row, worst_diff, failed_rows, total_mismatched = 0, 0.0, [], 0
    for row in range(batch):
        alone = ctx.single(row)
        if alone.error is not None or alone.output is None:
            return result(
                "error", f"calling image {row} alone failed: {alone.error}", batch=batch, atol=atol, rtol=rtol
            )
        same, diff, mismatched = compare(batched[row : row + 1], alone.output, atol, rtol)
        total_mismatched += mismatched
        if diff > worst_diff:
            worst_row, worst_diff = row, diff
        if not same:
            failed_rows.append(row)
    if failed_rows and worst_diff == 0:
        worst_row = failed_rows[0]
    numbers = {
        "batch": batch,
        "max_abs_diff": worst_diff,
        "worst_row": worst_row,
        "rows_differing": len(failed_rows),
        "nonfinite_mismatches": total_mismatched,
        "atol": atol,
        "rtol": rtol,
    }
    if failed_rows:
        return result(
            "fail",
            f"{len(failed_rows)} of {batch} rows of a batch differ from the same image run alone, by up to "
            f"{_num(worst_diff)}{_nonfinite(total_mismatched)} (row {worst_row}; {_allowed(atol, rtol)})",
            **numbers,
        )
    return result(
        "pass",
        f"each of {batch} rows equals its image run alone within {_num(worst_diff)} ({_allowed(atol, rtol)})",
        **numbers,
    )


def finite_outputs(ctx: Context) -> Json:
    """All-black, all-white and random images in [0, 1] are valid input: outputs must be finite."""
    batch = ctx.largest_working_batch() or 1
    inputs = {
        "black": ctx.run("black", ctx.images(0.0)),
        "white": ctx.run("white", ctx.images(1.0)),
        "random": ctx.batch(batch),
    }
    measured: Json = {}
    problems, errors = [], []
    for name, outcome in inputs.items():
        if outcome.error is not None or outcome.output is None:
            measured[name] = {"finite": None, "values": None, "nan": None, "inf": None, "error": outcome.error}
            errors.append(f"the {name} image(s) failed: {outcome.error}")
            continue
        values = np.asarray(outcome.output)
        numeric = values.dtype.kind in "fc"
        nan = int(np.isnan(values).sum()) if numeric else 0
        inf = int(np.isinf(values).sum()) if numeric else 0
        measured[name] = {"finite": nan + inf == 0, "values": int(values.size), "nan": nan, "inf": inf, "error": None}
        if nan + inf:
            parts = [f"{n} {label}" for n, label in ((nan, "NaN"), (inf, "Inf")) if n]
            problems.append(f"the {_image_name(name, batch)} gives {' and '.join(parts)} of {values.size} values")
    if problems:
        return result("fail", "; ".join(problems), inputs=measured)
    if errors:
        return result("error", "; ".join(errors), inputs=measured)
    return result("pass", f"all-black, all-white and {batch} random images give finite outputs", inputs=measured)


def input_range(ctx: Context) -> Json:
    """Pixels in [0, 1] are what the model reads: outputs that do not depend on such images, while
    the same images scaled to [0, 255] change them, mean the model expects another range."""
    tol = ctx.tolerances
    rtol, ratio = tol["range_rtol"], tol["range_ratio"]
    batch = ctx.largest_working_batch() or 1
    unit = [ctx.run("black", ctx.images(0.0)), ctx.run("white", ctx.images(1.0)), ctx.batch(batch)]
    scaled = [
        unit[0],  # black is 0 in both ranges
        ctx.run("white-255", ctx.images(255.0)),
        ctx.run(("random-255", batch), ctx.randoms[:batch] * np.float32(255.0)),
    ]
    numbers: Json = {"rows": 2 + batch, "rtol": rtol, "ratio": ratio}
    failed = next((o.error for o in (*unit, *scaled) if o.error is not None), None)
    if failed is not None:
        return result("error", f"calling the model on the range images failed: {failed}", **numbers)
    unit_rows, scaled_rows = _rows(unit), _rows(scaled)
    if unit_rows is None or scaled_rows is None:
        return result(
            "skipped", "the outputs are not finite numbers that can be compared (see finite_outputs)", **numbers
        )
    unit_spread, scaled_spread = _spread(unit_rows), _spread(scaled_rows)
    # Relative to the [0, 1] outputs' own size: a model that reads [0, 1] moves its outputs by a
    # good part of it between black, white and noise; one that rescales inside (x / 255) barely
    # leaves the black image's output. (A model without any offset scales with its input either
    # way, f(x / 255) = f(x) / 255, and cannot be told apart: it passes.)
    scale = float(np.max(np.abs(unit_rows)))
    scaled_scale = float(np.max(np.abs(scaled_rows)))
    numbers.update(unit_spread=unit_spread, scaled_spread=scaled_spread, output_scale=scale)
    if scaled_spread <= rtol * scaled_scale and unit_spread <= rtol * scale:
        return result(
            "skipped",
            "the output hardly depends on the images, in [0, 1] or in [0, 255]: no range to tell",
            **numbers,
        )
    blind = unit_spread <= rtol * scale and scaled_spread >= ratio * unit_spread and scaled_spread > rtol * scaled_scale
    numbers["blind_to_unit_range"] = blind
    images = f"black, white and {batch} random image{'s' if batch != 1 else ''}"
    if blind:
        wider = "infinitely" if unit_spread == 0 else f"{scaled_spread / unit_spread:,.0f} times"
        return result(
            "fail",
            f"{images} in [0, 1] give outputs within {_num(unit_spread)} of each other "
            f"({_percent(unit_spread, scale)} of their size {_num(scale)}), but the same images scaled to "
            f"[0, 255] spread {_num(scaled_spread)} ({wider} wider): the model reads pixel values in another "
            "range, such as [0, 255]",
            **numbers,
        )
    return result(
        "pass",
        f"{images} in [0, 1] give outputs that differ by up to {_num(unit_spread)} "
        f"({_percent(unit_spread, scale)} of their size {_num(scale)}): the model reads images in [0, 1]",
        **numbers,
    )


def _rows(outcomes: list[Outcome]) -> np.ndarray | None:
    """The outputs as one float64 matrix, a row per image; None when one is not all finite numbers."""
    rows = []
    for outcome in outcomes:
        output = outcome.output
        if output is None or output.ndim < 1 or output.dtype.kind not in "fiu":
            return None
        rows.append(np.asarray(output, dtype=np.float64).reshape(output.shape[0], -1))
    if len({r.shape[1] for r in rows}) != 1:
        return None
    matrix = np.concatenate(rows)
    return matrix if matrix.size and bool(np.all(np.isfinite(matrix))) else None


def _spread(rows: np.ndarray) -> float:
    """The largest difference, over output values, between any two images' outputs."""
    return float(np.max(rows.max(axis=0) - rows.min(axis=0)))


def _percent(part: float, whole: float) -> str:
    return f"{100 * part / whole:.2g}%" if whole else "all"


def logits(ctx: Context) -> Json:
    """Classifiers return logits: rows that all lie in [0, 1] and sum to 1 look like probabilities."""
    atol = ctx.tolerances["probability_atol"]
    batch = ctx.largest_working_batch() or 1
    rows: list[np.ndarray] = []
    for outcome in (ctx.batch(batch), ctx.run("black", ctx.images(0.0)), ctx.run("white", ctx.images(1.0))):
        if outcome.output is not None and outcome.output.ndim >= 1 and outcome.output.dtype.kind in "fiu":
            rows.extend(np.asarray(outcome.output, dtype=np.float64).reshape(outcome.output.shape[0], -1))
    if not rows:
        return result("skipped", "no numeric output rows to inspect", atol=atol)
    matrix = np.stack(rows)
    finite = np.all(np.isfinite(matrix), axis=1)
    in_unit = finite & np.all((matrix >= -atol) & (matrix <= 1 + atol), axis=1)
    sums = matrix.sum(axis=1)
    sum_to_one = finite & (np.abs(sums - 1.0) <= atol)
    width = matrix.shape[1]
    looks = bool(width >= 2 and in_unit.all() and sum_to_one.all())
    numbers = {
        "rows": len(rows),
        "width": width,
        "rows_in_unit_interval": int(in_unit.sum()),
        "rows_summing_to_one": int(sum_to_one.sum()),
        "max_abs_sum_minus_one": _finite_or_none(np.max(np.abs(sums[finite] - 1.0))) if finite.any() else None,
        "looks_like_probabilities": looks,
        "atol": atol,
    }
    if ctx.job.get("task") == "feature-vector":  # measured for the record; the promise is a classifier's
        return result(
            "skipped",
            "a feature vector module: its outputs need not be logits"
            + (" (they look like probabilities)" if looks else ""),
            **numbers,
        )
    if looks:
        return result(
            "fail",
            f"all {len(rows)} output rows lie in [0, 1] and sum to 1 (within {atol:g}): the output looks like "
            "probabilities (softmax), not logits",
            **numbers,
        )
    return result(
        "pass",
        f"the output does not look like probabilities: {int(in_unit.sum())} of {len(rows)} rows lie in [0, 1], "
        f"{int(sum_to_one.sum())} sum to 1",
        **numbers,
    )


def fine_tuning(ctx: Context) -> Json:
    """With training=True under a GradientTape, gradients reach obj.trainable_variables."""
    if ctx.job["format"] != TF2:
        return result("skipped", "fine-tuning is probed for TF2 SavedModels (obj.trainable_variables) only")
    calls = ctx.job["calls"]
    call = next((c for c in calls if c.get("training") is True), ctx.primary)
    images = ctx.randoms[: ctx.small_batch()]
    try:
        measured = ctx.model.fine_tune(call, images, ctx.options["seed"])
    except Exception as exc:
        failed = f"{call['where']} under tf.GradientTape failed: {one_line(exc)}"
        return result("error", failed, where=call["where"], call=call["where"])
    # "where" names the call this probe used (training=True), not the primary one.
    numbers = {"where": call["where"], "call": call["where"], "training_argument": call.get("training") is True}
    numbers.update(measured)
    if not measured["has_trainable_variables"] or measured["trainable_variables"] == 0:
        return result(
            "skipped", "the root object has no trainable_variables: the model does not offer fine-tuning", **numbers
        )
    problems = []
    count = measured["trainable_variables"]
    if measured["nonzero_gradients"] == 0:
        problems.append(
            f"no gradient reaches any of the {count} trainable variables ({measured['gradients']} not None, all zero)"
        )
    if measured["nonfinite_gradients"]:
        problems.append(f"{measured['nonfinite_gradients']} gradients are not finite")
    for loss in measured["regularization_losses"]:
        if loss["error"] is not None:
            problems.append(f"regularization_losses[{loss['index']}] failed: {loss['error']}")
        elif loss["shape"] != [] or not loss["finite"]:
            problems.append(
                f"regularization_losses[{loss['index']}] is not a finite scalar (shape {format_shape(loss['shape'])})"
            )
    if problems:
        return result("fail", f"{call['where']}: " + "; ".join(problems), **numbers)
    losses = len(measured["regularization_losses"])
    return result(
        "pass",
        f"{call['where']} under tf.GradientTape: non-zero gradients reach {measured['nonzero_gradients']} of {count} "
        f"trainable variables; {losses} regularization loss(es) are finite scalars",
        **numbers,
    )


MEMORY_HEADROOM = 0.85  # of --memory-limit: the watchdog kills the worker at the limit itself
AVAILABLE_SHARE = 0.75  # of the machine's available memory: TensorFlow aborts (std::bad_alloc) past it
GROWTH_SAFETY = 1.25  # on the extrapolated memory of a bigger batch
TIME_SHARE = 0.5  # of --probe-timeout: the warm-up and the timed calls of the throughput probe


def throughput(ctx: Context) -> Json:
    """Images per second at the throughput batch size: informational, never a failure.

    The batch shrinks (halving) when the memory measured at small batches says the requested
    one would not fit under ``--memory-limit`` or in the machine's available memory, or when
    the time one image takes says it would not be measured within half of ``--probe-timeout``.
    """
    requested = ctx.options.get("throughput_requested") or ctx.options["throughput_batch"]
    batch, predicted = fitting_batch(ctx, ctx.options["throughput_batch"])
    stopped = list(ctx.options.get("throughput_stopped") or [])  # by an earlier worker, for memory or time
    reduced = "; ".join([*stopped, *([predicted] if predicted else [])]) or None
    images = np.random.default_rng(ctx.options["seed"] + 2).random((batch, *ctx.size, 3), dtype=np.float32)
    sizes = {"batch": batch, "requested_batch": requested, "reduced": reduced, "device": ctx.device}
    started = time.perf_counter()
    warm = ctx.run("throughput", images, fresh=True)
    if warm.error is not None:
        return result("error", f"a batch of {batch} images failed: {warm.error}", **sizes)
    per_call = time.perf_counter() - started
    budget = TIME_SHARE * float(ctx.options.get("timeout_s") or 0) or float("inf")
    calls, start = 0, time.perf_counter()
    while calls < 3 or (calls < 20 and time.perf_counter() - start < 0.5):
        if calls and time.perf_counter() - started + per_call > budget:
            break  # a slow model: fewer timed calls rather than a probe stopped by --probe-timeout
        ctx.model.call(ctx.primary, images)
        calls += 1
    seconds = time.perf_counter() - start
    rate = batch * calls / seconds if seconds > 0 else None
    smaller = f" (reduced from {requested}: {reduced})" if reduced else ""
    return result(
        "pass",
        f"{_rate(rate)} images/s at batch {batch}{smaller} on {ctx.device} "
        f"({calls} timed call{'s' if calls != 1 else ''} after a warm-up)",
        calls=calls,
        seconds=round(seconds, 6),
        images_per_second=None if rate is None else round(rate, 3),
        **sizes,
    )


def fitting_batch(ctx: Context, requested: int) -> tuple[int, str | None]:
    """The largest of ``requested``, half of it, a quarter... whose extrapolated time and memory fit.

    The peak resident memory of a batch of 1 and of the largest batch already run gives the
    memory per image; a bigger batch is assumed to grow linearly from there (times a safety
    factor). Without a measurement (no Linux ``/proc``) the requested batch is kept.
    """
    small = min(requested, ctx.largest_working_batch() or 1)
    if small >= requested or small < 2:
        return requested, None
    started = time.perf_counter()
    _, one = memory.peak_during(lambda: ctx.model.call(ctx.primary, ctx.randoms[:1]))
    _, several = memory.peak_during(lambda: ctx.model.call(ctx.primary, ctx.randoms[:small]))
    per_image_s = (time.perf_counter() - started) / (1 + small)
    batch, reason = requested, None
    timeout = float(ctx.options.get("timeout_s") or 0)
    if timeout and per_image_s > 0:  # a warm-up and one timed call within half the probe's time
        while batch > small and 2 * batch * per_image_s > TIME_SHARE * timeout - (1 + small) * per_image_s:
            batch = max(small, batch // 2)
        if batch < requested:
            reason = (
                f"a batch of {requested} would take about {requested * per_image_s:,.1f} s a call "
                f"({per_image_s:,.2f} s per image measured), too long for --probe-timeout {timeout:g} s"
            )
    if one is None or several is None:
        return batch, reason
    budgets = []
    limit = ctx.options.get("memory_limit_mb")
    if limit:
        budgets.append((MEMORY_HEADROOM * limit, f"--memory-limit {limit} MiB"))
    now, available = memory.rss_mb(), memory.available_mb()
    if now is not None and available is not None:
        budgets.append((now + AVAILABLE_SHARE * available, f"the {available:,.0f} MiB this machine has available"))
    if not budgets:
        return batch, reason
    budget, which = min(budgets)
    per_image = max(0.0, (several - one) / (small - 1))

    def needs(size: int) -> float:
        return several + GROWTH_SAFETY * per_image * (size - small)

    if needs(batch) <= budget:
        return batch, reason
    while batch > small and needs(batch) > budget:
        batch = max(small, batch // 2)
    return batch, (
        f"a batch of {requested} would need about {needs(requested):,.0f} MiB ({per_image:,.1f} MiB per image "
        f"measured), above {which}"
    )


PROBES: tuple[tuple[str, Callable[[Context], Json]], ...] = (
    ("batch_sizes", batch_sizes),
    ("declared_output", declared_output),
    ("input_size_independence", input_size_independence),
    ("determinism", determinism),
    ("batch_independence", batch_independence),
    ("finite_outputs", finite_outputs),
    ("input_range", input_range),
    ("logits", logits),
    ("fine_tuning", fine_tuning),
    ("throughput", throughput),
    # last: they load the model again through hub.KerasLayer, and fine-tuning changes its weights
    ("keras_layer", keras_probes.keras_layer),
    ("keras_fine_tuning", keras_probes.keras_fine_tuning),
)
assert tuple(name for name, _ in PROBES) == PROBE_NAMES, "plan.PROBE_NAMES lists the probes in their order"


def run_all(
    ctx: Context,
    started: Callable[[str], None] | None = None,
    finished: Callable[[str, Json], None] | None = None,
) -> dict[str, Json]:
    """Every probe not already in ``ctx.results``, each isolated: one that raises becomes an
    ``error`` result, not a lost model. ``started`` and ``finished`` hear of each probe (the
    worker tells the parent, so that a probe that outgrows a limit costs only its own result)."""
    for name, probe in PROBES:
        if name in ctx.results:  # measured by an earlier worker for this model
            continue
        if started is not None:
            started(name)
        start = time.perf_counter()
        try:
            measured, peak = memory.peak_during(functools.partial(probe, ctx))
        except Exception as exc:
            measured, peak = result("error", f"the probe itself failed: {one_line(exc)}"), None
        ctx.results[name] = {
            "where": ctx.primary["where"],
            **measured,
            "seconds": round(time.perf_counter() - start, 6),
            "peak_mb": None if peak is None else round(peak, 1),
        }
        if finished is not None:
            finished(name, ctx.results[name])
    return ctx.results


# --- maths -----------------------------------------------------------------------------------


def compare(a: np.ndarray, b: np.ndarray, atol: float, rtol: float) -> tuple[bool, float, int]:
    """``(close, max |a - b| over finite pairs, positions where only one side is finite or they differ)``.

    NaN equals NaN and Inf equals the same Inf here: a model that is NaN twice is consistent.
    """
    if a.shape != b.shape:
        return False, float("inf"), int(max(a.size, b.size))
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    fx, fy = np.isfinite(x), np.isfinite(y)
    both = fx & fy
    same_nonfinite = ~fx & ~fy & ((np.isnan(x) & np.isnan(y)) | (x == y))
    mismatched = int(np.count_nonzero(~both & ~same_nonfinite))
    diff = np.abs(x[both] - y[both])
    max_diff = float(diff.max()) if diff.size else 0.0
    close = bool(np.all(diff <= atol + rtol * np.abs(y[both]))) and mismatched == 0
    return close, max_diff, mismatched


def _conforms(runtime: Json, declared: Json) -> bool:
    if runtime["dtype"] != declared["dtype"]:
        return False
    shape = declared["shape"]
    if shape is None:
        return True
    if len(shape) != len(runtime["shape"]):
        return False
    return all(d < 0 or d == r for d, r in zip(shape, runtime["shape"], strict=True))


def _declared_shape(shape: list[int] | None) -> str:
    return format_shape(shape)


def _image_name(name: str, batch: int) -> str:
    return {"black": "all-black image", "white": "all-white image"}.get(name, f"batch of {batch} random images")


def _join(values: list[int]) -> str:
    text = [str(v) for v in values]
    return text[0] if len(text) == 1 else ", ".join(text[:-1]) + " and " + text[-1]


def _num(value: float, digits: int = 3) -> str:
    return f"{value:.{digits}g}"


def _allowed(atol: float, rtol: float) -> str:
    return f"allowed {atol:g} + {rtol:g} * |output|"


def _rate(rate: float | None) -> str:
    if rate is None:
        return "unmeasurably many"
    return f"{rate:,.0f}" if rate >= 100 else f"{rate:.3g}"


def _nonfinite(count: int) -> str:
    return f" and {count} NaN/Inf value(s) differ" if count else ""


def _finite_or_none(value: Any) -> float | None:
    value = float(value)
    return value if np.isfinite(value) else None
