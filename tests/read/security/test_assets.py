"""speclint/read/security/assets.py: asset paths and links that leave the model directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from speclint.proto import messages
from speclint.read import security
from tests.read.security.test_security import one_graph, scan_of


@pytest.mark.parametrize(
    ("filename", "escapes"),
    [
        ("vocab.txt", False),
        ("sub/dir/vocab.txt", False),
        ("a/../b.txt", False),
        ("./x", False),
        ("../x", True),
        ("a/../../x", True),
        ("/etc/passwd", True),
        ("\\\\server\\share", True),
        ("C:\\Windows\\win.ini", True),
        ("..\\..\\x", True),
        ("x\x00y", True),
    ],
)
def test_escape_reason(filename: str, escapes: bool) -> None:
    assert (security.escape_reason(filename) is not None) is escapes


def test_asset_file_defs_in_both_places(tmp_path: Path) -> None:
    saved_model, meta_graph = one_graph()
    meta_graph.asset_file_def.add(filename="/etc/shadow").tensor_info.name = "asset:0"
    packed = meta_graph.collection_def["saved_model_assets"].any_list.value.add()
    packed.type_url = "type.googleapis.com/tensorflow.AssetFileDef"
    packed.value = messages.AssetFileDef(filename="../../.ssh/id_rsa").SerializeToString()
    garbage = meta_graph.collection_def["saved_model_assets"].any_list.value.add()
    garbage.type_url, garbage.value = "type.googleapis.com/tensorflow.AssetFileDef", b"\xff\xff"
    scan = scan_of(saved_model, tmp_path)
    assert [a["path"] for a in scan["escaping_assets"]] == ["/etc/shadow", "../../.ssh/id_rsa"]
    assert scan["escaping_assets"][0]["where"] == "tag-set [serve] asset_file_def[0]"
    assert scan["errors"] == []


def test_symlinks_under_assets(tmp_path: Path) -> None:
    model = tmp_path / "model"
    (model / "assets" / "sub").mkdir(parents=True)
    (model / "assets" / "vocab.txt").write_text("a\n")
    (model / "assets" / "inside").symlink_to("vocab.txt")
    (model / "assets" / "passwd").symlink_to("/etc/passwd")
    (model / "assets" / "sub" / "up").symlink_to("../../../outside")
    (model / "assets" / "loop").symlink_to("loop")
    (model / "assets.extra").symlink_to(tmp_path)
    scan = security.scan(str(model), [], None)
    found = {a["path"]: a["reason"] for a in scan["escaping_assets"]}
    assert set(found) == {"assets/passwd", "assets/sub/up", "assets.extra"}, found
    assert found["assets/passwd"] == "is a symbolic link to '/etc/passwd', outside the model directory"
    assert scan["errors"] == []
