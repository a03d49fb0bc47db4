"""Read a file that may be hostile without ever waiting on it: regular files only, non-blocking.

A model tree from a pull request can hold a FIFO named ``saved_model.pb``, a ``.gitignore`` or
``pyproject.toml`` that links to ``/proc/kmsg``, or a device. ``open`` of a FIFO waits for a
writer and ``read`` of ``/proc/kmsg`` waits for the kernel; so the file is opened with
``O_NONBLOCK``, checked with ``fstat`` after ``open`` (no race with a swapped link), and a read
that would block is an error. No protobuf here: discovery and config use it before any model.
"""

from __future__ import annotations

import os
import stat
from typing import BinaryIO

DEFAULT_MAX_BYTES = 1 << 30  # 1 GiB; configurable with --max-file-size
PROTOBUF_LIMIT = (1 << 31) - 1  # protobuf cannot parse a message of 2 GiB or more
KERNEL_TREES = ("/proc/", "/sys/", "/dev/")
_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)


ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar", ".zip")
"""Published models read in place (``speclint model.tar.gz``): tfhub.dev's ``.tar.gz``, Kaggle's ``.zip``."""


class ReadError(Exception):
    """A file that cannot be read as what its name promises; the message is one line."""


def archive_suffix(path: str) -> str | None:
    """The archive suffix of a file name (``.tar.gz``...), lower case, or None: decided by name alone."""
    lowered = path.lower()
    return next((suffix for suffix in ARCHIVE_SUFFIXES if lowered.endswith(suffix)), None)


def open_regular(path: str) -> BinaryIO:
    """An unbuffered handle on a regular file, opened as ``read_regular`` opens it (never blocking,
    no FIFO, device or kernel file): for an archive, which is read as a stream, never whole."""
    descriptor, _ = _open_checked(path)
    return os.fdopen(descriptor, "rb", buffering=0)


def _open_checked(path: str) -> tuple[int, os.stat_result]:
    """A descriptor on ``path`` after ``fstat`` proved it a regular file (no race with a swapped link)."""
    if os.path.realpath(path).startswith(KERNEL_TREES):  # "regular" files whose reads have effects
        raise ReadError("is a kernel file (under /proc, /sys or /dev), not a model file; not read")
    try:
        descriptor = os.open(path, _FLAGS)
    except PermissionError:
        raise ReadError("permission denied") from None
    except IsADirectoryError:
        raise ReadError("is a directory, not a file") from None
    except OSError as exc:
        raise ReadError(f"cannot read: {exc.strerror or exc}") from None
    try:
        info = os.fstat(descriptor)
        if stat.S_ISDIR(info.st_mode):
            raise ReadError("is a directory, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise ReadError(f"is a {kind_of_mode(info.st_mode)}, not a regular file; not read")
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor, info


def read_regular(path: str, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The whole file, if it is a regular file of at most ``max_bytes``; else ``ReadError``."""
    descriptor, info = _open_checked(path)
    with os.fdopen(descriptor, "rb", buffering=0) as handle:
        size = info.st_size
        if size > PROTOBUF_LIMIT:
            raise ReadError(f"file is {size} bytes, above protobuf's 2 GiB message limit")
        if size > max_bytes:
            raise ReadError(f"file is {size} bytes, above the size cap of {max_bytes} bytes (--max-file-size)")
        data = _read_all(handle, max_bytes + 1, size)
    if len(data) > max_bytes:
        raise ReadError(f"file grew above the size cap of {max_bytes} bytes while being read")
    return data


def _read_all(handle: BinaryIO, limit: int, expected: int = 0) -> bytes:
    """Up to ``limit`` bytes; a read that would block (``/proc/kmsg``) is an error, never a wait.

    The first read asks for the whole ``expected`` size (plus one byte, to see the end): a file
    that does not change is one buffer, never chunks joined into a second copy of the model.
    """
    chunks: list[bytes] = []
    total = 0
    try:
        while total < limit:
            chunk = handle.read(min(limit - total, expected + 1 if not chunks else 1 << 26))
            if chunk is None:  # non-blocking read with nothing available
                raise ReadError("reading it would block (a special file, not a model file); not read")
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except BlockingIOError:
        raise ReadError("reading it would block (a special file, not a model file); not read") from None
    except OSError as exc:
        raise ReadError(f"cannot read: {exc.strerror or exc}") from None
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def kind_of_mode(mode: int) -> str:
    """What a file that is not regular is, in words (``named pipe (FIFO)``, ``character device``...)."""
    for test, name in (
        (stat.S_ISFIFO, "named pipe (FIFO)"),
        (stat.S_ISCHR, "character device"),
        (stat.S_ISBLK, "block device"),
        (stat.S_ISSOCK, "socket"),
    ):
        if test(mode):
            return name
    return "special file"
