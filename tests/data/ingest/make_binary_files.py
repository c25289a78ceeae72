"""Writes the binary and UTF-16 test files of this folder (run once; the outputs are
committed). Needs openpyxl, polars and xlwt (xlwt only here: ``pip install xlwt``)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import openpyxl
import polars as pl
import xlwt  # type: ignore[import-untyped]

HERE = Path(__file__).parent


def cnipa_xlsx() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["申请号", "申请日", "公开(公告)号", "公开(公告)日", "名称", "摘要",
               "申请(专利权)人", "主分类号", "IPC"])  # fmt: skip
    ws.append(["CN202010123456.7", datetime(2020, 3, 5), "CN111310000A", datetime(2020, 6, 19),
               "一种基于深度学习的图像去噪方法", "本发明公开了一种图像去噪方法。", "示例大学",
               "G06T5/00", "G06T5/00;G06N3/04"])  # fmt: skip
    ws.append(["CN201910654321.X", "2019.07.22", "CN110400000B", "2021.03.09",
               "一种边缘计算节点的任务卸载方法", None, "示例通信有限公司", "H04L29/08", None])  # fmt: skip
    ws.append(["CN202110000001.2", 44200, None, None, "一种虚拟现实头盔",
               "本实用新型公开了一种头盔。", "示例光学有限公司", "G02B27/01", None])  # fmt: skip
    ws.append([None] * 9)
    ws.append(["CN202110000009.9", "2021-01-05", None, None, None, "没有名称", "示例公司",
               None, None])  # fmt: skip
    wb.save(HERE / "cnipa_patents.xlsx")


def itjuzi_xls() -> None:
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("投资事件")
    datefmt = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    header = ["公司", "时间", "轮次", "金额", "投资方", "行业"]
    rows: list[list[object]] = [
        ["示例智能", date(2021, 3, 8), "A+轮", "数千万人民币", "红杉中国,高瓴创投", "人工智能"],
        ["示例芯片", "2021.4.1", "B轮", "近亿元", "", "半导体"],
        ["示例机器人", date(2021, 5, 20), "战略投资", "US$5M", "", "机器人"],
        ["示例安全", date(2021, 6, 1), "天使轮", "未透露", "", "网络安全"],
        ["示例云", date(2021, 6, 2), "C轮", 150000000, "", "云计算"],
        ["示例智能", date(2021, 3, 8), "A+轮", "数千万人民币", "红杉中国,高瓴创投", "人工智能"],
        ["示例未来", "2021.13.1", "种子轮", "超亿元", "", "元宇宙"],
    ]
    for c, h in enumerate(header):
        ws.write(0, c, h)
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row):
            if isinstance(v, date):
                ws.write(r, c, datetime(v.year, v.month, v.day), datefmt)
            else:
                ws.write(r, c, v)
    wb.save(str(HERE / "itjuzi_events.xls"))


def papers_parquet() -> None:
    pl.DataFrame(
        {
            "title": ["Quantum error correction with surface codes", "数字人驱动技术研究", None],
            "year": [2018, 2022, 2020],
            "date": [date(2018, 5, 1), None, None],
            "keywords": [["quantum computing", "error correction"], ["数字人", "虚拟人"], []],
            "venue": ["Example Physics Letters", "计算机辅助设计与图形学学报", "x"],
            "citations": [12.0, None, 1.5],
            "is_oa": [True, False, None],
        }
    ).write_parquet(HERE / "papers.parquet")


def utf16_files() -> None:
    text = "title,date,venue\n量子计算云平台发布,2022-03-01,InfoQ\nRISC-V 芯片出货量增长,2022/3/2,36氪\n"
    (HERE / "utf16le_nobom.csv").write_bytes(text.encode("utf-16-le"))
    (HERE / "utf16be_nobom.csv").write_bytes(text.encode("utf-16-be"))
    tsv = text.replace(",", "\t").replace("\n", "\r\n")
    (HERE / "utf16be_bom.tsv").write_bytes(b"\xfe\xff" + tsv.encode("utf-16-be"))


if __name__ == "__main__":
    cnipa_xlsx()
    itjuzi_xls()
    papers_parquet()
    utf16_files()
