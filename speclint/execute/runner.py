"""The parent side: one long-lived worker process per run, replaced when a model kills it.

TensorFlow takes seconds to import, so one worker imports it once and probes every model.
A model that segfaults, hangs past the timeout or grows past the memory limit takes only
that worker down: its probes record why, and the next model gets a fresh worker. The
memory limit is a watchdog on the worker's resident set size read from ``/proc`` (an
``RLIMIT_AS`` would break TensorFlow's large virtual reservations).
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
from dataclasses import dataclass
from typing import IO

from speclint.errors import SpeclintError
from speclint.execute.device import worker_environment
from speclint.execute.options import ExecuteOptions, ProgressEvent
from speclint.execute.plan import probes_record
from speclint.vocabulary import Json, rss_mb

POLL_S = 0.05  # how often the watchdog looks at the worker's memory while it works
STDERR_TAIL = 2000  # bytes of the worker's stderr kept for a crash message

INSTALL_HINT = (
    "pip install 'speclint[execute]' (CPU, tensorflow-cpu) or "
    "pip install 'speclint[execute-gpu]' (GPU, tensorflow[and-cuda])"
)


@dataclass
class Failure:
    """Why a worker could not give a result for a model; it has been stopped."""

    status: str  # timeout | crashed | out_of_memory
    message: str


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

    def run(self, job: Json) -> Json | Failure:
        """Send one job and wait for its result, at most ``timeout_s``; a Failure stops the worker."""
        self.next_id += 1
        self.stderr_mark = self.stderr.seek(0, os.SEEK_END)
        try:
            job = {**job, "path": os.path.abspath(job["path"])}  # the worker runs in its sandbox directory
            self.stdin.write((json.dumps({"id": self.next_id, "job": job}) + "\n").encode())
            self.stdin.flush()
        except (BrokenPipeError, OSError):
            return self._died()
        event = self._receive(time.perf_counter() + self.options.timeout_s, watch_memory=True)
        if isinstance(event, Failure):
            return event
        if event.get("event") != "result" or event.get("id") != self.next_id:
            self.stop()
            return Failure("crashed", f"the worker sent an unexpected {event.get('event')!r} event")
        probes: Json = event["probes"]
        return probes

    def _receive(self, deadline: float, *, watch_memory: bool) -> Json | Failure:
        """The next event line, or the Failure that ended the wait (the worker is then stopped)."""
        limit_mb = self.options.memory_limit_mb
        while b"\n" not in self.buffer:
            now = time.perf_counter()
            if now >= deadline:
                self.stop()
                return Failure("timeout", self._timeout_message())
            if watch_memory:
                rss = rss_mb(self.pid)
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

    def _timeout_message(self) -> str:
        return f"stopped: did not finish within {self.options.timeout_s:g} s (load and probes)"

    def _died(self) -> Failure:
        """The worker exited on its own: a segfault, an abort, the kernel's OOM killer."""
        try:
            code = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        detail = self._stderr_tail()
        self._release()
        if code < 0:
            what = f"the worker crashed with {_signal_name(-code)}"
            if -code == signal.SIGKILL:
                what += " (killed from outside, often the kernel's out-of-memory killer)"
        else:
            what = f"the worker exited with status {code}"
        return Failure("crashed", what + (f": {detail}" if detail else ""))

    def _stderr_tail(self) -> str:
        """The last telling line the worker wrote to stderr for this model (e.g. a Check failed)."""
        try:
            self.stderr.seek(self.stderr_mark)
            text = self.stderr.read()[-STDERR_TAIL:].decode("utf-8", "replace")
        except (OSError, ValueError):
            return ""
        lines = [line.strip() for line in text.splitlines() if line.strip()]
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


def run_jobs(jobs: list[tuple[int, Json]], total: int, options: ExecuteOptions) -> dict[int, Json]:
    """Run each ``(index, job)`` in order on one worker, replacing it after a failure."""
    return dict(iter_jobs(jobs, total, options))


def iter_jobs(jobs: list[tuple[int, Json]], total: int, options: ExecuteOptions) -> Iterator[tuple[int, Json]]:
    """``run_jobs``, yielding ``(index, probes)`` as each model finishes (for streamed reports)."""
    worker: Worker | None = None
    try:
        for index, job in jobs:
            worker_start_s = 0.0
            if worker is None:
                worker = Worker(options)
                ready = worker.start()
                worker_start_s = ready["start_s"]
                _progress(options, ProgressEvent("worker-started", pid=worker.pid, seconds=worker_start_s))
            _progress(options, ProgressEvent("model-started", index=index, total=total, path=job["path"]))
            sent = time.perf_counter()
            outcome = worker.run(job)
            if isinstance(outcome, Failure):
                probes = _failure_record(outcome, worker.ready)
                worker = None
            else:
                probes = outcome
            wall = time.perf_counter() - sent
            probes["timings"].update(wall_s=round(wall, 6), worker_start_s=round(worker_start_s, 6))
            probes["memory"]["limit_mb"] = options.memory_limit_mb
            _progress(
                options,
                ProgressEvent(
                    "model-finished", index=index, total=total, path=job["path"], status=probes["status"], seconds=wall
                ),
            )
            yield index, probes
    except BaseException:  # Ctrl-C or a start failure: do not wait for a model to finish
        if worker is not None:
            worker.stop()
            worker = None
        raise
    finally:
        if worker is not None:
            worker.close()


def _failure_record(failure: Failure, ready: Json) -> Json:
    return probes_record(
        failure.status,
        failure.message,
        device=ready.get("device"),
        tensorflow_version=ready.get("tensorflow_version"),
    )


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
