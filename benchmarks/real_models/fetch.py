"""Fill the real-model benchmark cache from the manifest, and prove every file is the published one.

    python benchmarks/real_models/fetch.py                     # git over the network
    python benchmarks/real_models/fetch.py --from-mirror /work/.mirror
    python benchmarks/real_models/fetch.py --check             # verify only, fetch nothing
    python benchmarks/real_models/fetch.py --only rm001_tm-plant-disease-2class,rm002_...

The cache is ``--cache``, else ``$SPECLINT_BENCH_CACHE``, else ``~/.cache/speclint/real-models``;
it gets one directory per model id holding exactly the files the manifest lists. A model already
there with every sha256 right is left alone, so the script can be re-run as the manifest grows.

With a network, each repository is fetched with git at the manifest's commit, shallow and
without blobs (``--filter=blob:none``); only the files the manifest names are then read, so a
repository of gigabytes costs a few megabytes. ``$SPECLINT_BENCH_GIT_BASE`` replaces
``https://github.com/`` (a mirror, or a local server in a test). ``--from-mirror DIR`` reads the same files from
local git directories instead (``DIR/owner+name/repo[/.git]``, ``DIR/owner+name[.git]`` or
``DIR/owner/name[.git]``), such as the snapshots the ``fetch`` tool leaves in ``/work/.mirror``.

Files a repository has but the manifest lists under ``omitted_files`` (blobs the source snapshot
did not carry) are not fetched: the benchmark is the listed files, so that its labels stay true.

Every file is written to a temporary directory, checked against its size and sha256, and the
model directory is replaced only when all of them are right. Exit status: 0 when every selected
model is in the cache and verified, 1 when some are missing or differ (each named, one line per
file), 2 for a usage error (unknown id, unreadable manifest).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_cache import MANIFEST, ManifestError, Problem, default_cache, load_manifest, verify_model

GIT_BASE_ENV = "SPECLINT_BENCH_GIT_BASE"  # where repositories are fetched from; a mirror or a test server


class SourceError(Exception):
    """A repository or a file could not be had from the chosen source."""


def mirror_git_dir(root: Path, repository: str) -> Path:
    """The local git directory of ``owner/name`` under a mirror root."""
    owner, name = repository.split("/", 1)
    flat = f"{owner}+{name}"
    for candidate in (
        root / flat / "repo" / ".git",
        root / flat / "repo",
        root / flat,
        root / f"{flat}.git",
        root / owner / name / ".git",
        root / owner / name,
        root / owner / f"{name}.git",
    ):
        if (candidate / "objects").is_dir():
            return candidate
    raise SourceError(f"{repository}: no git directory under {root}")


def network_git_dir(work: Path, repository: str, commit: str) -> Path:
    """A blobless shallow clone of one commit; blobs are fetched when a file is read."""
    git_dir = work / (repository.replace("/", "+") + ".git")
    if (git_dir / "objects").is_dir():
        return git_dir
    url = f"{os.environ.get(GIT_BASE_ENV, 'https://github.com/')}{repository}.git"
    steps = [
        ["git", "init", "--quiet", "--bare", str(git_dir)],
        ["git", "--git-dir", str(git_dir), "remote", "add", "origin", url],
        ["git", "--git-dir", str(git_dir), "config", "remote.origin.promisor", "true"],
        ["git", "--git-dir", str(git_dir), "config", "remote.origin.partialclonefilter", "blob:none"],
        ["git", "--git-dir", str(git_dir), "fetch", "--quiet", "--depth", "1", "--filter=blob:none", "origin", commit],
    ]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            shutil.rmtree(git_dir, ignore_errors=True)
            reason = (done.stderr.strip().splitlines() or ["git failed"])[-1]
            raise SourceError(f"{repository}@{commit[:12]}: {reason}")
    return git_dir


def read_blob(git_dir: Path, commit: str, path: str) -> bytes:
    done = subprocess.run(
        ["git", "--git-dir", str(git_dir), "cat-file", "blob", f"{commit}:{path}"], capture_output=True, check=False
    )
    if done.returncode != 0:
        reason = (done.stderr.decode("utf-8", "replace").strip().splitlines() or ["not found"])[-1]
        raise SourceError(f"{path}: {reason}")
    return done.stdout


def fill_model(cache: Path, entry: dict[str, Any], git_dir: Path) -> list[Problem]:
    """Write one model's files into a fresh directory, verify, then put it in place."""
    problems: list[Problem] = []
    staging = Path(tempfile.mkdtemp(prefix=f".{entry['id']}.", dir=cache))
    try:
        for item in entry["files"]:
            repo_path = f"{entry['path']}/{item['path']}" if entry["path"] else item["path"]
            try:
                data = read_blob(git_dir, entry["commit"], repo_path)
            except SourceError as exc:
                problems.append(Problem(entry["id"], item["path"], "missing", str(exc)))
                continue
            digest = hashlib.sha256(data).hexdigest()
            if len(data) != item["size"] or digest != item["sha256"]:
                problems.append(
                    Problem(
                        entry["id"],
                        item["path"],
                        "sha256",
                        f"source gives {len(data)} bytes {digest[:12]}..., manifest says "
                        f"{item['size']} bytes {item['sha256'][:12]}...",
                    )
                )
                continue
            target = staging / item["path"]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        if problems:
            return problems
        final = cache / entry["id"]
        if final.exists():
            shutil.rmtree(final)
        staging.rename(final)
        return verify_model(cache, entry)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def select(models: list[dict[str, Any]], only: str | None) -> list[dict[str, Any]]:
    if not only:
        return models
    wanted = [w.strip() for w in only.split(",") if w.strip()]
    known = {m["id"] for m in models}
    unknown = [w for w in wanted if w not in known]
    if unknown:
        raise ManifestError(f"unknown model id(s): {', '.join(unknown)}")
    return [m for m in models if m["id"] in wanted]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--cache",
        type=Path,
        default=None,
        help="cache directory (default: $SPECLINT_BENCH_CACHE or ~/.cache/speclint/real-models)",
    )
    parser.add_argument("--manifest", type=Path, default=MANIFEST)
    parser.add_argument(
        "--from-mirror",
        type=Path,
        default=None,
        metavar="DIR",
        help="read repositories from local git directories under DIR instead of the network",
    )
    parser.add_argument("--only", default=None, help="comma-separated model ids")
    parser.add_argument("--check", action="store_true", help="verify the cache only; fetch nothing")
    args = parser.parse_args(argv)
    try:
        models = select(load_manifest(args.manifest), args.only)
    except ManifestError as exc:
        print(f"fetch: error: {exc}", file=sys.stderr)
        return 2
    cache = (args.cache or default_cache()).expanduser()
    if args.from_mirror is not None and not args.from_mirror.is_dir():
        print(f"fetch: error: {args.from_mirror}: no such directory", file=sys.stderr)
        return 2
    cache.mkdir(parents=True, exist_ok=True)
    ok, bad = 0, 0
    with tempfile.TemporaryDirectory(prefix="speclint-bench-git-") as work:
        for entry in models:
            problems = verify_model(cache, entry)
            if problems and not args.check:
                try:
                    git_dir = (
                        mirror_git_dir(args.from_mirror, entry["repository"])
                        if args.from_mirror
                        else network_git_dir(Path(work), entry["repository"], entry["commit"])
                    )
                    problems = fill_model(cache, entry, git_dir)
                except SourceError as exc:
                    problems = [Problem(entry["id"], "*", "missing", str(exc))]
            if problems:
                bad += 1
                for problem in problems:
                    print(f"FAIL {problem.line()}")
            else:
                ok += 1
                print(f"ok   {entry['id']}")
    print(f"{ok} model(s) verified in {cache}; {bad} missing or different")
    return 0 if bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
