#!/usr/bin/env python3
"""Build the extra TF2 models the fix tests need, with golden/make_fixtures.py's own builder.

Variants of the golden TF2 model that have no root ``__call__`` and break one more promise
that shows only once the signature is called (so IN's lint cannot see it):

* ``nocall-uint8``: its serving signature takes uint8 images;
* ``nocall-float64``: its serving signature returns float64;
* ``nocall-nondeterministic``: a counter variable changes every output (the wrapper exposes it,
  so fix's proof must fail on the execution probe SL704 and remove OUT).

Usage: ``python tests/fix/make_models.py OUT_DIR`` (runs in a fresh process; TensorFlow).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "make_fixtures.py"
VARIANTS = {
    "nocall-uint8": {"has_call": False, "input_dtype": "uint8"},
    "nocall-float64": {"has_call": False, "output_dtype": "float64"},
    "nocall-nondeterministic": {"has_call": False, "probe": "nondeterministic"},
}


def main(out: str) -> int:
    spec = importlib.util.spec_from_file_location("make_fixtures", GOLDEN)
    assert spec is not None and spec.loader is not None
    fixtures = importlib.util.module_from_spec(spec)
    sys.modules["make_fixtures"] = fixtures  # dataclasses look their module up by name
    spec.loader.exec_module(fixtures)
    for name, options in VARIANTS.items():
        fixtures.build_tf2(os.path.join(out, name), fixtures.Tf2Spec(**options))
        print(name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
