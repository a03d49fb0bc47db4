"""fetch.py fills a cache from git (a local server stands in for GitHub) and from mirrors,
and never accepts bytes that differ from the manifest."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import need

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "benchmarks" / "real_models"))
_spec = importlib.util.spec_from_file_location("bench_fetch", REPO / "benchmarks" / "real_models" / "fetch.py")
assert _spec is not None and _spec.loader is not None
fetch = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fetch)


def git(*args: str, cwd: Path | None = None) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.fixture
def published(tmp_path: Path) -> tuple[Path, dict]:
    """A repository 'owner/name' served from tmp_path/server, and a manifest naming one model in it."""
    need(shutil.which("git") is not None, "git is not installed")
    work = tmp_path / "work"
    files = {"saved_model.pb": b"\x08\x01fake", "variables/variables.index": b"index", "README.md": b"not listed"}
    for rel, data in files.items():
        (work / "models" / rel).parent.mkdir(parents=True, exist_ok=True)
        (work / "models" / rel).write_bytes(data)
    git("init", "-q", str(work))
    git("-c", "user.name=t", "-c", "user.email=t@t", "add", ".", cwd=work)
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "models", cwd=work)
    commit = git("rev-parse", "HEAD", cwd=work)
    server = tmp_path / "server" / "owner" / "name.git"
    git("clone", "-q", "--bare", str(work), str(server))
    git("--git-dir", str(server), "config", "uploadpack.allowFilter", "true")
    git("--git-dir", str(server), "config", "uploadpack.allowAnySHA1InWant", "true")
    listed = ("saved_model.pb", "variables/variables.index")
    listing = [{"path": p, "size": len(files[p]), "sha256": hashlib.sha256(files[p]).hexdigest()} for p in listed]
    entry = {"id": "m1", "repository": "owner/name", "commit": commit, "path": "models", "files": listing}
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"models": [entry]}))
    return manifest, entry


def test_git_fills_the_cache_with_exactly_the_listed_files(
    published: tuple[Path, dict], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest, _ = published
    monkeypatch.setenv(fetch.GIT_BASE_ENV, f"file://{tmp_path / 'server'}/")
    cache = tmp_path / "cache"
    assert fetch.main(["--manifest", str(manifest), "--cache", str(cache)]) == 0
    got = sorted(str(p.relative_to(cache)) for p in cache.rglob("*") if p.is_file())
    assert got == ["m1/saved_model.pb", "m1/variables/variables.index"]
    assert fetch.main(["--manifest", str(manifest), "--cache", str(cache), "--check"]) == 0


def test_mirror_and_changed_bytes(
    published: tuple[Path, dict], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest, entry = published
    mirror = tmp_path / "mirror"
    (mirror / "owner+name").mkdir(parents=True)
    shutil.copytree(tmp_path / "server" / "owner" / "name.git", mirror / "owner+name" / "repo")
    cache = tmp_path / "cache"
    assert fetch.main(["--manifest", str(manifest), "--cache", str(cache), "--from-mirror", str(mirror)]) == 0
    (cache / "m1" / "saved_model.pb").write_bytes(b"\x08\x01FAKE")  # same size, other bytes
    assert fetch.main(["--manifest", str(manifest), "--cache", str(cache), "--check"]) == 1
    assert "m1: saved_model.pb: sha256" in capsys.readouterr().out
    entry["files"][0]["sha256"] = "0" * 64  # the source no longer gives what the manifest says
    manifest.write_text(json.dumps({"models": [entry]}))
    assert fetch.main(["--manifest", str(manifest), "--cache", str(cache), "--from-mirror", str(mirror)]) == 1
    assert "source gives" in capsys.readouterr().out
    assert fetch.main(["--manifest", str(manifest), "--cache", str(cache), "--only", "nope"]) == 2
