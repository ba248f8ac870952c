"""Write the weekly summary files for one :class:`WeekStats`.

The only entry point the CLI needs: it derives the uptake-gap ranking and the
suggestions, draws the charts once and writes every output from the same
:class:`~bot.reports.content.Document`, so Markdown, HTML and CSV agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from bot.reports.charts import CHART_FILES, render_charts
from bot.reports.content import build_document
from bot.reports.gaps import uptake_gaps
from bot.reports.model import WeekStats
from bot.reports.outbound import safe_text
from bot.reports.suggestions import suggest
from bot.reports.summary_html import render_html
from bot.reports.summary_md import render_markdown
from bot.reports.tables import write_topics_csv, write_unanswered_csv

MARKDOWN_FILE = "summary.md"
HTML_FILE = "summary.html"
TOPICS_CSV = "topics.csv"
UNANSWERED_CSV = "unanswered.csv"


def _redacted(stats: WeekStats) -> WeekStats:
    """The last look before citizen text leaves: examples and samples redacted again."""
    groups = tuple(replace(g, example=safe_text(g.example), sample=safe_text(g.sample))
                   for g in stats.unanswered)
    return replace(stats, unanswered=groups)


def write_report(stats: WeekStats, out_dir: Path | str, upkeep: Sequence[str] = (), *,
                 base_url: str = "") -> list[Path]:
    """Write summary.md, summary.html, the PNG charts and the CSVs; return their paths.

    Existing files of the same names are overwritten, so re-running a week is safe.
    ``base_url`` (the public address of the staff workspace) makes its links absolute;
    empty, the summary has no links and says where to find each page instead.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stats = _redacted(stats)
    ranked, unknown = uptake_gaps(stats.topics)
    charts = render_charts(stats, ranked)
    images = {CHART_FILES[key]: png for key, png in charts.items()}
    actions = suggest(stats, ranked, unknown, upkeep=upkeep)
    document = build_document(stats, ranked, unknown, actions, CHART_FILES,
                              base_url=base_url)

    written: list[Path] = []
    for name, png in images.items():
        path = out / name
        path.write_bytes(png)
        written.append(path)
    md_path = out / MARKDOWN_FILE
    md_path.write_text(render_markdown(document), encoding="utf-8")
    html_path = out / HTML_FILE
    html_path.write_text(render_html(document, images), encoding="utf-8")
    written = [md_path, html_path, *written]
    written.append(write_topics_csv(stats, out / TOPICS_CSV))
    written.append(write_unanswered_csv(stats, out / UNANSWERED_CSV))
    return written
