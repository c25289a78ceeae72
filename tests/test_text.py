"""The zh/en text catalogue: every key in both languages, with the same fields."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from techcurve.datatypes import check_lang
from techcurve.errors import ChoiceError
from techcurve.text import LANGS, catalogue, fields, t

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


#: the calls whose first argument is a catalogue key: ``t(key, lang)``, ``phrase(key)``,
#: ``Phrase(key)`` and an error's ``XError.of(key)``
_KEYED_CALLS = ("t", "phrase", "Phrase", "of")


def _called(func: ast.expr) -> str:
    """The name a call is made through: ``t`` for ``t(…)``, ``of`` for ``X.of(…)``."""
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else ""


def _keys_used_in_code() -> set[tuple[str, str]]:
    """Every literal key passed to ``t(...)``, ``phrase(...)``, ``Phrase(...)`` or
    ``XError.of(...)`` in the package, with its file."""
    used = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and _called(node.func) in _KEYED_CALLS
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
    with pytest.raises(ChoiceError, match=r"^unknown language 'fr' \(expected one of: zh, en\)$"):
        check_lang("fr")
    with pytest.raises(ChoiceError) as error:
        check_lang("fr")
    assert error.value.message("zh") == "未知的语言 'fr'（应为以下之一：zh, en）"
    assert isinstance(error.value, ValueError)


#: Exceptions that may be raised with a plain English message, each with why: they never
#: reach a user as a sentence of techcurve (Python's own protocols, broken invariants,
#: bugs of the package, or a reason written to a rejects file, English by design).
_PLAIN_MESSAGES_ALLOWED: dict[tuple[str, str], str] = {
    ("lazy.py", "AttributeError"): "PEP 562 module __getattr__: Python's wording",
    ("assess/_base.py", "TypeError"): "json.dumps' default hook: Python's protocol",
    ("assess/_base.py", "ValueError"): "needing() called with an unknown need: a bug",
    ("ingest/fastcsv.py", "RuntimeError"): "the fast CSV path broke its own plan: a bug",
    ("ingest/tagged.py", "ValueError"): "caught; becomes a rejects-file reason",
    ("match/fastmatch.py", "ValueError"): "an internal kernel's precondition",
    ("normalize/fastnorm.py", "ValueError"): "an internal kernel's precondition",
    ("text/__init__.py", "ConstructorError"): "the catalogue itself is broken: a bug",
    ("text/__init__.py", "KeyError"): "a key missing from the catalogue: a bug",
    ("text/__init__.py", "ValueError"): "a key in two catalogue files: a bug",
}
#: raised anywhere with a plain message: a broken invariant, never a user's mistake
_PLAIN_ANYWHERE = ("AssertionError", "NotImplementedError")


def _english_in(node: ast.expr) -> bool:
    """Whether ``node`` holds an English literal: a string or f-string, or a catalogue
    text fixed to English (``t(key, "en")``); a catalogue key is not one."""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.Call) and _called(node.func) in _KEYED_CALLS:
        rest = [*node.args[1:], *(k.value for k in node.keywords)]
        if _called(node.func) == "t" and len(node.args) > 1:
            lang = node.args[1]
            if isinstance(lang, ast.Constant) and lang.value == "en":
                return True
            rest = [*node.args[2:], *(k.value for k in node.keywords)]
        return any(_english_in(a) for a in rest)
    return any(_english_in(c) for c in ast.iter_child_nodes(node) if isinstance(c, ast.expr))


def _plain_messages() -> list[tuple[str, str, int]]:
    """Every exception made with an English message: (file, exception, line)."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = _called(node.func)
            if not name.endswith(("Error", "Exception", "BadParameter")):
                continue
            # the message: positional, or ``message=`` (other keywords say where: a path,
            # an option's name)
            said = [*node.args, *(k.value for k in node.keywords if k.arg == "message")]
            if any(_english_in(a) for a in said):
                found.append((str(path.relative_to(PACKAGE)), name, node.lineno))
    return found


def test_errors_take_their_message_from_the_catalogue() -> None:
    """An error says a catalogue text (``XError.of(key, …)``), never an English literal,
    so it reads in zh and en; the exceptions to this are named, each with why."""
    found = _plain_messages()
    plain = [
        f"{f}:{line}: {name}"
        for f, name, line in found
        if name not in _PLAIN_ANYWHERE and (f, name) not in _PLAIN_MESSAGES_ALLOWED
    ]
    assert not plain, "errors made from an English literal:\n" + "\n".join(plain)
    stale = set(_PLAIN_MESSAGES_ALLOWED) - {(f, name) for f, name, _ in found}
    assert not stale, f"allowed but no longer raised: {sorted(stale)}"


def _parsed() -> dict[str, object]:
    """The catalogue parsed from its YAML files, as before it was kept."""
    import yaml

    from techcurve import text

    out: dict[str, object] = {}
    for path in sorted(Path(text.__file__).parent.glob("*.yaml")):
        with path.open(encoding="utf-8") as fh:
            out.update(yaml.load(fh, Loader=text._UniqueKeyLoader) or {})
    return out


def test_the_kept_catalogue_is_the_parsed_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from techcurve import text

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    parsed = _parsed()
    try:
        text.catalogue.cache_clear()
        first = text.catalogue()  # parsed, then kept
        (entry,) = (tmp_path / "techcurve").glob("text-*.marshal")
        text.catalogue.cache_clear()
        second = text.catalogue()  # read back
        assert first == second == parsed
        assert list(first) == list(second) == list(parsed)  # the same order
        assert all(list(second[k]) == list(parsed[k]) for k in parsed)  # type: ignore[call-overload]
        entry.write_bytes(b"\x00damaged")  # a damaged entry: parsed again
        text.catalogue.cache_clear()
        assert text.catalogue() == parsed
    finally:
        text.catalogue.cache_clear()


def test_a_changed_catalogue_file_is_another_entry(tmp_path: Path) -> None:
    from techcurve import text

    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text("x.y:\n  zh: 一\n  en: one\n", encoding="utf-8")
    b.write_text("x.z:\n  zh: 二\n  en: two\n", encoding="utf-8")
    before = text._entry([a, b])
    a.write_text("x.y:\n  zh: 一\n  en: One\n", encoding="utf-8")
    assert before is not None and text._entry([a, b]) not in (None, before)
    assert text._entry([a, tmp_path / "missing.yaml"]) is None
