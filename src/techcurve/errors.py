"""The exception family of techcurve.

Every error a user can cause is a :class:`TechcurveError`; the CLI turns it into
one line on stderr and a non-zero exit code. Errors carry their context as
attributes so that callers (and tests) can inspect them.

::

    TechcurveError
    ├── ChoiceError       a value is none of a closed set (phase, band, kind, language);
    │                     also a ValueError, for callers that parse and catch that
    ├── ConfigError       a settings/config file or option is wrong
    ├── TaxonomyError     the taxonomy file is malformed (file, sub-field, line)
    │   └── QueryError    a sub-field query does not parse (position, expected)
    ├── IngestError       an input file cannot be read at all (file, row, column)
    ├── StoreError        the DuckDB store is missing, busy or of another version
    ├── AssessError       assessment cannot run (no indicators, bad overrides)
    ├── PanelError        an expert panel's input is wrong (token, round, answer, form)
    ├── ReportError       rendering or report assembly failed (empty store, fonts)
    └── FetchError        an open API cannot be asked or answered unusably (credential,
                          timeout, malformed or changed answer)

An error's message comes from the zh/en text catalogue (:mod:`techcurve.text`):
``raise StoreError.of("store.busy", path=p)`` makes an error whose ``str()`` is the
English text, and which keeps its key and fields so that :meth:`TechcurveError.message`
can say it in Chinese too (the CLI prints ``error.message(lang)``). A field may itself be
a :class:`Phrase` (a catalogue text of its own) or another error; both are said in the
same language. Errors made from a plain string say it in every language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from techcurve.text import Lang, t

_E = TypeVar("_E", bound="TechcurveError")


@dataclass(frozen=True)
class Phrase:
    """A catalogue text to fill into another one, said in that one's language."""

    key: str
    fields: Mapping[str, Any] = field(default_factory=dict)

    def say(self, lang: Lang) -> str:
        """The text in ``lang``."""
        return t(self.key, lang, **_said(self.fields, lang))


def phrase(key: str, /, **fields: Any) -> Phrase:
    """``Phrase(key, fields)``, written like :func:`techcurve.text.t` without a language."""
    return Phrase(key, fields)


def _said(fields: Mapping[str, Any], lang: Lang) -> dict[str, Any]:
    """``fields`` with every phrase and error in them said in ``lang``."""
    out: dict[str, Any] = {}
    for name, value in fields.items():
        if isinstance(value, Phrase):
            value = value.say(lang)
        elif isinstance(value, TechcurveError):
            value = value.message(lang)
        out[name] = value
    return out


class TechcurveError(Exception):
    """Base class of every error techcurve raises on purpose."""

    exit_code = 1
    #: the catalogue key of the message and its fields (None: a plain message)
    key: str | None = None
    fields: Mapping[str, Any] = {}
    #: the keyword arguments of ``__init__`` that say where (path, row …), not what
    _where: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def of(cls: type[_E], key: str, /, **fields: Any) -> _E:
        """The error whose message is the catalogue text ``key`` filled from ``fields``.

        The keyword arguments that say where (``path``, ``line`` … of the subclasses
        that take them) go to the constructor, the others fill the text::

            raise StoreError.of("store.busy", path=str(p))
            raise TaxonomyError.of("taxonomy.file_empty", path=str(p))
        """
        where = {k: fields.pop(k) for k in cls._where if k in fields}
        return cls.saying(Phrase(key, fields), **where)

    @classmethod
    def saying(cls: type[_E], said: Phrase, /, **where: Any) -> _E:
        """The error whose message is ``said``; ``where`` (path, row …) go to the constructor."""
        error = cls(said.say("en"), **where)
        error.key = said.key
        error.fields = dict(said.fields)
        return error

    def text(self, lang: Lang) -> str:
        """What went wrong, without where (the catalogue text, or the plain message)."""
        if self.key is None:
            return str(self.args[0]) if self.args else ""
        return t(self.key, lang, **_said(self.fields, lang))

    def message(self, lang: Lang) -> str:
        """The whole message in ``lang`` (``str(error)`` is the English one)."""
        if self.key is None:
            return str(self)
        return self.text(lang)


