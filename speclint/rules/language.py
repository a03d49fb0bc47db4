"""The reader's language for the spec: the zh-CN and pt-BR translations of the TF2 page.

Only the TF2 page (Common SavedModel APIs for Image Tasks) is translated on tensorflow.org;
the TF1 page and every other language stay English. The translated sentences a rule quotes
live in ``speclint/data/spec_translations.json``, each verbatim from the translated page
(tests check that), so a quote is never a machine's paraphrase.
"""

from __future__ import annotations

import functools
import json
import os
from typing import Any

from speclint.errors import SpeclintError
from speclint.rules.model import Rule

LANGUAGES = ("en", "zh-CN", "pt-BR")


@functools.cache
def translations() -> dict[str, Any]:
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "spec_translations.json")
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)  # type: ignore[no-any-return]


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
    """The rules with their TF2 spec references in ``language`` (quote and link)."""
    if language == "en":
        return rules
    data = translations()
    document = data["documents"]["tf2"][language]
    quotes = data["quotes"][language]
    localized = {}
    for code, rule in rules.items():
        spec = tuple(
            ref._replace(quote=quotes.get(ref.quote, ref.quote), base_url=document["url"])
            if ref.document == "tf2"
            else ref
            for ref in rule.spec
        )
        localized[code] = rule._replace(spec=spec)
    return localized
