"""speclint/execute/executors/local.py: the local worker runs the planned jobs; a worker that cannot start
stops the run with one line, and an empty plan starts no worker at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from speclint.errors import SpeclintError
from speclint.execute.executors.local import LocalExecutor
from speclint.execute.options import ExecuteOptions
from speclint.execute.plan import plan
from speclint.read import read_model
from tests.conftest import MODELS, need


def test_an_empty_plan_starts_nothing() -> None:
    assert list(LocalExecutor().run([], 0, ExecuteOptions(startup_timeout_s=0.01))) == []


def test_a_worker_that_cannot_import_tensorflow_stops_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = MODELS / "tf2-feature-vector"
    need(model.is_dir(), "golden fixture tf2-feature-vector missing")
    fake = tmp_path / "fake" / "tensorflow"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text('raise ImportError("no libtensorflow")\n')
    monkeypatch.syspath_prepend(str(fake.parent))  # the worker imports from this interpreter's sys.path
    job, record = plan(read_model(str(model)), ExecuteOptions())
    assert record is None and job is not None
    with pytest.raises(SpeclintError, match=r"cannot be imported \(ImportError: no libtensorflow\)"):
        list(LocalExecutor().run([(0, job)], 1, ExecuteOptions()))
