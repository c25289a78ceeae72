"""taxonomy.sheets, .write and .diff: export/import round trips, import errors, terms ↔ queries."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from techcurve.datatypes import Domain, SubField
from techcurve.errors import TaxonomyError
from techcurve.taxonomy import Finding, load_taxonomy
from techcurve.taxonomy.diff import diff_taxonomies
from techcurve.taxonomy.query import parse_query
from techcurve.taxonomy.review import summarize_findings
from techcurve.taxonomy.sheets import (
    CSV_COLUMNS,
    TaxonomyImportError,
    export_taxonomy,
    import_taxonomy,
)
from techcurve.taxonomy.write import (
    render_yaml,
    split_cell,
    split_terms,
    subfield_notes,
    table_rows,
    taxonomy_content,
    taxonomy_to_yaml,
)

DATA = Path(__file__).parent / "data" / "taxonomy"
GOOD = DATA / "good.yaml"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("AR", (["AR"], [])),
        ('AR OR "augmented reality"', (["AR", "augmented reality"], [])),
        ('(AR OR 增强现实) AND NOT ("AR model")', (["AR", "增强现实"], ["AR model"])),
        ("5G NOT (5G专网 OR x)", (["5G"], ["5G专网", "x"])),
        ('"AND" OR "title:x"', (["AND", "title:x"], [])),
        ("title:AR OR VR", None),  # a field scope is not a plain term
        ("a b", None),  # implicit AND
        ("(a OR b) AND NOT c AND d", None),
    ],
)
def test_split_terms(query: str, expected: tuple[list[str], list[str]] | None) -> None:
    assert split_terms(parse_query(query)) == expected


@pytest.mark.parametrize("source", [None, GOOD], ids=["default", "good"])
@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_import_round_trip(tmp_path: Path, source: Path | None, suffix: str) -> None:
    tax = load_taxonomy(source)
    sheet = export_taxonomy(tax, tmp_path / f"t{suffix}")
    back = import_taxonomy(sheet, tmp_path / "back.yaml")
    assert taxonomy_content(back) == taxonomy_content(tax)
    assert back.queries == tax.queries
    # Exporting the imported file again gives the same spreadsheet content.
    again = export_taxonomy(back, tmp_path / f"again{suffix}")
    if suffix == ".csv":
        assert again.read_bytes() == sheet.read_bytes()
    else:
        a, b = load_workbook(sheet), load_workbook(again)
        for name in ("subfields", "domains", "taxonomy"):
            rows_a = list(a[name].iter_rows(values_only=True))
            assert rows_a == list(b[name].iter_rows(values_only=True))


def test_query_subfields_stay_queries_and_terms_become_lists(tmp_path: Path) -> None:
    sheet = export_taxonomy(load_taxonomy(GOOD), tmp_path / "t.csv")
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(sheet.read_text("utf-8-sig")))}
    assert rows["ar"]["terms"] == "AR | 增强现实 | augmented reality"
    assert rows["ar"]["exclude"] == "AR model | autoregressive"
    assert rows["ar"]["query"] == ""
    assert rows["5g"]["terms"] == "5G"  # written as a query, but it is a plain list
    assert rows["5g"]["exclude"] == "5G专网 | private network"
    assert rows["edge-ai"]["terms"] == ""
    assert rows["edge-ai"]["query"] == "(title:边缘 OR title:edge) AND (智能 OR AI)"
    assert rows["serverless"]["query"] == "(serverless OR 无服务器 OR FaaS) AND NOT ipc:A61K"
    assert rows["2022.1"]["kind"] == "version"
    assert [r["kind"] for r in rows.values()].count("domain") == 4
    assert rows["cloud"]["aliases"] == "云计算 | Cloud Computing"
    assert list(rows["ar"]) == list(CSV_COLUMNS)


def test_comments_travel_as_notes() -> None:
    header, notes = subfield_notes(load_taxonomy())
    assert header.startswith("techcurve default taxonomy: six domains")
    assert notes["5g"] == '"5g" is also five grams in Chinese chemistry patents ("称取5g").'
    assert "网络 network" not in " ".join(notes.values())  # section banners are not notes
    text = taxonomy_to_yaml(load_taxonomy())
    assert '    # "5g" is also five grams in Chinese chemistry patents ("称取5g").' in text
    assert "  # ── 区块链 blockchain ──" in text


def test_a_term_with_a_bar_is_exported_as_a_query(tmp_path: Path) -> None:
    src = tmp_path / "bar.yaml"
    src.write_text(
        'version: "1"\ndomains:\n  - {id: d, zh: 域, en: D}\nsubfields:\n'
        '  - {id: x, domain: d, zh: 甲, en: X, terms: ["a|b", c]}\n',
        encoding="utf-8",
    )
    tax = load_taxonomy(src)
    sheet = export_taxonomy(tax, tmp_path / "bar.csv")
    assert ",a|b OR c," in sheet.read_text("utf-8-sig")
    assert taxonomy_content(import_taxonomy(sheet, tmp_path / "o.yaml")) == taxonomy_content(tax)


# ----------------------------------------------------------------- import errors


def _edit_csv(tmp_path: Path, edit: dict[tuple[str, str], str], **kw: str) -> Path:
    sheet = export_taxonomy(load_taxonomy(GOOD), tmp_path / "t.csv")
    rows = list(csv.DictReader(io.StringIO(sheet.read_text("utf-8-sig"))))
    for (rid, col), value in edit.items():
        next(r for r in rows if r["id"] == rid)[col] = value
    buf = io.StringIO()
    w = csv.DictWriter(buf, CSV_COLUMNS, delimiter=kw.get("delimiter", ","))
    w.writeheader()
    w.writerows(rows)
    sheet.write_bytes(buf.getvalue().encode(kw.get("encoding", "utf-8-sig")))
    return sheet


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            {("edge-ai", "query"): "5G AND (边缘 OR"},
            "row 11, column query (I): sub-field 'edge-ai': expected a term or ')' "
            "(the '(' at column 8 is not closed) at column 14 of the query",
        ),
        (
            {("ar", "query"): "AR"},
            "row 7, column terms (G): sub-field 'ar': fill either terms/exclude or query, not both",
        ),
        (
            {("ar", "terms"): "AR |  | VR"},
            "row 7, column terms (G): sub-field 'ar': item 2 (''): the item is empty",
        ),
        (
            {("ar", "exclude"): "-"},
            "row 7, column exclude (H): sub-field 'ar': item 1 ('-'): the term '-' has no letter",
        ),
        (
            {("5g", "id"): "5G"},
            "row 9, column id (B): id '5G' may only hold lowercase ASCII letters",
        ),
        (
            {("5g", "id"): "ar"},
            "row 9, column id (B): sub-field 'ar': duplicate sub-field id (first on row 7)",
        ),
        ({("ar", "zh"): ""}, "row 7, column zh (D): sub-field 'ar': the sub-field has no zh"),
        ({("ar", "kind"): "topic"}, "row 7, column kind: kind 'topic' is not one of"),
        (
            {("ar", "terms"): "", ("ar", "exclude"): ""},
            "row 7, column terms (G): sub-field 'ar': needs terms (separated by ' | ') or a query",
        ),
        ({("network", "domain"): "x"}, "row 3, column domain (C): a domain row has no domain"),
    ],
)
def test_import_errors_name_file_row_and_column(
    tmp_path: Path, edit: dict[tuple[str, str], str], message: str
) -> None:
    sheet = _edit_csv(tmp_path, edit)
    out = tmp_path / "out.yaml"
    with pytest.raises(TaxonomyImportError) as e:
        import_taxonomy(sheet, out)
    assert str(e.value).startswith(f"{sheet}, {message}"), str(e.value)
    assert isinstance(e.value, TaxonomyError) and e.value.path == str(sheet)
    assert not out.exists()


def test_import_reads_gbk_and_semicolons(tmp_path: Path) -> None:
    # What Excel on a Chinese Windows machine saves as "CSV".
    sheet = _edit_csv(
        tmp_path, {("ar", "zh"): "增强现实（编辑）"}, encoding="gb18030", delimiter=";"
    )
    tax = import_taxonomy(sheet, tmp_path / "o.yaml")
    assert tax.subfield("ar").name_zh == "增强现实（编辑）"


def test_import_header_and_file_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("kind,id,colour\n", encoding="utf-8")
    with pytest.raises(
        TaxonomyImportError, match=r"bad.csv, row 1, column C: unknown column 'colour'"
    ):
        import_taxonomy(bad, tmp_path / "o.yaml")
    bad.write_text("kind,id\nversion,1\ndomain,d\n", encoding="utf-8")
    with pytest.raises(TaxonomyImportError, match=r"row 3, column zh: the domain has no zh"):
        import_taxonomy(bad, tmp_path / "o.yaml")
    bad.write_text("kind,id,zh,en\ndomain,d,域,D\n", encoding="utf-8")
    with pytest.raises(TaxonomyImportError, match="no version: add a row of kind 'version'"):
        import_taxonomy(bad, tmp_path / "o.yaml")
    with pytest.raises(TaxonomyImportError, match="the name must end in .csv or .xlsx"):
        import_taxonomy(GOOD, tmp_path / "o.yaml")
    with pytest.raises(TaxonomyError, match="the file name must end in .csv or .xlsx"):
        export_taxonomy(load_taxonomy(GOOD), tmp_path / "t.ods")


def test_xlsx_errors_name_the_sheet(tmp_path: Path) -> None:
    sheet = export_taxonomy(load_taxonomy(GOOD), tmp_path / "t.xlsx")
    wb = load_workbook(sheet)
    ws = wb["subfields"]
    ws["B3"] = "nowhere"  # the domain of the second sub-field
    wb.save(sheet)
    with pytest.raises(TaxonomyImportError) as e:
        import_taxonomy(sheet, tmp_path / "o.yaml")
    assert str(e.value).startswith(
        f"{sheet} sheet 'subfields', row 3, column domain (B): sub-field '5g-private': "
        "unknown domain 'nowhere'"
    )


def _edited_workbook(tmp_path: Path, edit: Callable[[Any], None]) -> Path:
    sheet = export_taxonomy(load_taxonomy(GOOD), tmp_path / "t.xlsx")
    wb = load_workbook(sheet)
    edit(wb)
    wb.save(sheet)
    return sheet


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda wb: wb["subfields"].cell(1, 3, "id"),
            "sheet 'subfields', row 1, column C: column 'id' appears twice",
        ),
        (
            lambda wb: wb["domains"].cell(1, 2, "colour"),
            "sheet 'domains', row 1, column B: unknown column 'colour' (allowed: id, zh, en, aliases)",
        ),
        (
            lambda wb: wb["taxonomy"].cell(2, 1, "owner"),
            "sheet 'taxonomy', row 2, column key (A): unknown key 'owner' (expected version or notes)",
        ),
        (
            lambda wb: wb.remove(wb["domains"]),
            "no sheet 'domains' in the workbook (sheets: subfields, taxonomy); "
            "start from an exported taxonomy",
        ),
        (
            lambda wb: wb["subfields"].cell(4, 14, "stray"),
            "sheet 'subfields', row 4: row has values beyond the 11 columns the header names",
        ),
    ],
)
def test_xlsx_header_and_row_errors(
    tmp_path: Path, edit: Callable[[Any], None], message: str
) -> None:
    sheet = _edited_workbook(tmp_path, edit)
    with pytest.raises(TaxonomyImportError) as e:
        import_taxonomy(sheet, tmp_path / "o.yaml")
    assert str(e.value).startswith(
        f"{sheet}: {message}" if "no sheet" in message else f"{sheet} {message}"
    ), str(e.value)
    assert not (tmp_path / "o.yaml").exists()


def test_xlsx_columns_without_a_header_are_ignored(tmp_path: Path) -> None:
    def edit(wb: Any) -> None:
        wb["subfields"]["E1"] = None  # the header of the definitions

    back = import_taxonomy(_edited_workbook(tmp_path, edit), tmp_path / "o.yaml")
    good = load_taxonomy(GOOD)
    assert good.subfield("ar").definition and not back.subfield("ar").definition
    assert [s.query for s in back.subfields] == [s.query for s in good.subfields]


def test_table_rows_split_cell_and_render_yaml() -> None:
    header, domains, subs = table_rows(load_taxonomy(GOOD))
    assert header == "A small valid taxonomy used by tests/test_taxonomy.py."
    assert domains[0] == {"id": "network", "zh": "网络", "en": "Network", "aliases": "通信网络"}
    by_id = {s["id"]: s for s in subs}
    assert (by_id["ar"]["terms"], by_id["ar"]["exclude"], by_id["ar"]["query"]) == (
        "AR | 增强现实 | augmented reality",
        "AR model | autoregressive",
        "",
    )
    assert (by_id["5g"]["terms"], by_id["5g"]["exclude"]) == ("5G", "5G专网 | private network")
    assert by_id["edge-ai"]["terms"] == "" and by_id["edge-ai"]["query"]
    assert split_cell(" a |b|| c ") == ["a", "b", "", "c"] and split_cell("  ") == []
    text = render_yaml(
        "1",
        "head",
        [Domain("n", "网", "Net", ("x",))],
        [
            (SubField("a", "n", "甲", "A", "a OR b", ""), ["a", "b"], [], "note"),
            (SubField("q", "n", "乙", "Q", "title:x", ""), None, [], ""),
        ],
    )
    assert text == (
        '# head\nversion: "1"\n\ndomains:\n  - {id: "n", zh: "网", en: "Net", aliases: ["x"]}\n'
        '\nsubfields:\n  # ── 网 n ──\n  - id: "a"\n    domain: "n"\n    zh: "甲"\n    en: "A"\n'
        '    # note\n    terms: ["a", "b"]\n\n  - id: "q"\n    domain: "n"\n    zh: "乙"\n'
        '    en: "Q"\n    query: "title:x"\n'
    )


# -------------------------------------------------------------------- diff, lint


def test_diff_of_equal_content_is_empty(tmp_path: Path) -> None:
    copy = tmp_path / "copy.yaml"
    copy.write_text(taxonomy_to_yaml(load_taxonomy(GOOD)), encoding="utf-8")
    d = diff_taxonomies(load_taxonomy(GOOD), load_taxonomy(copy))
    assert d.empty and d.old_hash != d.new_hash


def test_diff_domains_and_query_terms(tmp_path: Path) -> None:
    new = tmp_path / "new.yaml"
    text = GOOD.read_text(encoding="utf-8")
    text = text.replace("aliases: [通信网络]", "aliases: [通信网络, 通信]")
    text = text.replace(
        "'title:(边缘 OR edge) AND (智能 OR AI)'", "'title:(边缘 OR edge) AND 智能'"
    )
    text = text.replace("  - {id: blockchain, zh: 区块链, en: Blockchain}\n", "")
    new.write_text(text, encoding="utf-8")
    d = diff_taxonomies(load_taxonomy(GOOD), load_taxonomy(new))
    assert [x.id for x in d.domains_removed] == ["blockchain"]
    assert [
        (c.id, [(f.field, f.before, f.after) for f in c.changes]) for c in d.domains_changed
    ] == [("network", [("aliases", "通信网络", "通信网络 | 通信")])]
    (edge,) = d.subfields_changed
    assert edge.id == "edge-ai" and edge.terms_removed == ("AI",) and edge.terms_added == ()


def test_summarize_findings_orders_errors_first() -> None:
    findings = [
        Finding("warning", "a", "x", "shared-term"),
        Finding("error", "b", "y", "bad-query"),
        Finding("warning", "c", "z", "shared-term"),
        Finding("warning", None, "w", "empty-domain"),
    ]
    assert summarize_findings(findings) == [
        ("error", "bad-query", 1, "a sub-field's query does not parse"),
        ("warning", "shared-term", 2, "a term is used by more than one sub-field"),
        ("warning", "empty-domain", 1, "a domain has no sub-fields"),
    ]
