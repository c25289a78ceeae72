#!/usr/bin/env bash
# The whole pipeline on the real public data pack: init → ingest → match → indicators →
# assess → curve → report. Usage: scripts/demo.sh OUT_DIR   (data folder: $TECHCURVE_DATA)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-out/demo}
DATA=${TECHCURVE_DATA:-../shared/data}
if [ ! -d "$DATA/counts" ]; then
  echo "demo: the data pack is not at $DATA (set TECHCURVE_DATA or make demo DATA=...)" >&2
  exit 2
fi
mkdir -p "$OUT"
DB="$OUT/techcurve.duckdb"
tc() { .venv/bin/techcurve --db "$DB" "$@"; }
step() { printf '\n== %s\n' "$*"; }

step "init (a fresh store at $DB)"
tc init --force

step "count-level evidence: papers (Microsoft Academic Graph) and patents (USPTO) per term per year"
tc ingest-counts --profile hypecycle-json "$DATA/counts/paper_dict.json" "$DATA/counts/patent_dict.json"
step "count-level attention: Hacker News hiring posts, Stack Overflow questions, Google Trends"
tc ingest-counts --profile hn-hiring "$DATA/attention/hn_whoishiring_terms_monthly.csv"
tc ingest-counts --profile stackoverflow-tags "$DATA/attention/stackoverflow_questions_by_tag_year.csv"
tc ingest-counts --profile google-trends "$DATA"/attention/google_trends/*.csv
step "count-level patents: CSET AI patent documents per AI category and priority year (to 2018)"
tc ingest-counts --profile cset-ai-patents "$DATA/patents/cset_ai_patents_by_country_year_category.csv"

step "records: Chinese tech-media items, ML conference papers, CNKI exports"
tc ingest --kind article --mapping demo/mappings/ruanyf_weekly.yaml "$DATA/media/ruanyf_weekly_titles.csv"
tc ingest --kind paper --mapping demo/mappings/ml_conference_titles.yaml "$DATA/papers/ml_conference_titles.csv"
tc ingest --kind paper --profile cnki "$DATA"/cnki/*.net
tc ingest --kind paper --mapping demo/mappings/arxiv_cs.yaml "$DATA/papers/arxiv_cs_eess_titles_1993_2019.csv"
step "records: Chinese tech media (36氪, 掘金, 少数派 hot lists; Linux中国) and state media (新闻联播)"
tc ingest --kind article --mapping demo/mappings/hotlist_cn.yaml "$DATA/media_cn/hotlist_36kr_juejin_sspai_2023_2026.csv"
tc ingest --kind article --mapping demo/mappings/linuxcn.yaml "$DATA/media_cn/linuxcn_lctt_titles_2013_2024.csv"
tc ingest --kind article --mapping demo/mappings/cctv_xwlb.yaml "$DATA/policy_cn/cctv_xwlb_items_2012_2026.csv"
step "records: public and developer attention (微博热搜, 知乎热榜, V2EX, Hacker News top 10, GitHub trending)"
tc ingest --kind article --mapping demo/mappings/weibo_hotsearch.yaml "$DATA/social_cn/weibo_hotsearch_2020_2026.csv"
tc ingest --kind article --mapping demo/mappings/zhihu_hot.yaml "$DATA/social_cn/zhihu_hot_questions_2020_2025.csv"
tc ingest --kind article --mapping demo/mappings/v2ex_hot.yaml "$DATA/social_cn/v2ex_hot_topics_2021_2026.csv"
tc ingest --kind article --mapping demo/mappings/hn_daily_top10.yaml "$DATA/attention/hn_daily_top10_2010_2026.csv"
tc ingest --kind article --mapping demo/mappings/github_trending.yaml "$DATA/attention/github_trending_repos_2017_2026.csv"
step "records: financing events (Crunchbase 2013 export, IT桔子 2017Q4)"
tc ingest --kind financing --profile crunchbase "$DATA/crunchbase/crunchbase-rounds.csv"
tc ingest --kind financing --profile itjuzi "$DATA/itjuzi/itjuzi_invest_events_2017Q4.xlsx"

step "match all sub-field queries"
tc match
step "indicators"
tc indicators
step "assess"
tc assess
step "curve and report (with the analyst's pages of src/techcurve/data/pages: Markdown, numbers filled from the store)"
PAGES=src/techcurve/data/pages
tc curve -o "$OUT/curve.svg" -o "$OUT/curve.png"
tc curve --lang en -o "$OUT/curve-en.png"
tc report -o "$OUT/report.html" --pages "$PAGES"
tc report --lang en -o "$OUT/report-en.html" --pages "$PAGES"
step "the report as an editable PowerPoint deck, and its tables as a workbook"
tc report -o "$OUT/report.pptx" --pages "$PAGES"
tc export xlsx "$OUT/report.xlsx"
# The PDF needs Chromium (scripts/setup-system.sh); without it the demo goes on without
# the PDF and says how to get it: everything else needs no system package.
PDF="$OUT/report.pdf"
if ! tc report -o "$PDF" --pages "$PAGES"; then
  PDF="none: install Chromium (apt-get install chromium, or Chrome), then: techcurve --db $DB report -o $OUT/report.pdf"
  echo "demo: warning: no PDF report ($PDF)" >&2
fi
step "audit: every share sums to 100%, every total to its parts, every number in the text to its table"
tc audit "$OUT/report.data.json"
tc audit "$OUT/report-en.data.json"
tc edition save demo --replace

printf '\ndemo done:\n  curve:  %s\n  report: %s\n  PDF:    %s\n  deck:   %s\n  tables: %s\n  store:  %s\n' \
  "$OUT/curve.png" "$OUT/report.html" "$PDF" "$OUT/report.pptx" "$OUT/report.xlsx" "$DB"
