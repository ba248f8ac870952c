from __future__ import annotations

import base64
import csv
import dataclasses
import io
import re
import warnings
from pathlib import Path

from PIL import Image

from bot.reports.charts import DPI, WIDTH_IN, drawable
from bot.reports.grouping import QuestionGroup
from bot.reports.model import TopicRow, compute_week
from bot.reports.render import write_report
from bot.reports.summary_md import escape
from bot.reports.tables import TOPIC_COLUMNS, UNANSWERED_COLUMNS
from tests.bot.reports.conftest import KEY, WEEK

EXPECTED_FILES = {
    "summary.md", "summary.html", "questions_per_day.png", "top_topics.png", "decisions.png",
    "uptake_gap.png", "topics.csv", "unanswered.csv",
}


def write(stats, tmp_path: Path) -> dict[str, Path]:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. "Glyph … missing from font(s) DejaVu Sans"
        paths = write_report(stats, tmp_path / "out")
    assert all(p.is_file() for p in paths)
    return {p.name: p for p in paths}


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_all_files_are_written(stats, tmp_path):
    files = write(stats, tmp_path)
    assert set(files) == EXPECTED_FILES
    assert all(p.parent == tmp_path / "out" for p in files.values())


def test_markdown_has_the_key_numbers(stats, tmp_path):
    md = write(stats, tmp_path)["summary.md"].read_text(encoding="utf-8")
    assert md.startswith("# Báo cáo tuần 48/2026 — Xã Thử Nghiệm\n")
    assert "23/11 – 29/11/2026" in md
    assert "**11** câu hỏi — tăng 83% so với tuần trước (6)" in md
    assert "**8** người hỏi (tuần trước 5)" in md
    assert "Trả lời được **64%** · chỉ gợi ý **9%** · chưa trả lời được **27%**" in md
    assert "Đánh giá hữu ích: **50%** (2 trên 4 lượt)" in md
    assert "Kênh: Zalo 6 · Telegram 4 · Web 1" in md
    assert "1. Liên thông khai sinh — **4** câu (+2)" in md
    assert "2. Cấp thẻ căn cước — **3** câu (±0)" in md
    assert "**2** câu chưa trả lời được, ví dụ: “đăng ký xe máy điện ở đâu”" in md
    # People are distinct askers (3 of the 4 questions), never the question count.
    assert ("Liên thông khai sinh: **4** câu hỏi của **3** người, **20%** làm trực tuyến "
            "(hỏi lại: 1/5) → ước tính **2** người đã hỏi chưa làm trực tuyến") in md
    assert "**4** người" not in md
    assert "**25%** làm trực tuyến (hồ sơ: 30/120)" in md
    assert "Ước tính: số người đã hỏi trong tuần × (1 − tỉ lệ làm trực tuyến)" in md
    # The two sources of the online share, one plain line each.
    assert "_“Hồ sơ”: số liệu chính thức của cổng dịch vụ công" in md
    assert "_“Hỏi lại”: khi chưa có số liệu chính thức, dùng câu người dân trả lời" in md
    assert "Đã làm trực tuyến **2** · đã làm trực tiếp **3** · chưa làm **1**" in md
    assert "Liên thông khai sinh: **67%** hữu ích (2/3 lượt)" in md
    assert "Giờ làm việc của xã — cán bộ rà soát lần cuối **31/12/2025**" in md
    # Without a staff review only the sources' month is known, and the report says so.
    assert "Cấp thẻ căn cước — chưa cán bộ nào rà soát; nguồn chỉ đến tháng **03/2026**" in md
    assert "## Việc nên làm" in md
    assert "![Chủ đề được hỏi nhiều nhất](top_topics.png)" in md


def test_markdown_escapes_citizen_text(stats, tmp_path):
    md = write(stats, tmp_path)["summary.md"].read_text(encoding="utf-8")
    assert "<script>" not in md
    assert r"\<script\>alert(1)\</script\> lương hưu" in md
    assert escape("**đậm** [link](x) `code` a_b") == r"\*\*đậm\*\* \[link\](x) \`code\` a\_b"


def test_html_is_self_contained_and_escaped(stats, tmp_path):
    files = write(stats, tmp_path)
    html = files["summary.html"].read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert '<meta name="viewport"' in html
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; lương hưu" in html
    without_images = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", html)
    assert not re.search(r"(https?:)?//|<link|@import|url\(", without_images)
    sources = re.findall(r'<img [^>]*src="([^"]+)"', html)
    assert len(sources) == 4
    for src in sources:
        assert src.startswith("data:image/png;base64,")
    embedded = {base64.b64decode(src.split(",", 1)[1]) for src in sources}
    on_disk = {files[name].read_bytes() for name in EXPECTED_FILES if name.endswith(".png")}
    assert embedded == on_disk
    assert "<strong>11</strong> câu hỏi" in html


