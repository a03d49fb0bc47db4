#!/usr/bin/env python3
"""Regenerate ``speclint/data/tfhub_tags.json``: the values tfhub.dev allowed in its metadata lines.

tfhub.dev's validator (``tools/validator.py``, ``tools/yaml_parser.py``) checks each metadata
value against ``tags/<name>.yaml`` of the ``tensorflow/tfhub.dev`` repository (Apache-2.0):
the ``id`` of every item for an enumerable tag (task, dataset, language...), and ``format: url``
with an optional ``required_domain`` for a URL tag (colab, demo). speclint keeps the ids and the
URL rules only (no display names), so that it accepts exactly what the validator accepted.

    python scripts/gen_tfhub_tags.py PATH/TO/tfhub.dev [--commit SHA]

PATH is a checkout (or ``git archive``) of the repository; it needs PyYAML. The repository is
archived (tfhub.dev moved to Kaggle Models in 2023), so the list no longer changes.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

# tools/yaml_parser.py's TAG_TO_YAML_MAP, and which parser each tag gets.
ENUMERABLE = {
    "dataset": "tags/dataset.yaml",
    "interactive-visualizer": "tags/interactive_visualizer.yaml",
    "language": "tags/language.yaml",
    "license": "tags/license.yaml",
    "network-architecture": "tags/network_architecture.yaml",
    "task": "tags/task.yaml",
}
URL = {"colab": "tags/colab.yaml", "demo": "tags/demo.yaml"}
OUT = Path(__file__).resolve().parent.parent / "speclint" / "data" / "tfhub_tags.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path, help="a checkout of github.com/tensorflow/tfhub.dev")
    parser.add_argument("--commit", default="", help="the commit the checkout is at (recorded in the file)")
    args = parser.parse_args(argv)
    import yaml

    enumerable = {}
    for tag, relative in ENUMERABLE.items():
        config = yaml.safe_load((args.root / relative).read_text(encoding="utf-8"))
        # a YAML id that is not a string (`no` reads as false) never equals a value in a Markdown line
        enumerable[tag] = sorted({item["id"] for item in config["values"] if isinstance(item["id"], str)})
    urls = {}
    for tag, relative in URL.items():
        config = yaml.safe_load((args.root / relative).read_text(encoding="utf-8"))
        urls[tag] = {"format": config["format"], "required_domain": config.get("required_domain")}
    document = {
        "source": {
            "repository": "https://github.com/tensorflow/tfhub.dev",
            "commit": args.commit,
            "files": sorted([*ENUMERABLE.values(), *URL.values()]),
            "licence": "Apache-2.0",
            "generator": "scripts/gen_tfhub_tags.py",
        },
        "enumerable": enumerable,
        "url": urls,
    }
    OUT.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({sum(len(v) for v in enumerable.values())} ids)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
