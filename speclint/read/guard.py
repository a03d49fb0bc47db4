"""One model's work under a time limit, so that no model can cost the others their report.

``read_model`` never raises for bad input it knows about; this guard covers what is left: a
reader bug, a ``RecursionError`` in some walk, or a model shaped to take minutes. Each ends as
an error entry in that model's facts (SL001 names it), and the run goes on to the next model.
``speclint.pipeline`` holds a model's whole work (reading, the security scan, the rules,
grouping, rendering its findings) under one ``deadline``; ``read_model_guarded`` is reading alone.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from speclint.read.facts import blank_facts, read_model
from speclint.read.loading import DEFAULT_MAX_BYTES
from speclint.read.tensors import Json

DEFAULT_READ_SECONDS = 120.0  # per model; --read-timeout


class TimeLimit(BaseException):
    """Raised by the alarm, whatever stage of a model's work it cuts short; a BaseException so
    that no reader's ``except Exception`` can swallow it."""


def read_model_guarded(
    model_dir: str,
    max_bytes: int = DEFAULT_MAX_BYTES,
    seconds: float | None = DEFAULT_READ_SECONDS,
    claims: str | Callable[[str], str | None] | None = None,
) -> Json:
    """``read_model`` that always returns facts: a timeout or a crash becomes an error entry.

    ``claims``: the documentation file kept outside the model, or a function that names it for
    each model (``Selection.claims_for``: ``--claims`` and the ``claims`` of ``per-path`` entries).
    """
    named = claims(model_dir) if callable(claims) else claims
    try:
        with deadline(seconds):
            return read_model(model_dir, max_bytes, named)
    except TimeLimit:
        return failed_facts(model_dir, time_limit_message("reading", seconds))
    except (Exception, RecursionError, MemoryError) as exc:
        if os.environ.get("SPECLINT_DEBUG"):
            raise
        return failed_facts(model_dir, crash_message("read", exc))


def time_limit_message(stage: str, seconds: float | None) -> str:
    """Why a model was cut off: the stage it was in and the limit (``--read-timeout``)."""
    return f"{stage} took longer than the time limit of {seconds or 0:g} s per model (--read-timeout); not checked"


def crash_message(verb: str, exc: BaseException) -> str:
    """A bug of speclint's on one model, in one line: the exception's type and its first words."""
    detail = " ".join(str(exc).split())[:200]
    return f"speclint could not {verb} it: internal error {type(exc).__name__}: {detail}"


@contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """SIGALRM after ``seconds``: on POSIX, in the main thread, and only when no one else's timer
    is armed (an embedding program or pytest-timeout owns it then); elsewhere no limit, as before."""
    usable = (
        seconds is not None
        and seconds > 0
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and signal.getitimer(signal.ITIMER_REAL)[0] == 0
    )
    if not usable:
        yield
        return

    def _expire(signum: int, frame: object) -> None:
        raise TimeLimit()

    previous = signal.signal(signal.SIGALRM, _expire)
    signal.setitimer(signal.ITIMER_REAL, float(seconds or 0))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def failed_facts(model_dir: str, message: str) -> Json:
    """A facts document for a model that could not be read at all, with ``message`` as its error."""
    import speclint.read.security as security
    from speclint.read.files import inventory
    from speclint.read.tree import DirectoryTree

    try:
        files = inventory(DirectoryTree(model_dir))
    except (OSError, RecursionError, ValueError):
        files = {
            "saved_model": None,
            "both_pb_and_pbtxt": False,
            "tfhub_module": None,
            "keras_metadata": None,
            "fingerprint": None,
            "variables": {"directory": False, "index": False, "data_shards": 0},
            "assets": [],
            "assets_extra": [],
            "unusable": None,
        }
    name = files["saved_model"]["name"] if files.get("saved_model") else "saved_model.pb"
    facts = blank_facts(model_dir, files, [{"file": name, "where": name, "message": message}])
    facts["security"] = security.empty()
    return facts
