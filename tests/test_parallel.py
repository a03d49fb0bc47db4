"""``--jobs N`` keeps the models it reads at once within a memory budget (issue 10, item 6).

A model's estimate is a multiple of its saved_model.pb's size; models whose estimates would
not fit together wait for running ones to finish, and one that does not fit alone still runs,
alone. The report is the same whatever the budget.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from speclint import parallel
from speclint.pipeline import ModelWork
from speclint.settings import Selection
from tests.conftest import MODELS, REPO


def _record(model: str) -> tuple[int, float, float]:
    """Work for the pool: sleep a little and say when (picklable, module level)."""
    start = time.monotonic()
    time.sleep(0.3)
    return os.getpid(), start, time.monotonic()


def _record_long(model: str) -> tuple[int, float, float]:
    start = time.monotonic()
    time.sleep(1.0)  # long enough that two workers overlap even on a busy machine
    return os.getpid(), start, time.monotonic()


def _die_on_m1(model: str) -> str:
    """A worker killed while reading one model (what the out-of-memory killer does)."""
    if model.endswith("m1"):
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(0.2)
    return model


def _models(root: Path, count: int, size: int) -> list[str]:
    models = []
    for i in range(count):
        model = root / f"m{i}"
        model.mkdir()
        (model / "saved_model.pb").write_bytes(bytes(size))
        models.append(str(model))
    return models


def _most_at_once(spans: list[tuple[int, float, float]]) -> int:
    events = sorted([(start, 1) for _, start, _ in spans] + [(end, -1) for _, _, end in spans])
    running = most = 0
    for _, step in events:
        running += step
        most = max(most, running)
    return most


def test_estimate_grows_with_the_file(tmp_path: Path) -> None:
    small, big = _models(tmp_path, 2, 0)
    (Path(big) / "saved_model.pb").write_bytes(bytes(1 << 20))
    assert parallel.memory_estimate(big) - parallel.memory_estimate(small) == parallel.READ_MEMORY_FACTOR[".pb"] << 20


def test_models_that_do_not_fit_together_run_one_at_a_time(tmp_path: Path) -> None:
    models = _models(tmp_path, 4, 1 << 20)
    budget = parallel.memory_estimate(models[0]) * 3 // 2  # one fits, two do not
    results = dict(parallel.run_models(_record, models, jobs=4, budget=budget))
    assert sorted(results) == [0, 1, 2, 3]
    assert _most_at_once(list(results.values())) == 1


def test_a_model_above_the_budget_alone_still_runs(tmp_path: Path) -> None:
    models = _models(tmp_path, 4, 1 << 20)
    results = dict(parallel.run_models(_record, models, jobs=4, budget=1))
    assert sorted(results) == [0, 1, 2, 3]
    assert _most_at_once(list(results.values())) == 1


def test_models_that_fit_run_in_parallel(tmp_path: Path) -> None:
    models = _models(tmp_path, 4, 0)
    results = dict(parallel.run_models(_record_long, models, jobs=2, budget=1 << 40))
    assert sorted(results) == [0, 1, 2, 3]
    assert len({pid for pid, _, _ in results.values()}) == 2
    assert _most_at_once(list(results.values())) == 2


def test_report_is_the_same_under_a_tiny_budget() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    env["PYTHONPATH"] = str(REPO)

    def report(*options: str) -> dict:
        completed = subprocess.run(
            [sys.executable, "-m", "speclint", str(MODELS), "--format", "json", "--exit-zero", *options],
            capture_output=True,
            env=env,
            cwd=REPO,
            timeout=600,
            check=False,
        )
        assert completed.returncode == 0, completed.stderr.decode()[-500:]
        return json.loads(completed.stdout)

    assert report("--jobs", "2", "--memory-budget", "1") == report("--jobs", "1")


@pytest.mark.parametrize("count", [6, 40])  # 40: small models travel in batches of 5
def test_a_worker_that_dies_costs_only_its_own_model(tmp_path: Path, count: int) -> None:
    models = _models(tmp_path, count, 0)
    results = dict(parallel.run_models(_die_on_m1, models, jobs=2, budget=1 << 40))
    assert sorted(results) == list(range(count))
    assert isinstance(results[1], parallel.WorkerDied)
    assert "worker process" in results[1].message
    assert all(results[i] == models[i] for i in range(count) if i != 1)


def test_small_models_travel_in_batches_big_ones_alone(tmp_path: Path) -> None:
    models = _models(tmp_path, 40, 0)
    (Path(models[7]) / "saved_model.pb").write_bytes(bytes(16 << 20))  # estimated above SMALL_MODEL
    estimates = [parallel.memory_estimate(m) for m in models]
    chunks = parallel._PoolRun(_record, models, 2, estimates, 1 << 40)._chunks(list(range(40)))
    assert [7] in chunks
    assert sorted(i for chunk in chunks for i in chunk) == list(range(40))
    assert max(len(chunk) for chunk in chunks) == 5


EVERYTHING = Selection("auto", ["ALL"], [], [], ".")


def test_a_model_whose_worker_died_is_reported_as_unreadable() -> None:
    from speclint.read.guard import failed_facts
    from speclint.rules.ruleset import RuleSet

    facts = failed_facts(str(MODELS / "tf1-hub-feature-vector"), parallel.WORKER_DIED)
    work = ModelWork(RuleSet, RuleSet([]), EVERYTHING, 1 << 30, 120.0)
    result, unread = work.check(facts)
    assert [f.code for f in result.findings] == ["SL001"]
    assert "worker process" in result.findings[0].message and unread and "worker process" in unread


def test_the_work_survives_pickling_for_workers_started_without_fork() -> None:
    """Under spawn or forkserver the work is pickled: the rules are loaded again in the worker."""
    import functools
    import pickle

    from speclint.rules.ruleset import RuleSet

    rules = functools.partial(RuleSet, [])
    lint = ModelWork(rules, rules(), EVERYTHING, 1 << 30, 120.0, ("text",))
    copy = pickle.loads(pickle.dumps(lint))
    assert copy.ruleset is not lint.ruleset and copy.formats == ("text",)
    model = str(MODELS / "tf1-input-uint8")
    (result, unread), (expected, _) = copy(model), lint(model)
    assert unread is None and [f.code for f in result.findings] == [f.code for f in expected.findings] != []


class _Facts(dict):  # type: ignore[type-arg]
    """A facts document that can be watched (a plain dict cannot be weakly referenced)."""


def test_each_models_facts_are_dropped_once_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Memory flat in the number of models: only results are kept, never every model's facts."""
    import gc
    import weakref

    from speclint.pipeline import Pipeline
    from speclint.read import guard, read_model
    from speclint.settings import Overrides

    alive: list[weakref.ref[_Facts]] = []

    def read(model: str, max_bytes: int, claims: str | None = None) -> _Facts:
        facts = _Facts(read_model(model, max_bytes, claims))
        alive.append(weakref.ref(facts))
        return facts

    monkeypatch.setattr(guard, "read_model", read)
    models = [str(path) for path in sorted(MODELS.iterdir()) if path.is_dir()][:12]
    pipeline = Pipeline.prepare(Overrides(use_config=False, jobs=1), models)
    most = 0
    for _ in pipeline.results():
        gc.collect()
        most = max(most, sum(ref() is not None for ref in alive))
    assert len(alive) == len(models)
    assert most == 0


def test_estimate_of_an_archive_grows_with_the_archive(tmp_path: Path) -> None:
    """A published archive is a file: its size (unpacked: ARCHIVE_EXPANSION times) is the estimate."""
    small, big = tmp_path / "small.tar.gz", tmp_path / "big.tar.gz"
    small.write_bytes(b"")
    big.write_bytes(bytes(1 << 20))
    expected = parallel.READ_MEMORY_FACTOR[".pb"] * parallel.ARCHIVE_EXPANSION << 20
    assert parallel.memory_estimate(str(big)) - parallel.memory_estimate(str(small)) == expected
