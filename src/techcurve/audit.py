"""The consistency audit: do a report's numbers agree with each other?

A *figures* document (YAML or JSON) lists a report's tables as printed and the
claims its text makes about them; :func:`audit_figures` checks that

* shares sum to 100 % (``shares: true``) and, given a count ``base``, that every
  share is within one unit of its last printed digit of ``k / base`` for a whole
  number ``k`` (one unit, not half: shares rounded to sum to 100 % may be nudged);
* a stated ``total`` equals the sum of the parts;
* stated growth rates (``growth``) follow from the series they belong to;
* every claim's value equals what its table gives (``sum`` / ``value`` / ``total`` /
  ``share`` / ``growth`` of named parts), and appears in the claim's text.

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

from techcurve.errors import ReportError

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


def parse_num(v: Any, decimals: int | None = None, *, where: str = "") -> Num:
    """A printed number: ``"30.12%"`` → 30.12 ± 0.005; ``1002391`` → ± 0.5.

    Raises :class:`ReportError` naming ``where`` when ``v`` is not a number.
    """
    if isinstance(v, bool) or v is None:
        raise ReportError(f"{where}: {v!r} is not a number")
    if isinstance(v, int | float) and not isinstance(v, bool):
        if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
            raise ReportError(f"{where}: {v!r} is not a finite number")
        if decimals is None:
            text = repr(v) if isinstance(v, float) else str(v)
            decimals = len(text.split(".")[1]) if "." in text and "e" not in text else 0
        return Num(float(v), 0.5 * 10.0**-decimals, f"{v:.{decimals}f}")
    text = str(v).strip().rstrip("%").strip().replace("，", ",")
    if not _NUM_RE.match(text):
        raise ReportError(
            f'{where}: {v!r} is not a number (write it as printed, e.g. "30.12" or "1,002,391")'
        )
    clean = text.replace(",", "")
    try:
        d = Decimal(clean)
    except InvalidOperation:
        raise ReportError(f"{where}: {v!r} is not a number") from None
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

    def part(self, label: str, where: str) -> Num:
        for k, v in self.parts:
            if k == label:
                return v
        raise ReportError(
            f"{where}: table {self.id!r} has no part {label!r} "
            f"(it has: {', '.join(k for k, _ in self.parts)})"
        )


def _pairs(obj: Any, where: str) -> list[tuple[str, Any]]:
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
                raise ReportError(
                    f"{where}[{i}]: expected [label, value] or {{label:, value:}}, got {item!r}"
                )
        return out
    raise ReportError(f"{where}: expected a mapping of label → value or a list of pairs")


def _load_tables(doc: dict[str, Any], src: str) -> dict[str, _Table]:
    tables: dict[str, _Table] = {}
    raw = doc.get("tables") or []
    if not isinstance(raw, list):
        raise ReportError(f"{src}: 'tables' must be a list of tables")
    for i, t in enumerate(raw):
        if not isinstance(t, dict) or "id" not in t:
            raise ReportError(f"{src}: tables[{i}] needs an 'id' (and 'parts')")
        tid = str(t["id"])
        where = f"{src}: table {tid}"
        if tid in tables:
            raise ReportError(f"{where}: the id is used twice")
        dec = t.get("decimals")
        parts = [
            (k, parse_num(v, dec, where=f"{where} part {k!r}"))
            for k, v in _pairs(t.get("parts"), where)
        ]
        if not parts:
            raise ReportError(f"{where}: no parts")
        base = t.get("base")
        if base is not None and (not isinstance(base, int) or base <= 0):
            raise ReportError(f"{where}: base must be a positive whole number, got {base!r}")
        tables[tid] = _Table(
            id=tid,
            title=str(t.get("title") or ""),
            parts=parts,
            shares=bool(t.get("shares", False)),
            base=base,
            total=None
            if t.get("total") is None
            else parse_num(t["total"], dec, where=f"{where} total"),
            growth=[
                (k, parse_num(v, t.get("growth_decimals"), where=f"{where} growth {k!r}"))
                for k, v in _pairs(t.get("growth"), where + " growth")
            ],
        )
    return tables


def _fmt(x: float) -> str:
    return f"{x:,.4f}".rstrip("0").rstrip(".")


def _check_shares(t: _Table, name: str) -> list[Finding]:
    """Shares sum to 100 %; given a ``base``, each is a whole number of it."""
    out: list[Finding] = []
    s = sum(v.value for _, v in t.parts)
    bound = sum(v.half_unit for _, v in t.parts)
    unit = max(v.half_unit for _, v in t.parts)
    diff = s - 100.0
    if abs(diff) > unit + 1e-9:
        level = ERROR if abs(diff) > bound + 1e-9 else WARNING
        out.append(
            Finding(
                level,
                "shares_sum",
                t.id,
                f"{name}: the shares sum to {_fmt(s)}%, not 100% (off by {_fmt(diff)} pt; "
                f"rounding of {len(t.parts)} parts explains at most ±{_fmt(bound)})",
                100.0,
                s,
            )
        )
    if not t.base:
        return out
    for k, v in t.parts:
        # a share of `base` things is k / base for a whole k; printed shares that
        # are made to sum to 100 (largest remainder) may be off by under one unit
        exact = v.value / 100 * t.base
        k_int = round(exact)
        if abs(k_int / t.base * 100 - v.value) >= 2 * v.half_unit - 1e-9:
            near = [c / t.base * 100 for c in (math.floor(exact), math.ceil(exact))]
            out.append(
                Finding(
                    ERROR,
                    "share_base",
                    t.id,
                    f"{name}: {k} {v.text}% is not a whole number of {t.base} "
                    f"({_fmt(exact)} of {t.base}); the nearest shares are "
                    + " or ".join(f"{x:.{_decimals(v)}f}%" for x in near),
                    v.value,
                    k_int / t.base * 100,
                )
            )
    return out


def _check_total(t: _Table, total: Num, name: str) -> list[Finding]:
    """The stated total equals the sum of the parts."""
    s = sum(v.value for _, v in t.parts)
    diff = s - total.value
    if abs(diff) <= total.half_unit + 1e-9:
        return []
    lim = sum(v.half_unit for _, v in t.parts) + total.half_unit
    level = ERROR if abs(diff) > lim + 1e-9 else WARNING
    return [
        Finding(
            level,
            "total",
            t.id,
            f"{name}: the parts sum to {_fmt(s)} but the stated total is {total.text} "
            f"(off by {_fmt(diff)}; rounding explains at most ±{_fmt(lim)})",
            total.value,
            s,
        )
    ]


def _check_growth(t: _Table, name: str) -> list[Finding]:
    """Each stated growth rate follows from the part before it in the series."""
    out: list[Finding] = []
    labels = [k for k, _ in t.parts]
    for k, g in t.growth:
        if k not in labels or labels.index(k) == 0:
            out.append(
                Finding(
                    ERROR,
                    "growth",
                    t.id,
                    f"{name}: growth for {k!r} has no previous value in the series",
                    g.value,
                )
            )
            continue
        i = labels.index(k)
        prev, cur = t.parts[i - 1][1], t.parts[i][1]
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
                    t.id,
                    f"{name}: growth {k} is printed as {g.text}% but "
                    f"{cur.text} / {prev.text} − 1 = {computed:.2f}%",
                    g.value,
                    computed,
                )
            )
    return out


def _check_table(t: _Table) -> list[Finding]:
    name = t.id + (f" ({t.title})" if t.title else "")
    out: list[Finding] = []
    if t.shares:
        out += _check_shares(t, name)
    if t.total is not None:
        out += _check_total(t, t.total, name)
    if t.growth:
        out += _check_growth(t, name)
    return out


def _decimals(n: Num) -> int:
    return max(0, round(-math.log10(n.half_unit * 2)))


def _claim_value(
    of: dict[str, Any], tables: dict[str, _Table], where: str
) -> tuple[float, float, str]:
    """(computed value, rounding bound of the inputs, description) of a claim's ``of``."""
    tid = str(of.get("table", ""))
    if tid not in tables:
        raise ReportError(f"{where}: refers to table {tid!r}, which is not in the file")
    t = tables[tid]
    if "sum" in of:
        labels = [k for k, _ in t.parts] if of["sum"] == "all" else [str(x) for x in of["sum"]]
        nums = [t.part(lab, where) for lab in labels]
        return (
            sum(n.value for n in nums),
            sum(n.half_unit for n in nums),
            f"{' + '.join(labels)} in {tid}",
        )
    if "value" in of:
        n = t.part(str(of["value"]), where)
        return n.value, n.half_unit, f"{of['value']} in {tid}"
    if of.get("total") is True or of.get("total") == "sum":
        return (
            sum(n.value for _, n in t.parts),
            sum(n.half_unit for _, n in t.parts),
            f"the sum of {tid}",
        )
    if "share" in of:
        labels = [k for k, _ in t.parts] if of["share"] == "all" else [str(x) for x in of["share"]]
        nums = [t.part(lab, where) for lab in labels]
        den_num = t.total
        den = den_num.value if den_num else sum(n.value for _, n in t.parts)
        if den == 0:
            raise ReportError(f"{where}: table {tid} sums to 0, so no share can be taken")
        num = sum(n.value for n in nums)
        bound = sum(n.half_unit for n in nums) / den * 100 * 2
        return num / den * 100, bound, f"({' + '.join(labels)}) / total of {tid} × 100"
    raise ReportError(f"{where}: 'of' needs one of sum, value, total or share")


