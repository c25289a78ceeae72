"""The methods page: evidence counts, sources, ingested files and the assessment model."""

from __future__ import annotations

import json
from typing import Any

from techcurve.render.curve import select_assessments
from techcurve.report.context import ReportContext
from techcurve.report.format import fmt_int
from techcurve.report.model import EvidenceCount, IngestRow, MethodsPage, SourceRow, StoreFacts
from techcurve.report.provenance import KINDS, RECORD_KINDS, SourceStat, kind_label
from techcurve.store import Meta, Store
from techcurve.store.report import ingest_log
from techcurve.store.sources import source_roles
from techcurve.text import Lang, t


def role_labels(store: Store, lang: Lang) -> dict[tuple[str, str], tuple[str, str]]:
    """(source, kind) → (its name from the registry, the role it played in words), from
    the store's ``source_roles`` (empty before the indicators are computed)."""
    out: dict[tuple[str, str], tuple[str, str]] = {}
    for r in source_roles(store).iter_rows(named=True):
        role = t(
            "evidence.role_of",
            lang,
            role=t(f"evidence.role.{r['role']}", lang),
            subrole=t(f"evidence.subrole.{r['subrole']}", lang),
        )
        if r["listed"] and not r["in_shares"] and r["role"] != "money":
            role += t("evidence.not_in_shares", lang)
        name = r["name_zh"] if lang == "zh" else r["name_en"]
        out[(str(r["source"]), str(r["kind"]))] = (str(name) if r["listed"] else "", role)
    return out


def _source_rows(store: Store, ctx: ReportContext) -> tuple[SourceRow, ...]:
    """The sources table: each source with the role it played."""
    roles = role_labels(store, ctx.lang)
    rows = []
    for x in ctx.stats:
        listed_name, role = roles.get((x.source, x.kind), ("", ""))
        # a name the report knows wins; the registry names the sources it does not
        plain = x.name == x.source.replace("_", " ").replace("-", " ").strip()
        rows.append(
            SourceRow(
                kind=x.kind,
                kind_label=kind_label(x.kind, ctx.lang),
                source=x.source,
                name=listed_name if (plain and listed_name) else x.name,
                level=x.level,
                records=x.records,
                matched=x.matched,
                first=x.first,
                last=x.last,
                role=role,
            )
        )
    return tuple(rows)


def evidence_counts(stats: list[SourceStat], lang: Lang) -> tuple[EvidenceCount, ...]:
    """Records, matched records and count rows per evidence kind: the sources' sums.

    The record kinds always (in their order, then any other kind of records), the
    attention series when there are any.
    """
    rec: dict[str, int] = {}
    matched: dict[str, int] = {}
    counts: dict[str, int] = {}
    for x in stats:
        if x.level == "records":
            rec[x.kind] = rec.get(x.kind, 0) + x.records
            matched[x.kind] = matched.get(x.kind, 0) + x.matched
        else:
            counts[x.kind] = counts.get(x.kind, 0) + x.records
    out = [
        EvidenceCount(
            kind=k,
            label=kind_label(k, lang),
            records=rec.get(k, 0),
            matched=matched.get(k, 0),
            count_rows=counts.get(k, 0),
        )
        for k in (*RECORD_KINDS, *sorted(set(rec) - set(RECORD_KINDS)))
    ]
    if counts.get("attention"):
        out.append(
            EvidenceCount("attention", kind_label("attention", lang), 0, 0, counts["attention"])
        )
    return tuple(out)


def _assessed_params(raw: str | None) -> dict[str, Any]:
    try:
        params = json.loads(raw) if raw else {}
    except json.JSONDecodeError:
        params = {"raw": raw}
    return params if isinstance(params, dict) else {"raw": params}


def methods_page(store: Store, ctx: ReportContext) -> MethodsPage:
    """The methods page of the report on ``store``."""
    lang = ctx.lang
    kinds = evidence_counts(ctx.stats, lang)
    sel = select_assessments(ctx.assessments, as_of=ctx.as_of)
    models = (
        sorted(str(m) for m in sel["model"].drop_nulls().unique().to_list())
        if "model" in sel.columns
        else []
    )
    n_records = sum(k.records for k in kinds)
    return MethodsPage(
        action_title=t(
            "report.title.methods",
            lang,
            kinds=t("report.sep.list", lang).join(k.label for k in kinds if k.records),
            records=fmt_int(n_records),
            n_sub=fmt_int(len(ctx.subfield_rows)),
        ),
        evidence=kinds,
        records_total=n_records,
        sources=_source_rows(store, ctx),
        ingest=tuple(IngestRow(**r) for r in ingest_log(store).iter_rows(named=True)),
        meta=StoreFacts(
            taxonomy_version=store.get_meta(Meta.TAXONOMY_VERSION),
            taxonomy_hash=store.get_meta(Meta.TAXONOMY_HASH),
            schema_version=store.get_meta(Meta.SCHEMA_VERSION),
            as_of=store.get_meta(Meta.AS_OF),
        ),
        models=tuple(models),
        assessed_model=store.get_meta(Meta.ASSESSED_MODEL),
        assessed_params=_assessed_params(store.get_meta(Meta.ASSESSED_PARAMS)),
        n_subfields=len(ctx.subfield_rows),
        n_domains=len(ctx.domain_names),
        source=ctx.source(),
        provenance=ctx.provenance(KINDS),
    )
