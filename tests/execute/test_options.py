"""speclint/execute/options.py: the options of ``--execute``, checked when made, sent to the worker as plain JSON."""

from __future__ import annotations

import json

import pytest

from speclint.execute.options import ExecuteOptions, Tolerances


def test_the_defaults_are_the_command_line_s() -> None:
    options = ExecuteOptions()
    assert (options.device, options.timeout_s, options.memory_limit_mb) == ("auto", 120.0, 4096)
    assert options.batch_sizes == (1, 2, 7) and options.tolerances == Tolerances()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"device": "tpu"}, "device must be one of auto, cpu, gpu, not 'tpu'"),
        ({"timeout_s": 0}, "timeouts must be positive"),
        ({"startup_timeout_s": -1}, "timeouts must be positive"),
        ({"memory_limit_mb": 0}, "memory_limit_mb must be positive"),
        ({"batch_sizes": ()}, "batch sizes must be positive"),
        ({"batch_sizes": (1, 0)}, "batch sizes must be positive"),
        ({"throughput_batch": 0}, "batch sizes must be positive"),
    ],
)
def test_a_bad_option_is_refused_when_made(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError) as error:
        ExecuteOptions(**fields)  # type: ignore[arg-type]
    assert str(error.value) == message


def test_the_worker_gets_plain_json_with_sorted_distinct_batches() -> None:
    options = ExecuteOptions(batch_sizes=(7, 1, 7, 2), seed=3, tolerances=Tolerances(batch_atol=1e-3))
    sent = json.loads(json.dumps(options.job_options()))
    assert sent["batch_sizes"] == [1, 2, 7] and sent["seed"] == 3
    assert sent["tolerances"]["batch_atol"] == 1e-3 and sent["tolerances"]["determinism_atol"] == 1e-6
    assert "progress" not in sent and "device" not in sent
