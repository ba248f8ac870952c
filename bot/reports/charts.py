"""PNG charts for the summary, drawn to be read on a phone.

Design choices for a narrow screen: one message per chart, few bars, topic
names written above their bar instead of squeezed beside it, the number at the
end of every bar so nobody has to read an axis. Rendering uses the Agg canvas
directly (no pyplot global state) and DejaVu Sans, which matplotlib ships and
which covers Vietnamese; characters the font lacks (emoji) are dropped rather
than printed as boxes. Dynamic text is drawn with ``parse_math=False`` so a
"$" in a title is never read as a formula.
"""

from __future__ import annotations

import io
import re
import textwrap
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import matplotlib
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font

from bot.reports import formatting as f
from bot.reports.gaps import TopicGap
from bot.reports.model import QUESTION_DECISIONS, WeekStats

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

FONT = "DejaVu Sans"
# Drawn for a phone column; the page shows a chart at most MAX_CSS_WIDTH wide, where
# its 14 pt labels come out near the body text size (a 4.4 in chart at 420 px is
# ~95 px per inch: 14 pt ≈ 18.5 px) instead of ~2× on a desktop-wide column.
WIDTH_IN = 4.4
DPI = 180
MAX_CSS_WIDTH = 420
TOP_N = 8
LABEL_WIDTH = 34  # characters per line above a bar

BLUE = "#2b6cb0"
GREY = "#a0aec0"
LIGHT = "#cbd5e0"
GREEN = "#2f855a"
AMBER = "#d69e2e"
RED = "#c53030"
INK = "#1a202c"
MUTED = "#4a5568"
DECISION_COLOURS = {"answer": GREEN, "suggest": AMBER, "fallback": RED}

STYLE: dict[RcKeyType, Any] = {
    "font.family": FONT,
    "font.size": 14,
    "axes.titlesize": 16,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.titlepad": 12,
    "text.color": INK,
    "axes.labelcolor": MUTED,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "axes.edgecolor": GREY,
    "text.usetex": False,
    "svg.fonttype": "none",
}

CHART_FILES = {
    "per_day": "questions_per_day.png",
    "top_topics": "top_topics.png",
    "decisions": "decisions.png",
    "uptake_gap": "uptake_gap.png",
}


@lru_cache(maxsize=1)
def _charmap() -> frozenset[int]:
    props = font_manager.FontProperties(family=FONT)
    path = font_manager.findfont(props, fallback_to_default=False)
    return frozenset(FT2Font(path).get_charmap())


def drawable(text: str) -> str:
    """Drop characters the font cannot draw (emoji, rare symbols) and tidy spaces."""
    chars = _charmap()
    kept = "".join(ch for ch in text if ord(ch) in chars or ch in "\n ")
    return re.sub(r" {2,}", " ", kept).strip()


def _wrap(text: str, width: int = LABEL_WIDTH, lines: int = 2) -> str:
    wrapped = textwrap.wrap(drawable(text), width) or [""]
    if len(wrapped) > lines:
        wrapped = [*wrapped[: lines - 1], f.one_line(" ".join(wrapped[lines - 1:]), width)]
    return "\n".join(wrapped)


def render_charts(stats: WeekStats, ranked: Sequence[TopicGap]) -> dict[str, bytes]:
    """Chart key → PNG bytes; every chart exists even in an empty week."""
    with matplotlib.rc_context(STYLE):
        figures = {
            "per_day": _per_day(stats),
            "top_topics": _top_topics(stats),
            "decisions": _decisions(stats),
            "uptake_gap": _uptake_gap(ranked),
        }
        if stats.demo_events:  # a chart forwarded alone must still say it is not real
            for fig in figures.values():
                fig.text(0.5, 0.5, "DỮ LIỆU MẪU", ha="center", va="center", rotation=30,
                         fontsize=40, fontweight="bold", color=RED, alpha=0.18,
                         parse_math=False)
        return {key: _png(fig) for key, fig in figures.items()}


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return buffer.getvalue()


def _figure(title: str, height: float) -> tuple[Figure, Axes]:
    fig = Figure(figsize=(WIDTH_IN, height), layout="constrained")
    fig.suptitle(title, x=0.015, ha="left", fontsize=16, fontweight="bold")
    ax = fig.add_subplot()
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    return fig, ax


def _legend(fig: Figure, ax: Axes, ncol: int, title: str | None = None) -> None:
    """Legend under the chart, left-aligned, where it never covers a bar (an "upper"
    legend would collide with the figure title)."""
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower left", ncol=ncol, frameon=False,
               fontsize=12.5, handlelength=1.2, columnspacing=1.2, title=title,
               title_fontsize=12, alignment="left")


def _empty(ax: Axes, message: str) -> None:
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center", color=MUTED, fontsize=14,
            transform=ax.transAxes, parse_math=False)


