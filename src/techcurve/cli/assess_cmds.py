"""``techcurve backtest`` (score the models against labelled statements) and
``techcurve assess-labelled`` (assess the store with a model fitted on labels)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from rich.table import Table

from techcurve import pipeline
from techcurve.assess.backtest import BacktestResult
from techcurve.assess.scoring import PHASES
from techcurve.cli.common import OVERRIDES, Ctx, out_console
from techcurve.errors import AssessError
from techcurve.text import t


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.0%}"


def _ci(ci: tuple[float, float] | None) -> str:
    return "" if ci is None else f" ({ci[0] * 100:.0f}–{ci[1] * 100:.0f})"


_COLUMNS = ("model", "assessed", "exact", "within_one", "rho", "majority", "gain", "band")


def _print_result(res: BacktestResult, title: str) -> None:
    counts = ", ".join(f"{p} {n}" for p, n in res.label_counts.items())
    head = t(
        "assess.cli.result_head",
        "en",
        labels=res.labels,
        counts=counts,
        dates=len(res.as_of_dates),
    )
    out_console.print(f"[bold]{title}[/bold]: {head}", highlight=False)
    table = Table(
        *(t(f"assess.cli.column.{c}", "en") for c in _COLUMNS),
        title=t("assess.cli.agreement_title", "en"),
        caption=t("assess.cli.agreement_caption", "en"),
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
        cm = Table(
            t("assess.cli.confusion_corner", "en"),
            *PHASES,
            "n/a",
            title=t("assess.cli.confusion_title", "en", model=s.model),
        )
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
    type=click.Choice(["snapshot", "timeseries", "neighbours", "learnt", "all"]),
    help="Model(s) to score beside the majority and age-only baselines "
    "(neighbours and learnt are fitted on the labels and scored "
    "leave-one-technology-out).",
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
    if labels is None and radar is None:
        raise AssessError(t("assess.cli.backtest_needs_labels", "en"))
    if transfer and (labels is None or radar is None):
        raise AssessError(t("assess.cli.transfer_needs_both", "en"))
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
        )
    if ctx.json:
        ctx.emit(run.to_dict())
        return
    if ctx.quiet:
        return
    for k, r in run.results.items():
        _print_result(r, k)
    if run.predictions:
        ctx.say(t("assess.cli.predictions", "en", path=predictions))


@click.command("assess-labelled")
@click.option(
    "--model",
    default="neighbours",
    show_default=True,
    type=click.Choice(["neighbours", "learnt"]),
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
    if labels is None and radar is None:
        raise AssessError(t("assess.cli.assess_labelled_needs_labels", "en"))
    with hint_command():
        frame = pipeline.assess_labelled(
            ctx.db,
            labels=labels,
            radar=radar,
            model=model,
            certain_only=certain_only,
            overrides=overrides,
            config=ctx.config,
        )
    counts = frame.group_by("phase").len().sort("phase").rows()
    none = t("assess.cli.insufficient", "en")
    ctx.say(t("assess.cli.assessed", "en", counts=", ".join(f"{p or none} {n}" for p, n in counts)))
    ctx.emit(frame.to_dicts())


#: what a library error says is missing (``error.needs``) → the command that provides it
HINT_COMMANDS: dict[str, str] = {
    "store": "make demo",
    "match": "techcurve match",
    "indicators": "techcurve indicators",
    "labels": "techcurve assess-labelled --labels FILE.csv",
}


@contextmanager
def hint_command() -> Iterator[None]:
    """Add to an :class:`AssessError` of the library the command that provides what it
    says is missing (``error.needs``)."""
    try:
        yield
    except AssessError as e:
        needs = getattr(e, "needs", None)
        if needs is None:
            raise
        command = HINT_COMMANDS[needs]
        as_of = getattr(e, "needs_as_of", None)
        if as_of is not None:
            command += f" --as-of {as_of}"
        hint = t(f"assess.cli.hint.{needs}", "en", command=command)
        raise AssessError(f"{e}: {hint}") from None


def register(cli: click.Group) -> None:
    """Add this module's commands to ``cli``."""
    cli.add_command(backtest)
    cli.add_command(assess_labelled)
