"""The reader's language: speclint's words in zh-CN or pt-BR, the TF2 spec quoted from its translation.

Everything translated lives as data in one file per language, ``speclint/data/lang.<lang>.json``:

- ``document`` and ``quotes``: the translated TF2 page (its URL and title) and the sentences a
  rule quotes, each verbatim from that page (tests check that), so a quote is never a machine's
  paraphrase. Only the TF2 page is translated on tensorflow.org; TF1 references stay English.
- ``rules`` and ``changes``: each built-in rule's and change rule's ``summary``, ``message``,
  ``fix`` and ``why``, keyed by code, with exactly the English template's ``{placeholders}``. A rule pack's
  rules, and any text a language lacks, stay English.
- ``phrases``: the fixed words of reports and rule pages, keyed like ``lang.en.json``, the
  English home of those words; ``phrase(key, lang)`` looks one up.

Model-derived values (names, shapes, ``{found}``, ``{where}``) are filled in after translation,
untranslated and escaped as in English. A finding's fingerprint comes from the English
template (``Rule.message_en``), so a baseline holds whatever language wrote or reads it.
"""

from __future__ import annotations

import functools
import json
import os
from typing import Any

from speclint.errors import SpeclintError
from speclint.rules.rule import Rule, SpecRef

LANGUAGES = ("en", "zh-CN", "pt-BR")
TEXTS = ("summary", "message", "fix", "why")  # what a rule's translation gives


@functools.cache
def catalog(language: str) -> dict[str, Any]:
    """``speclint/data/lang.<language>.json``: everything translated into ``language``."""
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", f"lang.{language}.json")
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)  # type: ignore[no-any-return]


def phrase(key: str, language: str = "en") -> str:
    """A fixed phrase of a report or rule page in ``language`` (English where it has none).

    Templates keep ``str.format`` fields (``{models}``); an unknown key is a bug, not a blank."""
    english = catalog("en")["phrases"]
    if key not in english:
        raise KeyError(f"no phrase {key!r} in lang.en.json")
    if language == "en":
        return str(english[key])
    return str(catalog(language)["phrases"].get(key, english[key]))


def requested_language(lang: str | None) -> str:
    """``--lang``, else the environment's (LANG); English unless zh-CN or pt-BR."""
    if lang is None and not any(os.environ.get(v) for v in ("LANGUAGE", "LC_ALL", "LANG")):
        return "en"
    return choose_language(lang)


def choose_language(requested: str | None, environ: dict[str, str] | None = None) -> str:
    """``--lang`` if given (``auto`` = from the environment), else ``LANGUAGE``/``LC_ALL``/``LANG``:
    ``zh_CN.UTF-8`` -> zh-CN, ``pt_BR`` -> pt-BR, anything else English."""
    if requested and requested != "auto":
        for language in LANGUAGES:
            if requested.replace("_", "-").lower() == language.lower():
                return language
        raise SpeclintError(f"--lang: unknown language {requested!r} (one of auto, {', '.join(LANGUAGES)})")
    env = os.environ if environ is None else environ
    for variable in ("LANGUAGE", "LC_ALL", "LANG"):
        value = env.get(variable, "")
        if value:
            tag = value.split(":")[0].split(".")[0].replace("_", "-").lower()
            if tag.startswith("zh") and tag not in ("zh-tw", "zh-hk"):
                return "zh-CN"
            if tag.startswith("pt"):
                return "pt-BR"
            return "en"
    return "en"


def localize(rules: dict[str, Rule], language: str) -> dict[str, Rule]:
    """The rules in ``language``: summary, message, fix and why of each built-in rule, and their TF2
    spec references (quote and link); a rule pack's rules keep their own words."""
    if language == "en":
        return rules
    texts = catalog(language)["rules"]
    localized = {}
    for code, rule in rules.items():
        spec = tuple(localize_ref(ref, language) for ref in rule.spec)
        words = texts.get(code, {}) if rule.builtin else {}
        localized[code] = rule._replace(
            spec=spec, message_en=rule.message, **{field: words[field] for field in TEXTS if words.get(field)}
        )
    return localized


def localize_ref(ref: SpecRef, language: str) -> SpecRef:
    """A TF2 reference quoted from, and linked to, the page's translation; TF1 stays English."""
    if language == "en" or ref.document != "tf2":
        return ref
    data = catalog(language)
    return ref._replace(quote=data["quotes"].get(ref.quote, ref.quote), base_url=data["document"]["url"])


def change_texts(code: str, language: str) -> dict[str, str]:
    """A change rule's ``summary``/``message``/``fix``/``why`` in ``language`` ({} for English or none)."""
    if language == "en":
        return {}
    words = catalog(language)["changes"].get(code, {})
    return {field: words[field] for field in TEXTS if words.get(field)}
