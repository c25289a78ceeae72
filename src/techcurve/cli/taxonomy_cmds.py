"""``techcurve taxonomy …``: lint, review and edit the taxonomy.

check · sample · stats · export · import · diff — each calls one function of
:mod:`techcurve.pipeline.taxonomy` and prints its result; ``docs/taxonomy.md`` ("Tools")
documents them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import click
from click.core import ParameterSource
from rich.cells import cell_len

from techcurve import pipeline
from techcurve.cli.common import Ctx
from techcurve.datatypes import RECORD_KINDS
from techcurve.errors import TaxonomyError
from techcurve.text import t

if TYPE_CHECKING:
    from techcurve.taxonomy.diff import TaxonomyDiff

# The taxonomy's lint, diff and review (polars, the store, the matcher) are imported by
# the commands that use them, not when ``techcurve taxonomy --help`` loads this module.

#: the kinds of records (``taxonomy.review.KINDS``)
KINDS = tuple(k.value for k in RECORD_KINDS)

#: the exit code of a taxonomy check that found errors (that of a malformed taxonomy)
TAXONOMY_ERRORS_EXIT = TaxonomyError.exit_code

DB_OPTION = click.option(
    "--db",
    "db",
    default=None,
    type=click.Path(dir_okay=False),
    help="The store (default: the global --db).",
)


def _out(ctx: Ctx, text: str = "") -> None:
    """Plain text on stdout (not rich: the tables must be exact and pipe-friendly)."""
    if not ctx.quiet and not ctx.json:
        click.echo(text)


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]], right: set[int]) -> list[str]:
    """Columns padded by display width (CJK characters count two)."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in r] for r in rows]
    widths = [max(cell_len(r[i]) for r in cells) for i in range(len(headers))]

    def fmt(r: list[str]) -> str:
        parts = []
        for i, c in enumerate(r):
            pad = " " * (widths[i] - cell_len(c))
            parts.append(pad + c if i in right else c + pad)
        return "  ".join(parts).rstrip()

    return [fmt(cells[0]), *(fmt(r) for r in cells[1:])]


def _clip(text: str, width: int) -> str:
    """``text`` cut to ``width`` display cells, with an ellipsis when cut."""
    if cell_len(text) <= width:
        return text
    while cell_len(text) > width - 1:
        text = text[:-1]
    return text + "…"


@contextmanager
def _commands_named() -> Iterator[None]:
    """The library's errors name no command: here the one to run is added."""
    from techcurve.taxonomy.review import NotMatchedError, UnknownSubfieldError  # noqa: PLC0415

    try:
        yield
    except NotMatchedError as e:
        raise NotMatchedError.of(
            "taxonomy.cli.run_first", error=e, command="`techcurve match`"
        ) from None
    except UnknownSubfieldError as e:
        raise UnknownSubfieldError.of(
            "taxonomy.cli.ids_listed_by", error=e, command="`techcurve taxonomy stats`"
        ) from None


def _store_path(ctx: Ctx, db: str | None) -> str:
    return db or ctx.db


def _explicit_root_db(ctx: Ctx) -> str | None:
    """The global --db when the user gave it (option or TECHCURVE_DB), else None."""
    click_ctx = click.get_current_context()
    root = click_ctx.find_root()
    source = root.get_parameter_source("db")
    if source in (ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT):
        return ctx.db
    return None


@click.group()
def taxonomy() -> None:
    """Inspect, lint and edit the taxonomy (docs/taxonomy.md, "Tools")."""


# -------------------------------------------------------------------------- check


