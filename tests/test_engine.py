"""Engines: the Parquet export, and match + indicators on Dask equal to the local run."""

from __future__ import annotations

import json
import random
import re
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from polars.testing import assert_frame_equal

from techcurve import pipeline
from techcurve.cli import cli
from techcurve.errors import ConfigError, StoreError
from techcurve.pipeline import export_parquet, scale_indicators, scale_match
from techcurve.scaleout import read_manifest
from techcurve.store import RECORD_COLUMNS, Store

AS_OF = date(2022, 6, 30)

_TERMS = ["AR", "增强现实", "5G专网", "区块链", "边缘计算", "machine learning", "知识图谱",
          "数字孪生", "federated learning", "量子计算", "SLAM", "low-code", "大模型", "RPA"]  # fmt: skip
_NOISE = ["ARM 芯片", "5GHz 频段", "radar 信号", "Mr. Smith", "称取5g样品", "AR model",
          "一种数据处理方法", "a method for storage", "智能终端", "survey of systems"]  # fmt: skip
_SITES = ["36kr", "infoq", "huxiu", None]


def make_records(n: int, *, seed: int = 1, start: int = 0, ingest_id: int = 1) -> pl.DataFrame:
    """``n`` store records of every kind, with terms, distractors, dates and amounts."""
    rng = random.Random(seed)
    kinds = ["patent", "paper", "article", "financing"]
    rows = []
    for i in range(start, start + n):
        words = rng.sample(_TERMS, rng.choice([0, 1, 1, 2])) + rng.sample(_NOISE, 2)
        rng.shuffle(words)
        kind = kinds[i % 4]
        y = rng.randint(2012, 2023)
        has_date = rng.random() < 0.8
        amount = rng.choice([None, 1e7, 5e7]) if kind == "financing" else None
        rows.append(
            {
                "record_id": f"t:{i:06d}",
                "kind": kind,
                "source": "t",
                "source_id": str(i),
                "title": " ".join(words[:2]),
                "abstract": " ".join(words[2:]) or None,
                "date": date(y, rng.randint(1, 12), rng.randint(1, 28)) if has_date else None,
                "year": y,
                "venue": rng.choice(_SITES) if kind == "article" else None,
                "amount_point_cny": amount,
                "amount_low_cny": amount,
                "amount_high_cny": amount,
                "ingest_id": ingest_id,
            }
        )
    return pl.DataFrame(rows, schema={c: RECORD_COLUMNS[c] for c in rows[0]})


def make_store(path: Path, n: int = 4000) -> Path:
    """A store with ``n`` records, a count series and its ingest log."""
    pipeline.init(path)
    with Store.open(path) as st:
        st.append("records", make_records(n))
        st.con.execute(
            "INSERT INTO ingest_log (ingest_id, path, kind, profile) VALUES (1, 'gen', 'mixed', 't')"
        )
        counts = pl.DataFrame(
            {
                "source": ["gt"] * 6,
                "term": ["blockchain"] * 3 + ["augmented reality"] * 3,
                "kind": ["attention"] * 6,
                "year": [2019, 2020, 2021] * 2,
                "month": [0] * 6,
                "count": [10.0, 30.0, 20.0, 5.0, 7.0, 9.0],
                "total": [100.0] * 6,
            }
        )
        st.append("counts", counts)
    return path


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, pl.DataFrame]]:
    """A store matched and computed locally, its Parquet export, and the local tables."""
    d = tmp_path_factory.mktemp("engine")
    db = make_store(d / "tc.duckdb")
    pipeline.match(db)
    pipeline.compute(db, as_of=AS_OF)
    with Store.open(db, read_only=True) as st:
        tables = {t: st.table(t) for t in ("matches", "count_matches", "indicators", "summary")}
    export_parquet(db, d / "export", rows_per_file=700)
    return db, d / "export", tables


def _sorted(df: pl.DataFrame) -> pl.DataFrame:
    return df.sort(df.columns, nulls_last=True)


def _assert_same(got: pl.DataFrame, want: pl.DataFrame) -> None:
    # Integers and strings exactly; floats to rounding (polars sums floats in a
    # thread-dependent order, so even two local runs differ in the last bit).
    assert_frame_equal(_sorted(got), _sorted(want), check_exact=False, rel_tol=1e-12)


def test_export_writes_partitions_and_a_manifest(local: tuple[Path, Path, dict]) -> None:
    db, export, _ = local
    m = read_manifest(export)
    assert m.records == 4000 and len(m.files) == 6 and m.watermark == 1
    back = pl.concat(pl.read_parquet(export / f) for f in m.files)
    with Store.open(db, read_only=True) as st:
        want = st.sql(f"SELECT {', '.join(m.columns)} FROM records")
    assert_frame_equal(back.sort("record_id"), want.sort("record_id"))


