"""The zh/en text catalogue: every key in both languages, with the same fields."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from techcurve.text import LANGS, catalogue, check_lang, fields, t

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "techcurve"

# A Chinese text may name things in Latin letters (5G, AI, IPC, DuckDB) but holds no
# English sentence: no run of three or more English words.
_ENGLISH_RUN = re.compile(r"[A-Za-z]{2,}(?:[ ,;:'-]+[A-Za-z]{2,}){2,}")


def test_every_key_has_every_language() -> None:
    missing = [f"{k}: {lang}" for k, v in catalogue().items() for lang in LANGS if not v.get(lang)]
    assert not missing, "catalogue entries missing a language:\n" + "\n".join(missing)


def test_keys_name_their_file_and_have_no_stray_languages() -> None:
    for key, value in catalogue().items():
        assert re.fullmatch(r"[a-z][a-z0-9_]*(\.[a-z0-9_<>=+-]+)+", key), key
        assert set(value) <= set(LANGS), (key, set(value) - set(LANGS))


def test_both_languages_fill_the_same_fields() -> None:
    differ = [
        f"{k}: zh {sorted(fields(v['zh']))} en {sorted(fields(v['en']))}"
        for k, v in catalogue().items()
        if fields(v["zh"]) != fields(v["en"])
    ]
    assert not differ, "\n".join(differ)


def test_chinese_texts_hold_no_english_sentence() -> None:
    english = [
        f"{k}: {v['zh']!r}"
        for k, v in catalogue().items()
        if _ENGLISH_RUN.search(re.sub(r"\{[^}]*\}", "", v["zh"]))
    ]
    assert not english, "\n".join(english)


def _keys_used_in_code() -> set[tuple[str, str]]:
    """Every literal key passed to ``t(...)`` in the package, with its file."""
    used = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "t"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                used.add((node.args[0].value, str(path.relative_to(PACKAGE))))
    return used


def test_every_key_the_code_uses_exists() -> None:
    missing = sorted(f"{f}: {k}" for k, f in _keys_used_in_code() if k not in catalogue())
    assert not missing, "keys used but not in the catalogue:\n" + "\n".join(missing)


def test_lookup_fills_fields_and_names_a_missing_key() -> None:
    assert t("common.phase.peak", "zh") == "期望膨胀期"
    assert t("common.phase.peak", "en") == "Peak of Inflated Expectations"
    with pytest.raises(KeyError, match="no 'en' text for 'common.nothing'"):
        t("common.nothing", "en")
    assert check_lang("en") == "en"
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        check_lang("fr")
