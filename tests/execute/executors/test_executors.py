"""speclint/execute/executors/__init__.py: an executor by name; a wrong name is a one-line error."""

from __future__ import annotations

import pytest

from speclint.errors import SpeclintError
from speclint.execute.executors import EXECUTORS, make_executor


def test_each_executor_by_its_name() -> None:
    assert EXECUTORS == ("local", "ray")
    assert make_executor().name == "local"
    ray = make_executor("ray", address="127.0.0.1:9", max_retries=0)
    assert ray.name == "ray"  # nothing connects before it runs


def test_an_unknown_executor_or_setting_is_refused() -> None:
    with pytest.raises(SpeclintError, match=r"^unknown executor 'dask' \(choose from: local, ray\)$"):
        make_executor("dask")
    with pytest.raises(SpeclintError, match="--ray-max-retries must be 0 or more"):
        make_executor("ray", max_retries=-1)