def _number_in_text(text: str, n: Num) -> bool:
    """Whether ``text`` prints ``n`` (thousands separators ignored)."""
    want = n.text.replace(",", "").lstrip("+")
    return any(m.replace(",", "") == want for m in re.findall(r"\d[\d,]*(?:\.\d+)?", text))


def _check_claims(doc: dict[str, Any], tables: dict[str, _Table], src: str) -> list[Finding]:
    out: list[Finding] = []
    raw = doc.get("claims") or []
    if not isinstance(raw, list):
        raise ReportError(f"{src}: 'claims' must be a list")
    for i, c in enumerate(raw):
        if not isinstance(c, dict):
            raise ReportError(f"{src}: claims[{i}] must be a mapping")
        cid = str(c.get("id") or f"claims[{i}]")
        where = f"{src}: claim {cid}"
        if "value" not in c:
            raise ReportError(f"{where}: needs a 'value' (the number as printed in the text)")
        v = parse_num(c["value"], c.get("decimals"), where=where)
        text = str(c.get("text") or "")
        if text and not _number_in_text(text, v):
            out.append(
                Finding(
                    ERROR,
                    "claim_text",
                    cid,
                    f"claim {cid}: {v.text} does not appear in its text: {text!r}",
                    v.value,
                )
            )
        if c.get("unverifiable"):
            out.append(
                Finding(
                    INFO,
                    "unverifiable",
                    cid,
                    f"claim {cid} ({v.text}) cannot be checked: {c['unverifiable']}",
                    v.value,
                )
            )
            continue
        of = c.get("of")
        if not isinstance(of, dict):
            raise ReportError(
                f"{where}: needs 'of: {{table: …, sum|value|total|share: …}}' or 'unverifiable: why'"
            )
        computed, bound, desc = _claim_value(of, tables, where)
        diff = v.value - computed
        if abs(diff) > v.half_unit + 1e-9:
            level = ERROR if abs(diff) > v.half_unit + bound + 1e-9 else WARNING
            what = f"{text!r} states" if text else "states"
            out.append(
                Finding(
                    level,
                    "claim",
                    cid,
                    f"claim {cid}: {what} {v.text} but {desc} = {_fmt(computed)} "
                    f"(off by {_fmt(diff)})",
                    v.value,
                    computed,
                )
            )
    return out


