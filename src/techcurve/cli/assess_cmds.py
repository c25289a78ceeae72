"""``techcurve backtest`` (score the models against labelled statements) and
``techcurve assess-labelled`` (assess the store with a model fitted on labels)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.table import Table

from techcurve.cli.common import OVERRIDES, Ctx, out_console


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.0%}"


def _ci(ci: tuple[float, float] | None) -> str:
    return "" if ci is None else f" ({ci[0] * 100:.0f}–{ci[1] * 100:.0f})"


def _print_result(res: Any, title: str) -> None:
    from techcurve.assess.backtest import PHASES

    counts = ", ".join(f"{p} {n}" for p, n in res.label_counts.items())
    out_console.print(
        f"[bold]{title}[/bold]: {res.labels} labels ({counts}) at {len(res.as_of_dates)} "
        "as-of dates",
        highlight=False,
    )
    table = Table(
        "model",
        "assessed/n",
        "exact (95% CI)",
        "within 1 (95% CI)",
        "ρ",
        "majority*",
        "gain",
        "band (n)",
        title="agreement with the labels (baselines: leave-one-out)",
        caption="ρ: Spearman rank correlation with the phase order; *majority baseline's "
        "exact agreement on the same rows; gain = exact − that",
    )
    for s in res.scores:
        table.add_row(
            s.model,
            f"{s.n_assessed}/{s.n_labels}",
            _pct(s.exact) + _ci(s.exact_ci),
            _pct(s.within_one) + _ci(s.within_one_ci),
            "—" if s.spearman is None else f"{s.spearman:+.2f}",
            _pct(s.majority_same_rows),
            "—" if s.gain_over_majority is None else f"{s.gain_over_majority:+.0%}",
            "—" if s.band_exact is None else f"{s.band_exact:.0%} ({s.band_n})",
        )
    out_console.print(table)
    for s in res.scores:
        cm = Table("label ↓ predicted →", *PHASES, "n/a", title=f"confusion matrix: {s.model}")
        for phase, row in zip(PHASES, s.confusion, strict=True):
            cm.add_row(phase, *(str(v) if v else "·" for v in row))
        out_console.print(cm)


@click.command()
@click.argument("labels", required=False, type=click.Path(dir_okay=False))
@click.option(
    "--radar",
    default=None,
    type=click.Path(dir_okay=False),
    help="A ThoughtWorks Radar JSON file: its rings become a second label series.",
)
@click.option(
    "--model",
    default="all",
    show_default=True,
    type=click.Choice(["snapshot", "timeseries", "neighbours", "all"]),
    help="Model(s) to score beside the majority and age-only baselines "
    "(neighbours is fitted on the labels and scored leave-one-technology-out).",
)
@click.option("--certain-only", is_flag=True, help="Leave out labels marked uncertain.")
@click.option(
    "--transfer",
    is_flag=True,
    help="With LABELS and --radar: also fit the label-learnt models on one label set and "
    "score them on the other (both directions).",
)
@click.option(
    "--keep-same-technology",
    is_flag=True,
    help="With --transfer: let training rows of the scored row's own technology stay in "
    "(by default they are left out).",
)
@click.option(
    "--predictions",
    default=None,
    type=click.Path(dir_okay=False),
    help="Also write every prediction (one row per label per model) to this CSV.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON on stdout.")
@click.pass_obj
def backtest(
    ctx: Ctx,
    labels: str | None,
    radar: str | None,
    model: str,
    certain_only: bool,
    transfer: bool,
    keep_same_technology: bool,
    predictions: str | None,
    as_json: bool,
) -> None:
    """Assess labelled technologies as of each label's date and score the agreement.

    LABELS is a CSV (technology id or name, year, phase, optional years_to_plateau,
    source, uncertain, as_of); the shipped file is
    src/techcurve/data/labels/public_statements.csv. With --radar the ThoughtWorks
    Radar's rings are a second, independent series (both can be given). Models fitted
    on labels (neighbours) never see the scored row's technology while being fitted.
    """
    from techcurve import config as _config
    from techcurve.assess import MODELS
    from techcurve.assess.backtest import backtest as run
    from techcurve.assess.radar import radar_labels, read_radar
    from techcurve.errors import AssessError
    from techcurve.indicators import IndicatorParams
    from techcurve.store import Store

    if labels is None and radar is None:
        raise AssessError("give a labels CSV, --radar PATH, or both")
    if transfer and (labels is None or radar is None):
        raise AssessError("--transfer needs both a labels CSV and --radar PATH")
    ctx.json = ctx.json or as_json
    cfg = _config.load_config(ctx.config)
    params = {
        k: v for k, v in (_config.section(cfg, "assess") or {}).items() if isinstance(v, dict)
    }
    ind_params = IndicatorParams.from_config(_config.section(cfg, "indicators"))
    models = "all" if model == "all" else [model]
    results: dict[str, Any] = {}
    if not Path(ctx.db).exists():
        raise AssessError(
            f"store {ctx.db} does not exist: run the pipeline (e.g. `make demo`) first"
        )
    with Store.open(ctx.db, read_only=True) as st:
        if labels is not None:
            results[labels] = run(
                st,
                labels,
                models=models,
                params=params,
                indicator_params=ind_params,
                certain_only=certain_only,
            )
        if radar is not None:
            lab = radar_labels(read_radar(radar), st.table("subfields"))
            if lab.height == 0:
                raise AssessError(f"{radar}: no blip name matched any sub-field query")
            results[radar] = run(st, lab, models=models, params=params, indicator_params=ind_params)
            learnt = [
                m for m in (MODELS if model == "all" else [model]) if MODELS[m].requires_labels
            ]
            if transfer and labels is not None and learnt:
                common: dict[str, Any] = {
                    "models": learnt,
                    "params": params,
                    "indicator_params": ind_params,
                    "certain_only": certain_only,
                    "exclude_same_technology": not keep_same_technology,
                }
                results[f"{labels} (fitted on {radar})"] = run(
                    st, labels, train_labels=lab, **common
                )
                results[f"{radar} (fitted on {labels})"] = run(
                    st, lab, train_labels=labels, **common
                )
    if predictions:
        import polars as pl

        frames = [r.predictions.with_columns(pl.lit(k).alias("labels")) for k, r in results.items()]
        pl.concat(frames).write_csv(predictions)
    if ctx.json:
        ctx.emit({k: r.to_dict() for k, r in results.items()})
        return
    if ctx.quiet:
        return
    for k, r in results.items():
        _print_result(r, k)
    if predictions:
        ctx.say(f"predictions: {predictions}")


@click.command("assess-labelled")
@click.option(
    "--model",
    default="neighbours",
    show_default=True,
    type=click.Choice(["neighbours"]),
    help="A model fitted on labels.",
)
@click.option(
    "--labels",
    "labels",
    default=None,
    type=click.Path(dir_okay=False),
    help="A labels CSV to learn from (technology, year, phase, …).",
)
@click.option(
    "--radar",
    default=None,
    type=click.Path(dir_okay=False),
    help="A ThoughtWorks Radar JSON file whose rings are labels to learn from.",
)
@click.option("--certain-only", is_flag=True, help="Leave out labels marked uncertain.")
@OVERRIDES
@click.pass_obj
def assess_labelled(
    ctx: Ctx,
    model: str,
    labels: str | None,
    radar: str | None,
    certain_only: bool,
    overrides: str | None,
) -> None:
    """Fit a label-learnt model on labelled profiles and assess every sub-field.

    Each labelled technology's indicators are recomputed as of its label date (the
    profile the label describes); the model learns from those and places every
    sub-field of the store's current summary. Writes the assessments table, like
    `techcurve assess`.
    """
    from techcurve import config as _config
    from techcurve.assess import assess_labelled as run
    from techcurve.errors import AssessError
    from techcurve.indicators import IndicatorParams

    if labels is None and radar is None:
        raise AssessError("give --labels FILE.csv, --radar PATH, or both")
    cfg = _config.load_config(ctx.config)
    params = (_config.section(cfg, "assess") or {}).get(model) or {}
    ind_params = IndicatorParams.from_config(_config.section(cfg, "indicators"))
    frame = run(
        ctx.db,
        labels=labels,
        radar=radar,
        model=model,
        params=params,
        indicator_params=ind_params,
        certain_only=certain_only,
        overrides=overrides,
    )
    counts = frame.group_by("phase").len().sort("phase").rows()
    ctx.say("assessed: " + ", ".join(f"{p or 'insufficient evidence'} {n}" for p, n in counts))
    ctx.emit(frame.to_dicts())


def register(cli: click.Group) -> None:
    """Add this module's commands to ``cli``."""
    cli.add_command(backtest)
    cli.add_command(assess_labelled)
