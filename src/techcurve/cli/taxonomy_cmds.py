"""``techcurve taxonomy …``: lint, review and edit the taxonomy.

check · sample · stats · export · import · diff — the library side is
:mod:`techcurve.taxonomy.tools`; ``docs/taxonomy.md`` ("Tools") documents them.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import click
from click.core import ParameterSource
from rich.cells import cell_len

from techcurve.cli.common import Ctx

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
    from techcurve.store import Store
    from techcurve.taxonomy import check_taxonomy, load_taxonomy
    from techcurve.taxonomy.tools import check_against_store, summarize_findings

    tax = load_taxonomy(path)
    findings = check_taxonomy(tax)
    store_path = db or _explicit_root_db(ctx)
    if store_path:
        with Store.open(store_path, read_only=True) as st:
            findings += check_against_store(tax, st)
    errors = [f for f in findings if f.level == "error"]
    warnings = [f for f in findings if f.level == "warning"]
    shown = errors if errors_only else findings
    ctx.emit([asdict(f) for f in shown])
    if not ctx.json:
        for f in errors:
            click.echo(f"error: {f.subfield or '-'}: {f.message}", err=True)
        if details and not errors_only:
            for f in warnings:
                _out(ctx, f"warning: {f.subfield or '-'}: {f.message}")
        elif warnings and not errors_only:
            _out(ctx, "warnings by kind (--details lists them):")
            for _level, kind, n, text in summarize_findings(warnings):
                _out(ctx, f"  {n:>5}  {kind:<14} {text}")
        store_note = f"; terms checked against {store_path}" if store_path else ""
        _out(
            ctx,
            f"{len(tax.subfields)} sub-fields in {len(tax.domains)} domains; "
            f"{len(errors)} errors, {len(warnings)} warnings{store_note}",
        )
    if errors:
        sys.exit(3)


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
    type=click.Choice(["patent", "paper", "article", "financing"]),
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
    from techcurve.store import Store
    from techcurve.taxonomy.tools import sample_matches

    with Store.open(_store_path(ctx, db), read_only=True) as st:
        res = sample_matches(st, subfield_id, n, seed=seed, kind=kind)
    ctx.emit(res)
    if ctx.json or ctx.quiet:
        return
    kinds = ", ".join(f"{k} {v:,}" for k, v in res.by_kind.items()) or "none"
    _out(ctx, f"{res.subfield_id}  {res.name_zh} / {res.name_en}")
    _out(ctx, f"query: {res.query}")
    what = f"{kind} records" if kind else "records"
    _out(ctx, f"matched {what}: {res.matched:,} ({kinds}); count series: {len(res.count_series)}")
    if not res.records:
        _out(ctx, f"no {what} match {res.subfield_id}")
    else:
        _out(
            ctx,
            f"\n{len(res.records)} random {what}"
            + (f" (seed {seed})" if seed is not None else "")
            + ":",
        )
        rows = [(r.year or "", r.kind, r.terms, r.where, r.title) for r in res.records]
        for line in _table(("year", "kind", "terms fired", "in", "title"), rows, {0}):
            _out(ctx, line)
    if res.count_series:
        _out(ctx, "\ncount series:")
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
    from techcurve.store import Store
    from techcurve.taxonomy.tools import KINDS, match_stats

    with Store.open(_store_path(ctx, db), read_only=True) as st:
        res = match_stats(st)
    ctx.emit(res)
    if ctx.json or ctx.quiet:
        return
    short = (res.taxonomy_hash or "?")[:12]
    _out(
        ctx,
        f"taxonomy {res.taxonomy_version or '?'} (sha256 {short}…) {res.taxonomy_path or ''}".rstrip(),
    )
    pct = f"{res.matched_records / res.records:.1%}" if res.records else "-"
    _out(
        ctx,
        f"records: {res.records:,}; matched: {res.matched_records:,} ({pct}); "
        f"matched by more than one sub-field: {res.multi_matched_records:,} "
        f"({res.multi_share:.1%} of matched)",
    )
    _out(
        ctx,
        f"count series: {res.count_series:,}; linked to a sub-field: {res.matched_count_series:,}",
    )
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
    headers = ("sub-field", "domain", "name", *KINDS, "records", "shared", "series")
    for line in _table(headers, rows, set(range(3, len(headers)))):
        _out(ctx, line)
    silent = sum(1 for s in res.subfields if not s.records and not s.count_series)
    _out(ctx, f"\n{len(res.subfields)} sub-fields; {silent} with no record and no count series")


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
    from techcurve.taxonomy import load_taxonomy
    from techcurve.taxonomy.tools import export_taxonomy

    tax = load_taxonomy(taxonomy_path)
    out = export_taxonomy(tax, file)
    _out(ctx, f"{len(tax.subfields)} sub-fields and {len(tax.domains)} domains → {out}")
    ctx.emit({"path": str(out), "subfields": len(tax.subfields), "domains": len(tax.domains)})


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
    from techcurve.taxonomy import check_taxonomy
    from techcurve.taxonomy.tools import import_taxonomy

    out = Path(output) if output else Path(file).with_suffix(".yaml")
    if out.resolve() == Path(file).resolve():
        raise click.BadParameter("the output would overwrite the input", param_hint="-o")
    tax = import_taxonomy(file, out)
    findings = check_taxonomy(tax)
    n_err = sum(1 for f in findings if f.level == "error")
    _out(
        ctx,
        f"{len(tax.subfields)} sub-fields and {len(tax.domains)} domains → {out} "
        f"(version {tax.version}, sha256 {tax.hash[:12]}…); "
        f"`techcurve taxonomy check {out}`: {n_err} errors, {len(findings) - n_err} warnings",
    )
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
    from techcurve.taxonomy import load_taxonomy
    from techcurve.taxonomy.tools import diff_taxonomies, resolve_taxonomy_path

    d = diff_taxonomies(
        load_taxonomy(resolve_taxonomy_path(old)), load_taxonomy(resolve_taxonomy_path(new))
    )
    ctx.emit(d)
    if ctx.json or ctx.quiet:
        return
    _out(ctx, f"--- {d.old_path} (version {d.old_version}, sha256 {d.old_hash[:12]}…)")
    _out(ctx, f"+++ {d.new_path} (version {d.new_version}, sha256 {d.new_hash[:12]}…)")
    if d.empty:
        _out(ctx, "no differences in domains or sub-fields")
        return
    for dom in d.domains_added:
        _out(ctx, f"+ domain {dom['id']}: {dom['zh']} / {dom['en']}")
    for dom in d.domains_removed:
        _out(ctx, f"- domain {dom['id']}: {dom['zh']} / {dom['en']}")
    for c in d.domains_changed:
        _out(ctx, f"~ domain {c.id}")
        for ch in c.changes:
            _out(ctx, f"    {ch.field}: {ch.before!r} → {ch.after!r}")
    for s in d.subfields_added:
        _out(ctx, f"+ {s['id']} ({s['domain']}): {s['zh']} / {s['en']}")
        _out(ctx, f"    query: {s['query']}")
    for s in d.subfields_removed:
        _out(ctx, f"- {s['id']} ({s['domain']}): {s['zh']} / {s['en']}")
    for c in d.subfields_changed:
        _out(ctx, f"~ {c.id}")
        for ch in c.changes:
            if ch.field == "query":
                _out(ctx, f"    query before: {ch.before}")
                _out(ctx, f"    query after:  {ch.after}")
            else:
                _out(ctx, f"    {ch.field}: {ch.before!r} → {ch.after!r}")
        for label, items in (
            ("terms added", c.terms_added),
            ("terms removed", c.terms_removed),
            ("exclusions added", c.exclude_added),
            ("exclusions removed", c.exclude_removed),
        ):
            if items:
                _out(ctx, f"    {label}: {', '.join(items)}")
    _out(
        ctx,
        f"{len(d.subfields_added)} added, {len(d.subfields_removed)} removed, "
        f"{len(d.subfields_changed)} changed sub-fields; {len(d.domains_added)} added, "
        f"{len(d.domains_removed)} removed, {len(d.domains_changed)} changed domains",
    )


def register(cli: click.Group) -> None:
    """Add this module's commands to ``cli``."""
    cli.add_command(taxonomy)
