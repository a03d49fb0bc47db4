"""``read_regular``: the one way speclint reads a file that came with an untrusted tree."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from speclint.safe_io import ReadError, read_regular


def test_a_regular_file_is_read_whole(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"x" * 300_000)
    assert read_regular(str(tmp_path / "f")) == b"x" * 300_000


def test_the_size_cap_is_checked_before_reading(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"x" * 101)
    with pytest.raises(ReadError, match="above the size cap of 100 bytes"):
        read_regular(str(tmp_path / "f"), 100)


@pytest.mark.parametrize("target", ["/proc/kmsg", "/proc/self/status", "/dev/zero", "/sys/kernel/notes"])
def test_kernel_files_are_never_opened(tmp_path: Path, target: str) -> None:
    os.symlink(target, tmp_path / "link")
    with pytest.raises(ReadError, match="kernel file"):
        read_regular(str(tmp_path / "link"))


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    start = time.monotonic()
    with pytest.raises(ReadError, match=r"is a named pipe \(FIFO\), not a regular file"):
        read_regular(str(tmp_path / "pipe"))
    assert time.monotonic() - start < 5


def test_a_directory_is_named(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="is a directory"):
        read_regular(str(tmp_path))
