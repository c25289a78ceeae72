"""OpenAlex works (``/works`` API responses, JSON arrays or snapshot JSON Lines) → flat rows.

A work is a nested object; the ``openalex`` profile needs a handful of its fields as
plain text. :func:`openalex_row` flattens one work into these columns:

=================  ==================================================================
column             from
=================  ==================================================================
``openalex_id``    ``id`` without ``https://openalex.org/`` (``W2741809807``)
``doi``            ``doi`` without ``https://doi.org/``, lower-cased
``title``          ``title``, else ``display_name``
``abstract``       rebuilt from ``abstract_inverted_index`` (word → positions)
``publication_date`` / ``publication_year``
``venue``          ``primary_location.source.display_name`` (else ``host_venue``)
``keywords``       ``keywords[].display_name`` (else ``concepts[].display_name``), ``;``-joined
``institution``    the first author's first institution ``display_name``
``type``           ``type`` (``article``, ``book-chapter`` …)
``url``            the DOI URL, else the landing page, else the OpenAlex id
=================  ==================================================================

>>> openalex_row({"id": "https://openalex.org/W1", "title": "T",
...               "abstract_inverted_index": {"Deep": [0], "nets": [1]}})["abstract"]
'Deep nets'
"""

from __future__ import annotations

from typing import Any


def is_openalex_work(obj: dict[str, Any]) -> bool:
    """Whether a JSON object is an OpenAlex work."""
    oid = obj.get("id")
    if (
        isinstance(oid, str)
        and oid.startswith(("https://openalex.org/W", "W"))
        and ("publication_year" in obj or "display_name" in obj)
    ):
        return True
    return "abstract_inverted_index" in obj and "publication_year" in obj


def rebuild_abstract(index: object) -> str | None:
    """The abstract text from OpenAlex's inverted index ``{word: [positions]}``."""
    if not isinstance(index, dict) or not index:
        return None
    slots: dict[int, str] = {}
    for word, positions in index.items():
        if not isinstance(positions, list):
            continue
        for p in positions:
            if isinstance(p, int) and not isinstance(p, bool) and 0 <= p < 1_000_000:
                slots[p] = str(word)
    if not slots:
        return None
    return " ".join(slots[i] for i in sorted(slots))


def _text(v: object) -> str | None:
    if v is None or isinstance(v, dict | list):
        return None
    s = str(v).strip()
    return s or None


def _get(obj: object, *keys: str) -> object:
    for k in keys:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(k)
    return obj


def _names(items: object) -> list[str]:
    if not isinstance(items, list):
        return []
    out: list[str] = []
    for it in items:
        name = _text(_get(it, "display_name")) if isinstance(it, dict) else _text(it)
        if name and name not in out:
            out.append(name)
    return out


def openalex_row(work: dict[str, Any]) -> dict[str, str | None]:
    """One OpenAlex work as the flat columns listed in the module docstring."""
    oid = _text(work.get("id"))
    if oid:
        oid = oid.rsplit("/", 1)[-1]
    doi = _text(work.get("doi"))
    if doi:
        doi = doi.lower().removeprefix("https://doi.org/").removeprefix("http://doi.org/")
    venue = _text(_get(work, "primary_location", "source", "display_name")) or _text(
        _get(work, "host_venue", "display_name")
    )
    keywords = _names(work.get("keywords")) or _names(work.get("concepts"))
    institution = None
    authorships = work.get("authorships")
    if isinstance(authorships, list):
        for a in authorships:
            names = _names(_get(a, "institutions"))
            if names:
                institution = names[0]
                break
    year = work.get("publication_year")
    url = (
        (f"https://doi.org/{doi}" if doi else None)
        or _text(_get(work, "primary_location", "landing_page_url"))
        or _text(work.get("id"))
    )
    return {
        "openalex_id": oid,
        "doi": doi,
        "title": _text(work.get("title")) or _text(work.get("display_name")),
        "abstract": rebuild_abstract(work.get("abstract_inverted_index")),
        "publication_date": _text(work.get("publication_date")),
        "publication_year": str(year) if isinstance(year, int) else _text(year),
        "venue": venue,
        "keywords": ";".join(keywords) or None,
        "institution": institution,
        "type": _text(work.get("type")),
        "url": url,
    }
