"""The dashboard: the weekly summary (bot/reports) shown in the page, with downloads.

The summary files are written by :func:`bot.reports.from_storage.generate_report`
into ``DATA_DIR/reports/staff/<week>`` and reused for a few minutes; the page
shows the Markdown summary (a small, known subset rendered here, escaped by the
template) and its PNG charts, and offers the full HTML report and the CSV files
as downloads.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.reports.weeks import iso_week_bounds, week_label

if TYPE_CHECKING:
    from bot.runtime import Runtime

FRESH_SECONDS = 600
WEEKS_SHOWN = 8
DOWNLOADS = {
    "summary.html": ("Báo cáo đầy đủ (mở bằng trình duyệt, in được)", "text/html"),
    "topics.csv": ("Số liệu từng chủ đề (CSV, mở bằng Excel)", "text/csv"),
    "unanswered.csv": ("Câu hỏi chưa trả lời được (CSV)", "text/csv"),
    "summary.md": ("Bản tóm tắt dạng chữ (Markdown)", "text/markdown"),
}
_WEEK_RE = re.compile(r"^\d{4}-W\d{2}$")
_IMAGE_RE = re.compile(r"^!\[(?P<alt>[^\]]*)\]\((?P<src>[A-Za-z0-9_.-]+\.png)\)$")
_ESCAPE_RE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")


@dataclass(frozen=True)
class Span:
    text: str
    bold: bool = False


@dataclass
class MdBlock:
    kind: str  # h1 | h2 | p | ul | ol | img | hr | note
    spans: list[Span] = field(default_factory=list)
    items: list[list[Span]] = field(default_factory=list)
    src: str = ""
    alt: str = ""


def _unescape(text: str) -> str:
    return _ESCAPE_RE.sub(r"\1", text)


def spans(text: str) -> list[Span]:
    out: list[Span] = []
    for i, part in enumerate(text.split("**")):
        if part:
            out.append(Span(_unescape(part), bold=i % 2 == 1))
    return out


def render_markdown(text: str) -> list[MdBlock]:
    """The report's Markdown (headings, lists, bold, images, rules) as blocks to template."""
    blocks: list[MdBlock] = []
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line.strip():
            continue
        if line.startswith("## "):
            blocks.append(MdBlock("h2", spans(line[3:])))
        elif line.startswith("# "):
            blocks.append(MdBlock("h1", spans(line[2:])))
        elif line.strip() == "---":
            blocks.append(MdBlock("hr"))
        elif match := _IMAGE_RE.match(line.strip()):
            blocks.append(MdBlock("img", src=match["src"], alt=_unescape(match["alt"])))
        elif m := re.match(r"^(?:- |\d+\. )(.*)$", line):
            kind = "ul" if line.startswith("- ") else "ol"
            if not blocks or blocks[-1].kind != kind:
                blocks.append(MdBlock(kind))
            blocks[-1].items.append(spans(m.group(1)))
        elif line.startswith("_") and line.endswith("_") and len(line) > 2:
            blocks.append(MdBlock("note", spans(line[1:-1])))
        else:
            blocks.append(MdBlock("p", spans(line.strip())))
    return blocks


def week_choices(now: dt.datetime, tz: str) -> list[tuple[str, str]]:
    today = now.astimezone(ZoneInfo(tz)).date()
    out = []
    for back in range(WEEKS_SHOWN):
        day = today - dt.timedelta(days=7 * back)
        week = week_label(day)
        start, end = iso_week_bounds(week, tz)
        first = start.astimezone(ZoneInfo(tz)).date()
        last = (end.astimezone(ZoneInfo(tz)) - dt.timedelta(seconds=1)).date()
        label = f"{first:%d/%m} – {last:%d/%m/%Y}"
        if back == 0:
            label = f"Tuần này ({first:%d/%m} – hôm nay)"
        elif back == 1:
            label = f"Tuần trước ({label})"
        out.append((week, label))
    return out


def valid_week(week: str) -> bool:
    return bool(_WEEK_RE.match(week))


class Dashboard:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.root = runtime.settings.data_dir / "reports" / "staff"
        self._lock = asyncio.Lock()

    def folder(self, week: str, demo: bool) -> Path:
        return self.root / (f"{week}-demo" if demo else week)

    async def ensure(self, week: str, *, demo: bool, force: bool = False) -> Path:
        """The report folder for ``week``, (re)written if missing, stale or forced."""
        from bot.reports.from_storage import generate_report

        storage = self.runtime.storage
        if storage is None:
            raise RuntimeError("no database")
        out = self.folder(week, demo)
        summary = out / "summary.md"
        async with self._lock:
            fresh = summary.exists() and time.time() - summary.stat().st_mtime < FRESH_SECONDS
            if force or not fresh:
                await generate_report(storage, self.runtime.knowledge, week, out,
                                      include_demo=demo, tz=self.runtime.settings.timezone,
                                      base_url=self.runtime.settings.public_url)
        return out

    async def demo_events(self) -> int:
        from bot.reports.from_storage import count_demo_events

        storage = self.runtime.storage
        return await count_demo_events(storage) if storage is not None else 0
