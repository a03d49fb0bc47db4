"""speclint/execute/executors/ray_task.py: a model shipped to a Ray node as a tar, unpacked only inside it."""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

import pytest

from speclint.execute.executors.ray_task import _unpack, pack
from tests.conftest import MODELS


def test_a_shipped_model_cannot_unpack_outside_its_directory(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:") as archive:
        data = b"owned"
        member = tarfile.TarInfo("model/../../escaped")
        member.size = len(data)
        archive.addfile(member, io.BytesIO(data))
    with pytest.raises(tarfile.TarError):
        _unpack(buffer.getvalue(), str(tmp_path / "scratch"))
    assert not (tmp_path / "escaped").exists()
    unpacked = _unpack(pack(str(MODELS / "tf2-feature-vector")), str(tmp_path / "ok"))
    assert sorted(os.listdir(unpacked)) == sorted(os.listdir(MODELS / "tf2-feature-vector"))


def test_packing_a_model_leaves_no_cycle_holding_its_bytes() -> None:
    """tarfile links each member back to its archive: the tar must not wait for the cyclic GC.

    Reference counts, not memory: with the cyclic collector off, the packed bytes are held by
    the caller alone, and nothing tarfile made is left for the collector.
    """
    import gc
    import sys

    enabled = gc.isenabled()
    gc.disable()
    gc.collect()
    try:
        data = pack(str(MODELS / "tf1-hub-feature-vector"))
        assert sys.getrefcount(data) == 2  # ``data`` and getrefcount's own argument
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        left = [type(o).__name__ for o in gc.garbage if isinstance(o, (io.BytesIO, tarfile.TarFile, tarfile.TarInfo))]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if enabled:
            gc.enable()
    assert left == []
