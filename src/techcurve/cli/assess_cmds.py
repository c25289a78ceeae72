"""``techcurve backtest`` (score the models against labelled statements) and
``techcurve assess-labelled`` (assess the store with a model fitted on labels)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click
from rich.table import Table

from techcurve import pipeline
from techcurve.assess.backtest.defaults import DEFAULT_SPLIT_YEAR
from techcurve.assess.model_names import LABEL_MODEL_NAMES, MODEL_NAMES
from techcurve.cli.common import OVERRIDES, Ctx, out_console
from techcurve.cli.failures import hint_command
from techcurve.errors import AssessError
from techcurve.text import Lang, t

if TYPE_CHECKING:
    from techcurve.assess.backtest import BacktestResult, ProtocolResult
    from techcurve.assess.scoring import Scores

#: the options backtest and assess-labelled share
CERTAIN_ONLY = click.option(
    "--certain-only", is_flag=True, help="Leave out labels marked uncertain."
)
LABEL_MAP = click.option(
    "--map",
    "label_map",
    default=None,
    type=click.Path(dir_okay=False),
    help="A CSV or YAML file mapping technology names in the labels to sub-field ids.",
)


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.0%}"


def _ci(ci: tuple[float, float] | None) -> str:
    return "" if ci is None else f" ({ci[0] * 100:.0f}–{ci[1] * 100:.0f})"


def _num(x: float | None, fmt: str) -> str:
    return "—" if x is None else format(x, fmt)


_COLUMNS = (
    "model",
    "placed",
    "exact",
    "within_one",
    "rho",
    "majority",
    "age_only",
    "gain",
    "log_loss",
    "band",
)


def _score_cells(s: Scores) -> tuple[str, ...]:
    loss = _num(s.log_loss, ".2f")
    if s.log_loss is not None:
        loss += f" ({_num(s.same_rows_log_loss.get('majority'), '.2f')})"
    return (
        s.model,
        f"{s.n_assessed}/{s.n_labels} ({s.coverage:.0%})",
        _pct(s.exact) + _ci(s.exact_ci),
        _pct(s.within_one) + _ci(s.within_one_ci),
        _num(s.spearman, "+.2f"),
        _pct(s.same_rows.get("majority")),
        _pct(s.same_rows.get("age-only")),
        _num(s.gain_over_majority, "+.0%"),
        loss,
        "—" if s.band_exact is None else f"{s.band_exact:.0%} ({s.band_n})",
    )


def _print_targets(res: BacktestResult, p: ProtocolResult, lang: Lang) -> None:
    tg = res.target
    head = t(
        "backtest.cli.target_head",
        lang,
        gain=round(tg.min_gain * 100),
        coverage=f"{tg.min_coverage:.0%}",
        rho=tg.min_spearman,
    )
    out_console.print(head, highlight=False)
    for c in p.targets:
        if c.reached:
            out_console.print(t("backtest.cli.target_reached", lang, model=c.model))
            continue
        missed = [
            t(f"backtest.cli.target.{k}", lang)
            for k, ok in (
                ("gain", c.gain_ok),
                ("coverage", c.coverage_ok),
                ("spearman", c.spearman_ok),
            )
            if not ok
        ]
        line = t("backtest.cli.target_missed", lang, model=c.model, missed=", ".join(missed))
        out_console.print(line, highlight=False)


def _print_details(p: ProtocolResult, title: str, lang: Lang) -> None:
    from techcurve.assess.scoring import BASELINES, PHASES  # noqa: PLC0415 - numpy, for backtest only

    for s in p.scores:
        if s.calibration and s.model not in BASELINES:
            cal = Table(
                *(
                    t(f"backtest.cli.calibration.{c}", lang)
                    for c in ("bin", "n", "predicted", "observed")
                ),
                title=t("backtest.cli.calibration_title", lang, model=s.model, protocol=title),
            )
            for b in s.calibration:
                cal.add_row(f"{b.lo:.1f}–{b.hi:.1f}", str(b.n), _pct(b.predicted), _pct(b.observed))
            out_console.print(cal)
        cm = Table(
            t("backtest.cli.confusion_corner", lang),
            *PHASES,
            "n/a",
            title=t("backtest.cli.confusion_title", lang, model=s.model, protocol=title),
        )
        for phase, row in zip(PHASES, s.confusion, strict=True):
            cm.add_row(phase, *(str(v) if v else "·" for v in row))
        out_console.print(cm)


def _print_result(res: BacktestResult, title: str, lang: Lang = "en") -> None:
    counts = ", ".join(f"{p} {n}" for p, n in res.label_counts.items())
    head = t(
        "backtest.cli.result_head",
        lang,
        labels=res.labels,
        counts=counts,
        dates=len(res.as_of_dates),
    )
    out_console.print(f"[bold]{title}[/bold]: {head}", highlight=False)
    for p in res.protocols:
        name = p.protocol.title(lang)
        if not p.scores or p.n_rows == 0:
            out_console.print(t("backtest.cli.no_rows", lang, protocol=name), highlight=False)
            continue
        table = Table(
            *(t(f"backtest.cli.column.{c}", lang) for c in _COLUMNS),
            title=t("backtest.cli.agreement_title", lang, protocol=name),
            caption=t("backtest.cli.agreement_caption", lang),
        )
        for s in p.scores:
            table.add_row(*_score_cells(s))
        out_console.print(table)
        if p.targets:
            _print_targets(res, p, lang)
        if p.protocol.name != "temporal":
            _print_details(p, name, lang)


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
    type=click.Choice([*MODEL_NAMES, "all"]),
    help="Model(s) to score beside the majority and age-only baselines (models fitted on "
    "labels are scored on rows they never saw).",
)
@CERTAIN_ONLY
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
@click.option(
    "--split-year",
    default=DEFAULT_SPLIT_YEAR,
    show_default=True,
    type=int,
    help="Temporal split: fit on labels dated up to this year, score the later ones.",
)
@LABEL_MAP
@click.option(
    "--strict",
    is_flag=True,
    help="Fail on a labelled technology that is not in the taxonomy (default: skip it "
    "with a warning).",
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
    split_year: int,
    label_map: str | None,
    strict: bool,
    as_json: bool,
) -> None:
    """Assess labelled technologies as of each label's date and score the agreement.

    LABELS is a CSV (technology: a sub-field id, zh or en name or alias; year; phase in
    any common spelling, e.g. "Peak of Inflated Expectations" or 期望膨胀期; optional
    years_to_plateau, source, uncertain, as_of); the shipped file is
    src/techcurve/data/labels/public_statements.csv. With --radar the ThoughtWorks
    Radar's rings are a second, independent series (both can be given). Every model and
    both baselines (most common phase; age only) are scored leave-one-technology-out
    and on a temporal split; anything fitted on labels never sees a scored row.
    """
    if labels is None and radar is None:
        raise AssessError.of("assess.cli.backtest_needs_labels")
    if transfer and (labels is None or radar is None):
        raise AssessError.of("assess.cli.transfer_needs_both")
    ctx.json = ctx.json or as_json
    with hint_command():
        run = pipeline.backtest(
            ctx.db,
            labels,
            radar=radar,
            model=model,
            certain_only=certain_only,
            transfer=transfer,
            keep_same_technology=keep_same_technology,
            predictions=predictions,
            config=ctx.config,
            split_year=split_year,
            label_map=label_map,
            strict=strict,
        )
    if run.skipped:
        listed = "; ".join(u.text(ctx.lang) for u in run.skipped)
        warning = t("backtest.cli.skipped", ctx.lang, n=len(run.skipped), listed=listed)
        click.echo(warning, err=True)
    if ctx.json:
        ctx.emit(run.to_dict())
        return
    if ctx.quiet:
        return
    for k, r in run.results.items():
        _print_result(r, k, ctx.lang)
    if run.predictions:
        ctx.say(t("backtest.cli.predictions", ctx.lang, path=predictions))


@click.command("assess-labelled")
@click.option(
    "--model",
    default="neighbours",
    show_default=True,
    type=click.Choice(LABEL_MODEL_NAMES),
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
@CERTAIN_ONLY
@LABEL_MAP
@click.option(
    "--skip-unknown",
    is_flag=True,
    help="Drop labels of technologies that are not in the taxonomy (default: fail).",
)
@OVERRIDES
@click.pass_obj
def assess_labelled(
    ctx: Ctx,
    model: str,
    labels: str | None,
    radar: str | None,
    certain_only: bool,
    label_map: str | None,
    skip_unknown: bool,
    overrides: str | None,
) -> None:
    """Fit a label-learnt model on labelled profiles and assess every sub-field.

    Each labelled technology's indicators are recomputed as of its label date (the
    profile the label describes); the model learns from those and places every
    sub-field of the store's current summary. Writes the assessments table, like
    `techcurve assess`.
    """
    if labels is None and radar is None:
        raise AssessError.of("assess.cli.assess_labelled_needs_labels")
    with hint_command():
        frame = pipeline.assess_labelled(
            ctx.db,
            labels=labels,
            radar=radar,
            model=model,
            certain_only=certain_only,
            overrides=overrides,
            config=ctx.config,
            label_map=label_map,
            strict=not skip_unknown,
        )
    counts = frame.group_by("phase").len().sort("phase").rows()
    none = ctx.t("assess.cli.insufficient")
    ctx.say(ctx.t("assess.cli.assessed", counts=", ".join(f"{p or none} {n}" for p, n in counts)))
    ctx.emit(frame.to_dicts())
