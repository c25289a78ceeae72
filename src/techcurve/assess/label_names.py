"""Technologies in labels as people write them: sub-field id, zh or en name, alias, or a
name the user maps with a map file.

A label's technology is looked up, after folding (:func:`name_key`: case, full/half
width and traditional characters through :func:`techcurve.normalize.normalize`,
spaces and punctuation dropped), in this order:

1. the user's map (``--map FILE``, :func:`load_label_map`): name → sub-field id or name;
2. the sub-field id;
3. the Chinese or English name, with or without a trailing parenthesis, and the text
   inside it ("Augmented reality (AR)" → "augmented reality", "ar");
4. an alias: a positive term of the sub-field's query that no other sub-field uses
   ("augmented reality", "增强现实").

Technologies found nowhere are listed once each (with the closest known names) in
:attr:`ResolvedLabels.unknown`; :func:`resolve_labels` raises on them (``strict``) or
drops their rows with a logged warning.
"""

from __future__ import annotations

import csv
import difflib
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import yaml

from techcurve.errors import AssessError, QueryError
from techcurve.normalize import normalize
from techcurve.taxonomy.query import parse_query
from techcurve.text import Lang, t

log = logging.getLogger(__name__)


def name_key(name: str | None) -> str:
    """A technology name folded for lookup.

    >>> name_key(" Augmented-Reality ") == name_key("augmented reality") == "augmentedreality"
    True
    """
    return "".join(ch for ch in normalize(name or "") if ch.isalnum())


def _name_forms(name: str | None) -> list[str]:
    """The name, the name without a trailing parenthesis, and the text inside it."""
    if not name:
        return []
    n = name.strip()
    forms = [n]
    m = re.fullmatch(r"(.*?)\s*[（(]([^()（）]+)[)）]\s*", n)
    if m:
        forms += [m.group(1), m.group(2)]
    return [f for f in forms if f.strip()]


def _term_aliases(subfields: pl.DataFrame) -> dict[str, str]:
    """Folded positive query term → sub-field, for terms only one sub-field uses."""
    if "query" not in subfields.columns:
        return {}
    owners: dict[str, set[str]] = {}
    for sid, query in subfields.select("subfield_id", "query").iter_rows():
        try:
            terms = parse_query(str(query or "")).positive_terms()
        except QueryError:
            continue
        for term in terms:
            if term.field == "ipc":
                continue
            if key := name_key(term.text):
                owners.setdefault(key, set()).add(str(sid))
    return {k: next(iter(v)) for k, v in owners.items() if len(v) == 1}


def name_index(subfields: pl.DataFrame) -> dict[str, str]:
    """Folded id, name or alias → sub-field id, for the sub-fields of ``subfields``
    (columns ``subfield_id`` and optionally ``name_zh``, ``name_en``, ``query``)."""
    index: dict[str, str] = {}
    for sid in subfields["subfield_id"].to_list():
        index.setdefault(name_key(str(sid)), str(sid))
    for col in ("name_en", "name_zh"):
        if col in subfields.columns:
            for sid, name in subfields.select("subfield_id", col).iter_rows():
                for form in _name_forms(name):
                    index.setdefault(name_key(form), str(sid))
    for key, sid in _term_aliases(subfields).items():
        index.setdefault(key, sid)
    index.pop("", None)
    return index


@dataclass(frozen=True, slots=True)
class UnknownTechnology:
    """A labelled technology that names no sub-field: its name, the label rows (file
    lines) that use it, and the closest known names."""

    name: str
    rows: tuple[int, ...]
    closest: tuple[str, ...]

    def text(self, lang: Lang = "en") -> str:
        """One line for a warning or an error: the name, its first row, the closest."""
        hint = t("assess.labels.closest", lang, names=", ".join(self.closest))
        return t(
            "assess.labels.bad_row",
            lang,
            line=self.rows[0],
            name=self.name,
            hint=hint if self.closest else "",
        )


@dataclass(frozen=True, slots=True)
class ResolvedLabels:
    """Labels with ``subfield_id``, and the technologies that were not found (whose
    rows are not in ``labels``)."""

    labels: pl.DataFrame
    unknown: tuple[UnknownTechnology, ...]

    def unknown_text(self, lang: Lang = "en") -> str:
        """The unknown technologies in one sentence (empty when there are none)."""
        if not self.unknown:
            return ""
        n = len(self.unknown)
        key = "assess.labels.unknown_technology" if n == 1 else "assess.labels.unknown_technologies"
        listed = "; ".join(u.text(lang) for u in self.unknown[:10])
        return t(key, lang, n=n, listed=listed + ("; …" if n > 10 else ""))


