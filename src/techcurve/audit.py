"""The consistency audit: do a report's numbers agree with each other?

A *figures* document (YAML or JSON) lists a report's tables as printed and the
claims its text makes about them; :func:`audit_figures` checks that

* shares sum to 100 % (``shares: true``) and, given a count ``base``, that every
  share is within one unit of its last printed digit of ``k / base`` for a whole
  number ``k`` (one unit, not half: shares rounded to sum to 100 % may be nudged);
* a stated ``total`` equals the sum of the parts;
* stated growth rates (``growth``) follow from the series they belong to;
* every claim's value equals what its table gives (``sum`` / ``value`` / ``total`` /
  ``share`` of named parts, or the ``growth`` of a part over the one before it), and
  appears in the claim's text (a signed value as its magnitude: "下降 12.5%").

Numbers are compared *as printed*: a value written ``30.12`` carries ±0.005 of
rounding. A finding is an **error** when rounding of the numbers involved cannot
explain the difference, and a **warning** when it could but the printed numbers
still disagree (a reader adding them up gets another result, as with monthly
amounts summing to 58.4 under a stated total of 58.2).

Schema (see ``docs/outputs.md``; ``src/techcurve/data/figures/infoq_2022.yaml`` is a
full example)::

    title: …                      # optional
    tables:
      - id: T2
        title: 专利技术领域占比
        shares: true              # parts are percentages of one whole
        base: 104                 # optional: the whole is this many counted things
        parts: {网络: "30.12", 人工智能: "29.15"}   # or [[label, value], …]
        total: "58.2"             # optional stated total of the parts
        growth: {"2020": "3.20"}  # optional: % change of each part over the previous
    claims:
      - id: top3
        text: TOP3 技术领域专利占比 76.69%
        value: "76.69"
        of: {table: T2, sum: [网络, 人工智能, 大数据]}   # or value: X | total | share: [...]
      - id: top10
        value: "86.32"
        unverifiable: the total patent count is not printed

Values may be strings (keeping printed trailing zeros, with optional ``%``, ``,``)
or numbers (then ``decimals`` on the table or claim gives the printed precision).
The report's own figures are in ``report.data.json`` under ``figures``, in the same
schema, so ``techcurve audit report.data.json`` checks a techcurve report.

>>> findings = audit_file(Path("src/techcurve/data/figures/infoq_2022.yaml"))  # doctest: +SKIP
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from techcurve.errors import Phrase, ReportError, phrase
from techcurve.text import Lang, t

ERROR = "error"
WARNING = "warning"
INFO = "info"


@dataclass(frozen=True, slots=True)
class Num:
    """A number as printed: its value and the half-width of its rounding interval."""

    value: float
    half_unit: float
    text: str


@dataclass(frozen=True, slots=True)
class Finding:
    """One inconsistency (or, at level ``info``, a claim that cannot be checked)."""

    level: str  # error | warning | info
    check: str  # shares_sum | share_base | total | growth | claim | claim_text | unverifiable
    where: str  # table or claim id
    message: str
    stated: float | None = None
    computed: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class AuditResult:
    """All findings of one figures document and what was checked."""

    source: str
    tables: int
    claims: int
    findings: list[Finding]

    @property
    def failed(self) -> bool:
        """True when any error or warning was found (``info`` does not fail)."""
        return any(f.level in (ERROR, WARNING) for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "tables": self.tables,
            "claims": self.claims,
            "failed": self.failed,
            "findings": [f.to_dict() for f in self.findings],
        }


_NUM_RE = re.compile(r"^[+-]?\d[\d,]*(\.\d+)?$|^[+-]?\.\d+$")


def parse_num(v: Any, decimals: int | None = None, *, where: str | Phrase = "") -> Num:
    """A printed number: ``"30.12%"`` → 30.12 ± 0.005; ``1002391`` → ± 0.5.

    Raises :class:`ReportError` naming ``where`` when ``v`` is not a number.
    """
    if isinstance(v, bool) or v is None:
        raise ReportError.of("audit.not_a_number", where=where, value=repr(v))
    if isinstance(v, int | float) and not isinstance(v, bool):
        if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
            raise ReportError.of("audit.not_finite", where=where, value=repr(v))
        if decimals is None:
            text = repr(v) if isinstance(v, float) else str(v)
            decimals = len(text.split(".")[1]) if "." in text and "e" not in text else 0
        return Num(float(v), 0.5 * 10.0**-decimals, f"{v:.{decimals}f}")
    text = str(v).strip().rstrip("%").strip().replace("，", ",")
    if not _NUM_RE.match(text):
        raise ReportError.of("audit.not_a_printed_number", where=where, value=repr(v))
    clean = text.replace(",", "")
    try:
        d = Decimal(clean)
    except InvalidOperation:
        raise ReportError.of("audit.not_a_number", where=where, value=repr(v)) from None
    places = -int(d.as_tuple().exponent) if decimals is None else decimals  # type: ignore[operator]
    return Num(float(d), 0.5 * 10.0 ** -max(places, 0), text)


@dataclass(frozen=True, slots=True)
class _Table:
    id: str
    title: str
    parts: list[tuple[str, Num]]
    shares: bool
    base: int | None
    total: Num | None
    growth: list[tuple[str, Num]]

    def part(self, label: str, where: str | Phrase) -> Num:
        for k, v in self.parts:
            if k == label:
                return v
        raise ReportError.of(
            "audit.no_part",
            where=where,
            table=repr(self.id),
            part=repr(label),
            parts=", ".join(k for k, _ in self.parts),
        )


def _pairs(obj: Any, where: str | Phrase) -> list[tuple[str, Any]]:
    if obj is None:
        return []
    if isinstance(obj, dict):
        return [(str(k), v) for k, v in obj.items()]
    if isinstance(obj, list):
        out = []
        for i, item in enumerate(obj):
            if isinstance(item, list | tuple) and len(item) == 2:
                out.append((str(item[0]), item[1]))
            elif isinstance(item, dict) and "label" in item and "value" in item:
                out.append((str(item["label"]), item["value"]))
            else:
                raise ReportError.of("audit.bad_pair", where=where, i=i, item=repr(item))
        return out
    raise ReportError.of("audit.not_pairs", where=where)


def _load_tables(doc: dict[str, Any], src: str) -> dict[str, _Table]:
    tables: dict[str, _Table] = {}
    raw = doc.get("tables") or []
    if not isinstance(raw, list):
        raise ReportError.of("audit.tables_not_list", where=src)
    for i, tab in enumerate(raw):
        if not isinstance(tab, dict) or "id" not in tab:
            raise ReportError.of("audit.table_needs_id", where=src, i=i)
        tid = str(tab["id"])
        where = phrase("audit.at_table", where=src, table=tid)
        if tid in tables:
            raise ReportError.of("audit.id_twice", where=where)
        dec = tab.get("decimals")
        parts = [
            (k, parse_num(v, dec, where=phrase("audit.at_part", where=where, part=repr(k))))
            for k, v in _pairs(tab.get("parts"), where)
        ]
        if not parts:
            raise ReportError.of("audit.no_parts", where=where)
        base = tab.get("base")
        if base is not None and (not isinstance(base, int) or base <= 0):
            raise ReportError.of("audit.bad_base", where=where, base=repr(base))
        tables[tid] = _Table(
            id=tid,
            title=str(tab.get("title") or ""),
            parts=parts,
            shares=bool(tab.get("shares", False)),
            base=base,
            total=None
            if tab.get("total") is None
            else parse_num(tab["total"], dec, where=phrase("audit.at_total", where=where)),
            growth=[
                (
                    k,
                    parse_num(
                        v,
                        tab.get("growth_decimals"),
                        where=phrase("audit.at_growth", where=where, part=repr(k)),
                    ),
                )
                for k, v in _pairs(tab.get("growth"), phrase("audit.at_growths", where=where))
            ],
        )
    return tables


def _fmt(x: float) -> str:
    return f"{x:,.4f}".rstrip("0").rstrip(".")


def _check_shares(tab: _Table, name: str, lang: Lang) -> list[Finding]:
    """Shares sum to 100 %; given a ``base``, each is a whole number of it."""
    out: list[Finding] = []
    s = sum(v.value for _, v in tab.parts)
    bound = sum(v.half_unit for _, v in tab.parts)
    unit = max(v.half_unit for _, v in tab.parts)
    diff = s - 100.0
    if abs(diff) > unit + 1e-9:
        level = ERROR if abs(diff) > bound + 1e-9 else WARNING
        out.append(
            Finding(
                level,
                "shares_sum",
                tab.id,
                t(
                    "report.audit.shares_sum",
                    lang,
                    name=name,
                    sum=_fmt(s),
                    diff=_fmt(diff),
                    n=len(tab.parts),
                    bound=_fmt(bound),
                ),
                100.0,
                s,
            )
        )
    if not tab.base:
        return out
    for k, v in tab.parts:
        # a share of `base` things is k / base for a whole k; printed shares that
        # are made to sum to 100 (largest remainder) may be off by under one unit
        exact = v.value / 100 * tab.base
        k_int = round(exact)
        if abs(k_int / tab.base * 100 - v.value) >= 2 * v.half_unit - 1e-9:
            near = [c / tab.base * 100 for c in (math.floor(exact), math.ceil(exact))]
            out.append(
                Finding(
                    ERROR,
                    "share_base",
                    tab.id,
                    t(
                        "report.audit.share_base",
                        lang,
                        name=name,
                        part=k,
                        share=v.text,
                        base=tab.base,
                        exact=_fmt(exact),
                        nearest=t("report.audit.or", lang).join(
                            f"{x:.{_decimals(v)}f}%" for x in near
                        ),
                    ),
                    v.value,
                    k_int / tab.base * 100,
                )
            )
    return out


def _check_total(tab: _Table, total: Num, name: str, lang: Lang) -> list[Finding]:
    """The stated total equals the sum of the parts."""
    s = sum(v.value for _, v in tab.parts)
    diff = s - total.value
    if abs(diff) <= total.half_unit + 1e-9:
        return []
    lim = sum(v.half_unit for _, v in tab.parts) + total.half_unit
    level = ERROR if abs(diff) > lim + 1e-9 else WARNING
    return [
        Finding(
            level,
            "total",
            tab.id,
            t(
                "report.audit.total",
                lang,
                name=name,
                sum=_fmt(s),
                total=total.text,
                diff=_fmt(diff),
                bound=_fmt(lim),
            ),
            total.value,
            s,
        )
    ]


def _check_growth(tab: _Table, name: str, lang: Lang) -> list[Finding]:
    """Each stated growth rate follows from the part before it in the series."""
    out: list[Finding] = []
    labels = [k for k, _ in tab.parts]
    for k, g in tab.growth:
        if k not in labels or labels.index(k) == 0:
            out.append(
                Finding(
                    ERROR,
                    "growth",
                    tab.id,
                    t("report.audit.growth_first", lang, name=name, part=k),
                    g.value,
                )
            )
            continue
        i = labels.index(k)
        prev, cur = tab.parts[i - 1][1], tab.parts[i][1]
        if prev.value == 0:
            continue
        computed = (cur.value / prev.value - 1) * 100
        # rounding of the two values moves the ratio by about this much
        prop = 100 * (
            cur.half_unit / abs(prev.value) + abs(cur.value) * prev.half_unit / prev.value**2
        )
        diff = g.value - computed
        if abs(diff) > g.half_unit + prop + 1e-9:
            out.append(
                Finding(
                    ERROR,
                    "growth",
                    tab.id,
                    t(
                        "report.audit.growth",
                        lang,
                        name=name,
                        part=k,
                        growth=g.text,
                        cur=cur.text,
                        prev=prev.text,
                        computed=computed,
                    ),
                    g.value,
                    computed,
                )
            )
    return out


def _check_table(tab: _Table, lang: Lang) -> list[Finding]:
    name = tab.id + (f" ({tab.title})" if tab.title else "")
    out: list[Finding] = []
    if tab.shares:
        out += _check_shares(tab, name, lang)
    if tab.total is not None:
        out += _check_total(tab, tab.total, name, lang)
    if tab.growth:
        out += _check_growth(tab, name, lang)
    return out


def _decimals(n: Num) -> int:
    return max(0, round(-math.log10(n.half_unit * 2)))


def _claim_value(
    of: dict[str, Any], tables: dict[str, _Table], where: Phrase, lang: Lang
) -> tuple[float, float, str]:
    """(computed value, rounding bound of the inputs, description) of a claim's ``of``."""
    tid = str(of.get("table", ""))
    if tid not in tables:
        raise ReportError.of("audit.unknown_table", where=where, table=repr(tid))
    tab = tables[tid]
    if "sum" in of:
        labels = [k for k, _ in tab.parts] if of["sum"] == "all" else [str(x) for x in of["sum"]]
        nums = [tab.part(lab, where) for lab in labels]
        return (
            sum(n.value for n in nums),
            sum(n.half_unit for n in nums),
            t("report.audit.of_sum", lang, parts=" + ".join(labels), table=tid),
        )
    if "value" in of:
        n = tab.part(str(of["value"]), where)
        return n.value, n.half_unit, t("report.audit.of_value", lang, part=of["value"], table=tid)
    if of.get("total") is True or of.get("total") == "sum":
        return (
            sum(n.value for _, n in tab.parts),
            sum(n.half_unit for _, n in tab.parts),
            t("report.audit.of_total", lang, table=tid),
        )
    if "share" in of:
        labels = (
            [k for k, _ in tab.parts] if of["share"] == "all" else [str(x) for x in of["share"]]
        )
        nums = [tab.part(lab, where) for lab in labels]
        den_num = tab.total
        den = den_num.value if den_num else sum(n.value for _, n in tab.parts)
        if den == 0:
            raise ReportError.of("audit.sums_to_zero", where=where, table=tid)
        num = sum(n.value for n in nums)
        bound = sum(n.half_unit for n in nums) / den * 100 * 2
        desc = t("report.audit.of_share", lang, parts=" + ".join(labels), table=tid)
        return num / den * 100, bound, desc
    if "growth" in of:
        return _claimed_growth(tab, str(of["growth"]), where, lang)
    raise ReportError.of("audit.bad_of", where=where)