def test_charts_are_valid_phone_sized_pngs(stats, tmp_path):
    files = write(stats, tmp_path)
    for name in ("questions_per_day.png", "top_topics.png", "decisions.png", "uptake_gap.png"):
        with Image.open(files[name]) as image:
            image.verify()
        with Image.open(files[name]) as image:
            assert image.format == "PNG"
            assert image.width == round(WIDTH_IN * DPI)
            assert 300 < image.height < 3000


def test_topics_csv(stats, tmp_path):
    path = write(stats, tmp_path)["topics.csv"]
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 with a BOM
    rows = read_csv(path)
    assert tuple(rows[0]) == TOPIC_COLUMNS
    assert [r["topic_id"] for r in rows] == ["khai-sinh", "can-cuoc", "ho-ngheo",
                                             "gio-lam-viec"]
    khai_sinh, can_cuoc, ho_ngheo, _ = rows
    assert {k: khai_sinh[k] for k in ("questions", "prev_questions", "change", "people",
                                      "answered", "helpful", "not_helpful", "followup_online",
                                      "followup_in_person", "online_share",
                                      "online_share_source", "uptake_gap")} == {
        "questions": "4", "prev_questions": "2", "change": "2", "people": "3",
        "answered": "4", "helpful": "2", "not_helpful": "1", "followup_online": "1",
        "followup_in_person": "2", "online_share": "0.200", "online_share_source": "followup",
        "uptake_gap": "3.2",
    }
    # The conftest's 👎 carries no reason: it is counted as not said.
    assert [khai_sinh[f"not_helpful_{r}"] for r in ("topic", "missing", "wrong", "unsaid")
            ] == ["0", "0", "0", "1"]
    assert (can_cuoc["official_online"], can_cuoc["official_total"],
            can_cuoc["official_period"], can_cuoc["uptake_gap"]) == ("30", "120", "2026-10",
                                                                    "2.2")
    assert ho_ngheo["uptake_gap"] == ""  # cannot be done online: no gap


def test_unanswered_csv_and_formula_injection(stats, tmp_path):
    groups = (*stats.unanswered, QuestionGroup("=HYPERLINK(\"x\")", 1, "hyperlink x", 1))
    rows = read_csv(write(dataclasses.replace(stats, unanswered=groups), tmp_path)
                    ["unanswered.csv"])
    assert tuple(rows[0]) == UNANSWERED_COLUMNS
    assert (rows[0]["rank"], rows[0]["count"], rows[0]["unanswered"], rows[0]["example"],
            rows[0]["sample"]) == ("1", "2", "2", "đăng ký xe máy điện ở đâu",
                                   "dang ky xe may dien o dau")
    assert rows[-1]["example"] == "'=HYPERLINK(\"x\")"
    assert len(rows) == 4


def test_no_pseudonymous_key_in_any_output(stats, tmp_path):
    for path in write(stats, tmp_path).values():
        data = path.read_bytes()
        if path.suffix == ".html":
            data += b"".join(base64.b64decode(s) for s in
                             re.findall(rb"base64,([A-Za-z0-9+/=]+)", data))
        assert KEY.encode() not in data


def test_empty_week(tmp_path):
    topics = [TopicRow("cu", "Chủ đề cũ", "local", "full")]
    stats = compute_week([], [], [], [], topics, WEEK)
    files = write(stats, tmp_path)
    assert set(files) == EXPECTED_FILES
    md = files["summary.md"].read_text(encoding="utf-8")
    assert "**Tuần này không có câu hỏi nào** (tuần trước cũng không có)." in md
    assert "chưa có ai hỏi trợ lý" in md
    html = files["summary.html"].read_text(encoding="utf-8")
    assert html.count('src="data:image/png;base64,') == 1
    for name in EXPECTED_FILES - {"summary.md", "summary.html", "topics.csv",
                                  "unanswered.csv"}:
        with Image.open(files[name]) as image:
            image.verify()
    assert read_csv(files["unanswered.csv"]) == []
    assert [r["questions"] for r in read_csv(files["topics.csv"])] == ["0"]


def test_awkward_titles_render_without_warnings(stats, tmp_path):
    odd = dataclasses.replace(stats.topics[0], title="Thanh toán 💳 phí $5$ {x} \\n " * 3)
    files = write(dataclasses.replace(stats, topics=(odd, *stats.topics[1:])), tmp_path)
    with Image.open(io.BytesIO(files["top_topics.png"].read_bytes())) as image:
        assert image.format == "PNG"
    assert drawable("Thanh toán 💳 phí") == "Thanh toán phí"
    assert drawable("Đăng ký thường trú, hộ tịch: ữ ẵ ậ ỷ ợ") == (
        "Đăng ký thường trú, hộ tịch: ữ ẵ ậ ỷ ợ")
