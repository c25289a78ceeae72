"""The per-user cache: keyed entries, atomic writes, and no failure when unusable."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from techcurve import cache
from techcurve.render.fonts import font_face_css


def test_entries_live_under_xdg_cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    e = cache.entry("font-subset", "a", 1, suffix=".woff")
    assert e.parent == tmp_path / "techcurve"
    assert e.name.startswith("font-subset-") and e.name.endswith(".woff")
    assert cache.entry("font-subset", "a", 1, suffix=".woff") == e
    assert cache.entry("font-subset", "a", 2, suffix=".woff") != e
    assert cache.read(e) is None
    cache.write(e, b"bytes")
    assert cache.read(e) == b"bytes"
    assert [p.name for p in e.parent.iterdir()] == [e.name]  # no temporary file left


def test_an_unwritable_cache_only_costs_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    e = cache.entry("x", 1)
    cache.write(e, b"data")  # no error
    assert cache.read(e) is None


def test_the_report_font_is_the_same_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    cold = font_face_css("技术成熟度曲线 Hype Cycle")
    assert len(list((tmp_path / "techcurve").glob("font-subset-*.woff"))) == 1
    assert font_face_css("技术成熟度曲线 Hype Cycle") == cold
    assert font_face_css("区块链") != cold


def test_the_code_stamp_follows_the_contents_not_the_modification_time(tmp_path: Path) -> None:
    import importlib.util
    import os

    src = tmp_path / "derive.py"
    src.write_text("STEP = 1\n", encoding="utf-8")
    spec = importlib.util.spec_from_file_location("derive", src)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    stamp = cache.code_stamp(module)
    os.utime(src, (1_000_000_000, 1_000_000_000))  # a fresh checkout: new times, same code
    assert cache.code_stamp(module) == stamp
    src.write_text("STEP = 2\n", encoding="utf-8")  # an edited module derives again
    assert cache.code_stamp(module) != stamp
    src.unlink()  # an unreadable file still gives a stamp (and never the old one)
    assert cache.code_stamp(module) not in (stamp, "")


def test_trim_keeps_the_newest_entries_of_one_kind(tmp_path: Path) -> None:
    for i in range(5):
        p = tmp_path / f"stdtr-{i}.txt"
        p.write_bytes(b"x" * 10)
        os.utime(p, ns=(i * 10**9, i * 10**9))  # entry 4 is the newest
    (tmp_path / "stdtrx-9.txt").write_bytes(b"another kind")
    (tmp_path / "stdtr-9.txt.123.tmp").write_bytes(b"being written")
    cache.trim("stdtr", 3, folder=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "stdtr-2.txt", "stdtr-3.txt", "stdtr-4.txt", "stdtr-9.txt.123.tmp", "stdtrx-9.txt",
    ]  # fmt: skip
    cache.trim("stdtr", 3, max_bytes=25, folder=tmp_path)
    assert sorted(p.name for p in tmp_path.glob("stdtr-*.txt")) == ["stdtr-3.txt", "stdtr-4.txt"]
    cache.trim("stdtr", 3, folder=tmp_path / "missing")  # nothing there: nothing happens
