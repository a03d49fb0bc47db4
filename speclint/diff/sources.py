"""Where the two versions come from: two paths, or the work tree and a git revision.

``--base REV`` reads the old files from git objects (``git ls-tree``, ``git cat-file``) without a
checkout and without writing anything into the repository: each old model is written into a
private temporary directory outside the repository, read into facts, and deleted. The files
under ``variables/`` are written empty: the static reader only asks whether they exist, and a
real model's checkpoint can be gigabytes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from speclint.errors import SpeclintError
from speclint.read.files import SAVED_MODEL_NAMES
from speclint.safe_io import archive_suffix
from speclint.safe_text import display_path

if TYPE_CHECKING:
    from speclint.pipeline import Pipeline

MODEL_FILES = SAVED_MODEL_NAMES


class Side(NamedTuple):
    """One version of one model: how to show it, and how to get its facts."""

    label: str
    load: Callable[[], dict[str, Any]]


class Pair(NamedTuple):
    key: str
    old: Side | None
    new: Side | None


def path_pairs(old: str, new: str, pipeline: Pipeline) -> tuple[list[Pair], list[str]]:
    """``speclint diff OLD NEW``: two models, or two trees whose models pair by relative path.

    Trees are walked as ``check`` walks them (excludes, ``.gitignore``); each side is read
    by ``pipeline`` under the per-model time limit.
    """
    errors: list[str] = []
    read = pipeline.read
    old_models = _models(old, errors, pipeline)
    new_models = _models(new, errors, pipeline)
    if errors:
        return [], errors
    if len(old_models) == 1 and len(new_models) == 1:  # two versions of one model, wherever they lie
        (old_dir,), (new_dir,) = old_models.values(), new_models.values()
        return [Pair(display_path(new_dir), _dir_side(old_dir, read), _dir_side(new_dir, read))], []
    pairs = []
    for key in sorted(set(old_models) | set(new_models)):
        before, after = old_models.get(key), new_models.get(key)
        pairs.append(
            Pair(
                display_path(after or before or key),
                _dir_side(before, read) if before else None,
                _dir_side(after, read) if after else None,
            )
        )
    return pairs, []


def _models(path: str, errors: list[str], pipeline: Pipeline) -> dict[str, str]:
    found = pipeline.discover([path])
    errors.extend(found.errors)
    root = path if os.path.isdir(path) else os.path.dirname(path) or "."
    return {os.path.relpath(model, root): model for model in found.models}


def _dir_side(model_dir: str, read: Callable[[str], dict[str, Any]]) -> Side:
    return Side(display_path(model_dir), lambda: read(model_dir))


# ---------------------------------------------------------------- git


def _git(toplevel: str, *args: str, binary: bool = False) -> Any:
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0"}
    try:
        completed = subprocess.run(
            ["git", "-C", toplevel, *args], capture_output=True, env=env, check=False, timeout=300
        )
    except FileNotFoundError:
        raise SpeclintError("--base needs git, and git is not installed") from None
    if completed.returncode != 0:
        message = completed.stderr.decode("utf-8", "replace").strip().splitlines()
        raise SpeclintError(f"git {args[0]}: {message[-1] if message else 'failed'}")
    return completed.stdout if binary else completed.stdout.decode("utf-8", "surrogateescape")


def git_toplevel(start: str) -> str:
    directory = start if os.path.isdir(start) else os.path.dirname(os.path.abspath(start)) or "."
    while not os.path.isdir(directory):  # a PATH deleted in the work tree: ask from its nearest parent
        directory = os.path.dirname(directory)
    try:
        return os.path.realpath(_git(directory, "rev-parse", "--show-toplevel").strip())
    except SpeclintError:
        raise SpeclintError(f"{display_path(start)}: --base needs a git repository, and this is not in one") from None


class Blob(NamedTuple):
    mode: str
    sha: str
    path: str  # relative to the repository root


def git_pairs(rev: str, paths: list[str], pipeline: Pipeline) -> tuple[list[Pair], list[str]]:
    """``speclint diff --base REV PATH...``: each model under PATH now, against PATH at REV.

    Both sides skip what a walk skips (excludes, ``.gitignore``), and are read by ``pipeline``.
    """
    read = pipeline.read
    toplevel = git_toplevel(paths[0])
    try:
        commit = _git(toplevel, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}").strip()
    except SpeclintError:
        raise SpeclintError(f"--base {rev}: not a commit in {display_path(toplevel)}") from None
    errors: list[str] = []
    old_models: dict[str, list[Blob]] = {}
    new_models: dict[str, str] = {}
    for path in paths:
        relative = os.path.relpath(os.path.realpath(os.path.abspath(path)), toplevel)
        if relative == os.pardir or relative.startswith(os.pardir + os.sep):
            raise SpeclintError(f"{display_path(path)}: outside the git repository {display_path(toplevel)}")
        blobs = _tree(toplevel, commit, relative)
        old_models.update(_kept(_old_models(blobs), toplevel, relative, pipeline.settings.exclusion.excluded))
        if os.path.exists(path):
            found = pipeline.discover([path])
            for model in found.models:
                new_models[os.path.relpath(os.path.realpath(model), toplevel)] = model
        elif not blobs:
            errors.append(f"{display_path(path)}: no such file or directory, now or at {rev}")
    pairs = []
    for key in sorted(set(old_models) | set(new_models)):
        old_side = _git_side(toplevel, rev, key, old_models[key], read) if key in old_models else None
        new_side = _dir_side(new_models[key], read) if key in new_models else None
        shown = new_models.get(key) or os.path.relpath(os.path.join(toplevel, key))  # as the user named it
        pairs.append(Pair(display_path(shown), old_side, new_side))
    if not pairs and not errors:
        errors.append(f"{', '.join(display_path(p) for p in paths)}: no SavedModel found, now or at {rev}")
    return pairs, errors


def _tree(toplevel: str, commit: str, relative: str) -> list[Blob]:
    listing = _git(toplevel, "ls-tree", "-r", "-z", "--full-tree", commit, "--", relative.replace(os.sep, "/"))
    blobs = []
    for record in listing.split("\0"):
        if not record:
            continue
        meta, _, path = record.partition("\t")
        mode, kind, sha = meta.split()
        if kind == "blob" and mode in ("100644", "100755"):  # no symlinks, no submodules
            blobs.append(Blob(mode, sha, path))
    return blobs


def _old_models(blobs: list[Blob]) -> dict[str, list[Blob]]:
    """Model directories at the revision (those holding saved_model.pb/.pbtxt) and their files."""
    dirs = sorted({os.path.dirname(b.path) for b in blobs if os.path.basename(b.path) in MODEL_FILES})
    models: dict[str, list[Blob]] = {}
    for directory in dirs:
        prefix = directory + "/" if directory else ""
        models[directory.replace("/", os.sep) or "."] = [b for b in blobs if b.path.startswith(prefix)]
    for blob in blobs:  # a published archive is a model of its own, read in place (read.archive)
        if archive_suffix(blob.path):
            models[blob.path.replace("/", os.sep)] = [blob]
    return models


def _kept(
    models: dict[str, list[Blob]], toplevel: str, named: str, excluded: Callable[[str], bool]
) -> dict[str, list[Blob]]:
    """The models at the revision that a walk of the PATH named ``named`` would reach: every
    directory below the PATH, the model's own included, is tested as the walk tests it."""
    if os.path.basename(named) in MODEL_FILES:
        named = os.path.dirname(named)  # a model file names its directory
    base = [] if named in ("", os.curdir) else os.path.normpath(named).split(os.sep)
    kept = {}
    for key, blobs in models.items():
        parts = [] if key == os.curdir else key.split(os.sep)
        below = parts[len(base) :] if parts[: len(base)] == base else parts
        directory = os.path.join(toplevel, *parts[: len(parts) - len(below)])
        walked = True
        for part in below:
            directory = os.path.join(directory, part)
            if excluded(directory):
                walked = False
                break
        if walked:
            kept[key] = blobs
    return kept


