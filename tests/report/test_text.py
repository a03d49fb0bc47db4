"""speclint/report/text.py: the text reports (``full``, its old name ``text``, and ``concise``): quiet by
default, clean models counted rather than listed, a model that takes no images reported once as not applicable."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from speclint.read import read_model
from speclint.report import ReportContext, closing_counts, reporter, text
from speclint.rules.rule import Finding, Location
from speclint.rules.ruleset import ModelResult, RuleSet
from tests.conftest import run_speclint
from tests.report.conftest import fixture_paths

CLEAN, FAILING, TEXT_MODEL = "tf1-hub-feature-vector", "tf1-input-uint8", "text-model"
NOTE = "[none] not applicable: takes no image batch, the image contracts do not apply (SL002)"


@pytest.fixture(scope="module")
def results() -> list[ModelResult]:
    ruleset = RuleSet()
    return [ruleset.check(read_model(path)) for path in fixture_paths((CLEAN, FAILING, TEXT_MODEL))]


@pytest.fixture
def context(results: list[ModelResult]) -> ReportContext:
    return ReportContext(rules=RuleSet().rules, version="0")


def lines_about(report: str, name: str) -> list[str]:
    return [line for line in report.splitlines() if name in line]


def test_full_lists_models_with_findings_and_counts_the_clean_ones(
    results: list[ModelResult], context: ReportContext
) -> None:
    report = text.render(results, context)
    assert lines_about(report, CLEAN) == []  # clean: counted, not listed
    assert report.startswith(f"golden/models/{FAILING} [tf1-image-feature-vector] auto: TF1 Hub module")
    assert "  SL112 error tag-set [] signature_def['default']" in report
    # the text model: one line, no SL002 block under it
    assert lines_about(report, TEXT_MODEL) == [f"golden/models/{TEXT_MODEL} {NOTE}"]
    assert "SL002" not in report.replace(NOTE, "")
    assert report.splitlines()[-1] == (
        "Found 1 finding (1 error) at 4 locations in 3 models; 1 not applicable (no image input)."
    )


def test_verbose_lists_clean_models_and_quiet_drops_the_not_applicable_line(
    results: list[ModelResult], context: ReportContext
) -> None:
    verbose = text.render(results, context._replace(verbose=True))
    assert [line.split(" auto:")[0] for line in lines_about(verbose, CLEAN)] == [
        f"golden/models/{CLEAN} [tf1-image-feature-vector]"
    ]
    quiet = text.render(results, context._replace(quiet=True))
    assert lines_about(quiet, TEXT_MODEL) == [] and lines_about(quiet, CLEAN) == []
    assert quiet.splitlines()[-1] == text.render(results, context).splitlines()[-1]  # still counted


def test_concise_is_one_line_per_finding(results: list[ModelResult], context: ReportContext) -> None:
    report = reporter("concise")(results, context)
    lines = report.splitlines()
    assert len(lines) == 3, report
    uint8, not_applicable, closing = lines
    assert re.fullmatch(
        rf"golden/models/{FAILING}: SL112 error tag-set \[\] signature_def\['default'\]: the image input has "
        r"dtype DT_UINT8.* \[\+3 places\]",
        uint8,
    )
    assert not_applicable.startswith(f"golden/models/{TEXT_MODEL}: SL002 info no signature or __call__ takes")
    assert closing == closing_counts(results, context)
    verbose = reporter("concise")(results, context._replace(verbose=True)).splitlines()
    assert f"golden/models/{CLEAN}: no findings [tf1-image-feature-vector]" in verbose
    assert len(reporter("concise")(results, context._replace(quiet=True)).splitlines()) == 2  # no SL002 line


def test_text_is_full_under_its_old_name(results: list[ModelResult], context: ReportContext) -> None:
    assert reporter("text")(results, context) == reporter("full")(results, context)


def test_closing_line_when_only_not_applicable_models(results: list[ModelResult], context: ReportContext) -> None:
    text_model = [r for r in results if r.path.endswith(TEXT_MODEL)]
    assert closing_counts(text_model, context) == "All checks passed (1 model; 1 not applicable (no image input))."
    failing = closing_counts(text_model, context._replace(fail_not_applicable=True))
    assert failing == "No findings in 1 model; 1 not applicable (no image input, failing: fail-on-not-applicable)."


def test_cli_default_concise_verbose_and_baseline(tmp_path: Path) -> None:
    """The command line: the same forms, --show-clean as --verbose's other name, and a model
    whose findings the baseline hides prints nothing but the closing line."""
    paths = fixture_paths((CLEAN, FAILING))
    default = run_speclint(*paths)
    assert default.returncode == 1 and CLEAN not in default.stdout
    assert run_speclint(*paths, "--output-format", "full").stdout == default.stdout
    assert run_speclint(*paths, "--format", "text").stdout == default.stdout
    shown = run_speclint(*paths, "--show-clean").stdout
    assert shown == run_speclint(*paths, "-v").stdout and f"golden/models/{CLEAN} [" in shown
    concise = run_speclint(*paths, "--output-format", "concise")
    assert concise.returncode == 1 and len(concise.stdout.splitlines()) == 2
    baseline = tmp_path / "baseline.json"
    assert run_speclint(*paths, "--write-baseline", str(baseline)).returncode == 0
    hidden = run_speclint(*paths, "--baseline", str(baseline))
    assert hidden.returncode == 0
    assert hidden.stdout == "All checks passed (2 models; 1 finding of the baseline not shown).\n"
    both = run_speclint(*paths, "--quiet", "--verbose")
    assert both.returncode == 2 and "--quiet and --verbose" in both.stderr


@pytest.mark.parametrize("marker", ["default-output", "concise-output"])
def test_readme_examples_are_what_speclint_prints(marker: str) -> None:
    """The README shows the real output: its command run here prints exactly the lines shown."""
    from tests.conftest import REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(rf"<!-- {marker} -->\n```text\n\$ speclint (.*?)\n(.*?)```\n<!-- /{marker} -->", readme, re.S)
    assert block, f"README's {marker} example"
    completed = run_speclint(*block.group(1).split())
    assert completed.returncode == 1 and completed.stdout == block.group(2)


# ---- one finding's lines, built by hand ------------------------------------------------------


def finding(where: str = "signature 'a'", *others: str, message: str = "the input is uint8") -> Finding:
    return Finding(
        path="m",
        code="SL112",
        where=where,
        name="images-input-dtype",
        severity="error",
        message=message,
        pointer="/entry_points/0",
        spec_url="https://spec#input",
        fix="take float32",
        url="https://rules/SL112",
        locations=tuple(Location(w, f"/entry_points/{i}") for i, w in enumerate((where, *others))),
    )


def test_other_places_are_named_up_to_two_then_counted() -> None:
    assert text.also_in(finding()) == ""
    assert text.also_in(finding("a", "b")) == "also in: b"
    assert text.also_in(finding("a", "b", "c", "d", "b")) == "also in: b, c (2 more)"
    assert text.also_in(finding("a", "a", "a")) == "also 2 more places at a"


def test_a_finding_block_says_where_the_fix_and_both_links_once() -> None:
    lines = text.finding_lines(finding("a", "b"))
    assert lines == [
        "  SL112 error the input is uint8",
        "      at a",
        "      also in: b",
        "      fix: take float32",
        "      images-input-dtype: https://rules/SL112 | spec: https://spec#input",
    ]
    said = text.finding_lines(finding("signature 'x'", message="signature 'x': the input is uint8"))
    assert not any(line.strip().startswith("at ") for line in said)


def test_colour_only_when_asked_and_model_text_escaped() -> None:
    hostile = finding("sig\x1b[2J", message="name \x1b]0;owned\x07 here")
    plain = text.finding_lines(hostile)
    assert not any("\x1b" in line for line in plain) and "\\x1b" in plain[0]
    painted = text.finding_lines(finding(), color=True)
    assert painted[0] == "  SL112 \x1b[31merror\x1b[0m the input is uint8"
    assert all(line.startswith("\x1b[2m") for line in painted[1:])


def test_concise_line_names_the_place_unless_the_message_does() -> None:
    assert text.concise_line("m", finding("a", "b", "c")) == "m: SL112 error the input is uint8 (at a) [+2 places]"
    assert text.concise_line("m", finding("model")) == "m: SL112 error the input is uint8"
    assert text.concise_line("m", finding("x", "y", message="x: bad")) == "m: SL112 error x: bad [+1 place]"


@pytest.mark.parametrize(
    ("execution", "line"),
    [
        ({"status": "ok", "device": "CPU:0"}, "executed on CPU:0: ok"),
        (
            {"status": "ok", "device": "CPU:0", "images_per_second": 123.4, "throughput_batch": 8},
            "executed on CPU:0: ok, 123 images/s at batch 8",
        ),
        (
            {"status": "skipped", "reason": "no-call", "message": "not probed: no __call__"},
            "execution: skipped (no-call): not probed: no __call__",
        ),
        ({"status": "failed", "device": "GPU:0"}, "execution on GPU:0: failed"),
    ],
)
def test_the_execution_line_says_where_it_ran_and_why_not_everything(execution: dict[str, object], line: str) -> None:
    assert text.execution_line(execution) == line