class UnknownTechnologiesError(AssessError):
    """Label rows name technologies that are no sub-field (``resolved.unknown``); the
    message lists them with the closest known names, in either language."""

    def __init__(self, resolved: ResolvedLabels) -> None:
        self.resolved = resolved
        super().__init__(resolved.unknown_text("en"))

    def text(self, lang: Lang) -> str:
        return self.resolved.unknown_text(lang)

    def message(self, lang: Lang) -> str:
        return self.text(lang)


def load_label_map(path: str | Path) -> dict[str, str]:
    """Read a map file: name → sub-field id (or a sub-field's name).

    YAML: a mapping ``{name: subfield-id}``. CSV: two columns, the name first and the
    sub-field second, with a header line (e.g. ``name,subfield_id``). Raises
    :class:`AssessError` naming the file and what to fix.
    """
    p = Path(path)
    if not p.is_file():
        raise AssessError.of("assess.labels.map_no_file", path=p)
    text = p.read_text(encoding="utf-8-sig")
    pairs: list[tuple[object, object]]
    if p.suffix.lower() in (".yaml", ".yml"):
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as e:
            raise AssessError.of("assess.labels.map_bad_yaml", path=p, error=e) from None
        if not isinstance(data, Mapping):
            raise AssessError.of("assess.labels.map_not_mapping", path=p)
        pairs = list(data.items())
    else:
        rows = [r for r in csv.reader(text.splitlines()) if any(c.strip() for c in r)]
        if any(len(r) < 2 for r in rows[1:]) or not rows:
            raise AssessError.of("assess.labels.map_bad_csv", path=p)
        pairs = [(r[0], r[1]) for r in rows[1:]]
    out: dict[str, str] = {}
    for name, target in pairs:
        if not str(name or "").strip() or not str(target or "").strip():
            raise AssessError.of("assess.labels.map_empty", path=p, name=name)
        out[str(name).strip()] = str(target).strip()
    return out


def _folded_map(mapping: Mapping[str, str], index: Mapping[str, str]) -> dict[str, str]:
    """The user's map with folded names, each target resolved to a sub-field id."""
    out: dict[str, str] = {}
    for name, target in mapping.items():
        sid = index.get(name_key(target))
        if sid is None:
            close = difflib.get_close_matches(name_key(target), list(index), n=3, cutoff=0.6)
            raise AssessError.of(
                "assess.labels.map_bad_target",
                name=name,
                target=target,
                closest=", ".join(index[c] for c in close) or "—",
            )
        out[name_key(name)] = sid
    return out


def resolve_label_names(
    labels: pl.DataFrame,
    subfields: pl.DataFrame,
    mapping: Mapping[str, str] | None = None,
) -> ResolvedLabels:
    """Add ``subfield_id`` to ``labels`` (columns ``technology``, ``row``); rows whose
    technology names no sub-field are left out and listed in ``unknown``."""
    index = name_index(subfields)
    user = _folded_map(mapping or {}, index)
    ids: list[str | None] = []
    missing: dict[str, list[int]] = {}  # folded name → rows
    spelled: dict[str, str] = {}  # folded name → its first spelling
    for tech, line in labels.select("technology", "row").iter_rows():
        name = str(tech).strip()
        key = name_key(name)
        sid = user.get(key) or index.get(key)
        if sid is None:
            missing.setdefault(key, []).append(int(line))
            spelled.setdefault(key, name)
        ids.append(sid)
    unknown = tuple(
        UnknownTechnology(
            name=spelled[key],
            rows=tuple(rows),
            closest=tuple(
                dict.fromkeys(
                    index[c] for c in difflib.get_close_matches(key, list(index), n=5, cutoff=0.6)
                )
            )[:3],
        )
        for key, rows in missing.items()
    )
    frame = labels.with_columns(pl.Series("subfield_id", ids, dtype=pl.Utf8))
    return ResolvedLabels(labels=frame.filter(pl.col("subfield_id").is_not_null()), unknown=unknown)


def resolve_labels(
    labels: pl.DataFrame,
    subfields: pl.DataFrame,
    *,
    mapping: Mapping[str, str] | None = None,
    strict: bool = True,
) -> pl.DataFrame:
    """``labels`` with ``subfield_id`` from each row's technology (see the module).

    With ``strict`` an unknown technology raises :class:`AssessError` listing each
    with the closest known sub-fields; otherwise their rows are dropped and a warning
    listing them is logged.
    """
    res = resolve_label_names(labels, subfields, mapping)
    if res.unknown:
        if strict:
            raise UnknownTechnologiesError(res)
        log.warning("%s", res.unknown_text())
    return res.labels


__all__ = [
    "ResolvedLabels",
    "UnknownTechnology",
    "load_label_map",
    "name_index",
    "name_key",
    "resolve_label_names",
    "resolve_labels",
]
