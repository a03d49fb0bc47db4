"""speclint/fix/paths.py: OUT is never IN, a failed fix removes only what it created."""

from __future__ import annotations

from pathlib import Path

import pytest

from speclint.errors import SpeclintError
from speclint.fix.paths import Destination


def test_destination_checks(tmp_path: Path) -> None:
    source = tmp_path / "model"
    source.mkdir()
    with pytest.raises(SpeclintError, match="OUT is IN"):
        Destination(str(source), str(tmp_path / "." / "model"))
    with pytest.raises(SpeclintError, match="not a model directory"):
        Destination(str(tmp_path / "missing"), str(tmp_path / "out"))
    made = Destination(str(source), str(tmp_path / "out"))
    made.create()
    (tmp_path / "out" / "saved_model.pb").write_bytes(b"x")
    made.discard()
    assert not (tmp_path / "out").exists()
    (tmp_path / "empty").mkdir()
    kept = Destination(str(source), str(tmp_path / "empty"))
    kept.create()
    (tmp_path / "empty" / "variables").mkdir()
    kept.discard()
    assert (tmp_path / "empty").is_dir() and not list((tmp_path / "empty").iterdir())
    with pytest.raises(SpeclintError, match="cannot create"):
        Destination(str(source), str(tmp_path / "no" / "parent")).create()
