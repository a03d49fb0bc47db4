"""speclint's claims reader on every documentation page tfhub.dev ever published, against tfhub.dev's own validator.

    python benchmarks/bench_tfhub_docs.py [--cache DIR] [--no-oracle] [--show N]

The pages are the Markdown files under ``assets/docs/`` of the archived ``tensorflow/tfhub.dev``
repository (Apache-2.0), at the commit in ``benchmarks/tfhub_docs.json``. The script reads them
from ``DIR/tfhub.dev`` (default ``../bench-cache/claims``), a checkout of that commit: with a
network, ``--fetch`` clones it there; the repository's files are never copied into speclint.

Every page is read the way ``speclint`` reads a README beside a model (``read.claims``, with a
one-file tree), and the figures say how many were parsed, without a crash, and how many
"malformed" findings they got. The oracle is tfhub.dev's own ``tools/validator.py``, imported from
the checkout (it needs TensorFlow, absl, attrs and PyYAML) and run on each page as its CI ran on
the published pages: ``asset-path`` is checked only where a pull request changed it (never, here),
and nothing is downloaded. A page the validator accepts must get no malformed finding from speclint: those are
counted and listed ("false malformed", the figure that must be 0). Pages the validator refuses
but speclint accepts are listed by the validator's reason: its checks of the repository's layout
(where the file lies, whether the publisher page and a collection's links exist) do not apply to
a README beside a model.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
MANIFEST = Path(__file__).resolve().parent / "tfhub_docs.json"
sys.path.insert(0, str(REPO))


class _OneFile:
    """A model tree holding one README.md: what ``read_claims`` sees beside a model."""

    label = ""
    skips_hidden = True

    def __init__(self, data: bytes) -> None:
        self.data = data

    def top_files(self) -> list[str]:
        return ["README.md"]

    def read(self, relative: str, max_bytes: int) -> bytes:
        return self.data[: max_bytes + 1]


def speclint_verdicts(pages: list[Path], docs: Path) -> tuple[dict[str, Any], float]:
    from speclint.read.claims import read_claims

    verdicts: dict[str, Any] = {}
    start = time.perf_counter()
    for page in pages:
        claims = read_claims(_OneFile(page.read_bytes()))
        documents = claims["documents"]
        verdicts[str(page.relative_to(docs))] = {
            "page": documents[0]["page"] if documents else None,
            "malformed": [f"{e['where']}: {e['message']}" for e in claims["errors"]],
            "task": (claims["task"] or {}).get("values"),
            "format": (claims["format"] or {}).get("value"),
            "fine_tunable": (claims["fine_tunable"] or {}).get("value"),
        }
    return verdicts, time.perf_counter() - start


class Oracle:
    """tfhub.dev's validator, imported from the checkout, with its tag files read once per root."""

    def __init__(self, root: Path) -> None:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        sys.path.insert(0, str(root / "tools"))
        import validator  # tfhub.dev's tools/validator.py, from the checkout
        from absl import logging

        logging.set_verbosity(logging.ERROR)
        # As its CI judged the published pages: asset-path is checked only where a pull request changes it.
        validator._is_asset_path_modified = lambda _path: False
        self.validator = validator
        self.root = root
        self.parsers = {
            tag: validator.yaml_parser_lib.AbstractYamlParser.from_tag_name(str(root), tag)
            for tag in validator.yaml_parser_lib.TAG_TO_YAML_MAP
        }

    def verdict(self, page: Path, docs: Path) -> str | None:
        """None when the validator accepts the page, else its message."""
        parser = self.validator.DocumentationParser(str(self.root), str(docs), self.parsers)
        try:
            parser.validate(self.validator.ValidationConfig(do_smoke_test=False), str(page))
            return None
        except self.validator.MarkdownDocumentationError as exc:
            return " ".join(str(exc).split())
        except Exception as exc:  # the validator itself crashes on some pages (an IndexError on a short file)
            return f"validator crashed: {type(exc).__name__}: {exc}"


def _lines(text: str) -> list[str]:
    return text.split("\n")


def _metadata_index(lines: list[str], key: str) -> int | None:
    return next((i for i, line in enumerate(lines) if line.startswith("<!--") and f" {key}:" in line), None)