def test_local_engine_over_parquet_equals_the_store_run(
    local: tuple[Path, Path, dict], tmp_path: Path
) -> None:
    db, export, want = local
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(db.read_bytes())
    res = scale_match(copy, export, engine="local")
    ind = scale_indicators(copy, export, engine="local", as_of=AS_OF)
    assert res.links == want["matches"].height and res.links > 300
    assert ind.records_collected < 4000  # unmatched patents and papers stay behind
    with Store.open(copy, read_only=True) as st:
        for t in ("matches", "count_matches", "indicators", "summary"):
            _assert_same(st.table(t), want[t])


def test_dask_local_cluster_gives_the_same_links_and_indicators(
    local: tuple[Path, Path, dict], tmp_path: Path
) -> None:
    pytest.importorskip("distributed")
    db, export, want = local
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(db.read_bytes())
    scale_match(copy, export, engine="dask", workers=2, processes=False)
    scale_indicators(copy, export, engine="dask", workers=2, processes=False, as_of=AS_OF)
    with Store.open(copy, read_only=True) as st:
        for t in ("matches", "count_matches", "indicators", "summary"):
            _assert_same(st.table(t), want[t])
        # the links cover the store's records: the next local match is incremental
        assert st.get_meta("match_watermark") == "1"


def test_bad_engine_options_are_config_errors(local: tuple[Path, Path, dict]) -> None:
    db, export, _ = local
    with pytest.raises(ConfigError, match="unknown engine"):
        scale_match(db, export, engine="spark")
    with pytest.raises(ConfigError, match="--scheduler needs --engine dask"):
        scale_match(db, export, engine="local", scheduler="tcp://nowhere:1")
    with pytest.raises(StoreError, match="is not a techcurve Parquet export"):
        scale_match(db, export.parent / "no-such-export", engine="local")


def test_cli_export_and_scale_local(local: tuple[Path, Path, dict], tmp_path: Path) -> None:
    db, _, want = local
    copy = tmp_path / "cli.duckdb"
    copy.write_bytes(db.read_bytes())
    run = CliRunner().invoke
    r = run(
        cli, ["--db", str(copy), "export-parquet", str(tmp_path / "x"), "--rows-per-file", "1500"]
    )
    assert r.exit_code == 0, r.output
    assert "4,000 records → 3 Parquet files" in r.output
    r = run(cli, ["--db", str(copy), "scale", "match", "--parquet", str(tmp_path / "x"), "--engine", "local"])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert f"{want['matches'].height:,} links" in r.output
    r = run(cli, ["--db", str(copy), "scale", "indicators", "--parquet", str(tmp_path / "x"),
                  "--engine", "local", "--as-of", "2022-06-30"])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "indicators as of 2022-06-30" in r.output
    ind = want["indicators"]
    line = (
        f"indicators as of 2022-06-30: {ind.height:,} sub-field-years, "
        f"{want['summary'].height} sub-fields ("
    )
    assert line in " ".join(r.output.split())
    assert re.search(
        r"without any evidence\); [\d,]+ records collected from 3 partitions",
        " ".join(r.output.split()),
    )
    for name in ("export-parquet", "scale"):
        assert cli.commands[name].help


def test_scale_out_errors_keep_their_text(local: tuple[Path, Path, dict], tmp_path: Path) -> None:
    db, export, _ = local
    with pytest.raises(ConfigError) as err:
        scale_match(db, export, engine="spark")
    assert str(err.value) == "unknown engine 'spark' (engines: local, dask)"
    with pytest.raises(ConfigError) as err:
        scale_indicators(db, export, engine="local", scheduler="tcp://nowhere:1")
    assert str(err.value) == "--scheduler needs --engine dask"
    missing = tmp_path / "no-such-export"
    with pytest.raises(StoreError) as err:
        scale_indicators(db, missing, engine="local")
    assert str(err.value) == f"{missing} is not a techcurve Parquet export (no manifest.json)"
    with pytest.raises(StoreError) as err:
        export_parquet(db, tmp_path / "x", rows_per_file=0)
    assert str(err.value) == "rows_per_file must be at least 1, not 0"
    old = tmp_path / "old-export"
    old.mkdir()
    manifest = json.loads((export / "manifest.json").read_text(encoding="utf-8"))
    manifest["columns"] = [c for c in manifest["columns"] if c not in ("ingest_id", "ipc")]
    (old / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(StoreError) as err:
        read_manifest(old)
    assert str(err.value) == (
        f"{old} was exported by an older techcurve (no column ipc, ingest_id): export it again"
    )
    (old / "manifest.json").write_text("{", encoding="utf-8")
    with pytest.raises(StoreError, match=r"^cannot read .*manifest\.json: "):
        read_manifest(old)


def test_pipeline_scale_indicators_without_taxonomy_is_a_store_error(
    local: tuple[Path, Path, dict], tmp_path: Path
) -> None:
    _, export, _ = local
    db = tmp_path / "bare.duckdb"
    pipeline.init(db)
    with pytest.raises(StoreError) as err:
        scale_indicators(db, export, engine="local", as_of=AS_OF)
    assert str(err.value) == f"store {db} has no taxonomy: the records have not been matched"
