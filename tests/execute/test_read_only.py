"""``speclint --execute`` loads and runs models without writing, renaming or deleting anything in them."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from tests.conftest import MODELS, need_tensorflow, run_speclint


def _state(root: Path) -> dict[str, tuple[str, int]]:
    """Every path under ``root`` with its content hash (or 'dir') and its mode."""
    state = {}
    for path in sorted(root.rglob("*")):
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
        state[str(path.relative_to(root))] = (digest, path.stat().st_mode)
    return state


def test_execute_leaves_a_read_only_tree_untouched(tmp_path: Path) -> None:
    need_tensorflow()
    tree = tmp_path / "models"
    for name in ("tf2-feature-vector-training", "tf1-hub-classifier", "probe-nondeterministic"):
        shutil.copytree(MODELS / name, tree / name)
    for path in [tree, *tree.rglob("*")]:
        os.chmod(path, 0o555 if path.is_dir() else 0o444)
    before = _state(tree)
    result = run_speclint("--execute", "--format", "json", str(tree))
    assert result.returncode == 1, result.stderr  # probe-nondeterministic breaks SL704
    assert '"SL704"' in result.stdout and "Traceback" not in result.stderr
    assert '"status": "ok"' in result.stdout and '"device": "CPU:0"' in result.stdout
    assert _state(tree) == before