def _replace_value(key: str, value: str) -> Any:
    def mutate(text: str) -> str | None:
        lines = _lines(text)
        index = _metadata_index(lines, key)
        if index is None:
            return None
        lines[index] = f"<!-- {key}: {value} -->"
        return "\n".join(lines)

    return mutate


def _misspell_task(text: str) -> str | None:
    lines = _lines(text)
    index = _metadata_index(lines, "task")
    if index is None:
        return None
    lines[index] = lines[index].replace(" -->", "s -->")
    return "\n".join(lines)


def _drop(key: str) -> Any:
    def mutate(text: str) -> str | None:
        lines = _lines(text)
        index = _metadata_index(lines, key)
        return None if index is None else "\n".join(lines[:index] + lines[index + 1 :])

    return mutate


def _insert_after(key: str, line: str) -> Any:
    def mutate(text: str) -> str | None:
        lines = _lines(text)
        index = _metadata_index(lines, key)
        return None if index is None else "\n".join([*lines[: index + 1], line, *lines[index + 1 :]])

    return mutate


def _drop_description(text: str) -> str | None:
    lines = _lines(text)
    start = 2 if len(lines) > 1 and not lines[1] else 1
    end = start
    while end < len(lines) and lines[end] and not lines[end].startswith("<!--"):
        end += 1
    return None if end == start else "\n".join(lines[:start] + lines[end:])


# Each mutation of a published model page, and whether tfhub.dev's validator should refuse it.
# "deviation": speclint differs on purpose (module docstring of speclint/read/claims/markdown.py).
MUTATIONS: dict[str, tuple[Any, str]] = {
    "task misspelt": (_misspell_task, "refuse"),
    "format removed": (_drop("format"), "refuse"),
    "format hub added (refused where the page says another format)": (
        _insert_after("format", "<!-- format: hub -->"),
        "refuse unless hub",
    ),
    "format saved_model_3": (_replace_value("format", "saved_model_3"), "refuse"),
    "unknown key": (_insert_after("task", "<!-- flavour: vanilla -->"), "refuse"),
    "stray line in the metadata": (_insert_after("task", "This model is fine-tunable."), "refuse"),
    "language xx": (_insert_after("task", "<!-- language: xx -->"), "refuse"),
    "colab over http": (_insert_after("task", "<!-- colab: http://colab.research.google.com/x.ipynb -->"), "refuse"),
    "description removed": (_drop_description, "refuse"),
    "a second task (repeatable)": (_insert_after("task", "<!-- task: image-others -->"), "accept"),
    "fine-tunable yes (no claim)": (_replace_value("fine-tunable", "yes"), "accept"),
    "Windows line ends": (lambda text: text.replace("\n", "\r\n"), "deviation"),
}


def mutants(root: Path, docs: Path, pages: list[Path], every: int) -> dict[str, dict[str, int]]:
    """Both readers on mutated copies of every ``every``-th model page, in a scratch copy of the layout."""
    import shutil
    import tempfile

    from speclint.read.claims import read_claims

    table: dict[str, dict[str, int]] = {}
    bases = [p for p in pages if p.read_text(encoding="utf-8").startswith("# Module ")][::every]
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch)
        shutil.copytree(root / "tags", copy / "tags")
        oracle = Oracle(copy)
        for base in bases:
            relative = base.relative_to(docs)
            publisher = relative.parts[0]
            target = copy / "assets" / "docs" / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(docs / publisher / f"{publisher}.md", copy / "assets" / "docs" / publisher / f"{publisher}.md")
            original = base.read_text(encoding="utf-8")
            for name, (mutate, _) in MUTATIONS.items():
                text = mutate(original)
                if text is None:
                    continue
                data = text.encode("utf-8")
                target.write_bytes(data)
                theirs = oracle.verdict(target, copy / "assets" / "docs")
                ours = bool(read_claims(_OneFile(data))["errors"])
                key = f"validator {'refuses' if theirs else 'accepts'}, speclint {'malformed' if ours else 'accepts'}"
                row = table.setdefault(name, {})
                row[key] = row.get(key, 0) + 1
    return table