@taxonomy.command("check")
@click.argument("path", required=False, type=click.Path(dir_okay=False))
@DB_OPTION
@click.option("--errors-only", is_flag=True, help="Show errors only, no warnings.")
@click.option(
    "--details",
    is_flag=True,
    help="List every warning (default: errors in full, warnings counted by kind).",
)
@click.pass_obj
def taxonomy_check(
    ctx: Ctx, path: str | None, db: str | None, errors_only: bool, details: bool
) -> None:
    """Lint a taxonomy file (default: the shipped one).

    Errors (duplicate ids, unknown domains, queries that do not parse) are always
    listed and make the exit code 3. Warnings (shared and shadowed terms, …) are
    counted by kind unless --details. With a store (--db here or the global --db),
    terms that occur in no record and no count series are reported too.
    """
    from techcurve.taxonomy.model import FINDING_KINDS, summarize_findings  # noqa: PLC0415

    res = pipeline.taxonomy_check(path, db=db or _explicit_root_db(ctx))
    errors, warnings = res.errors, res.warnings
    shown = errors if errors_only else res.findings
    if ctx.json:  # built only when printed: 10,000 sub-fields give ~60,000 findings
        ctx.emit([{k: v for k, v in asdict(f).items() if k != "said"} for f in shown])
    if not ctx.json:
        for f in errors:
            click.echo(t("taxonomy.cli.error", ctx.lang, subfield=f.subfield or "-", message=f.text(ctx.lang)),
                       err=True)  # fmt: skip
        if details and not errors_only:
            for f in warnings:
                _out(ctx, t("taxonomy.cli.warning", ctx.lang, subfield=f.subfield or "-",
                            message=f.text(ctx.lang)))  # fmt: skip
        elif warnings and not errors_only:
            _out(ctx, t("taxonomy.cli.warnings_by_kind", ctx.lang))
            for _level, kind, n, text in summarize_findings(warnings):
                if kind in FINDING_KINDS:
                    text = ctx.t(f"taxonomy.kind.{kind}")
                _out(ctx, f"  {n:>5}  {kind:<14} {text}")
        store_note = (
            t("taxonomy.cli.checked_against", ctx.lang, store=res.store) if res.store else ""
        )
        _out(ctx, t("taxonomy.cli.check_summary", ctx.lang, subfields=len(res.taxonomy.subfields),
                    domains=len(res.taxonomy.domains), errors=len(errors),
                    warnings=len(warnings), store_note=store_note))  # fmt: skip
    if errors:
        click.get_current_context().exit(TAXONOMY_ERRORS_EXIT)


# ------------------------------------------------------------------------- sample


@taxonomy.command("sample")
@click.argument("subfield_id")
@click.option(
    "-n", "n", default=20, show_default=True, type=click.IntRange(min=1), help="Records to show."
)
@click.option("--seed", default=None, type=int, help="Random seed: the same seed, the same sample.")
@click.option(
    "--kind",
    default=None,
    type=click.Choice(list(KINDS)),
    help="Only records of this kind.",
)
@DB_OPTION
@click.pass_obj
def taxonomy_sample(
    ctx: Ctx, subfield_id: str, n: int, seed: int | None, kind: str | None, db: str | None
) -> None:
    """Random matched records of a sub-field with the terms that fired.

    Read them to judge the sub-field's precision: a record that is not about the
    sub-field shows which term to drop or which exclusion to add.
    """
    with _commands_named():
        res = pipeline.taxonomy_sample(_store_path(ctx, db), subfield_id, n, seed=seed, kind=kind)
    ctx.emit(res)
    if ctx.json or ctx.quiet:
        return
    kinds = ", ".join(f"{k} {v:,}" for k, v in res.by_kind.items()) or t(
        "taxonomy.cli.none", ctx.lang
    )
    _out(ctx, f"{res.subfield_id}  {res.name_zh} / {res.name_en}")
    _out(ctx, t("taxonomy.cli.query", ctx.lang, query=res.query))
    what = (
        t("taxonomy.cli.kind_records", ctx.lang, kind=kind)
        if kind
        else t("taxonomy.cli.records", ctx.lang)
    )
    _out(ctx, t("taxonomy.cli.sample_matched", ctx.lang, what=what, matched=f"{res.matched:,}",
                kinds=kinds, series=len(res.count_series)))  # fmt: skip
    if not res.records:
        _out(ctx, t("taxonomy.cli.sample_none", ctx.lang, what=what, subfield=res.subfield_id))
    else:
        seed_note = t("taxonomy.cli.seed", ctx.lang, seed=seed) if seed is not None else ""
        _out(ctx, "\n" + t("taxonomy.cli.sample_head", ctx.lang, n=len(res.records), what=what,
                           seed_note=seed_note))  # fmt: skip
        rows = [(r.year or "", r.kind, r.terms, r.where, r.title) for r in res.records]
        headers = tuple(
            t(f"taxonomy.cli.col.{c}", ctx.lang) for c in ("year", "kind", "terms", "in", "title")
        )
        for line in _table(headers, rows, {0}):
            _out(ctx, line)
    if res.count_series:
        _out(ctx, "\n" + t("taxonomy.cli.count_series", ctx.lang))
        for s in res.count_series:
            _out(ctx, f"  {s}")


