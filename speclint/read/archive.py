"""A published model read in place: a ``.tar.gz`` (``.tgz``, ``.tar``) or ``.zip``, never extracted.

tfhub.dev published every model as the ``.tar.gz`` its ``asset-path`` names; Kaggle takes a
folder, a ``.zip`` or a ``.tar``. A consumer extracts the archive and loads what comes out, so
the archive is judged as extraction would see it, member by member:

* a member whose path is absolute or uses ``..``, a symbolic or hard link, and a device, FIFO
  or other special member are refused (never read) and reported: extraction could write or
  link outside the model, or block;
* the model root is the shallowest directory holding ``saved_model.pb(txt)`` or
  ``tfhub_module.pb``; a member outside it is refused and reported;
* a path stored twice is reported; the last copy is the one read, as ``tar`` and ``unzip`` keep it;
* at most ``MAX_MEMBERS`` members and ``MAX_TOTAL_BYTES`` of declared content, each file read at
  most ``max_bytes``: a bomb costs a bounded scan, never the disk or the memory.

A tar archive is read as a stream (one pass for the index, one for the few files the readers
need, both on the same descriptor); a zip by its central directory. Everything the readers ask
for (``saved_model.pb``, ``tfhub_module.pb``, ``fingerprint.pb``, ``keras_metadata.pb``, the
documentation at the root) is read once into memory; the variables are never decompressed.
"""

from __future__ import annotations

import re
import stat
from collections.abc import Iterator
from typing import Any, BinaryIO, NamedTuple, cast

from speclint.read.files import (
    CHECKPOINT_DATA,
    CHECKPOINT_INDEX,
    CHECKPOINT_INDEX_BYTES,
    LISTING_CAP,
    SAVED_MODEL_NAMES,
    SNIFF_BYTES,
    SUPPRESSIONS_BYTES,
    SUPPRESSIONS_FILE,
)
from speclint.safe_io import (
    DEFAULT_MAX_BYTES,
    PROTOBUF_LIMIT,
    ReadError,
    archive_suffix,
    kind_of_mode,
    open_regular,
)
from speclint.safe_text import display_path
from speclint.vocabulary import Json

MAX_MEMBERS = 100_000
MAX_TOTAL_BYTES = 64 << 30  # declared content of all members: 64 GiB
MODEL_FILES = (*SAVED_MODEL_NAMES, "tfhub_module.pb")  # what makes a directory a model, as in discover
READ_AT_ROOT = (*MODEL_FILES, "fingerprint.pb", "keras_metadata.pb")
DOCUMENT_BYTES = 4 << 20  # a documentation file (README.md, model-instance-metadata.json) read for claims
MAX_DOCUMENTS = 32
MAX_PROBLEMS = 200  # refused members listed in the facts (the count is always exact)
NAME_CHARS = 240  # a member name is shown at most this long
KAGGLE_METADATA = "model-instance-metadata.json"

_ERRORS: tuple[type[BaseException], ...] = (OSError, EOFError, ValueError, RuntimeError, NotImplementedError)


class _Member(NamedTuple):
    """One member as stored: where it is in the archive and what it is."""

    position: int  # index in the archive's member order
    name: str  # as stored in the archive
    path: str  # normalised, relative to the archive's top ('' for the top itself)
    kind: str  # "file" | "dir" | "refused"
    size: int
    problem: str | None = None  # refused: one of PROBLEMS
    reason: str | None = None  # refused: the words
    info: Any = None  # zipfile.ZipInfo, to open this very member


PROBLEMS = ("escapes", "link", "special", "encrypted", "outside-root", "duplicate")


def is_documentation(name: str) -> bool:
    """A file at the model root that may hold the publisher's claims (read into memory, small)."""
    return name == KAGGLE_METADATA or name.lower().endswith(".md")