def layout_check(message: str) -> bool:
    """The validator's checks of the repository's layout, which a README beside a model cannot fail."""
    return any(
        text in message
        for text in (
            "to have documentation stored in one of",
            "Publisher documentation does not exist",
            "No documentation file found",
        )
    )


def fetch(root: Path, manifest: dict[str, Any]) -> None:
    root.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "clone", "--quiet", manifest["repository"], str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "checkout", "--quiet", manifest["commit"]], check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=REPO.parent / "bench-cache" / "claims")
    parser.add_argument("--fetch", action="store_true", help="clone the repository into the cache (needs a network)")
    parser.add_argument("--no-oracle", action="store_true", help="speclint only: no TensorFlow needed")
    parser.add_argument("--show", type=int, default=10, help="list at most this many pages per category")
    parser.add_argument("--json", type=Path, help="also write every verdict to this file")
    parser.add_argument("--mutants", type=int, default=10, metavar="N", help="mutate every N-th model page (0: none)")
    args = parser.parse_args(argv)
    manifest = json.loads(MANIFEST.read_text())
    root = args.cache / "tfhub.dev"
    if args.fetch:
        fetch(root, manifest)
    docs = root / manifest["path"]
    if not docs.is_dir():
        print(
            f"{docs}: missing; run with --fetch (network) or fill the cache with a checkout of "
            f"{manifest['repository']} at {manifest['commit']}",
            file=sys.stderr,
        )
        return 2
    pages = sorted(p for p in docs.rglob("*.md") if p.is_file())
    ours, seconds = speclint_verdicts(pages, docs)
    kinds = collections.Counter((v["page"] or "plain").split(" ")[0] for v in ours.values())
    malformed = [k for k, v in ours.items() if v["malformed"]]
    print(
        f"tfhub.dev at {manifest['commit'][:12]}: {len(pages)} Markdown pages under {manifest['path']}/ "
        f"({', '.join(f'{n} {k}' for k, n in kinds.most_common())})"
    )
    print(f"speclint: {len(pages)} parsed in {seconds:.2f} s, no crash; {len(malformed)} with a malformed finding")
    tasks = collections.Counter(t for v in ours.values() for t in v["task"] or [])
    print(
        f"  declared tasks: {sum(tasks.values())} values; image-feature-vector {tasks['image-feature-vector']}, "
        f"image-classification {tasks['image-classification']}"
    )
    result: dict[str, Any] = {"commit": manifest["commit"], "pages": len(pages), "speclint": ours}
    if not args.no_oracle:
        oracle = Oracle(root)
        theirs = {str(page.relative_to(docs)): oracle.verdict(page, docs) for page in pages}
        result["validator"] = theirs
        accepted = [k for k, v in theirs.items() if v is None]
        false_malformed = [k for k in accepted if ours[k]["malformed"]]
        both = [k for k in malformed if theirs[k] is not None]
        missed = [k for k, v in theirs.items() if v is not None and not ours[k]["malformed"]]
        layout = [k for k in missed if layout_check(theirs[k] or "")]
        print(f"validator: accepts {len(accepted)}, refuses {len(pages) - len(accepted)}")
        print(f"  false malformed (validator accepts, speclint finds malformed): {len(false_malformed)}")
        for key in false_malformed[: args.show]:
            print(f"    {key}: {ours[key]['malformed'][0]}")
        print(f"  refused by both: {len(both)}")
        for key in both[: args.show]:
            print(f"    {key}: validator: {theirs[key][:140]} | speclint: {ours[key]['malformed'][0][:140]}")
        print(f"  refused by the validator only: {len(missed)} ({len(layout)} by its repository-layout checks)")
        for key in [k for k in missed if k not in layout][: args.show]:
            print(f"    {key}: {theirs[key][:200]}")
        result["false_malformed"] = false_malformed
        if args.mutants:
            table = mutants(root, docs, pages, args.mutants)
            result["mutants"] = table
            print(f"mutated model pages (every {args.mutants}th; expected verdict in brackets):")
            for name, row in table.items():
                counts = ", ".join(f"{n} {k}" for k, n in sorted(row.items()))
                print(f"  {name} [{MUTATIONS[name][1]}]: {counts}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
    return 0 if args.no_oracle or not result.get("false_malformed") else 1


if __name__ == "__main__":
    sys.exit(main())