def _claimed_growth(tab: _Table, label: str, where: Phrase, lang: Lang) -> tuple[float, float, str]:
    """The % change of part ``label`` over the part before it (and its rounding bound)."""
    labels = [k for k, _ in tab.parts]
    cur = tab.part(label, where)
    i = labels.index(label)
    if i == 0 or tab.parts[i - 1][1].value == 0:
        raise ReportError.of("audit.no_growth", where=where, table=repr(tab.id), part=repr(label))
    prev = tab.parts[i - 1][1]
    bound = 100 * (
        cur.half_unit / abs(prev.value) + abs(cur.value) * prev.half_unit / prev.value**2
    )
    desc = t("report.audit.of_growth", lang, part=label, table=tab.id)
    return (cur.value / prev.value - 1) * 100, bound, desc


def _number_in_text(text: str, n: Num) -> bool:
    """Whether ``text`` prints ``n`` (thousands separators ignored)."""
    want = n.text.replace(",", "").lstrip("+-")  # a sign may be written as a word
    return any(m.replace(",", "") == want for m in re.findall(r"\d[\d,]*(?:\.\d+)?", text))


def _check_claims(
    doc: dict[str, Any], tables: dict[str, _Table], src: str, lang: Lang
) -> list[Finding]:
    out: list[Finding] = []
    raw = doc.get("claims") or []
    if not isinstance(raw, list):
        raise ReportError.of("audit.claims_not_list", where=src)
    for i, c in enumerate(raw):
        if not isinstance(c, dict):
            raise ReportError.of("audit.claim_not_mapping", where=src, i=i)
        cid = str(c.get("id") or f"claims[{i}]")
        where = phrase("audit.at_claim", where=src, claim=cid)
        if "value" not in c:
            raise ReportError.of("audit.claim_needs_value", where=where)
        v = parse_num(c["value"], c.get("decimals"), where=where)
        text = str(c.get("text") or "")
        if text and not _number_in_text(text, v):
            out.append(
                Finding(
                    ERROR,
                    "claim_text",
                    cid,
                    t("report.audit.claim_text", lang, cid=cid, value=v.text, text=text),
                    v.value,
                )
            )
        if c.get("unverifiable"):
            out.append(
                Finding(
                    INFO,
                    "unverifiable",
                    cid,
                    t(
                        "report.audit.unverifiable",
                        lang,
                        cid=cid,
                        value=v.text,
                        why=c["unverifiable"],
                    ),
                    v.value,
                )
            )
            continue
        of = c.get("of")
        if not isinstance(of, dict):
            raise ReportError.of("audit.claim_needs_of", where=where)
        computed, bound, desc = _claim_value(of, tables, where, lang)
        diff = v.value - computed
        if abs(diff) > v.half_unit + 1e-9:
            level = ERROR if abs(diff) > v.half_unit + bound + 1e-9 else WARNING
            what = (
                t("report.audit.text_states", lang, text=text)
                if text
                else t("report.audit.states", lang)
            )
            out.append(
                Finding(
                    level,
                    "claim",
                    cid,
                    t(
                        "report.audit.claim",
                        lang,
                        cid=cid,
                        states=what,
                        value=v.text,
                        of=desc,
                        computed=_fmt(computed),
                        diff=_fmt(diff),
                    ),
                    v.value,
                    computed,
                )
            )
    return out


