"""`techcurve taxonomy check | sample | stats | export | import | diff` on a small store.

The store is built from tests/data/taxonomy/records.csv (14 records with tricky titles)
and two count excerpts (HN hiring terms, Stack Overflow tags) through the library API,
then matched with the default taxonomy. Outputs are compared exactly.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from techcurve import pipeline
from techcurve.cli import cli
from techcurve.errors import StoreError, TaxonomyError
from techcurve.taxonomy import check_taxonomy, load_taxonomy
from techcurve.taxonomy.review import summarize_findings

DATA = Path(__file__).parent / "data"
GOOD = DATA / "taxonomy" / "good.yaml"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("taxcli") / "tc.duckdb"
    pipeline.init(db)
    pipeline.ingest(db, [DATA / "taxonomy" / "records.csv"], kind="auto", profile="generic")
    pipeline.ingest_counts(
        db, [DATA / "counts" / "hn_whoishiring_terms_monthly.csv"], profile="hn-hiring"
    )
    pipeline.ingest_counts(
        db,
        [DATA / "counts" / "stackoverflow_questions_by_tag_year.csv"],
        profile="stackoverflow-tags",
    )
    pipeline.match(db, taxonomy=None)
    return db


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=True)


def ok(*args: str) -> str:
    res = invoke(*args)
    assert res.exit_code == 0, (res.output, res.exception)
    return res.output


# -------------------------------------------------------------------------- stats


def test_stats_json(store: Path) -> None:
    data = json.loads(ok("--db", str(store), "--json", "taxonomy", "stats"))
    tax = load_taxonomy()
    assert data["taxonomy_version"] == "2022.1"
    assert data["taxonomy_hash"] == tax.hash
    assert data["records"] == 14
    assert data["records_by_kind"] == {"patent": 4, "paper": 3, "article": 7, "financing": 0}
    assert data["matched_records"] == 10
    assert data["multi_matched_records"] == 1  # "Deep learning for AR glasses"
    assert data["multi_share"] == pytest.approx(0.1)
    assert (data["count_series"], data["matched_count_series"]) == (7, 7)
    assert len(data["subfields"]) == len(tax.subfields)
    matched = {s["subfield_id"]: s for s in data["subfields"] if s["records"]}
    assert {k: v["records"] for k, v in matched.items()} == {
        "ar": 4,
        "blockchain-platforms": 1,
        "cbdc": 1,
        "deep-learning": 1,
        "machine-learning": 1,
        "microservices": 1,
        "virtual-humans": 1,
        "vr": 1,
        "wifi": 1,
    }
    assert matched["ar"]["by_kind"] == {"patent": 1, "paper": 1, "article": 2, "financing": 0}
    assert matched["ar"]["shared"] == 1
    assert matched["ar"]["count_series"] == 2  # HN "AR", SO "augmented-reality"
    assert matched["blockchain-platforms"]["count_series"] == 2  # HN + SO "blockchain"


def test_stats_text(store: Path) -> None:
    lines = ok("--db", str(store), "taxonomy", "stats", "--top", "3").splitlines()
    tax = load_taxonomy()
    assert lines[:4] == [
        f"taxonomy 2022.1 (sha256 {tax.hash[:12]}…) {tax.path}",
        "records: 14; matched: 10 (71.4%); matched by more than one sub-field: 1 (10.0% of matched)",
        "count series: 7; linked to a sub-field: 7",
        "",
    ]
    assert lines[4:8] == [
        "sub-field             domain       name            patent  paper  article  financing  records  shared  series",
        "ar                    interaction  AR                   1      1        2          0        4     25%       2",
        "blockchain-platforms  blockchain   区块链底层平台       1      0        0          0        1      0%       2",
        "machine-learning      ai           机器/深度学习        0      1        0          0        1    100%       2",
    ]
    assert (
        lines[-1]
        == f"{len(tax.subfields)} sub-fields; {len(tax.subfields) - 9} with no record and no count series"
    )


def test_stats_on_an_unmatched_store(tmp_path: Path) -> None:
    db = tmp_path / "empty.duckdb"
    pipeline.init(db)
    res = invoke("--db", str(db), "taxonomy", "stats")
    assert isinstance(res.exception, StoreError)
    assert str(res.exception) == f"store {db} has not been matched yet: run `techcurve match` first"


# ------------------------------------------------------------------------- sample


def test_sample_text(store: Path) -> None:
    out = ok("--db", str(store), "taxonomy", "sample", "ar", "-n", "3", "--seed", "3")
    lines = out.splitlines()
    assert lines[0] == "ar  AR / Augmented reality (AR)"
    assert lines[1].startswith('query: (AR OR 增强现实 OR "augmented reality"')
    assert lines[2:] == [
        "matched records: 4 (article 2, paper 1, patent 1); count series: 2",
        "",
        "3 random records (seed 3):",
        "year  kind     terms fired  in        title",
        "2022  article  AR; AR眼镜   title     苹果发布AR眼镜",
        "2020  article  增强现实     abstract  一款新应用上线",
        "2021  patent   增强现实     title     一种增强现实眼镜的光学模组",
        "",
        "count series:",
        "  hn_hiring/attention: AR",
        "  stackoverflow/attention: augmented-reality",
    ]


def test_sample_json_is_reproducible_and_filters_by_kind(store: Path) -> None:
    args = ("--db", str(store), "--json", "taxonomy", "sample", "ar", "-n", "2", "--seed", "7")
    first, again = json.loads(ok(*args)), json.loads(ok(*args))
    assert first == again
    assert first["matched"] == 4 and len(first["records"]) == 2
    only = json.loads(
        ok("--db", str(store), "--json", "taxonomy", "sample", "ar", "--kind", "patent")
    )
    assert only["matched"] == 1
    assert [(r["record_id"], r["terms"], r["where"]) for r in only["records"]] == [
        ("generic:p1", "增强现实", "title")
    ]


def test_sample_of_a_subfield_without_matches(store: Path) -> None:
    out = ok("--db", str(store), "taxonomy", "sample", "5g")
    assert "matched records: 0 (none); count series: 0" in out
    assert "no records match 5g" in out  # the chemistry patent (称取5g) is excluded


def test_sample_unknown_id_suggests_close_ids(store: Path) -> None:
    res = invoke("--db", str(store), "taxonomy", "sample", "arr")
    assert isinstance(res.exception, TaxonomyError)
    assert str(res.exception) == (
        f"unknown sub-field 'arr' in store {store}; did you mean 'ar'? "
        "(`techcurve taxonomy stats` lists the ids)"
    )


def test_sample_errors_are_one_line_with_exit_codes(store: Path, tmp_path: Path) -> None:
    def run(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "techcurve", "--db", str(db), *args],
            capture_output=True,
            text=True,
            timeout=120,
        )

    proc = run(store, "taxonomy", "sample", "blockchain")
    assert proc.returncode == 3
    assert proc.stderr == (
        f"error: unknown sub-field 'blockchain' in store {store}; did you mean "
        "'blockchain-scaling', 'blockchain-security', 'blockchain-platforms' or "
        "'blockchain-traceability'? (`techcurve taxonomy stats` lists the ids)\n"
    )
    empty = tmp_path / "new.duckdb"
    pipeline.init(empty)
    proc = run(empty, "taxonomy", "sample", "ar")
    assert proc.returncode == 5
    assert proc.stderr == (
        f"error: store {empty} has not been matched yet: run `techcurve match` first\n"
    )


# -------------------------------------------------------------------------- check


def test_check_summarises_warnings_by_kind() -> None:
    findings = check_taxonomy(load_taxonomy())
    out = ok("taxonomy", "check")
    expected = ["warnings by kind (--details lists them):"]
    expected += [
        f"  {n:>5}  {kind:<14} {text}" for _, kind, n, text in summarize_findings(findings)
    ]
    n = len(load_taxonomy().subfields)
    expected.append(f"{n} sub-fields in 6 domains; 0 errors, {len(findings)} warnings")
    assert out.splitlines() == expected


def test_check_details_and_errors_only() -> None:
    out = ok("taxonomy", "check", str(DATA / "taxonomy" / "lint.yaml"), "--details")
    assert out.splitlines() == [
        "warning: ml2: name '机器学习' is also the name of 'ml'",
        "warning: mobile: term '第五代移动通信' appears in 5g and mobile",
        "warning: 5g-private: term '5G专网' of 5g-private contains term '5G' of 5g: records with it also match 5g",
        "warning: ipc-g06n3: term 'G06N 3/08' of ipc-g06n3 contains term 'G06N' of ipc-g06n: records with it also match ipc-g06n",
        "warning: -: domain 'empty' (空) has no sub-fields",
        "7 sub-fields in 3 domains; 0 errors, 5 warnings",
    ]
    out = ok("taxonomy", "check", str(DATA / "taxonomy" / "lint.yaml"), "--errors-only")
    assert out.splitlines() == ["7 sub-fields in 3 domains; 0 errors, 5 warnings"]
    data = json.loads(ok("--json", "taxonomy", "check", str(GOOD), "--errors-only"))
    assert data == []


def test_check_against_a_store_lists_unused_terms(store: Path) -> None:
    out = ok("taxonomy", "check", str(GOOD), "--db", str(store), "--details")
    where = "(14 records and 7 count series)"
    assert out.splitlines() == [
        "warning: -: domain 'blockchain' (区块链) has no sub-fields",
        f"warning: 5g-private: none of its 2 terms occurs in the store {where}: '5G专网', '5G private network'",
        f"warning: serverless: none of its 3 terms occurs in the store {where}: 'serverless', '无服务器', 'FaaS'",
        f"warning: edge-ai: none of its 4 terms occurs in the store {where}: 'title:边缘', 'title:edge', '智能', 'AI'",
        f"5 sub-fields in 4 domains; 0 errors, 4 warnings; terms checked against {store}",
    ]
    # The global --db works too, and --json gives the findings with their kind.
    data = json.loads(ok("--db", str(store), "--json", "taxonomy", "check", str(GOOD)))
    assert [(f["kind"], f["subfield"]) for f in data] == [
        ("empty-domain", None),
        ("unused-term", "5g-private"),
        ("unused-term", "serverless"),
        ("unused-term", "edge-ai"),
    ]


def test_check_default_against_the_store_finds_partly_used_subfields(store: Path) -> None:
    data = json.loads(ok("--json", "taxonomy", "check", "--db", str(store)))
    ar = [f["message"] for f in data if f["subfield"] == "ar" and f["kind"] == "unused-term"]
    assert len(ar) == 1
    assert ar[0].startswith("14 of 20 terms occur nowhere in the store")
    assert "'AR'" not in ar[0] and "'增强现实'" not in ar[0] and "'AR glasses'" not in ar[0]


# ---------------------------------------------------------------- export / import


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_then_import_round_trips(tmp_path: Path, suffix: str) -> None:
    sheet = tmp_path / f"tax{suffix}"
    assert ok("taxonomy", "export", str(sheet), "--taxonomy", str(GOOD)) == (
        f"5 sub-fields and 4 domains → {sheet}\n"
    )
    out = tmp_path / "back.yaml"
    msg = ok("taxonomy", "import", str(sheet), "-o", str(out))
    back = load_taxonomy(out)
    assert msg == (
        f"5 sub-fields and 4 domains → {out} (version 2022.1, sha256 {back.hash[:12]}…); "
        f"`techcurve taxonomy check {out}`: 0 errors, 1 warnings\n"
    )
    diff = ok("taxonomy", "diff", str(GOOD), str(out)).splitlines()
    assert diff[-1] == "no differences in domains or sub-fields"


def test_import_default_output_name_and_error(tmp_path: Path) -> None:
    sheet = tmp_path / "mine.csv"
    ok("taxonomy", "export", str(sheet))
    ok("taxonomy", "import", str(sheet))
    assert (tmp_path / "mine.yaml").exists()
    text = sheet.read_text(encoding="utf-8-sig").replace(",network,5G,", ",netwrk,5G,", 1)
    sheet.write_text(text, encoding="utf-8-sig")
    res = invoke("taxonomy", "import", str(sheet), "-o", str(tmp_path / "x.yaml"))
    assert isinstance(res.exception, TaxonomyError)
    assert str(res.exception).startswith(
        f"{sheet}, row 9, column domain (C): sub-field '5g': unknown domain 'netwrk'"
    )
    assert not (tmp_path / "x.yaml").exists()


# --------------------------------------------------------------------------- diff


def test_diff_text_and_json(tmp_path: Path) -> None:
    new = tmp_path / "new.yaml"
    text = GOOD.read_text(encoding="utf-8")
    text = text.replace("zh: 增强现实", "zh: 增强现实（AR）")
    text = text.replace(
        "exclude: [AR model, autoregressive]", "exclude: [AR model, autoregressive, ARM]"
    )
    text = text.replace("  - id: 5g-private\n", "  - id: 5g-priv\n")
    new.write_text(text, encoding="utf-8")
    out = ok("taxonomy", "diff", str(GOOD), str(new)).splitlines()
    old_tax, new_tax = load_taxonomy(GOOD), load_taxonomy(new)
    assert out == [
        f"--- {GOOD} (version 2022.1, sha256 {old_tax.hash[:12]}…)",
        f"+++ {new} (version 2022.1, sha256 {new_tax.hash[:12]}…)",
        "+ 5g-priv (network): 5G专网 / 5G private networks",
        '    query: 5G专网 OR "5G private network"',
        "- 5g-private (network): 5G专网 / 5G private networks",
        "~ ar",
        "    zh: '增强现实' → '增强现实（AR）'",
        '    query before: (AR OR 增强现实 OR "augmented reality") AND NOT ("AR model" OR autoregressive)',
        '    query after:  (AR OR 增强现实 OR "augmented reality") AND NOT ("AR model" OR autoregressive OR ARM)',
        "    exclusions added: ARM",
        "1 added, 1 removed, 1 changed sub-fields; 0 added, 0 removed, 0 changed domains",
    ]
    data = json.loads(ok("--json", "taxonomy", "diff", str(GOOD), str(new)))
    assert [s["id"] for s in data["subfields_added"]] == ["5g-priv"]
    assert [s["id"] for s in data["subfields_removed"]] == ["5g-private"]
    assert data["subfields_changed"] == [
        {
            "id": "ar",
            "changes": [
                {"field": "zh", "before": "增强现实", "after": "增强现实（AR）"},
                {
                    "field": "query",
                    "before": '(AR OR 增强现实 OR "augmented reality") AND NOT ("AR model" OR autoregressive)',
                    "after": '(AR OR 增强现实 OR "augmented reality") AND NOT ("AR model" OR autoregressive OR ARM)',
                },
            ],
            "terms_added": [],
            "terms_removed": [],
            "exclude_added": ["ARM"],
            "exclude_removed": [],
        }
    ]


def test_diff_default_keyword() -> None:
    out = ok("taxonomy", "diff", "default", "default").splitlines()
    assert out[-1] == "no differences in domains or sub-fields"


def test_every_taxonomy_command_has_help_and_docs() -> None:
    docs = (Path(__file__).parents[1] / "docs" / "taxonomy.md").read_text(encoding="utf-8")
    group = cli.commands["taxonomy"]
    assert isinstance(group, click.Group)
    for name, cmd in group.commands.items():  # type: ignore[attr-defined]
        assert cmd.help, name
        assert f"techcurve taxonomy {name}" in docs, name
