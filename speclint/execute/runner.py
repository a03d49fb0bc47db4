"""The parent side: one long-lived worker process per run, replaced when a model kills it.

TensorFlow takes seconds to import, so one worker imports it once and probes every model.
A model that segfaults, hangs past the timeout or grows past the memory limit takes only
that worker down, and only the stage it was in: the worker reports each probe as it starts
and ends, so a probe stopped by ``--probe-timeout`` or ``--memory-limit`` gets a ``limit``
result (``limits``), a fresh worker loads the model again and runs the probes left, and the
results measured before stand. Loading itself (with the first call) is one stage with the same
limits. The memory limit is a watchdog on the worker's resident set size read from ``/proc``
(an ``RLIMIT_AS`` would break TensorFlow's large virtual reservations).
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

import speclint.execute.limits as limits
from speclint.errors import SpeclintError
from speclint.execute.device import worker_environment
from speclint.execute.memory import rss_mb
from speclint.execute.options import ExecuteOptions, ProgressEvent
from speclint.execute.plan import PROBE_NAMES, probes_record
from speclint.vocabulary import Json

POLL_S = 0.05  # how often the watchdog looks at the worker's memory while it works
STDERR_TAIL = 2000  # bytes of the worker's stderr kept for a crash message
MAX_RESTARTS = 5  # fresh workers for one model after probes that were stopped
OUT_OF_MEMORY = ("std::bad_alloc", "Resource exhausted: OOM", "ResourceExhaustedError")
INSTALL_HINT = (
    "pip install 'speclint[execute]' (CPU, tensorflow-cpu) or "
    "pip install 'speclint[execute-gpu]' (GPU, tensorflow[and-cuda])"
)


@dataclass
class Failure:
    """Why a worker could not give a result for a model; it has been stopped."""

    status: str  # timeout | crashed | out_of_memory
    message: str
    kind: str = "crash"  # time | memory (our limits) | machine-memory (std::bad_alloc) | crash
    reached_mb: float | None = None


@dataclass
class Attempt:
    """One worker's go at one model: the final record, or how far it got before it was stopped."""

    record: Json | None = None  # the worker's final probes record (None: it was stopped)
    loaded: Json | None = None  # the record sent once loading and the first call worked
    results: dict[str, Json] = field(default_factory=dict)  # probes finished before it was stopped
    running: str | None = None  # the probe running when it was stopped (None: loading)
    started_at: float = 0.0  # when that stage began
    loaded_at: float | None = None  # when the model had loaded and answered
    before_mb: float | None = None  # the worker's memory when that probe began
    failure: Failure | None = None
    peak_mb: float | None = None  # the most resident memory the watchdog saw


class WorkerStartError(SpeclintError):
    """The worker could not start at all: the whole run stops with this one-line message."""


