"""``techcurve taxonomy …``: lint, review and edit the taxonomy."""

from __future__ import annotations

import sys
from dataclasses import asdict

import click

from . import Ctx


@click.group()
def taxonomy() -> None:
    """Inspect, lint and edit the taxonomy."""


@taxonomy.command("check")
@click.argument("path", required=False, type=click.Path(dir_okay=False))
@click.pass_obj
def taxonomy_check(ctx: Ctx, path: str | None) -> None:
    """Lint a taxonomy file (default: the shipped one)."""
    from ..taxonomy import check_taxonomy, load_taxonomy

    tax = load_taxonomy(path)
    findings = check_taxonomy(tax)
    ctx.emit([asdict(f) for f in findings])
    errors = [f for f in findings if f.level == "error"]
    if not ctx.json:
        for f in findings:
            click.echo(f"{f.level}: {f.subfield or '-'}: {f.message}", err=f.level == "error")
        ctx.say(
            f"{len(tax.subfields)} sub-fields in {len(tax.domains)} domains; "
            f"{len(errors)} errors, {len(findings) - len(errors)} warnings"
        )
    if errors:
        sys.exit(3)


def register(cli: click.Group) -> None:
    """Add this module's commands to ``cli``."""
    cli.add_command(taxonomy)