# -------------------------------------------------------------------------- stats


@taxonomy.command("stats")
@click.option(
    "--top", default=None, type=click.IntRange(min=1), help="Show only the first N sub-fields."
)
@DB_OPTION
@click.pass_obj
def taxonomy_stats(ctx: Ctx, top: int | None, db: str | None) -> None:
    """Matches per sub-field (by kind) and the share of records matching several.

    Also shows the taxonomy version and hash the store was matched with. The "shared"
    column is how many of a sub-field's records match another sub-field too.
    """
    with _commands_named():
        res = pipeline.taxonomy_stats(_store_path(ctx, db))
    ctx.emit(res)
    if ctx.json or ctx.quiet:
        return
    short = (res.taxonomy_hash or "?")[:12]
    _out(ctx, t("taxonomy.cli.stats_taxonomy", ctx.lang, version=res.taxonomy_version or "?",
                hash=short, path=res.taxonomy_path or "").rstrip())  # fmt: skip
    pct = f"{res.matched_records / res.records:.1%}" if res.records else "-"
    _out(ctx, t("taxonomy.cli.stats_records", ctx.lang, records=f"{res.records:,}",
                matched=f"{res.matched_records:,}", pct=pct,
                multi=f"{res.multi_matched_records:,}", share=f"{res.multi_share:.1%}"))  # fmt: skip
    _out(ctx, t("taxonomy.cli.stats_series", ctx.lang, series=f"{res.count_series:,}",
                linked=f"{res.matched_count_series:,}"))  # fmt: skip
    subs = res.subfields[:top] if top else res.subfields
    rows = [
        (
            s.subfield_id,
            s.domain_id,
            _clip(s.name_zh, 16),
            *(f"{s.by_kind[k]:,}" for k in KINDS),
            f"{s.records:,}",
            f"{s.shared / s.records:.0%}" if s.records else "-",
            s.count_series,
        )
        for s in subs
    ]
    _out(ctx)
    headers = (
        *(t(f"taxonomy.cli.col.{c}", ctx.lang) for c in ("subfield", "domain", "name")),
        *KINDS,
        *(t(f"taxonomy.cli.col.{c}", ctx.lang) for c in ("records", "shared", "series")),
    )
    for line in _table(headers, rows, set(range(3, len(headers)))):
        _out(ctx, line)
    silent = sum(1 for s in res.subfields if not s.records and not s.count_series)
    _out(ctx, "\n" + t("taxonomy.cli.stats_silent", ctx.lang, subfields=len(res.subfields),
                       silent=silent))  # fmt: skip


# ---------------------------------------------------------------- export / import


@taxonomy.command("export")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--taxonomy",
    "taxonomy_path",
    default=None,
    type=click.Path(dir_okay=False),
    help="The taxonomy YAML to export (default: the shipped one).",
)
@click.pass_obj
def taxonomy_export(ctx: Ctx, file: str, taxonomy_path: str | None) -> None:
    """Write the taxonomy as FILE.csv or FILE.xlsx, one row per sub-field.

    Edit it in a spreadsheet and bring it back with `techcurve taxonomy import`.
    Terms and exclusions are joined with " | ".
    """
    res = pipeline.taxonomy_export(file, taxonomy_path)
    tax = res.taxonomy
    _out(ctx, t("taxonomy.cli.exported", ctx.lang, subfields=len(tax.subfields),
                domains=len(tax.domains), path=res.path))  # fmt: skip
    ctx.emit({"path": str(res.path), "subfields": len(tax.subfields), "domains": len(tax.domains)})