def audit_figures(doc: dict[str, Any], *, source: str = "figures") -> AuditResult:
    """Check one figures document (already parsed); see the module docstring."""
    if not isinstance(doc, dict):
        raise ReportError(f"{source}: expected a mapping with 'tables' and 'claims'")
    tables = _load_tables(doc, source)
    findings: list[Finding] = []
    for t in tables.values():
        findings += _check_table(t)
    findings += _check_claims(doc, tables, source)
    return AuditResult(
        source=source, tables=len(tables), claims=len(doc.get("claims") or []), findings=findings
    )


def load_figures(path: Path) -> dict[str, Any]:
    """A figures document from YAML/JSON, or from a report's ``.data.json`` (its ``figures``)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReportError(
            f"{p} does not exist: pass a report's .data.json or a figures YAML"
        ) from None
    except OSError as e:
        raise ReportError(f"cannot read {p}: {e.strerror or e}") from None
    try:
        doc = json.loads(text) if p.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as e:
        raise ReportError(
            f"{p} is not valid {p.suffix.lstrip('.').upper() or 'YAML'}: {e}"
        ) from None
    if isinstance(doc, dict) and "figures" in doc and "tables" not in doc:
        doc = doc["figures"]  # a report's data JSON
    if not isinstance(doc, dict) or "tables" not in doc:
        raise ReportError(
            f"{p} holds no figures: expected 'tables' (a figures file) or 'figures' "
            "(a report .data.json written by `techcurve report`)"
        )
    return doc


def audit_file(path: Path) -> AuditResult:
    """Audit a figures YAML/JSON or a report's ``.data.json``."""
    return audit_figures(load_figures(path), source=str(path))
