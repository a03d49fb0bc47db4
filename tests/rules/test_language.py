"""``--lang``: speclint's words in zh-CN or pt-BR, the TF2 spec quoted and linked from its translation
(TF1 stays English), English byte for byte otherwise."""

from __future__ import annotations

import json
import re
import string
from pathlib import Path

import pytest

from speclint.rules.language import TEXTS, catalog, choose_language, phrase
from speclint.rules.loader import load_rules, schemas_dir
from speclint.rules.ruleset import RuleSet
from tests.conftest import GOLDEN, MODELS, SHARED, need, run_speclint

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
    page = catalog(language)
    assert f"# {page['document']['title']}" in text
    assert all(f"## {title}" in text for title in page["sections"].values())


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


# ---- the reader's language throughout: rule texts, change rules, phrases, rule pages ------------

PLACEHOLDER = re.compile(r"\{(\w+)\}")  # what engine._format and diff's render fill in


def _english_texts() -> dict[str, dict[str, dict[str, str]]]:
    schemas = schemas_dir()
    return {
        kind: {
            data["code"]: {field: data[field] for field in TEXTS}
            for data in (json.loads(p.read_text(encoding="utf-8")) for p in sorted((schemas / kind).glob("*.json")))
        }
        for kind in ("rules", "changes")
    }


@pytest.mark.parametrize("language", ["zh-CN", "pt-BR"])
def test_every_rule_and_change_rule_is_translated_with_the_same_placeholders(language: str) -> None:
    data = catalog(language)
    for kind, english in _english_texts().items():
        assert set(data[kind]) == set(english), f"{kind}: a translation for every code, and no other"
        for code, texts in english.items():
            assert set(data[kind][code]) == set(TEXTS) == {"summary", "message", "fix", "why"}, f"{language} {code}"
            for field in TEXTS:
                translated = data[kind][code][field]
                words = re.search(r"[A-Za-z]{3,}", PLACEHOLDER.sub("", texts[field]))
                assert translated.strip() and (translated != texts[field] or not words), f"{language} {code} {field}"
                assert sorted(PLACEHOLDER.findall(translated)) == sorted(PLACEHOLDER.findall(texts[field])), (
                    f"{language} {code} {field}: placeholders differ from the English template"
                )


@pytest.mark.parametrize("language", ["zh-CN", "pt-BR"])
def test_every_phrase_is_translated_with_the_same_fields(language: str) -> None:
    english, translated = catalog("en")["phrases"], catalog(language)["phrases"]
    assert set(translated) == set(english)
    for key, text in english.items():
        fields = sorted(f for _, f, _, _ in string.Formatter().parse(text) if f)
        assert sorted(f for _, f, _, _ in string.Formatter().parse(translated[key]) if f) == fields, key
        assert phrase(key, language) == translated[key]
    assert phrase("closing.passed") == "All checks passed ({models}{hidden})."
    with pytest.raises(KeyError):
        phrase("no.such.phrase", "pt-BR")


def test_rule_packs_without_translations_stay_english(tmp_path: Path) -> None:
    pack = tmp_path / "rules"
    pack.mkdir()
    rule = json.loads((schemas_dir() / "rules" / "SL112-images-input-dtype.json").read_text(encoding="utf-8"))
    rule.update(code="ORG112", name="org-input-dtype")
    (pack / "ORG112.json").write_text(json.dumps(rule), encoding="utf-8")
    english = RuleSet([str(pack)]).rules
    chinese = RuleSet([str(pack)], language="zh-CN").rules
    assert chinese["ORG112"].message == english["ORG112"].message == rule["message"]
    assert chinese["ORG112"].fix == rule["fix"] and chinese["ORG112"].summary == rule["summary"]
    assert chinese["SL112"].message == catalog("zh-CN")["rules"]["SL112"]["message"]
    assert chinese["SL112"].message_en == english["SL112"].message


def test_check_speaks_the_readers_language_and_keeps_model_values() -> None:
    need(TF1_MODEL.is_dir(), "golden fixtures missing")
    runs = {
        lang: json.loads(run_speclint(str(TF1_MODEL), "--format", "json", "--lang", lang).stdout)["models"][0]
        for lang in ("en", "zh-CN", "pt-BR")
    }
    english = runs["en"]["findings"][0]
    assert english["code"] == "SL112" and "the image input has dtype DT_UINT8" in english["message"]
    expected = {"zh-CN": "图像输入的数据类型为 DT_UINT8", "pt-BR": "a entrada de imagens tem dtype DT_UINT8"}
    for lang, words in expected.items():
        finding = runs[lang]["findings"][0]
        assert finding["message"].startswith(english["where"])  # model-derived values untranslated
        assert words in finding["message"] and finding["fix"] == catalog(lang)["rules"]["SL112"]["fix"]
        # the same root cause in every language: a baseline written in one is read in another
        assert (finding["where"], finding["fingerprint"]) == (english["where"], english["fingerprint"])
    text = run_speclint(str(TF1_MODEL), "--lang", "zh-CN").stdout
    assert "修复：接受 [0, 1] 范围内的 float32 图像" in text


