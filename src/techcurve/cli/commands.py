"""The ``techcurve`` commands: where each lives and its short help, read by the group
(:class:`~techcurve.cli.lazy.LazyGroup`) so that only the command that runs is
imported. A new command gets a line here (``tests/test_cli_lazy.py`` checks that every
line names a command whose short help is the one given)."""

from __future__ import annotations

from techcurve.cli.lazy import LazyCommand as C

# fmt: off
#: name → ``module:attribute`` under ``techcurve.cli`` and the short help
COMMANDS: dict[str, C] = {
    "assess": C("stage_cmds:assess", "Place every sub-field in a phase with a position and reasons."),
    "assess-labelled": C("assess_cmds:assess_labelled", "Fit a label-learnt model on labelled profiles and assess every sub-field."),
    "audit": C("output_cmds:audit", "Check that shares sum to 100%, totals add up and the text matches its tables."),
    "backtest": C("assess_cmds:backtest", "Assess labelled technologies as of each label's date and score the agreement."),
    "curve": C("stage_cmds:curve", "Draw the maturity curve (SVG, PNG or PDF): all sub-fields, or one domain's."),
    "diff": C("output_cmds:diff", "What changed between editions OLD and NEW ('current' = unsaved assessments)."),
    "edition": C("output_cmds:edition", "Save the current curve under a name, list or delete saved editions."),
    "experts": C("panel_cmds:experts", "Expert placements: import or export the overrides YAML, list or withdraw them."),
    "explain": C("stage_cmds:explain", "Why a sub-field sits where it does: reasons, indicators, records."),
    "export": C("output_cmds:export", "Export the assessments for other tools (BYOR radar, priority matrix, JSON, XLSX)."),
    "export-parquet": C("engine_cmds:export_parquet", "Write the store's records as partitioned Parquet for `techcurve scale`."),
    "fetch": C("fetch_cmds:fetch", "Fetch per-year (or per-month) counts from an open API into the store."),
    "indicators": C("stage_cmds:indicators", "Compute indicators per sub-field per year and the as-of summary."),
    "ingest": C("stage_cmds:ingest", "Ingest record files (patents, papers, articles, financing events)."),
    "ingest-counts": C("stage_cmds:ingest_counts", "Ingest count-level evidence: technology or search term, year, kind, count."),
    "init": C("stage_cmds:init", "Create an empty store (a DuckDB file)."),
    "inspect": C("ingest_cmds:inspect", "Show what techcurve sees in FILE: format, encoding, profile, columns, notes (quirks it fixed) and the first records as they would be stored."),
    "match": C("stage_cmds:match", "Match every sub-field query over every record and count series."),
    "panel": C("panel_cmds:panel", "The expert panel: Delphi rounds in the web app or in Excel forms."),
    "report": C("stage_cmds:report", "Write the report: self-contained HTML, PDF (printed by headless Chromium) or an editable PowerPoint deck (.pptx), with the analyst's pages where given."),
    "run": C("stage_cmds:run", "The whole pipeline in one command: ingest FILES (matched while read), match, indicators, assess, curve and report into OUT."),
    "scale": C("engine_cmds:scale", "Run the match or indicator stage on a Dask cluster over a Parquet export."),
    "serve": C("serve_cmd:serve", "Start the dashboard: the interactive curve, sub-field pages, the table, the report's pages and the ingest log, on http://127.0.0.1:8765/ (Ctrl+C stops it)."),
    "taxonomy": C("taxonomy_cmds:taxonomy", 'Inspect, lint and edit the taxonomy (docs/taxonomy.md, "Tools").'),
}
# fmt: on