def audit_figures(
    doc: dict[str, Any], *, source: str = "figures", lang: Lang = "en"
) -> AuditResult:
    """Check one figures document (already parsed); see the module docstring.

    The findings' messages are in ``lang``."""
    if not isinstance(doc, dict):
        raise ReportError.of("audit.not_a_mapping", where=source)
    tables = _load_tables(doc, source)
    findings: list[Finding] = []
    for tab in tables.values():
        findings += _check_table(tab, lang)
    findings += _check_claims(doc, tables, source, lang)
    return AuditResult(
        source=source, tables=len(tables), claims=len(doc.get("claims") or []), findings=findings
    )


def load_figures(path: Path) -> dict[str, Any]:
    """A figures document from YAML/JSON, or from a report's ``.data.json`` (its ``figures``)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReportError.of("audit.no_file", path=str(p)) from None
    except OSError as e:
        raise ReportError.of("audit.unreadable", path=str(p), error=str(e.strerror or e)) from None
    try:
        doc = json.loads(text) if p.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as e:
        raise ReportError.of(
            "audit.not_valid", path=str(p), format=p.suffix.lstrip(".").upper() or "YAML", error=e
        ) from None
    if isinstance(doc, dict) and "figures" in doc and "tables" not in doc:
        doc = doc["figures"]  # a report's data JSON
    if not isinstance(doc, dict) or "tables" not in doc:
        raise ReportError.of("audit.no_figures", path=str(p))
    return doc


def audit_file(path: Path, *, lang: Lang = "en") -> AuditResult:
    """Audit a figures YAML/JSON or a report's ``.data.json`` (messages in ``lang``)."""
    return audit_figures(load_figures(path), source=str(path), lang=lang)