@taxonomy.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "-o",
    "--output",
    default=None,
    type=click.Path(dir_okay=False),
    help="The taxonomy YAML to write (default: FILE with the extension .yaml).",
)
@click.pass_obj
def taxonomy_import(ctx: Ctx, file: str, output: str | None) -> None:
    """Turn a spreadsheet made by `taxonomy export` (and edited) into taxonomy YAML.

    Every row is checked first; a problem names the file, row and column, and
    nothing is written.
    """
    out = Path(output) if output else Path(file).with_suffix(".yaml")
    if out.resolve() == Path(file).resolve():
        raise click.BadParameter(t("taxonomy.cli.overwrite_input", ctx.lang), param_hint="-o")
    res = pipeline.taxonomy_import(file, out)
    tax = res.taxonomy
    _out(ctx, t("taxonomy.cli.imported", ctx.lang, subfields=len(tax.subfields),
                domains=len(tax.domains), path=out, version=tax.version, hash=tax.hash[:12],
                command=f"`techcurve taxonomy check {out}`", errors=res.errors,
                warnings=res.warnings))  # fmt: skip
    ctx.emit({"path": str(out), "version": tax.version, "hash": tax.hash})


# --------------------------------------------------------------------------- diff


@taxonomy.command("diff")
@click.argument("old")
@click.argument("new")
@click.pass_obj
def taxonomy_diff(ctx: Ctx, old: str, new: str) -> None:
    """What changed from taxonomy OLD to NEW (YAML files; `default` = the shipped one).

    Added and removed domains and sub-fields; changed names, domains, definitions and
    queries, with the canonical query before and after and the terms added/removed.
    Exit code 0 either way.
    """
    d = pipeline.taxonomy_diff(old, new)
    ctx.emit(d)
    if ctx.json or ctx.quiet:
        return
    for sign, path, version, digest in (
        ("---", d.old_path, d.old_version, d.old_hash),
        ("+++", d.new_path, d.new_version, d.new_hash),
    ):
        _out(ctx, t("taxonomy.cli.diff_file", ctx.lang, sign=sign, path=path, version=version,
                    hash=digest[:12]))  # fmt: skip
    if d.empty:
        _out(ctx, t("taxonomy.cli.diff_none", ctx.lang))
        return
    _print_domain_changes(ctx, d)
    _print_subfield_changes(ctx, d)
    _out(ctx, t("taxonomy.cli.diff_summary", ctx.lang,
                added=len(d.subfields_added), removed=len(d.subfields_removed),
                changed=len(d.subfields_changed), domains_added=len(d.domains_added),
                domains_removed=len(d.domains_removed),
                domains_changed=len(d.domains_changed)))  # fmt: skip


def _print_domain_changes(ctx: Ctx, d: TaxonomyDiff) -> None:
    for sign, doms in (("+", d.domains_added), ("-", d.domains_removed)):
        for dom in doms:
            _out(ctx, t("taxonomy.cli.diff_domain", ctx.lang, sign=sign, id=dom.id,
                        zh=dom.zh, en=dom.en))  # fmt: skip
    for c in d.domains_changed:
        _out(ctx, t("taxonomy.cli.diff_domain_changed", ctx.lang, id=c.id))
        for ch in c.changes:
            _out(ctx, f"    {ch.field}: {ch.before!r} → {ch.after!r}")


def _print_subfield_changes(ctx: Ctx, d: TaxonomyDiff) -> None:
    for s in d.subfields_added:
        _out(ctx, f"+ {s.id} ({s.domain}): {s.zh} / {s.en}")
        _out(ctx, "    " + t("taxonomy.cli.query", ctx.lang, query=s.query))
    for s in d.subfields_removed:
        _out(ctx, f"- {s.id} ({s.domain}): {s.zh} / {s.en}")
    for c in d.subfields_changed:
        _out(ctx, f"~ {c.id}")
        for ch in c.changes:
            if ch.field == "query":
                _out(ctx, "    " + t("taxonomy.cli.query_before", ctx.lang, query=ch.before))
                _out(ctx, "    " + t("taxonomy.cli.query_after", ctx.lang, query=ch.after))
            else:
                _out(ctx, f"    {ch.field}: {ch.before!r} → {ch.after!r}")
        for label, items in (
            ("terms_added", c.terms_added),
            ("terms_removed", c.terms_removed),
            ("exclusions_added", c.exclude_added),
            ("exclusions_removed", c.exclude_removed),
        ):
            if items:
                _out(ctx, "    " + t(f"taxonomy.cli.{label}", ctx.lang, items=", ".join(items)))
