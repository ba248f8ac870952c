"""summary.html in headless Chromium: charts sized for the page on a phone and a desktop.

A chart's labels are 14 pt in a 4.4 in figure; what matters is how big they come out
on screen compared with the body text. Before the fix a desktop column showed the
charts ~0.88× their pixel size (labels ~31 px next to 17 px text, the top-topics
chart ~1,750 px tall).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.reports.charts import DPI, WIDTH_IN
from bot.reports.model import WeekStats
from bot.reports.render import write_report
from tests.bot.web.conftest import browser  # noqa: F401 - Chromium fixture

LABEL_PT = 14


@pytest.fixture
def summary(stats: WeekStats, tmp_path: Path) -> Path:
    write_report(stats, tmp_path)
    return tmp_path / "summary.html"


@pytest.mark.parametrize("width", [390, 1366])
def test_chart_labels_are_near_the_body_text_size(browser: Any, summary: Path,  # noqa: F811
                                                  width: int) -> None:
    page = browser.new_page(viewport={"width": width, "height": 800})
    try:
        page.goto(summary.as_uri())
        body = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
        shown = page.evaluate("[...document.images].map(i => [i.naturalWidth,"
                              " i.getBoundingClientRect().width,"
                              " i.getBoundingClientRect().height])")
    finally:
        page.close()
    assert len(shown) == 4
    for natural, w, h in shown:
        assert natural == round(WIDTH_IN * DPI)
        assert w <= width - 40  # inside the page, no sideways scrolling
        label_px = LABEL_PT / 72 * DPI * (w / natural)
        assert 0.75 * body <= label_px <= 1.25 * body, (width, label_px, body)
        assert h <= 900  # a chart is at most about one desktop screen
