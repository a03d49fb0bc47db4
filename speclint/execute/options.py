"""What the execution stage can be asked to do, and what it reports while it works.

Plain data, importable without TensorFlow: the CLI builds an ``ExecuteOptions`` from its
flags, the runner turns it into the per-model job the worker reads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

Device = Literal["auto", "cpu", "gpu"]
DEVICES: tuple[str, ...] = ("auto", "cpu", "gpu")


@dataclass(frozen=True)
class Tolerances:
    """How close two outputs must be to count as equal.

    Defaults: the same call twice must agree to ``determinism_atol + determinism_rtol * |b|``
    (1e-6 each: only float noise, dropout or a counter is far above it); a row of a batch and
    the same image alone to ``batch_atol + batch_rtol * |b|`` (1e-4 each: different batch
    sizes may pick different kernels, which reorders float sums). A row "sums to one" when
    it is within ``probability_atol`` (1e-4) of 1. The input-range probe finds a model blind to
    images in [0, 1] when their outputs all lie within ``range_rtol`` (5%) of the outputs' size
    of each other while the same images scaled to [0, 255] spread at least ``range_ratio`` (10)
    times wider.
    """

    determinism_atol: float = 1e-6
    determinism_rtol: float = 1e-6
    batch_atol: float = 1e-4
    batch_rtol: float = 1e-4
    probability_atol: float = 1e-4
    range_rtol: float = 5e-2
    range_ratio: float = 10.0


@dataclass(frozen=True)
class ProgressEvent:
    """One step of the run, for a progress display (``kind`` says which fields are set).

    kinds: ``worker-started`` (pid, seconds: TF import), ``model-started`` (index, path),
    ``model-finished`` (index, path, status, seconds).
    """

    kind: str
    index: int | None = None
    total: int | None = None
    path: str | None = None
    status: str | None = None
    pid: int | None = None
    seconds: float | None = None


@dataclass(frozen=True)
class ExecuteOptions:
    """Options of ``speclint --execute``; every default is what the CLI uses."""

    device: Device = "auto"
    allow_unsafe: bool = False
    timeout_s: float = 120.0  # loading a model (and its first call), and each probe: each on its own
    memory_limit_mb: int = 4096  # worker resident set size (TensorFlow itself is ~0.6 GB)
    tolerances: Tolerances = field(default_factory=Tolerances)
    seed: int = 0
    batch_sizes: tuple[int, ...] = (1, 2, 7)
    throughput_batch: int = 32  # smaller when a batch this big would not fit in memory
    free_image_size: int = 32  # height and width to probe when the model leaves them free
    fallback_image_size: int = 224  # tried when a free-size model fails at free_image_size
    startup_timeout_s: float = 180.0  # importing TensorFlow in the worker
    progress: Callable[[ProgressEvent], None] | None = None

    def __post_init__(self) -> None:
        if self.device not in DEVICES:
            raise ValueError(f"device must be one of {', '.join(DEVICES)}, not {self.device!r}")
        if self.timeout_s <= 0 or self.startup_timeout_s <= 0:
            raise ValueError("timeouts must be positive")
        if self.memory_limit_mb <= 0:
            raise ValueError("memory_limit_mb must be positive")
        if not self.batch_sizes or any(b < 1 for b in self.batch_sizes) or self.throughput_batch < 1:
            raise ValueError("batch sizes must be positive")

    def job_options(self) -> dict[str, Any]:
        """The part of the options the worker needs, as plain JSON."""
        tolerances = self.tolerances
        return {
            "seed": self.seed,
            "timeout_s": self.timeout_s,
            "memory_limit_mb": self.memory_limit_mb,
            "batch_sizes": sorted(set(self.batch_sizes)),
            "throughput_batch": self.throughput_batch,
            "free_image_size": self.free_image_size,
            "fallback_image_size": self.fallback_image_size,
            "tolerances": {
                "determinism_atol": tolerances.determinism_atol,
                "determinism_rtol": tolerances.determinism_rtol,
                "batch_atol": tolerances.batch_atol,
                "batch_rtol": tolerances.batch_rtol,
                "probability_atol": tolerances.probability_atol,
                "range_rtol": tolerances.range_rtol,
                "range_ratio": tolerances.range_ratio,
            },
        }