class ChoiceError(TechcurveError, ValueError):
    """A value is none of a closed set (a phase, a years-to-plateau band, an evidence kind,
    a language); a :class:`ValueError` too, so code that parses values may catch that."""

    exit_code = 2


class ConfigError(TechcurveError):
    """A configuration file or option holds a value techcurve cannot use."""

    exit_code = 2


class TaxonomyError(TechcurveError):
    """The taxonomy file is malformed."""

    exit_code = 3
    _where: ClassVar[tuple[str, ...]] = ("path", "subfield", "line")

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        subfield: str | None = None,
        line: int | None = None,
    ) -> None:
        self.path = path
        self.subfield = subfield
        self.line = line
        super().__init__(self._placed(message, "en"))

    def _placed(self, message: str, lang: Lang) -> str:
        """``message`` after the file, line and sub-field it is about."""
        where = []
        if self.path:
            where.append(str(self.path) + (f":{self.line}" if self.line else ""))
        if self.subfield:
            where.append(t("errors.subfield", lang, subfield=self.subfield))
        if not where:
            return message
        return t(
            "errors.where", lang, where=t("errors.where_sep", lang).join(where), message=message
        )

    def message(self, lang: Lang) -> str:
        if self.key is None:
            return str(self)
        return self._placed(self.text(lang), lang)


class QueryError(TaxonomyError):
    """A boolean query does not parse; ``column`` is 1-based."""

    _where: ClassVar[tuple[str, ...]] = ("path", "subfield", "line", "query", "column")

    def __init__(
        self,
        message: str,
        *,
        query: str,
        column: int,
        path: str | None = None,
        subfield: str | None = None,
        line: int | None = None,
    ) -> None:
        self.query = query
        self.column = column
        super().__init__(
            t("errors.query_at", "en", message=message, column=column, query=query),
            path=path,
            subfield=subfield,
            line=line,
        )

    def text(self, lang: Lang) -> str:
        said = super().text(lang)
        return (
            said
            if self.key is None
            else t("errors.query_at", lang, message=said, column=self.column, query=self.query)
        )


class IngestError(TechcurveError):
    """An input file cannot be read (missing, wrong columns, undecodable)."""

    exit_code = 4
    _where: ClassVar[tuple[str, ...]] = ("path", "row", "column")

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.path = path
        self.row = row
        self.column = column
        super().__init__(self._placed(message, "en"))

    def _placed(self, message: str, lang: Lang) -> str:
        """``message`` after the file, row and column it is about."""
        if not self.path:
            return message
        where = str(self.path)
        if self.row is not None:
            where = t("errors.where_row", lang, where=where, row=self.row)
        if self.column:
            where = t("errors.where_column", lang, where=where, column=self.column)
        return t("errors.where", lang, where=where, message=message)

    def message(self, lang: Lang) -> str:
        if self.key is None:
            return str(self)
        return self._placed(self.text(lang), lang)


class StoreError(TechcurveError):
    """The store file is missing, locked by another writer, or of another schema version."""

    exit_code = 5


class AssessError(TechcurveError):
    """Assessment cannot run: missing indicators, invalid overrides or labels."""

    exit_code = 6


class PanelError(TechcurveError):
    """An expert panel cannot do what was asked: unknown token or round, an invalid answer
    (the sub-field and field are attributes), a form with invalid cells."""

    exit_code = 8
    #: the sub-field and the field of an invalid answer (None otherwise)
    subfield: str | None = None
    field: str | None = None


class ReportError(TechcurveError):
    """A curve or report cannot be produced (empty store, unknown format)."""

    exit_code = 7


class FetchError(TechcurveError):
    """An open API could not be used: a missing or refused credential (the variable is
    named), a timeout or server error after the retries, a malformed or truncated
    answer, an answer whose schema changed. What was fetched before it stays stored."""

    exit_code = 9
