"""speclint/read/archive.py: a published model read in place, never extracted, judged as extraction sees it."""

from __future__ import annotations

import copy
import io
import json
import os
import shutil
import stat
import tarfile
import warnings
import zipfile
from pathlib import Path
from typing import Any

import pytest

from speclint.read import archive as archive_module
from speclint.read import read_model
from speclint.rules.ruleset import RuleSet
from tests.conftest import MODELS, fixture_dirs, need, need_tensorflow, run_speclint, tree_digest

RULES = RuleSet()
GOOD = MODELS / "tf2-feature-vector"
ARCHIVE_FIXTURES = ("archive-tf2-feature-vector.tar.gz", "archive-escape.tar.gz", "archive-stray.zip")


def files_of(model: Path, prefix: str = "") -> list[tuple[str, bytes]]:
    return [(prefix + p.relative_to(model).as_posix(), p.read_bytes()) for p in sorted(model.rglob("*")) if p.is_file()]


def write_tar(
    path: Path, members: list[tuple[str, bytes]], specials: list[tarfile.TarInfo] = (), mode: str = "w:gz"
) -> Path:  # type: ignore[assignment]
    with tarfile.open(path, mode) as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for info in specials:
            tar.addfile(info)
    return path


def write_zip(path: Path, members: list[tuple[str, bytes]], modes: dict[str, int] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, data in members:
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if modes and name in modes:
                info.external_attr = modes[name] << 16
            archive.writestr(info, data)
    return path


def special(name: str, kind: bytes, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    return info


def comparable(facts: dict[str, Any]) -> dict[str, Any]:
    """The facts an archive and its directory must share: all but where they came from."""
    facts = copy.deepcopy(facts)
    for key in ("path", "archive"):
        facts.pop(key)
    facts["files"].pop("unusable")
    return facts


def problems(facts: dict[str, Any]) -> list[tuple[str, str]]:
    return [(p["problem"], p["member"]) for p in facts["archive"]["problems"]]


# ---- the same facts as the directory -----------------------------------------------------------------


def test_every_golden_fixture_archived_gives_the_directory_s_facts(tmp_path: Path) -> None:
    models = fixture_dirs()
    need(len(models) > 50, "golden fixtures missing (run golden/make_fixtures.py)")
    for model in models:
        archived = write_tar(tmp_path / f"{model.name}.tar.gz", files_of(model))  # as `tar -czf x.tar.gz *`
        facts = read_model(str(archived))
        assert comparable(facts) == comparable(read_model(str(model))), model.name
        assert facts["archive"]["problems"] == [] and facts["archive"]["root"] == ""


@pytest.mark.parametrize("name", ["tf1-hub-feature-vector-pbtxt", "sec-keras-lambda", "tf2-feature-vector-training"])
def test_zip_tar_and_a_nested_root_give_the_same_facts(tmp_path: Path, name: str) -> None:
    model = MODELS / name
    expected = comparable(read_model(str(model)))
    for archived in (
        write_zip(tmp_path / f"{name}.zip", files_of(model, f"{name}/")),
        write_tar(tmp_path / f"{name}.tar", files_of(model, "./"), mode="w"),
        write_tar(tmp_path / f"{name}.tgz", files_of(model, "export/1/"), mode="w:gz"),
    ):
        facts = read_model(str(archived))
        assert comparable(facts) == expected, archived.name
        assert facts["archive"]["root"] in ("", name, "export/1") and facts["archive"]["problems"] == []


def test_reading_writes_nothing_and_extracts_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    archived = write_tar(tmp_path / "m.tar.gz", files_of(GOOD))
    before = tree_digest(tmp_path)
    result = run_speclint("check", str(archived))
    assert result.returncode == 0, result.stdout + result.stderr
    assert tree_digest(tmp_path) == before and not any(scratch.iterdir())


# ---- what extraction would do to the consumer: refused, reported, never read --------------------------


def test_members_that_leave_the_model_are_refused(tmp_path: Path) -> None:
    members = [*files_of(GOOD), ("/etc/cron.d/x", b"x"), ("../up.txt", b"x"), ("assets/../../up2.txt", b"x")]
    specials = [
        special("assets/passwd", tarfile.SYMTYPE, "/etc/passwd"),
        special("assets/hard", tarfile.LNKTYPE, "saved_model.pb"),
        special("dev/tty", tarfile.CHRTYPE),
        special("dev/disk", tarfile.BLKTYPE),
        special("variables/pipe", tarfile.FIFOTYPE),
    ]
    facts = read_model(str(write_tar(tmp_path / "m.tar.gz", members, specials)))
    assert sorted(problems(facts)) == [
        ("escapes", "../up.txt"),
        ("escapes", "/etc/cron.d/x"),
        ("escapes", "assets/../../up2.txt"),
        ("link", "assets/hard"),
        ("link", "assets/passwd"),
        ("special", "dev/disk"),
        ("special", "dev/tty"),
        ("special", "variables/pipe"),
    ]
    assert facts["files"]["assets"] == [] and facts["meta_graphs"], "refused members are not part of the model"
    findings = RULES.check(facts).findings
    assert {f.code for f in findings} == {"SL207"}  # the model itself is read and conforms
    where = sorted(location.where for f in findings for location in f.all_locations)
    assert where == sorted(f"member '{member}'" for _, member in problems(facts))


def test_zip_links_backslash_paths_and_encryption_are_refused(tmp_path: Path) -> None:
    members = [*files_of(GOOD), ("link", b"/etc/passwd"), ("..\\evil.bat", b"x"), ("fifo", b""), ("secret", b"x")]
    modes = {"link": stat.S_IFLNK | 0o777, "fifo": stat.S_IFIFO | 0o644}
    path = write_zip(tmp_path / "m.zip", members, modes)
    with zipfile.ZipFile(path) as original:  # mark one member encrypted, as a zip with a password does
        infos = original.infolist()
    data = bytearray(path.read_bytes())
    secret = next(i for i in infos if i.filename == "secret")
    for offset in (secret.header_offset + 6, data.rindex(b"secret", 0, len(data)) - 46 + 8):
        data[offset] |= 0x1
    path.write_bytes(bytes(data))
    facts = read_model(str(path))
    assert sorted(problems(facts)) == [
        ("encrypted", "secret"),
        ("escapes", "..\\evil.bat"),
        ("link", "link"),
        ("special", "fifo"),
    ]
    assert facts["meta_graphs"]


def test_stray_members_and_duplicates_are_reported_and_the_last_copy_is_read(tmp_path: Path) -> None:
    model = files_of(GOOD, "m/")
    saved = next(data for name, data in model if name == "m/saved_model.pb")
    members = [("m/saved_model.pb", b"not a model"), *model, ("other/saved_model.pb", saved), ("README.md", b"# hi\n")]
    facts = read_model(str(write_zip(tmp_path / "two.zip", members)))
    assert facts["archive"]["root"] == "m" and facts["errors"] == [] and facts["meta_graphs"]
    assert sorted(problems(facts)) == [
        ("duplicate", "m/saved_model.pb"),
        ("outside-root", "README.md"),
        ("outside-root", "other/saved_model.pb"),
    ]
    assert {f.code for f in RULES.check(facts).findings} == {"SL208"}


def test_an_escaping_model_file_is_never_read(tmp_path: Path) -> None:
    saved = (GOOD / "saved_model.pb").read_bytes()
    facts = read_model(str(write_tar(tmp_path / "m.tar.gz", [("../saved_model.pb", saved)])))
    assert facts["meta_graphs"] == [] and "missing" in facts["errors"][0]["message"]
    assert {f.code for f in RULES.check(facts).findings} == {"SL001", "SL207"}


# ---- caps, and archives that are not archives ---------------------------------------------------------


def test_member_count_and_size_caps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archived = write_tar(tmp_path / "m.tar.gz", files_of(GOOD))
    monkeypatch.setattr(archive_module, "MAX_MEMBERS", 3)
    assert "more than 3 members" in read_model(str(archived))["errors"][0]["message"]
    monkeypatch.setattr(archive_module, "MAX_MEMBERS", 100)
    monkeypatch.setattr(archive_module, "MAX_TOTAL_BYTES", 1000)
    assert "speclint's cap; not read" in read_model(str(archived))["errors"][0]["message"]
    monkeypatch.setattr(archive_module, "MAX_TOTAL_BYTES", 1 << 40)
    capped = read_model(str(archived), max_bytes=4096)
    assert capped["errors"][0]["file"] == "saved_model.pb" and "size cap of 4096" in capped["errors"][0]["message"]


def test_a_bomb_costs_no_memory_for_members_that_are_not_read(tmp_path: Path) -> None:
    """A 2 GiB run of zeros under variables/ is streamed past, never held."""
    path = tmp_path / "bomb.tar.gz"
    with tarfile.open(path, "w:gz", compresslevel=1) as tar:
        for name, data in files_of(GOOD):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        info = tarfile.TarInfo("variables/variables.data-00001-of-00002")
        info.size = 1 << 28

        class Zeros(io.RawIOBase):
            def readinto(self, buffer: Any) -> int:
                buffer[:] = bytes(len(buffer))
                return len(buffer)

        tar.addfile(info, Zeros())
    facts = read_model(str(path))
    assert facts["meta_graphs"] and facts["files"]["variables"]["data_shards"] == 2
    assert facts["archive"]["bytes"] > 1 << 28


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [
        ("m.tar.gz", b"", "not a readable tar.gz archive"),
        ("m.tar.gz", os.urandom(4096), "not a readable tar.gz archive"),
        ("m.zip", b"PK\x03\x04 not really", "not a readable zip archive"),
        ("m.tgz", (MODELS / "tf2-feature-vector" / "saved_model.pb").read_bytes(), "not a readable tar.gz archive"),
    ],
)
def test_a_file_that_is_no_archive_is_one_clear_error(tmp_path: Path, name: str, content: bytes, needle: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    facts = read_model(str(path))
    assert facts["errors"][0]["file"] == "" and needle in facts["errors"][0]["message"]
    result = run_speclint("show", str(path))
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert f"{path}: {needle}" in result.stderr


def test_a_truncated_archive_is_one_clear_error(tmp_path: Path) -> None:
    whole = write_tar(tmp_path / "whole.tar.gz", files_of(GOOD)).read_bytes()
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    facts = read_model(str(cut))
    assert facts["meta_graphs"] == [] and "not a readable tar.gz archive" in facts["errors"][0]["message"]


def test_an_archive_with_no_model_says_so(tmp_path: Path) -> None:
    facts = read_model(str(write_tar(tmp_path / "docs.tar.gz", [("README.md", b"# hi\n")])))
    assert facts["errors"][0]["message"].startswith("missing: no saved_model.pb")


# ---- entry points: check, show, diff, the fixtures ----------------------------------------------------------


def test_the_command_line_takes_archives_and_names_them(tmp_path: Path) -> None:
    archived = write_tar(tmp_path / "m.tar.gz", files_of(GOOD))
    shown = run_speclint("show", str(archived))
    assert shown.returncode == 0 and "  archive: tar.gz, " in shown.stdout
    report = json.loads(run_speclint("check", "--format", "json", str(archived)).stdout)
    assert report["models"][0]["path"] == str(archived)
    other = tmp_path / "notes.txt"
    other.write_text("x")
    result = run_speclint("check", str(other))
    assert result.returncode == 2 and "or an archive: .tar.gz, .tgz, .tar, .zip" in result.stderr


def test_diff_takes_archives(tmp_path: Path) -> None:
    old = write_tar(tmp_path / "v1.tar.gz", files_of(GOOD))
    same = run_speclint("diff", str(old), str(GOOD), "--format", "json")
    assert same.returncode == 0, same.stdout + same.stderr
    changed = write_zip(tmp_path / "v2.zip", files_of(MODELS / "tf2-output-float64", "v2/"))
    result = run_speclint("diff", str(old), str(changed), "--format", "json")
    assert result.returncode == 1 and "SC" in result.stdout


def test_the_archive_fixtures_rebuild_to_the_same_facts(tmp_path: Path) -> None:
    need_tensorflow()
    import subprocess
    import sys

    from tests.golden.test_golden import normalized_facts

    out = tmp_path / "models"
    built = subprocess.run(
        [sys.executable, "golden/make_fixtures.py", "--out", str(out), "--only", *ARCHIVE_FIXTURES],
        capture_output=True,
        text=True,
        cwd=MODELS.parents[1],
        timeout=600,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    for name in ARCHIVE_FIXTURES:
        fresh, shipped = normalized_facts(out / name), normalized_facts(MODELS / name)
        for facts in (fresh, shipped):
            facts["archive"].update(file=name, bytes=None)  # saved_model.pb's size moves with its function names
            for meta_graph in facts["meta_graphs"]:  # the two traces of call_with_training redact to one name,
                meta_graph["graph"].pop("functions")  # and which one a dict keeps depends on the build order
        assert fresh == shipped, name
    shutil.rmtree(out)


def test_execute_refuses_an_archive_in_one_line() -> None:
    """TensorFlow loads a directory; speclint never extracts one, so --execute says so (SL700)."""
    from speclint.execute import ExecuteOptions
    from speclint.execute.plan import plan

    job, record = plan(read_model(str(MODELS / "archive-tf2-feature-vector.tar.gz")), ExecuteOptions())
    assert job is None and record is not None and record["status"] == "refused"
    facts = {**read_model(str(MODELS / "archive-tf2-feature-vector.tar.gz")), "probes": record}
    (finding,) = [f for f in RULES.check(facts).findings if f.code == "SL700"]
    assert "run --execute on the unpacked model directory" in finding.message


def test_diff_base_compares_an_archive_with_its_version_at_a_revision(tmp_path: Path) -> None:
    import subprocess

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    git("init", "-q")
    git("config", "user.email", "t@example.com")
    git("config", "user.name", "t")
    archived = write_tar(tmp_path / "model.tar.gz", files_of(GOOD))
    git("add", "model.tar.gz")
    git("commit", "-qm", "v1")
    write_tar(archived, files_of(MODELS / "tf2-output-float64"))
    result = run_speclint("diff", "--base", "HEAD", "--format", "json", str(archived))
    assert result.returncode == 1, result.stdout + result.stderr
    (model,) = json.loads(result.stdout)["models"]
    assert model["status"] == "compared" and model["old"] == "HEAD:model.tar.gz" and model["findings"]


def test_archive_facts_follow_the_facts_schema(tmp_path: Path) -> None:
    import jsonschema

    from tests.conftest import REPO

    schema = json.loads((REPO / "schemas" / "facts.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    unreadable = tmp_path / "broken.zip"
    unreadable.write_bytes(b"PK nothing")
    for path in [*(MODELS / name for name in ARCHIVE_FIXTURES), unreadable]:
        errors = [f"{list(e.absolute_path)}: {e.message[:120]}" for e in validator.iter_errors(read_model(str(path)))]
        assert errors == [], (path.name, errors)
