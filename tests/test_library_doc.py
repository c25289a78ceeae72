"""docs/library.md runs: its ```python blocks, in order, in a fresh folder holding the
files it names (each block's asserts are the page's claims)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
DATA = Path(__file__).parent / "data"
FILES = (
    DATA / "cli" / "counts_long.csv",
    DATA / "cli" / "hn_hiring_quarterly.csv",
    DATA / "ingest" / "itjuzi_invest_events_excerpt.xlsx",
    DATA / "newcomer" / "hotlist_titles.csv",
)


def _blocks() -> list[str]:
    text = (ROOT / "docs" / "library.md").read_text(encoding="utf-8")
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.DOTALL | re.MULTILINE)


def test_the_page_has_its_blocks() -> None:
    assert len(_blocks()) == 5


def test_every_block_of_docs_library_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for f in FILES:
        shutil.copy(f, tmp_path / f.name)
    monkeypatch.chdir(tmp_path)
    scope: dict[str, object] = {"__name__": "__notebook__"}
    for i, block in enumerate(_blocks()):
        exec(compile(block, f"docs/library.md block {i + 1}", "exec"), scope)  # noqa: S102
    assert (tmp_path / "report.html").stat().st_size > 10_000
    assert (tmp_path / "curve.svg").read_text(encoding="utf-8").startswith("<?xml")