class Worker:
    """One child process running ``speclint.execute.worker``, and the pipes to it."""

    def __init__(self, options: ExecuteOptions) -> None:
        self.options = options
        # Lives as long as the worker; closed by _release(). Read back for crash messages.
        self.stderr: IO[bytes] = tempfile.TemporaryFile(prefix="speclint-worker-")  # noqa: SIM115
        # The worker's working directory, HOME and TMPDIR: a throwaway directory deleted afterwards,
        # so a model writing to a relative path, ~ or the temp dir leaves nothing behind.
        self.sandbox = tempfile.mkdtemp(prefix="speclint-sandbox-")
        env = _environment(options.device)
        env.update({"HOME": self.sandbox, "TMPDIR": self.sandbox, "TMP": self.sandbox, "TEMP": self.sandbox})
        self.process = subprocess.Popen(
            [sys.executable, "-m", "speclint.execute.worker", "--device", options.device],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            env=env,
            cwd=self.sandbox,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.stdin = self.process.stdin
        self.stdout_fd = self.process.stdout.fileno()
        os.set_blocking(self.stdout_fd, False)
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.stdout_fd, selectors.EVENT_READ)
        self.buffer = b""
        self.ready: Json = {}
        self.next_id = 0
        self.stderr_mark = 0  # where this model's stderr begins
        self.peak_mb: float | None = None  # the most resident memory seen during the current job

    @property
    def pid(self) -> int:
        return self.process.pid

    def start(self) -> Json:
        """Wait for TensorFlow to import in the worker; its ``ready`` event."""
        started = time.perf_counter()
        deadline = started + self.options.startup_timeout_s
        event = self._receive(deadline, watch_memory=False)
        if isinstance(event, Failure):
            self.stop()
            reason = (
                f"TensorFlow did not import within {self.options.startup_timeout_s:g} s"
                if event.status == "timeout"
                else event.message
            )
            raise WorkerStartError(f"the TensorFlow worker failed to start: {reason}")
        if event.get("event") == "fatal":
            self.stop()
            if event.get("kind") == "no-tensorflow":
                raise WorkerStartError(
                    f"--execute needs TensorFlow, which cannot be imported ({event.get('message')}): {INSTALL_HINT}"
                )
            raise WorkerStartError(str(event.get("message")))
        if event.get("event") != "ready":
            self.stop()
            raise WorkerStartError(f"the TensorFlow worker sent {event.get('event')!r} instead of 'ready'")
        self.ready = {**event, "start_s": round(time.perf_counter() - started, 6)}
        return self.ready

    def run(self, job: Json) -> Attempt:
        """Send one job and follow it stage by stage (loading, then each probe), each within
        ``timeout_s``; a Failure stops the worker and says which stage it stopped."""
        self.next_id += 1
        self.stderr_mark = self.stderr.seek(0, os.SEEK_END)
        self.peak_mb = None
        attempt = Attempt(started_at=time.perf_counter())
        try:
            job = {**job, "path": os.path.abspath(job["path"])}  # the worker runs in its sandbox directory
            self.stdin.write((json.dumps({"id": self.next_id, "job": job}) + "\n").encode())
            self.stdin.flush()
        except (BrokenPipeError, OSError):
            attempt.failure = self._died()
            return attempt
        while True:
            event = self._receive(attempt.started_at + self.options.timeout_s, watch_memory=True, stage=attempt.running)
            attempt.peak_mb = self.peak_mb
            if isinstance(event, Failure):
                attempt.failure = event
                return attempt
            kind = event.get("event")
            if event.get("id") != self.next_id or kind not in ("loaded", "probe-started", "probe", "result"):
                self.stop()
                attempt.failure = Failure("crashed", f"the worker sent an unexpected {kind!r} event")
                return attempt
            if kind == "result":
                attempt.record = event["probes"]
                return attempt
            if kind == "loaded":
                attempt.loaded, attempt.loaded_at = event["probes"], time.perf_counter()
            elif kind == "probe-started":
                attempt.running, attempt.before_mb = str(event["name"]), event.get("rss_mb")
                attempt.started_at = time.perf_counter()
            else:
                attempt.results[str(event["name"])] = event["result"]
                attempt.running = None

    def _receive(self, deadline: float, *, watch_memory: bool, stage: str | None = None) -> Json | Failure:
        """The next event line, or the Failure that ended the wait (the worker is then stopped)."""
        limit_mb = self.options.memory_limit_mb
        while b"\n" not in self.buffer:
            now = time.perf_counter()
            if now >= deadline:
                self.stop()
                return Failure("timeout", self._timeout_message(stage), kind="time")
            if watch_memory:
                rss = rss_mb(self.pid)
                if rss is not None:
                    self.peak_mb = max(self.peak_mb or 0.0, rss)
                if rss is not None and rss > limit_mb:
                    self.stop()
                    baseline = self.ready.get("rss_mb")
                    after_import = (
                        f"; TensorFlow itself used {baseline:.0f} MiB" if isinstance(baseline, (int, float)) else ""
                    )
                    return Failure(
                        "out_of_memory",
                        f"stopped: the worker's resident memory reached {rss:.0f} MiB, "
                        f"above the limit of {limit_mb} MiB{after_import}",
                        kind="memory",
                        reached_mb=rss,
                    )
            if self.selector.select(min(POLL_S, deadline - now)):
                try:
                    chunk = os.read(self.stdout_fd, 1 << 16)
                except BlockingIOError:
                    continue
                if not chunk:
                    return self._died()
                self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        try:
            event: Json = json.loads(line)
        except json.JSONDecodeError:
            self.stop()
            return Failure("crashed", "the worker wrote a line that is not JSON")
        return event

    def _timeout_message(self, stage: str | None = None) -> str:
        return f"stopped: {limits.stage_name(stage or limits.LOAD)} did not finish within {self.options.timeout_s:g} s"

    def _died(self) -> Failure:
        """The worker exited on its own: a segfault, an abort, the kernel's OOM killer."""
        try:
            code = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        detail = self._stderr_tail()
        peak = self.peak_mb
        self._release()
        if code < 0:
            what = f"the worker crashed with {_signal_name(-code)}"
            if -code == signal.SIGKILL:
                what += " (killed from outside, often the kernel's out-of-memory killer)"
        else:
            what = f"the worker exited with status {code}"
        message = what + (f": {detail}" if detail else "")
        if any(word in detail for word in OUT_OF_MEMORY) or -code == signal.SIGKILL:
            return Failure("out_of_memory", message, kind="machine-memory", reached_mb=peak)
        return Failure("crashed", message)

    def _stderr_tail(self) -> str:
        """The last telling line the worker wrote to stderr for this model (e.g. a Check failed)."""
        try:
            self.stderr.seek(self.stderr_mark)
            text = self.stderr.read()[-STDERR_TAIL:].decode("utf-8", "replace")
        except (OSError, ValueError):
            return ""
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        for line in reversed(lines):
            if any(word in line for word in OUT_OF_MEMORY):
                return _clip(line)
        for line in reversed(lines):
            if "Check failed" in line or "Fatal" in line or "Error" in line:
                return _clip(line)
        return _clip(lines[-1]) if lines else ""

    def stop(self) -> None:
        """Kill the worker now (it may be in the middle of a model) and reap it."""
        if self.process.poll() is None:
            self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        self._release()

    def close(self) -> None:
        """Let an idle worker exit on end of input; kill it if it does not."""
        with contextlib.suppress(OSError):
            self.stdin.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.stop()
        self._release()

    def _release(self) -> None:
        """Close our ends of the pipes and the stderr file (idempotent)."""
        with contextlib.suppress(OSError, ValueError, KeyError):
            self.selector.close()
        for stream in (self.stdin, self.process.stdout, self.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        if self.process.poll() is not None:
            shutil.rmtree(self.sandbox, ignore_errors=True)


class WorkerSlot:
    """At most one started worker, replaced on demand: what a run (or a Ray worker process) keeps."""

    def __init__(self, options: ExecuteOptions) -> None:
        self.options = options
        self.worker: Worker | None = None
        self.start_s = 0.0  # TensorFlow start-up time of the workers started since the last take_start()

    def get(self) -> Worker:
        """The worker, started now if there is none; WorkerStartError when it cannot start."""
        if self.worker is None:
            worker = Worker(self.options)
            ready = worker.start()
            self.worker = worker
            self.start_s += ready["start_s"]
            _progress(self.options, ProgressEvent("worker-started", pid=worker.pid, seconds=ready["start_s"]))
        return self.worker

    def take_start(self) -> float:
        seconds, self.start_s = self.start_s, 0.0
        return seconds

    def drop(self) -> None:
        """Forget a worker that a Failure has stopped."""
        self.worker = None

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.stop()
            self.worker = None

    def close(self) -> None:
        if self.worker is not None:
            self.worker.close()
            self.worker = None


def probe_model(slot: WorkerSlot, job: Json, options: ExecuteOptions) -> Json:
    """The probes record of one model, stage by stage: a stage stopped by a limit (or a crash in
    a probe) costs that stage; a fresh worker loads the model again for the probes left. The
    information-only throughput probe is tried again at half its batch instead."""
    base: Json | None = None  # the record as it stood once the model loaded and answered
    done: dict[str, Json] = {}
    found: list[Json] = []
    peak: float | None = None
    earlier_probes_s = 0.0  # probe time of the workers that were stopped
    stops = 0
    while True:
        worker = slot.get()
        ready = worker.ready
        attempt = worker.run(_resumed(job, base, done))
        peak = max(filter(None, (peak, attempt.peak_mb)), default=None)
        if attempt.failure is None:
            assert attempt.record is not None
            record = attempt.record
            break
        slot.drop()
        stops += 1
        failure = attempt.failure
        base = base or attempt.loaded
        done.update(attempt.results)
        if base is None:  # stopped while loading the model or on its first call
            record = _failure_record(failure, ready, options)
            break
        if attempt.loaded_at is not None:
            earlier_probes_s += time.perf_counter() - attempt.loaded_at
        if attempt.running is None:  # stopped while loading it again: the probes left are lost
            record = _assembled(base, done, f"not run: loading the model again failed ({failure.message})")
            break
        entry = _limit(attempt.running, failure, options, attempt.before_mb)
        smaller = _smaller_throughput(job, attempt.running, failure)
        if entry is not None and smaller is not None:  # information only: measure a smaller batch instead
            job = smaller
        else:
            done[attempt.running] = _stopped_result(attempt, failure, entry, base)
            if entry is not None:
                found.append(entry)
        if all(name in done for name in PROBE_NAMES):
            record = _assembled(base, done, None)
            break
        if stops > MAX_RESTARTS:
            record = _assembled(base, done, f"not run: the worker was stopped {stops} times on this model")
            break
    found += record.get("limits") or []
    record["limits"] = found
    record["limits_summary"] = limits.summary(found)
    if found and record.get("reason") is None:
        record["reason"] = "limit"
    record["memory"]["peak_mb"] = None if peak is None else round(peak, 1)
    record["memory"]["limit_mb"] = options.memory_limit_mb
    if record["timings"].get("probes_s") is not None:
        record["timings"]["probes_s"] = round(record["timings"]["probes_s"] + earlier_probes_s, 6)
    return record


def _stopped_result(attempt: Attempt, failure: Failure, entry: Json | None, base: Json) -> Json:
    """The result of the probe a stopped worker was running: a limit, or (a crash) the probe's error."""
    where = base.get("primary") or ""
    seconds = time.perf_counter() - attempt.started_at
    if entry is not None:
        return limits.probe_result(entry, where, seconds)
    return {
        "where": where,
        "status": "error",
        "summary": f"the worker died during this probe: {failure.message}",
        "seconds": round(seconds, 6),
    }


def _smaller_throughput(job: Json, stage: str, failure: Failure) -> Json | None:
    """The job with half the throughput batch, when that probe was stopped at a batch above the
    ones every other probe ran (None: nothing smaller to try)."""
    options = job["options"]
    batch = int(options["throughput_batch"])
    smallest = max(options["batch_sizes"])
    if stage != "throughput" or batch <= smallest:
        return None
    reached = f" at {failure.reached_mb:,.0f} MiB" if failure.reached_mb else ""
    why = {
        "memory": f"went past --memory-limit {options['memory_limit_mb']} MiB{reached}",
        "time": f"did not finish within --probe-timeout {options['timeout_s']:g} s",
    }.get(failure.kind, f"ran out of this machine's memory{reached}")
    stopped = [*(options.get("throughput_stopped") or []), f"a batch of {batch} {why}"]
    smaller = {**options, "throughput_batch": max(smallest, batch // 2), "throughput_stopped": stopped}
    smaller.setdefault("throughput_requested", batch)
    return {**job, "options": smaller}


def _resumed(job: Json, base: Json | None, done: dict[str, Json]) -> Json:
    """The job again for a fresh worker: the results kept, the call and size that worked."""
    if base is None:
        return job
    # Probes run in order and a stop ends the worker, so every probe left comes after every one
    # done: keras_fine_tuning never needs a keras_layer model that another worker built.
    resume = {"primary": base.get("primary"), "image_size": base.get("image_size")}
    return {**job, "done": dict(done), "resume": resume}


def _limit(stage: str, failure: Failure, options: ExecuteOptions, before_mb: float | None) -> Json | None:
    """The ``limits`` entry for a Failure of a limit (None: a crash, the model's own doing)."""
    if failure.kind not in limits.KINDS:
        return None
    detail = failure.message.split(": ", 1)[-1] if failure.kind == "machine-memory" else None
    return limits.limit_entry(
        stage, failure.kind, options, reached_mb=failure.reached_mb, before_mb=before_mb, detail=detail
    )


def _assembled(base: Json, done: dict[str, Json], left: str | None) -> Json:
    """The record of a model whose last worker was stopped: what loaded, and every probe's result."""
    record = dict(base)
    results = {}
    for name in PROBE_NAMES:
        if name in done:
            results[name] = done[name]
        elif left is not None:
            results[name] = {"where": base.get("primary") or "", "status": "skipped", "summary": left, "seconds": 0.0}
    record["results"] = results
    record["memory"] = dict(base.get("memory") or {})
    record["timings"] = dict(base.get("timings") or {})
    return record


def run_jobs(jobs: list[tuple[int, Json]], total: int, options: ExecuteOptions) -> dict[int, Json]:
    """Run each ``(index, job)`` in order on one worker, replacing it after a failure."""
    return dict(iter_jobs(jobs, total, options))


def iter_jobs(jobs: list[tuple[int, Json]], total: int, options: ExecuteOptions) -> Iterator[tuple[int, Json]]:
    """``run_jobs``, yielding ``(index, probes)`` as each model finishes (for streamed reports)."""
    slot = WorkerSlot(options)
    try:
        for index, job in jobs:
            slot.get()  # started before the model is announced, as progress displays expect
            _progress(options, ProgressEvent("model-started", index=index, total=total, path=job["path"]))
            sent = time.perf_counter()
            probes = probe_model(slot, job, options)
            wall = time.perf_counter() - sent
            probes["timings"].update(wall_s=round(wall, 6), worker_start_s=round(slot.take_start(), 6))
            _progress(
                options,
                ProgressEvent(
                    "model-finished", index=index, total=total, path=job["path"], status=probes["status"], seconds=wall
                ),
            )
            yield index, probes
    except BaseException:  # Ctrl-C or a start failure: do not wait for a model to finish
        slot.stop()
        raise
    finally:
        slot.close()


def _failure_record(failure: Failure, ready: Json, options: ExecuteOptions) -> Json:
    """A model stopped before it loaded and answered: a limit (SL714), or a crash (SL700)."""
    entry = _limit(limits.LOAD, failure, options, ready.get("rss_mb"))
    record = probes_record(
        failure.status,
        failure.message if entry is None else f"stopped: {entry['summary']}",
        reason="crashed" if entry is None else "limit",
        device=ready.get("device"),
        tensorflow_version=ready.get("tensorflow_version"),
    )
    if entry is not None:
        record["limits"] = [entry]
    return record


def _environment(device: str) -> dict[str, str]:
    """The worker's environment: this interpreter's ``sys.path``, so it imports what we import."""
    env = worker_environment(device)
    path = [os.path.abspath(p) for p in sys.path if p]
    package_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys([package_root, *path]))
    return env


def _progress(options: ExecuteOptions, event: ProgressEvent) -> None:
    if options.progress is not None:
        options.progress(event)


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _clip(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
