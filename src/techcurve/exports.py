"""Outputs for neighbouring tools: a BYOR radar CSV, a priority matrix, and JSON.

**ThoughtWorks Build-Your-Own-Radar** (:func:`export_byor`) reads a CSV with the
columns ``name, ring, quadrant, isNew, description``; it allows four rings and four
quadrants. Phases map to rings by how ready a technology is to use:

=================================  ========
phase                              ring
=================================  ========
生产成熟期 Plateau of Productivity   Adopt
稳步爬升复苏期 Slope of Enlightenment Trial
技术萌芽期 Innovation Trigger        Assess
期望膨胀期 Peak of Inflated Exp.     Assess
泡沫破裂低谷期 Trough of Disill.      Hold
=================================  ========

Quadrants come from domains: ``outputs.byor_quadrants`` ({domain_id: quadrant}) in
the config, else the three domains with the most placed sub-fields get a quadrant
each and the rest share a fourth ("其他领域" / "Other domains"). ``isNew`` is true for
a sub-field absent from the edition given as ``compare`` (all false without one).

**Priority matrix** (:func:`export_matrix`, Gartner style): rows are benefit
(transformational, high, moderate, low), columns years to plateau. Benefit comes from
``outputs.benefit`` ({subfield_id: level}) in the config, else a ``benefit`` column of
the assessments (from expert overrides), else the default rule: sub-fields are ranked
by the mean of their percentile ranks of cumulative patents and financing amount;
the top 10 % are transformational, the next 25 % high, the next 40 % moderate, the
rest low.

**JSON** (:func:`export_json`): every assessment row (all models) with its parsed
reasons, names and domain.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from techcurve import config as _config
from techcurve.datatypes import Phase, YearsBand
from techcurve.editions import load_edition, select_assessments
from techcurve.errors import ReportError
from techcurve.render.curve.bands import band_name
from techcurve.render.fonts import chart_style, new_figure, save_figure, text_width
from techcurve.report.reasons import lookups, reason_sentences
from techcurve.store import Store
from techcurve.store.curve import (
    assessment_facts,
    assessments,
    domains,
    subfields,
    summary_columns,
)
from techcurve.text import Lang, t

RINGS: dict[Phase, str] = {
    Phase.PLATEAU: "Adopt",
    Phase.SLOPE: "Trial",
    Phase.TRIGGER: "Assess",
    Phase.PEAK: "Assess",
    Phase.TROUGH: "Hold",
}
BENEFITS = ("transformational", "high", "moderate", "low")
MATRIX_BANDS = (YearsBand.LT2, YearsBand.Y2_5, YearsBand.Y5_10, YearsBand.GT10)
# share of sub-fields in each benefit level under the default rule (top first)
DEFAULT_BENEFIT_SHARES = (0.10, 0.25, 0.40, 0.25)
#: the summary columns the default benefit rule ranks sub-fields by
BENEFIT_EVIDENCE = ("patents_cum", "fin_amount_point_cny")


def _lang(lang: str) -> Lang:
    return "zh" if lang == "zh" else "en"


def benefit_name(level: str, lang: str) -> str:
    """The display name of a benefit level (one of :data:`BENEFITS`) in ``lang``."""
    return t(f"exports.benefit.{level}", _lang(lang))


def _placed(store: Store) -> pl.DataFrame:
    sel = select_assessments(assessments(store))
    subs = subfields(store).select("subfield_id", "domain_id", "name_zh", "name_en")
    if "domain_id" in sel.columns:
        sel = sel.drop("domain_id")
    return sel.join(subs, on="subfield_id", how="left").filter(
        pl.col("plot_position").is_not_null() & pl.col("plot_position").is_not_nan()
    )


def _name(row: Mapping[str, Any], lang: str) -> str:
    a, b = ("name_zh", "name_en") if lang == "zh" else ("name_en", "name_zh")
    return str(row.get(a) or row.get(b) or row["subfield_id"])


def _phase(row: Mapping[str, Any]) -> Phase:
    ph = row.get("plot_phase")
    if ph:
        try:
            return Phase.parse(str(ph))
        except ValueError:
            pass
    return Phase.at(float(row["plot_position"]))


def _reasons(v: Any) -> list[dict[str, Any]]:
    if not v:
        return []
    try:
        items = json.loads(v) if isinstance(v, str) else v
    except json.JSONDecodeError:
        return [{"text": str(v)}]
    return (
        [i if isinstance(i, dict) else {"text": str(i)} for i in items]
        if isinstance(items, list)
        else []
    )


def _outputs_cfg(config: str | Path | None) -> dict[str, Any]:
    return _config.section(_config.load_config(config), "outputs")


def byor_quadrants(
    store: Store, placed: pl.DataFrame, cfg: Mapping[str, Any], lang: str
) -> dict[str, str]:
    """Domain id → quadrant name (at most four quadrants)."""
    dom = {
        str(r["domain_id"]): str((r["name_zh"] if lang == "zh" else r["name_en"]) or r["domain_id"])
        for r in domains(store).iter_rows(named=True)
    }
    given = cfg.get("byor_quadrants")
    if given:
        if not isinstance(given, dict):
            raise ReportError.of("exports.quadrants_not_mapping")
        quads = {str(k): str(v) for k, v in given.items()}
        if len(set(quads.values())) > 4:
            raise ReportError.of("exports.too_many_quadrants")
        missing = sorted(set(placed["domain_id"].drop_nulls().to_list()) - set(quads))
        if missing:
            raise ReportError.of("exports.no_quadrant", domains=", ".join(missing))
        return quads
    counts = placed.group_by("domain_id").len().sort(["len", "domain_id"], descending=[True, False])
    order = [str(d) for d in counts["domain_id"].to_list() if d is not None]
    other = t("exports.other_domains", _lang(lang))
    if len(order) <= 4:
        return {d: dom.get(d, d) for d in order}
    return {d: (dom.get(d, d) if i < 3 else other) for i, d in enumerate(order)}


def export_byor(
    store: Store,
    out: Path,
    *,
    lang: str = "zh",
    compare: str | None = None,
    config: str | Path | None = None,
) -> Path:
    """Write the BYOR CSV (name, ring, quadrant, isNew, description); see the module doc."""
    placed = _placed(store)
    quads = byor_quadrants(store, placed, _outputs_cfg(config), lang)
    previous: set[str] | None = None
    if compare:
        previous = set(load_edition(store, compare)["subfield_id"].to_list())
    rows = []
    lg = _lang(lang)
    look = lookups(store, placed["reasons"].to_list() if "reasons" in placed.columns else [])
    for r in placed.sort("plot_position", descending=True).iter_rows(named=True):
        ph = _phase(r)
        reasons = t("report.sep.clause", lg).join(reason_sentences(r.get("reasons"), lg, look))
        head = t(
            "exports.byor_description",
            lg,
            phase=ph.label(lg),
            position=float(r["plot_position"]),
            band=band_name(_band(r.get("plot_band")), lg),
        )
        rows.append(
            {
                "name": _name(r, lang),
                "ring": RINGS[ph],
                "quadrant": quads.get(str(r["domain_id"]), str(r["domain_id"])),
                "isNew": "TRUE"
                if previous is not None and r["subfield_id"] not in previous
                else "FALSE",
                "description": head + (f". {reasons}" if reasons else ""),
            }
        )
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=["name", "ring", "quadrant", "isNew", "description"])
            w.writeheader()
            w.writerows(rows)
    except OSError as e:
        raise ReportError.of(
            "exports.cannot_write", path=str(out), error=str(e.strerror or e)
        ) from None
    return out


def _band(v: Any) -> YearsBand | None:
    try:
        return YearsBand.parse(str(v)) if v else None
    except ValueError:
        return None


def benefits(store: Store, placed: pl.DataFrame, cfg: Mapping[str, Any]) -> dict[str, str]:
    """Sub-field id → benefit level: config, else an override column, else the default rule."""
    given = cfg.get("benefit") or {}
    if not isinstance(given, dict):
        raise ReportError.of("exports.benefit_not_mapping")
    for sid, level in given.items():
        if str(level).lower() not in BENEFITS:
            raise ReportError.of(
                "exports.bad_benefit", id=sid, level=repr(level), levels=", ".join(BENEFITS)
            )
    out: dict[str, str] = {}
    col = next(
        (c for c in ("final_benefit", "expert_benefit", "benefit") if c in placed.columns), None
    )
    if col:
        for sid, level in placed.select("subfield_id", col).iter_rows():
            if level and str(level).lower() in BENEFITS:
                out[str(sid)] = str(level).lower()
    # default rule: mean percentile rank of cumulative patents and financing amount
    ids = [str(s) for s in placed["subfield_id"].to_list()]
    scores: dict[str, float] = {s: 0.0 for s in ids}
    summ = summary_columns(store, BENEFIT_EVIDENCE)
    for col_ in BENEFIT_EVIDENCE:
        if col_ not in summ.columns:
            continue
        vals = {
            str(r[0]): (
                0.0
                if r[1] is None or (isinstance(r[1], float) and math.isnan(r[1]))
                else float(r[1])
            )
            for r in summ.select("subfield_id", col_).iter_rows()
        }
        ranked = sorted(ids, key=lambda s: vals.get(s, 0.0))
        for i, s in enumerate(ranked):
            scores[s] += (i + 1) / len(ranked) / 2
    order = sorted(ids, key=lambda s: (-scores[s], s))
    bounds = []
    acc = 0.0
    for share in DEFAULT_BENEFIT_SHARES:
        acc += share
        bounds.append(round(acc * len(order)))
    for i, s in enumerate(order):
        level = next(BENEFITS[k] for k, b in enumerate(bounds) if i < b or k == len(bounds) - 1)
        out.setdefault(s, level)
    for sid, level in given.items():
        out[str(sid)] = str(level).lower()
    return out


def export_matrix(
    store: Store, out: Path, *, lang: str = "zh", config: str | Path | None = None
) -> Path:
    """Draw the priority matrix (benefit × years to plateau) to ``out`` (.png, .svg, .pdf)."""
    placed = _placed(store)
    ben = benefits(store, placed, _outputs_cfg(config))
    lg = _lang(lang)
    cells: dict[tuple[str, YearsBand], list[str]] = {}
    unbanded: list[str] = []
    for r in placed.sort("plot_position", descending=True).iter_rows(named=True):
        band = _band(r.get("plot_band"))
        if band not in MATRIX_BANDS:
            unbanded.append(_name(r, lang))
            continue
        assert band is not None
        cells.setdefault((ben[str(r["subfield_id"])], band), []).append(_name(r, lang))
    return save_figure(_matrix_figure(cells, unbanded, lg), out)


def _matrix_figure(
    cells: Mapping[tuple[str, YearsBand], list[str]], unbanded: list[str], lang: Lang
) -> Figure:
    """The matrix: benefit rows, years-to-plateau columns, the names in each cell."""
    sep = t("exports.list_separator", lang)
    with chart_style():
        fig = new_figure(14, 8.5)
        ax = fig.add_axes((0.12, 0.06, 0.86, 0.80))
        ax.set_xlim(0, 4)
        ax.set_ylim(0, 4)
        ax.axis("off")
        for k, b in enumerate(MATRIX_BANDS):
            ax.text(
                k + 0.5,
                4.08,
                band_name(b, lang),
                ha="center",
                va="bottom",
                fontsize=11,
                color="#1a202c",
            )
        for j, level in enumerate(BENEFITS):
            y = 3 - j
            ax.text(
                -0.05,
                y + 0.5,
                benefit_name(level, lang),
                ha="right",
                va="center",
                fontsize=11,
                color="#1a202c",
            )
            for k, b in enumerate(MATRIX_BANDS):
                shade = "#eef3fa" if (j + k) % 2 == 0 else "#f7f9fc"
                ax.add_patch(_rect(k, y, shade))
                names = cells.get((level, b), [])
                ax.text(
                    k + 0.04,
                    y + 0.94,
                    _wrap(sep.join(names), 26.0),
                    ha="left",
                    va="top",
                    fontsize=7.5 if len(names) < 12 else 6.5,
                    color="#222222",
                    linespacing=1.25,
                )
        fig.text(0.02, 0.95, t("exports.matrix_title", lang), fontsize=15, color="#1a202c")
        note = t("exports.matrix_note", lang)
        if unbanded:
            note += t("exports.matrix_no_years", lang, names=sep.join(unbanded))
        fig.text(
            0.02, 0.015, _wrap(note, 120 if lang == "zh" else 200), fontsize=7.5, color="#555555"
        )
    return fig


def _rect(x: float, y: float, color: str) -> Rectangle:
    return Rectangle((x, y), 1, 1, facecolor=color, edgecolor="white", linewidth=2)


def _wrap(text: str, width_em: float) -> str:
    """Wrap at separators to about ``width_em`` (CJK 1 em, others 0.55)."""
    lines, cur, w = [], "", 0.0
    for ch in text:
        cw = text_width(ch)
        if w + cw > width_em and cur:
            cut = max(cur.rfind("、"), cur.rfind(", "), cur.rfind(" "))
            if cut > len(cur) // 2:
                lines.append(cur[: cut + 1].rstrip())
                cur = cur[cut + 1 :].lstrip()
            else:
                lines.append(cur)
                cur = ""
            w = text_width(cur)
        cur += ch
        w += cw
    if cur:
        lines.append(cur)
    return "\n".join(lines)


def assessments_json(store: Store) -> dict[str, Any]:
    """Every assessment (all models) with names, domain and parsed reasons."""
    asm = assessments(store)
    subs = subfields(store).select("subfield_id", "domain_id", "name_zh", "name_en", "query")
    if "domain_id" in asm.columns:
        asm = asm.drop("domain_id")
    rows = []
    for r in (
        asm.join(subs, on="subfield_id", how="left")
        .sort("subfield_id", "model")
        .iter_rows(named=True)
    ):
        r = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()}
        r["reasons"] = _reasons(r.get("reasons"))
        for k, v in list(r.items()):
            if hasattr(v, "isoformat"):
                r[k] = v.isoformat()
        rows.append(r)
    facts = assessment_facts(store)
    return {
        "as_of": facts.as_of,
        "taxonomy_version": facts.taxonomy_version,
        "taxonomy_hash": facts.taxonomy_hash,
        "model": facts.model,
        "params": json.loads(facts.params) if facts.params else None,
        "assessments": rows,
    }


def export_json(store: Store, out: Path) -> Path:
    """Write :func:`assessments_json` to ``out``."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(
            json.dumps(assessments_json(store), ensure_ascii=False, indent=2, default=str),
            encoding="utf-8",
        )
    except OSError as e:
        raise ReportError.of(
            "exports.cannot_write", path=str(out), error=str(e.strerror or e)
        ) from None
    return out