def _per_day(stats: WeekStats) -> Figure:
    fig, ax = _figure("Số câu hỏi mỗi ngày", 3.2)
    days = list(stats.per_day)
    xs = list(range(len(days)))
    values = [d.questions for d in days]
    previous = [d.questions for d in stats.prev_per_day]
    ax.bar([x + 0.17 for x in xs], values, color=BLUE, width=0.5, label="Tuần này", zorder=2)
    ax.bar([x - 0.25 for x in xs], previous, color=LIGHT, width=0.3, label="Tuần trước",
           zorder=1)
    top = max([*values, *previous, 1])
    for x, value in zip(xs, values, strict=True):
        ax.text(x + 0.17, value + top * 0.02, f.num(value), ha="center", va="bottom",
                fontsize=14, fontweight="bold", color=INK, parse_math=False)
    ax.set_xticks(xs, [f"{f.weekday(d.day)}\n{f.day_short(d.day)}" for d in days],
                  fontsize=12)
    ax.set_ylim(0, top * 1.18)
    ax.yaxis.set_visible(False)
    ax.tick_params(axis="x", length=0)
    if not stats.questions:
        ax.text(3, top * 0.6, "Không có câu hỏi trong tuần", ha="center", color=MUTED,
                fontsize=14, parse_math=False)
    _legend(fig, ax, ncol=2)
    return fig


def _row_height(labels: Sequence[str]) -> float:
    """Inches per row: just room for a label of up to two lines above a bar (a 14 pt
    line is ~0.2 in), so eight topics stay within about two phone screens."""
    return 0.95 if any("\n" in _wrap(label) for label in labels) else 0.68


def _topic_rows(ax: Axes, labels: Sequence[str]) -> None:
    """Rows 0..n-1 top to bottom, each label written above its bar."""
    for i, label in enumerate(labels):
        ax.text(0, i - 0.26, _wrap(label), ha="left", va="bottom", fontsize=14, color=INK,
                parse_math=False)
    two_lines = any("\n" in _wrap(label) for label in labels)
    ax.set_ylim(len(labels) - 0.6, -0.95 if two_lines else -0.7)
    ax.set_yticks([])
    ax.spines["bottom"].set_visible(False)
    ax.xaxis.set_visible(False)


def _top_topics(stats: WeekStats) -> Figure:
    topics = stats.active_topics[:TOP_N]
    labels = [t.title for t in topics]
    fig, ax = _figure("Chủ đề được hỏi nhiều nhất",
                      1.2 + _row_height(labels) * max(len(topics), 2))
    if not topics:
        _empty(ax, "Không có câu hỏi trong tuần")
        return fig
    top = max(max(t.questions, t.prev_questions) for t in topics)
    ys = list(range(len(topics)))
    ax.barh(ys, [t.questions for t in topics], height=0.22, color=BLUE, label="Tuần này",
            zorder=2)
    ax.barh(ys, [t.prev_questions for t in topics], height=0.36, color=LIGHT,
            label="Tuần trước", zorder=1)
    for y, t in zip(ys, topics, strict=True):
        ax.text(max(t.questions, t.prev_questions) + top * 0.02, y,
                f"{f.num(t.questions)} ({f.signed(t.change)})", va="center", fontsize=14,
                fontweight="bold", color=INK, parse_math=False)
    _topic_rows(ax, labels)
    ax.set_xlim(0, top * 1.3)
    _legend(fig, ax, ncol=2, title="Số trong ngoặc: tăng/giảm so với tuần trước")
    return fig


def _decisions(stats: WeekStats) -> Figure:
    fig, ax = _figure("Trợ lý trả lời được bao nhiêu?", 2.9)
    rows = [(label, prev) for label, prev in (("Tuần này", False), ("Tuần trước", True))
            if stats.share("answer", previous=prev) is not None]
    if not rows:
        _empty(ax, "Không có câu hỏi trong tuần")
        return fig
    for y, (_, prev) in enumerate(rows):
        left = 0.0
        for decision in QUESTION_DECISIONS:
            share = stats.share(decision, previous=prev) or 0.0
            ax.barh(y, share, left=left, height=0.42, color=DECISION_COLOURS[decision],
                    label=f.DECISION_LABELS[decision] if y == 0 else None)
            if share >= 0.1:
                ax.text(left + share / 2, y, f.pct(share), ha="center", va="center",
                        color="white", fontsize=13, fontweight="bold", parse_math=False)
            left += share
    _topic_rows(ax, [label for label, _ in rows])
    ax.set_xlim(0, 1)
    _legend(fig, ax, ncol=2)
    return fig


def _uptake_gap(ranked: Sequence[TopicGap]) -> Figure:
    gaps = list(ranked[:TOP_N])
    labels = [g.title for g in gaps]
    fig, ax = _figure("Hỏi nhiều, làm trực tuyến ít",
                      1.5 + _row_height(labels) * max(len(gaps), 2))
    if not gaps:
        _empty(ax, "Chưa có số liệu làm trực tuyến")
        return fig
    ys = list(range(len(gaps)))
    online = [g.demand * (g.online_share or 0) for g in gaps]
    missing = [g.gap or 0 for g in gaps]
    ax.barh(ys, missing, left=online, height=0.32, color=AMBER,
            label="Ước tính chưa làm trực tuyến", zorder=2)
    ax.barh(ys, online, height=0.32, color=GREEN, label="Ước tính đã làm trực tuyến", zorder=2)
    top = max(g.demand for g in gaps)
    for y, g in zip(ys, gaps, strict=True):
        ax.text(g.demand + top * 0.02, y,
                f"{f.num(g.demand)} câu hỏi\n{f.pct(g.online_share)} trực tuyến",
                va="center", fontsize=11.5, fontweight="bold", color=INK, linespacing=1.0,
                parse_math=False)
    _topic_rows(ax, labels)
    ax.set_xlim(0, top * 1.6)
    _legend(fig, ax, ncol=1, title="Thanh dài: số câu hỏi; màu: làm trực tuyến hay chưa")
    return fig
