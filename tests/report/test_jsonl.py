"""``--format jsonl``: a line per model with the json report's entry, and ``--resume``."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import MODELS, need_tensorflow, run_speclint

NAMES = ["tf2-feature-vector", "tf1-input-uint8", "tf2-nchw", "broken-truncated"]


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_each_line_is_the_json_reports_entry_for_one_model(tmp_path: Path) -> None:
    paths = [str(MODELS / name) for name in NAMES]
    streamed = run_speclint("--format", "jsonl", *paths)
    whole = run_speclint("--format", "json", *paths)
    assert streamed.returncode == whole.returncode == 1, streamed.stderr
    lines = [json.loads(line) for line in streamed.stdout.splitlines()]
    models = json.loads(whole.stdout)["models"]
    assert len(lines) == len(models) == 4
    assert sorted(lines, key=lambda entry: str(entry["path"])) == [
        {**model, "tool": json.loads(whole.stdout)["tool"]} for model in models
    ]
    assert all("\n" not in line for line in streamed.stdout.splitlines())


def test_resume_appends_only_the_models_not_yet_in_the_file(tmp_path: Path) -> None:
    out = tmp_path / "audit.jsonl"
    first = run_speclint("--format", "jsonl", "-o", str(out), *(str(MODELS / n) for n in NAMES[:3]))
    assert first.returncode == 1
    done = out.read_bytes().splitlines(keepends=True)
    assert len(done) == 3
    out.write_bytes(done[0] + done[1][:40])  # a run killed while writing its second line
    resumed = run_speclint("--format", "jsonl", "--resume", str(out), "-o", str(out), *(str(MODELS / n) for n in NAMES))
    assert resumed.returncode == 1, resumed.stderr
    lines = out.read_bytes().splitlines(keepends=True)
    assert lines[0] == done[0]  # kept as it was, not run again
    paths = [entry["path"] for entry in _lines(out)]
    assert sorted(paths) == sorted(str(MODELS / n) for n in NAMES) and len(paths) == 4


def test_resume_into_another_file_writes_only_the_new_models(tmp_path: Path) -> None:
    old = tmp_path / "old.jsonl"
    run_speclint("--format", "jsonl", "-o", str(old), str(MODELS / "tf2-feature-vector"))
    new = tmp_path / "new.jsonl"
    both = [str(MODELS / "tf2-feature-vector"), str(MODELS / "tf2-nchw")]
    done = run_speclint("--format", "jsonl", "--resume", str(old), "-o", str(new), *both)
    assert [entry["path"] for entry in _lines(new)] == [str(MODELS / "tf2-nchw")]
    assert done.returncode == 1  # tf2-nchw's warning; the resumed model was clean
    clean = run_speclint("--format", "jsonl", "--resume", str(old), str(MODELS / "tf2-feature-vector"))
    assert clean.returncode == 0 and clean.stdout == ""


def test_resume_needs_jsonl_on_both_sides(tmp_path: Path) -> None:
    not_jsonl = tmp_path / "report.json"
    not_jsonl.write_text('{"report_version": 1,\n"models": []}\n')
    model = str(MODELS / "tf2-feature-vector")
    done = run_speclint("--format", "jsonl", "--resume", str(not_jsonl), model)
    assert done.returncode == 2
    assert done.stderr.strip() == f"speclint: error: {not_jsonl}: line 1 is not JSON; --resume needs a jsonl report"
    other = run_speclint("--format", "text", "--resume", str(not_jsonl), model)
    assert other.returncode == 2 and other.stderr.strip() == "speclint: error: --resume needs --format jsonl"


def test_an_executed_run_streams_its_probe_summary() -> None:
    need_tensorflow()
    done = run_speclint(
        "--execute", "--format", "jsonl", str(MODELS / "tf2-feature-vector"), str(MODELS / "sec-readfile")
    )
    assert done.returncode == 1, done.stderr
    by_name = {Path(str(e["path"])).name: e for e in (json.loads(line) for line in done.stdout.splitlines())}
    assert by_name["sec-readfile"]["execution"]["status"] == "refused"  # type: ignore[index]
    assert by_name["tf2-feature-vector"]["execution"]["status"] == "ok"  # type: ignore[index]
    assert by_name["tf2-feature-vector"]["execution"]["images_per_second"] > 0  # type: ignore[index]
