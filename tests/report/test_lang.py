"""``--lang``: the TF2 spec quoted and linked in zh-CN or pt-BR, English otherwise and for TF1."""

from __future__ import annotations

import json

import pytest

from speclint.rules.language import catalog, choose_language
from speclint.rules.loader import load_rules
from tests.conftest import MODELS, SHARED, need, run_speclint

SPEC = SHARED / "spec"
TF1_MODEL = MODELS / "tf1-input-uint8"
TF2_MODEL = MODELS / "tf2-input-uint8"


def _squash(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("language", ["zh-CN", "pt-BR"])
def test_every_translated_quote_is_verbatim_from_the_translated_page(language: str) -> None:
    page = SPEC / f"tf2-saved-model-apis-images.{language}.md"
    need(page.is_file(), f"translated spec not found at {page}")
    text = _squash(page.read_text(encoding="utf-8"))
    quotes = catalog(language)["quotes"]
    wanted = {ref.quote for rule in load_rules().values() for ref in rule.spec if ref.document == "tf2"}
    assert set(quotes) == wanted, "every TF2 quote of a rule has its translation, and no other"
    missing = [quote for quote in quotes.values() if _squash(quote) not in text]
    assert not missing


@pytest.mark.parametrize(
    "env,expected",
    [
        ({"LANG": "zh_CN.UTF-8"}, "zh-CN"),
        ({"LANG": "pt_BR.UTF-8"}, "pt-BR"),
        ({"LANG": "pt_PT.UTF-8"}, "pt-BR"),
        ({"LANG": "de_DE.UTF-8"}, "en"),
        ({"LANG": "zh_TW.UTF-8"}, "en"),
        ({"LANGUAGE": "pt_BR:en", "LANG": "en_US.UTF-8"}, "pt-BR"),
        ({}, "en"),
    ],
)
def test_language_from_the_environment(env: dict[str, str], expected: str) -> None:
    assert choose_language(None, env) == expected


def test_rule_page_in_portuguese_keeps_tf1_in_english() -> None:
    shown = run_speclint("rule", "SL112", "--lang", "pt-BR")
    assert shown.returncode == 0, shown.stderr
    assert "https://www.tensorflow.org/hub/common_saved_model_apis/images?hl=pt-br#input" in shown.stdout
    assert "Um modelo que receba um lote de imagens como entrada" in shown.stdout
    assert "A signature that takes a batch of images as input" in shown.stdout  # TF1: not translated
    assert "https://www.tensorflow.org/hub/common_signatures/images#input" in shown.stdout


def test_check_links_the_translation_for_tf2_models_only() -> None:
    need(TF1_MODEL.is_dir() and TF2_MODEL.is_dir(), "golden fixtures missing")
    env = {"LANG": "zh_CN.UTF-8", "LANGUAGE": "", "LC_ALL": ""}
    completed = run_speclint(str(TF1_MODEL), str(TF2_MODEL), "--format", "json", env=env)
    urls = {m["path"].rsplit("/", 1)[-1]: m["findings"][0]["spec_url"] for m in json.loads(completed.stdout)["models"]}
    assert urls["tf2-input-uint8"] == "https://www.tensorflow.org/hub/common_saved_model_apis/images?hl=zh-cn#input"
    assert urls["tf1-input-uint8"] == "https://www.tensorflow.org/hub/common_signatures/images#input"
    english = run_speclint(str(TF2_MODEL), "--format", "json", "--lang", "en", env=env)
    assert "?hl=" not in english.stdout
    bad = run_speclint(str(TF2_MODEL), "--lang", "klingon")
    assert bad.returncode == 2 and "--lang: unknown language 'klingon'" in bad.stderr