def test_rule_page_in_portuguese() -> None:
    shown = run_speclint("rule", "SL100", "--lang", "pt-BR")
    assert shown.returncode == 0, shown.stderr
    page = catalog("pt-BR")["rules"]["SL100"]
    assert page["summary"] in shown.stdout and page["message"] in shown.stdout
    why = shown.stdout.split("## Por quê\n\n", 1)[1].split("\n\n", 1)[0]
    assert why == page["why"] and why.startswith("hub.Module e hub.load_module_spec() leem tfhub_module.pb")
    assert "## Como corrigir" in shown.stdout and "## O que a especificação diz" in shown.stdout
    assert (
        "[APIs de SavedModel comuns para tarefas com imagens, Imagem como entrada]("
        in run_speclint("rule", "SL112", "--lang", "pt-BR").stdout
    )
    assert "- Gravidade: error" in shown.stdout and "## How to fix" not in shown.stdout
    english = run_speclint("rule", "SL100", "--lang", "en").stdout
    docs = schemas_dir().parent / "docs" / "rules" / "SL100.md"
    assert docs.read_text(encoding="utf-8").endswith(english), "English rule page unchanged (docs/rules)"


def test_consequences_listed_under_their_cause_in_the_readers_language() -> None:
    serving = MODELS / "tf1-serving-export"
    need(serving.is_dir(), "golden fixture tf1-serving-export missing")
    shown = run_speclint(str(serving), "--lang", "pt-BR").stdout
    assert ". Suas consequências, não relatadas à parte: SL103 tf1-default-tag-set; SL104 tf1-default-signature em" in (
        shown
    )
    assert "Its consequences" not in shown


def test_diff_speaks_the_language_of_lang() -> None:
    pair = GOLDEN / "diff" / "attribute-removed"
    need((pair / "old").is_dir() and (pair / "new").is_dir(), "golden diff pair missing")
    args = ("diff", str(pair / "old"), str(pair / "new"), "--format", "json")
    found = {
        lang: json.loads(run_speclint(*args, env={"LANG": lang, "LANGUAGE": "", "LC_ALL": ""}).stdout)
        for lang in ("C.UTF-8", "zh_CN.UTF-8")
    }
    english, chinese = (found[lang]["models"][0]["findings"][0] for lang in ("C.UTF-8", "zh_CN.UTF-8"))
    assert english["message"] == "root object attribute 'regularization_losses' removed: present in OLD, none in NEW"
    assert chinese["message"] == "根对象属性 'regularization_losses' 已移除：OLD 中存在，NEW 中没有"
    assert chinese["fix"] == catalog("zh-CN")["changes"]["SC141"]["fix"]
    assert chinese["spec_url"].endswith("?hl=zh-cn#feature-vector") and "?hl=" not in english["spec_url"]


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "zh-CN",
            ("发现 2 个问题（2 错误）", "4 个模型", "其中 1 个无法读取：golden/models/broken-truncated", "1 个不适用"),
        ),
        (
            "pt-BR",
            ("Encontradas 2 constatações (2 erro)", "4 modelos", "1 deles não puderam ser lidos", "1 não aplicáveis"),
        ),
    ],
)
def test_the_closing_line_is_in_the_reader_s_language(language: str, words: tuple[str, ...]) -> None:
    """The same counts as the English line, in the translated phrases (models named as they are)."""
    models = [
        f"golden/models/{name}" for name in ("tf1-input-uint8", "text-model", "broken-truncated", "tf2-feature-vector")
    ]
    english = run_speclint(*models, "--lang", "en").stdout.splitlines()[-1]
    assert english.startswith("Found 2 findings (2 error)") and "1 not applicable" in english
    closing = run_speclint(*models, "--lang", language).stdout.splitlines()[-1]
    assert all(word in closing for word in words), closing


@pytest.mark.parametrize(
    ("language", "words"), [("zh-CN", ("错误", "另见：", "修复：")), ("pt-BR", ("erro", "também em:", "correção:"))]
)
def test_a_finding_s_words_are_in_the_reader_s_language(language: str, words: tuple[str, ...]) -> None:
    """Severity, the other places and the fix label follow --lang; the model's names stay as they are."""
    shown = run_speclint("golden/models/tf1-input-uint8", "--lang", language).stdout
    assert all(word in shown for word in words), shown
    assert "tag-set [] signature_def['image_feature_vector']" in shown and "fix: " not in shown


@pytest.mark.parametrize(
    ("language", "passed"), [("zh-CN", "所有检查均已通过"), ("pt-BR", "Todas as verificações passaram")]
)
def test_a_failing_not_applicable_run_never_says_passed(language: str, passed: str) -> None:
    """With --fail-on-not-applicable a text model fails the run: no language may call it a pass."""
    model = "golden/models/text-model"
    quiet = run_speclint(model, "--lang", language)
    assert quiet.returncode == 0 and passed in quiet.stdout
    failing = run_speclint(model, "--lang", language, "--fail-on-not-applicable")
    assert failing.returncode == 1 and passed not in failing.stdout