class ArchiveTree:
    """The model inside one archive, indexed when opened; ``ReadError`` when it cannot be read at all."""

    skips_hidden = False  # a dot file in an archive is extracted with the model

    def __init__(self, path: str, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.label = path
        suffix = archive_suffix(path) or ".tar"
        self.kind = suffix.lstrip(".") if suffix != ".tgz" else "tar.gz"
        self.max_bytes = max_bytes
        self.root = ""
        self.member_count = 0
        self.total_bytes = 0
        self.problems: list[Json] = []
        self.problem_count = 0
        self._files: dict[str, int] = {}
        self._dirs: set[str] = {""}
        self._data: dict[str, bytes | ReadError] = {}
        handle = open_regular(path)
        try:
            if self.kind == "zip":
                self._read_zip(handle)
            else:
                self._read_tar(handle)
        finally:
            handle.close()

    # ---- the ModelTree interface ------------------------------------------------------------

    def size(self, relative: str) -> int | None:
        return self._files.get(relative)

    def is_dir(self, relative: str) -> bool:
        return relative in self._dirs

    def listing(self, relative: str, limit: int = LISTING_CAP) -> list[str]:
        if relative not in self._dirs:
            return []
        prefix = relative + "/" if relative else ""
        return sorted(p[len(prefix) :] for p in self._files if p.startswith(prefix))[:limit]

    def all_files(self, limit: int = LISTING_CAP) -> list[str]:
        return sorted(self._files)[:limit]

    def top_files(self) -> list[str]:
        return sorted(p for p in self._files if "/" not in p)

    def read(self, relative: str, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
        data = self._data.get(relative)
        if isinstance(data, ReadError):
            raise data
        if data is None:
            raise ReadError("not a member of the archive speclint reads")
        if len(data) > max_bytes:
            raise ReadError(f"file is {len(data)} bytes, above the size cap of {max_bytes} bytes (--max-file-size)")
        return data

    def facts(self) -> Json:
        """``facts["archive"]``: what the archive holds and which members were refused, and why."""
        return {
            "file": display_path(self.label),
            "kind": self.kind,
            "root": display_path(self.root),
            "members": self.member_count,
            "bytes": self.total_bytes,
            "problem_count": self.problem_count,
            "problems": self.problems,
        }

    # ---- tar ----------------------------------------------------------------------------------

    def _read_tar(self, handle: BinaryIO) -> None:
        members = list(self._tar_pass(handle, None))
        wanted = self._index(members)
        if wanted:
            handle.seek(0)
            for _ in self._tar_pass(handle, wanted):
                pass

    def _tar_pass(self, handle: BinaryIO, wanted: dict[int, tuple[str, int, str]] | None) -> Iterator[_Member]:
        """Pass one (``wanted`` None): every member's header. Pass two: the data of ``wanted`` members."""
        import tarfile
        import zlib

        errors: tuple[type[BaseException], ...] = (tarfile.TarError, zlib.error, *_ERRORS)
        try:
            with tarfile.open(fileobj=handle, mode="r|*") as archive:
                for index, info in enumerate(archive):
                    if wanted is None:
                        yield self._count(_tar_member(index, info))
                    elif index in wanted:
                        relative, cap, name = wanted[index]
                        if info.name != name:
                            raise ReadError("the archive changed while it was being read; not read")
                        stream = archive.extractfile(info)
                        self._data[relative] = _capped(stream.read(cap + 1) if stream else b"", cap)
                        del wanted[index]
                        if not wanted:
                            return
                    cast(Any, archive).members.clear()  # a stream keeps every header otherwise
        except errors as exc:
            raise ReadError(f"not a readable {self.kind} archive ({_short(exc)})") from None

    # ---- zip ----------------------------------------------------------------------------------

    def _read_zip(self, handle: BinaryIO) -> None:
        import zipfile
        import zlib

        errors: tuple[type[BaseException], ...] = (zipfile.BadZipFile, zlib.error, *_ERRORS)
        try:
            archive = zipfile.ZipFile(handle)
        except errors as exc:
            raise ReadError(f"not a readable zip archive ({_short(exc)})") from None
        with archive:
            infos = archive.infolist()
            if len(infos) > MAX_MEMBERS:
                raise ReadError(
                    f"the archive holds {len(infos)} members, above speclint's cap of {MAX_MEMBERS}; not read"
                )
            members = [self._count(_zip_member(index, info)) for index, info in enumerate(infos)]
            wanted = self._index(members)
            for index, (relative, cap, _) in wanted.items():
                try:
                    with archive.open(members[index].info) as stream:
                        self._data[relative] = _capped(stream.read(cap + 1), cap)
                except errors as exc:
                    self._data[relative] = ReadError(f"cannot be read from the zip archive ({_short(exc)})")

    # ---- shared ---------------------------------------------------------------------------------

    def _count(self, member: _Member) -> _Member:
        """Enforce the caps as members arrive, before anything is decompressed further."""
        self.member_count += 1
        if self.member_count > MAX_MEMBERS:
            raise ReadError(f"the archive holds more than {MAX_MEMBERS} members, speclint's cap; not read")
        if member.kind == "file":
            self.total_bytes += member.size
            if self.total_bytes > MAX_TOTAL_BYTES:
                raise ReadError(
                    f"the archive's members hold more than {MAX_TOTAL_BYTES >> 30} GiB, speclint's cap; not read"
                )
        return member

    def _index(self, members: list[_Member]) -> dict[int, tuple[str, int, str]]:
        """Choose the model root, file every member under it, refuse the rest; return what to read."""
        last: dict[str, _Member] = {}
        copies: dict[str, int] = {}
        for member in members:
            if member.kind == "refused":
                self._flag(member.name, member.problem or "special", member.reason or "")
                continue
            if not member.path:
                continue  # the archive's top directory itself ('./')
            copies[member.path] = copies.get(member.path, 0) + 1
            last[member.path] = member
        for path, count in copies.items():
            if count > 1:
                self._flag(
                    last[path].name,
                    "duplicate",
                    f"is stored {count} times; extraction keeps the last copy, which is the one read",
                )
        roots = sorted(
            (path.rsplit("/", 1)[0] if "/" in path else "")
            for path, member in last.items()
            if member.kind == "file" and path.rsplit("/", 1)[-1] in MODEL_FILES
        )
        self.root = min(roots, key=lambda root: (root.count("/") + bool(root), root)) if roots else ""
        prefix = self.root + "/" if self.root else ""
        for path, member in last.items():
            if not path.startswith(prefix):
                if member.kind == "file" and not prefix.startswith(path + "/"):
                    self._flag(member.name, "outside-root", f"is outside the model root '{self.root}/'")
                continue
            relative = path[len(prefix) :]
            parts = relative.split("/")
            self._dirs.update("/".join(parts[:i]) for i in range(1, len(parts)))
            if member.kind == "dir":
                self._dirs.add(relative)
            else:
                self._files[relative] = member.size
        return self._wanted(last, prefix)

    def _wanted(self, last: dict[str, _Member], prefix: str) -> dict[int, tuple[str, int, str]]:
        wanted: dict[int, tuple[str, int, str]] = {}
        documents = 0
        for relative in sorted(self._files):
            if relative in self._dirs:
                continue
            if relative == CHECKPOINT_INDEX:  # read.checkpoint: what the index promises
                cap = min(self.max_bytes, CHECKPOINT_INDEX_BYTES)
            elif relative.startswith(CHECKPOINT_DATA) and self._files[relative] <= SNIFF_BYTES:
                cap = SNIFF_BYTES  # a shard this small may be a Git LFS pointer: its start says so
            elif "/" in relative:
                continue
            elif relative in READ_AT_ROOT:
                cap = self.max_bytes
            elif relative == SUPPRESSIONS_FILE:
                cap = min(self.max_bytes, SUPPRESSIONS_BYTES)
            elif is_documentation(relative) and documents < MAX_DOCUMENTS:
                documents += 1
                cap = min(self.max_bytes, DOCUMENT_BYTES)
            else:
                continue
            member = last[prefix + relative]
            problem = _too_big(member.size, cap, self.max_bytes)
            if problem:
                self._data[relative] = ReadError(problem)
            else:
                wanted[member.position] = (relative, cap, member.name)
        return wanted

    def _flag(self, name: str, problem: str, reason: str) -> None:
        self.problem_count += 1
        if len(self.problems) >= MAX_PROBLEMS:
            return
        shown = display_path(name)
        if len(shown) > NAME_CHARS:
            shown = shown[:NAME_CHARS] + "..."
        self.problems.append(
            {
                "member": shown,
                "problem": problem,
                "reason": reason,
                "where": f"member '{shown}'",
                "summary": f"'{shown}' {reason}",
            }
        )


def _tar_member(index: int, info: Any) -> _Member:
    name = info.name
    if info.issym() or info.islnk():
        kind = "symbolic" if info.issym() else "hard"
        target = display_path(info.linkname)[:NAME_CHARS]
        return _Member(index, name, "", "refused", 0, "link", f"is a {kind} link to '{target}'; not followed")
    if info.ischr() or info.isblk() or info.isfifo():
        what = "character device" if info.ischr() else "block device" if info.isblk() else "named pipe (FIFO)"
        return _Member(index, name, "", "refused", 0, "special", f"is a {what}; not read")
    kind = "dir" if info.isdir() else "file" if info.isfile() else "special"
    if kind == "special":
        return _Member(index, name, "", "refused", 0, "special", f"is a special member (tar type {info.type!r})")
    return _checked(_Member(index, name, "", kind, int(info.size) if kind == "file" else 0))


def _zip_member(index: int, info: Any) -> _Member:
    name = info.filename
    # Unix permissions and file type; many writers (Python's zipfile among them) set no type bits
    mode = info.external_attr >> 16 if info.create_system == 3 else 0
    if stat.S_ISLNK(mode):
        return _Member(index, name, "", "refused", 0, "link", "is a symbolic link; not followed", info)
    if stat.S_IFMT(mode) and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        return _Member(index, name, "", "refused", 0, "special", f"is a {kind_of_mode(mode)}; not read", info)
    if info.flag_bits & 0x1:
        return _Member(index, name, "", "refused", 0, "encrypted", "is encrypted; not read", info)
    kind = "dir" if info.is_dir() else "file"
    return _checked(_Member(index, name, "", kind, int(info.file_size) if kind == "file" else 0, info=info))


def _checked(member: _Member) -> _Member:
    """The member with its normalised path, or refused when extraction would put it outside."""
    reason = escape_reason(member.name)
    if reason is not None:
        return member._replace(kind="refused", problem="escapes", reason=reason)
    parts = [part for part in member.name.split("/") if part not in ("", ".")]
    return member._replace(path="/".join(parts))


def escape_reason(name: str) -> str | None:
    """Why extracting a member of this name would not put it under the extraction directory, or None.

    Both separators count (a Windows ``unzip`` splits on ``\\``); any ``..`` is refused, since a
    model has no reason for one and extractors disagree on what it means.
    """
    if "\x00" in name:
        return "has a NUL byte in its name; not read"
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return "has an absolute path: extraction would write it outside the model; not read"
    if ".." in re.split(r"[\\/]+", name):
        return "climbs out with '..': extraction could write it outside the model; not read"
    return None


def _too_big(size: int, cap: int, max_bytes: int) -> str | None:
    if size > PROTOBUF_LIMIT:
        return f"file is {size} bytes, above protobuf's 2 GiB message limit"
    if size > cap:
        which = "(--max-file-size)" if cap == max_bytes else "for a documentation file"
        return f"file is {size} bytes, above the size cap of {cap} bytes {which}"
    return None


def _capped(data: bytes, cap: int) -> bytes | ReadError:
    if len(data) > cap:
        return ReadError(f"file is above the size cap of {cap} bytes once decompressed")
    return data


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:160]
