"""speclint/execute/executors/ray_executor.py: the Ray executor on a real local Ray instance: same report as the
local worker, no lost model.

Each test starts its own small Ray instance (one or two CPUs, no dashboard) and shuts it
down. TensorFlow runs in the Ray tasks' worker processes, exactly as on a cluster node.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import re
import signal
import tarfile
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import speclint
from speclint.errors import SpeclintError
from speclint.execute import ExecuteOptions
from speclint.execute.executors import make_executor
from tests.conftest import MODELS, need, need_tensorflow, run_speclint

pytestmark = pytest.mark.tensorflow

# A conforming model of each format, a probe failure, a model the plan skips, one it refuses.
PARITY = ["tf2-feature-vector", "tf1-hub-classifier", "probe-hidden-softmax", "tf1-input-uint8", "sec-readfile"]


def need_ray() -> None:
    need(importlib.util.find_spec("ray") is not None, "Ray is not installed (pip install 'speclint[ray]')")
    need_tensorflow()


def redact(report: str) -> str:
    """The JSON report with the fields that may differ between two runs (timing, device) nulled."""
    document = json.loads(report)
    for model in document["models"]:
        if model["execution"]:
            model["execution"].update(device=None, images_per_second=None)
    return json.dumps(document, indent=2)


def test_the_ray_report_is_the_local_report_apart_from_timing_and_device() -> None:
    """Also joins a running cluster: the CLI gets --ray-address of the instance this test started."""
    need_ray()
    import ray

    paths = [str(MODELS / name) for name in PARITY]
    local = run_speclint("--execute", "--format", "json", *paths)
    assert local.returncode == 1, local.stderr
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        address = ray.get_runtime_context().gcs_address
        on_ray = run_speclint("--execute", "--executor", "ray", "--ray-address", address, "--format", "json", *paths)
        one = str(MODELS / "tf1-hub-classifier")
        by_env = run_speclint("--execute", "--executor", "ray", "--format", "jsonl", one, env={"RAY_ADDRESS": address})
    finally:
        ray.shutdown()
    assert by_env.returncode == 0, by_env.stderr
    assert json.loads(by_env.stdout)["execution"]["status"] == "ok"
    assert "Connected to Ray cluster" in by_env.stderr and "Started a local Ray instance" not in by_env.stderr
    assert on_ray.returncode == 1, on_ray.stderr
    assert redact(on_ray.stdout) == redact(local.stdout)
    executions = {Path(m["path"]).name: m["execution"] for m in json.loads(on_ray.stdout)["models"]}
    assert {name: e["status"] for name, e in executions.items()} == {
        "tf2-feature-vector": "ok",
        "tf1-hub-classifier": "ok",
        "probe-hidden-softmax": "ok",
        "tf1-input-uint8": "skipped",
        "sec-readfile": "refused",
    }
    assert all(e["images_per_second"] > 0 for e in executions.values() if e["status"] == "ok")


def test_models_travel_as_bytes_under_the_limit_and_as_paths_above_it() -> None:
    need_ray()
    paths = [str(MODELS / "tf2-feature-vector"), str(MODELS / "tf1-hub-classifier")]
    shipped = make_executor("ray", num_cpus=1)
    by_bytes = speclint.lint(paths, execute=True, executor=shipped, config=False)
    assert sorted(shipped.shipped.values()) == ["bytes", "bytes"]  # type: ignore[attr-defined]
    by_path = make_executor("ray", num_cpus=1, ship_limit_mb=0)
    on_shared_fs = speclint.lint(paths, execute=True, executor=by_path, config=False)
    assert sorted(by_path.shipped.values()) == ["path", "path"]  # type: ignore[attr-defined]
    assert redact(by_bytes.to_json()) == redact(on_shared_fs.to_json())
    assert all(r.execution and r.execution["status"] == "ok" for r in by_bytes.results)


def _descendants(root: int) -> list[int]:
    """Process ids below ``root`` (this test's Ray instance), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8", errors="replace") as handle:
                stat = handle.read()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _title(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().split(b"\0", 1)[0].decode("utf-8", "replace")
    except OSError:
        return ""


def test_a_task_that_dies_every_time_becomes_a_finding_and_the_other_model_runs() -> None:
    """SIGKILL the Ray worker running model 0 on each attempt: Ray retries once, then gives up."""
    need_ray()
    kills: list[int] = []
    stop = threading.Event()

    def killer() -> None:
        deadline = time.monotonic() + 240
        while not stop.is_set() and time.monotonic() < deadline and len(kills) < 2:
            for pid in _descendants(os.getpid()):
                if _title(pid) == "ray::speclint-probe-0" and pid not in kills:
                    os.kill(pid, signal.SIGKILL)
                    kills.append(pid)
            time.sleep(0.05)

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    executor = make_executor("ray", num_cpus=1, max_retries=1, ship_limit_mb=0, name_tasks=True)
    events: list[Any] = []
    try:
        report = speclint.lint(
            [str(MODELS / "tf1-hub-classifier"), str(MODELS / "tf2-feature-vector")],
            execute=True,
            executor=executor,
            execute_options=ExecuteOptions(progress=events.append),
            config=False,
        )
    finally:
        stop.set()
        thread.join()
    assert len(kills) == 2  # the first attempt and the one retry
    crashed, survivor = report.results  # sorted: tf1-hub-classifier (index 0), tf2-feature-vector
    assert crashed.execution is not None
    assert {k: crashed.execution[k] for k in ("status", "reason", "device", "images_per_second")} == {
        "status": "crashed",
        "reason": "lost",
        "device": None,
        "images_per_second": None,
    }
    assert re.search(r"the Ray task failed 2 times", crashed.execution["message"])
    [finding] = [f for f in crashed.findings if f.code == "SL700"]
    assert re.search(r"the Ray task failed 2 times \(\w+Error\)", finding.message), finding.message
    assert "\n" not in finding.message
    assert survivor.execution and survivor.execution["status"] == "ok"
    assert not [f for f in survivor.findings if f.code.startswith("SL7")]
    finished = [e.index for e in events if e.kind == "model-finished"]
    assert sorted(finished) == [0, 1]


def test_a_model_over_its_time_limit_in_a_task_is_a_timeout_record() -> None:
    need_ray()
    executor = make_executor("ray", num_cpus=1)
    report = speclint.lint(
        [str(MODELS / "tf2-feature-vector")],
        execute=True,
        executor=executor,
        execute_options=ExecuteOptions(timeout_s=0.001),
        config=False,
    )
    [result] = report.results
    assert result.execution and result.execution["status"] == "timeout" and result.execution["reason"] == "limit"
    assert any(
        f.code == "SL714" and "did not finish within --probe-timeout 0.001 s" in f.message for f in result.findings
    )
    assert not any(f.code == "SL700" for f in result.findings)  # speclint's limit, not the model's failure


def test_an_unreachable_cluster_is_a_one_line_error(tmp_path: Path) -> None:
    need(importlib.util.find_spec("ray") is not None, "Ray is not installed")
    need_tensorflow()
    done = run_speclint(
        "--execute", "--executor", "ray", "--ray-address", "127.0.0.1:9", str(MODELS / "tf2-feature-vector")
    )
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()[-1:]
    assert line.startswith("speclint: error: --executor ray: cannot start or join the Ray cluster at 127.0.0.1:9")
    assert "Traceback" not in done.stderr


def test_a_ray_address_without_the_ray_executor_is_a_usage_error() -> None:
    done = run_speclint("--execute", "--ray-address", "127.0.0.1:9", str(MODELS / "tf2-feature-vector"))
    assert done.returncode == 2
    assert done.stderr.strip() == "speclint: error: --ray-address needs --executor ray"


def test_asking_for_a_gpu_on_a_cluster_without_one_is_a_one_line_error() -> None:
    need_ray()
    import ray

    ray.init(num_cpus=1, num_gpus=0, include_dashboard=False, log_to_driver=False)
    try:
        with pytest.raises(SpeclintError, match=r"^--device gpu: the Ray cluster has no GPU \(use --device cpu"):
            speclint.lint(
                MODELS / "tf2-feature-vector",
                execute=True,
                executor=make_executor("ray"),
                execute_options=ExecuteOptions(device="gpu"),
                config=False,
            )
        assert ray.is_initialized()  # a Ray the caller started is the caller's to shut down
    finally:
        ray.shutdown()


def test_a_long_run_keeps_nothing_per_finished_model_in_the_driver() -> None:
    """The driver's Ray references and uncollected tars stay bounded by the tasks in flight.

    Twelve shipped models on two CPUs (at most four in flight): Ray's reference table in the
    driver (object refs it owns or borrows) never holds more than the models in flight, and it
    is empty once the run is over; with the cyclic GC off for the run, no packed tar is left
    behind for it. A growth per model of either kind is what made driver memory climb.
    """
    need_ray()
    import gc

    import ray

    from speclint.pipeline import Pipeline
    from speclint.settings import Overrides

    count = 12
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    core_worker = ray._private.worker.global_worker.core_worker  # type: ignore[attr-defined]
    references: list[int] = []

    def on_event(event: Any) -> None:
        if event.kind == "model-finished":
            references.append(len(core_worker.get_all_reference_counts()))

    enabled = gc.isenabled()
    try:
        pipeline = Pipeline.prepare(Overrides(use_config=False, jobs=1))
        models = [str(MODELS / "tf1-hub-feature-vector")] * count
        executor = make_executor("ray", max_in_flight=4)
        gc.collect()
        gc.disable()
        gc.set_debug(gc.DEBUG_SAVEALL)
        statuses = [
            (checked.result.execution or {}).get("status")
            for checked in pipeline.results(
                execute=True, executor=executor, options=ExecuteOptions(progress=on_event), models=models
            )
        ]
        gc.collect()
        tars = [o for o in gc.garbage if isinstance(o, (io.BytesIO, tarfile.TarFile))]
        after = len(core_worker.get_all_reference_counts())
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if enabled:
            gc.enable()
        ray.shutdown()
    assert statuses == ["ok"] * count
    assert sorted(set(executor.shipped.values())) == ["bytes"]  # type: ignore[attr-defined]
    assert len(references) == count
    assert max(references) <= 2 * 4, references  # a result and a shipped model per task in flight
    assert after == 0
    assert tars == []


def test_every_task_has_the_same_name_unless_asked() -> None:
    """Ray's driver keeps state per task name: a name per model grew it by 30-40 KiB per model."""
    by_default = make_executor("ray")
    assert {by_default.task_name(i) for i in range(1000)} == {"speclint-probe"}  # type: ignore[attr-defined]
    named = make_executor("ray", name_tasks=True)
    assert named.task_name(7) == "speclint-probe-7"  # type: ignore[attr-defined]