def _git_side(toplevel: str, rev: str, key: str, blobs: list[Blob], read: Callable[[str], dict[str, Any]]) -> Side:
    label = f"{rev}:{key.replace(os.sep, '/')}"

    def load() -> dict[str, Any]:
        temp = os.path.realpath(tempfile.gettempdir())
        if temp == toplevel or temp.startswith(toplevel + os.sep):
            raise SpeclintError(
                f"the temporary directory {display_path(temp)} is inside the repository; set TMPDIR elsewhere"
            )
        scratch = tempfile.mkdtemp(prefix="speclint-diff-")
        try:
            model_dir = os.path.join(scratch, "model")
            if archive_suffix(key):  # the archive's bytes at REV, read as they are
                model_dir = os.path.join(scratch, os.path.basename(key))
                with open(model_dir, "wb") as handle:
                    handle.write(_git(toplevel, "cat-file", "blob", blobs[0].sha, binary=True))
            pointers = set() if archive_suffix(key) else _materialise(toplevel, key, blobs, model_dir)
            facts = read(model_dir)
            facts["path"] = label
            for error in facts["errors"]:
                if error.get("file") in pointers:
                    error["message"] = f"a Git LFS pointer at {rev}, not the file (speclint reads git objects only)"
            return facts
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    return Side(label, load)


LFS_POINTER = b"version https://git-lfs.github.com/spec/"


def _materialise(toplevel: str, key: str, blobs: list[Blob], target: str) -> set[str]:
    """Write the model's files under target; returns the names that are Git LFS pointers."""
    pointers: set[str] = set()
    prefix = "" if key == "." else key.replace(os.sep, "/") + "/"
    root = os.path.realpath(target)
    for blob in blobs:
        inside = blob.path[len(prefix) :]
        destination = os.path.realpath(os.path.join(target, *inside.split("/")))
        if not destination.startswith(root + os.sep):
            continue  # git forbids '..' in trees; never trust it to
        os.makedirs(os.path.dirname(destination), exist_ok=True)
        stand_in = inside.split("/")[0] == "variables"
        data = b"" if stand_in else _git(toplevel, "cat-file", "blob", blob.sha, binary=True)
        if data.startswith(LFS_POINTER):
            pointers.add(inside)
        with open(destination, "wb") as handle:
            handle.write(data)
    return pointers
