"""The topic form: plain-Vietnamese labels, form fields ⇄ topic documents, readable errors.

List fields are one item per line in a textarea; the places ("where") are
repeated small groups of fields. Whatever the official typed is kept on every
error, so nothing is ever lost by a mistake.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from bot.reports.weeks import months_before
from knowledge.schema import MIN_QUESTIONS, Channel, OnlineLevel, Topic

MAX_PLACES = 12
MAX_NUMBER_DIGITS = 9  # page numbers and version ids; a longer "number" is not one


def small_number(raw: str | None) -> int | None:
    """A page number or version id typed into a form or a query string, or None.

    ``str.isdigit`` admits "²" (which ``int`` refuses) and any length (which the
    database refuses): either used to answer 500.
    """
    raw = (raw or "").strip()
    if raw.isascii() and raw.isdigit() and len(raw) <= MAX_NUMBER_DIGITS:
        return int(raw)
    return None
STALE_MONTHS = 6


@dataclass(frozen=True)
class FieldInfo:
    name: str
    label: str
    help: str
    kind: str  # text | textarea | lines | date | online | where | category | related | id
    rows: int = 3


TOPIC_FIELDS: tuple[FieldInfo, ...] = (
    FieldInfo("title", "Tên thủ tục",
              "Tên người dân hay gọi; hiện ở đầu câu trả lời.", "text"),
    FieldInfo("id", "Mã chủ đề",
              "Chữ thường không dấu, chữ số và dấu gạch ngang, ví dụ: cap-lai-can-cuoc. "
              "Tự điền theo tên; không đổi được sau khi tạo.", "id"),
    FieldInfo("category", "Nhóm", "Nhóm trong danh mục mà người dân bấm chọn.", "category"),
    FieldInfo("summary", "Tóm tắt", "Một đến ba câu ngắn: thủ tục này là gì, ai cần làm.",
              "textarea", 3),
    FieldInfo("online", "Làm trực tuyến được không?",
              "Chọn mức đúng nhất hiện nay.", "online"),
    FieldInfo("where", "Làm ở đâu",
              "Mỗi nơi một ô: cách làm trực tuyến để lên trước. Xoá tên để bỏ một nơi.",
              "where"),
    FieldInfo("steps", "Các bước làm",
              "Mỗi dòng một bước, theo thứ tự. Không cần đánh số — trợ lý tự đánh số.",
              "lines", 7),
    FieldInfo("documents", "Giấy tờ cần chuẩn bị",
              "Mỗi dòng một loại giấy tờ. Để trống nếu không cần giấy tờ.", "lines", 4),
    FieldInfo("fee", "Lệ phí", "Mức lệ phí, hoặc ghi rõ “Miễn phí”.", "textarea", 2),
    FieldInfo("processing_time", "Thời gian giải quyết", "Bao lâu thì có kết quả.",
              "textarea", 2),
    FieldInfo("notes", "Lưu ý cho người dân", "Mỗi dòng một lưu ý.", "lines", 3),
    FieldInfo("legal_basis", "Căn cứ pháp lý", "Mỗi dòng một văn bản (số hiệu, tên).",
              "lines", 3),
    FieldInfo("sources", "Nguồn thông tin",
              "Mỗi dòng một địa chỉ web đầy đủ, bắt đầu bằng https://", "lines", 3),
    FieldInfo("reviewed_on", "Ngày cán bộ kiểm tra",
              f"Ngày bạn kiểm tra lại cả mục với nguồn; để trống nếu chưa kiểm tra. Quá "
              f"{STALE_MONTHS} tháng sẽ bị đánh dấu “cần kiểm tra lại”.", "date"),
    FieldInfo("questions", "Câu hỏi mẫu",
              f"Người dân hay hỏi thế nào? Mỗi dòng một câu, viết như người dân viết (có dấu "
              f"hay không dấu đều được). Cần ít nhất {MIN_QUESTIONS} câu.", "lines", 10),
    FieldInfo("keywords", "Từ khoá", "Các cách gọi khác của thủ tục; mỗi dòng một cách.",
              "lines", 3),
    FieldInfo("related", "Chủ đề liên quan",
              "Trợ lý gợi ý thêm các chủ đề này sau câu trả lời (tối đa 3 cái đầu).", "related"),
)
FIELDS_BY_NAME = {f.name: f for f in TOPIC_FIELDS}
LABELS = {f.name: f.label for f in TOPIC_FIELDS}

ONLINE_CHOICES = (
    (OnlineLevel.FULL.value, "Toàn trình", "Làm và nhận kết quả hoàn toàn trên mạng."),
    (OnlineLevel.PARTIAL.value, "Một phần",
     "Nộp trên mạng nhưng vẫn phải đến nơi làm (ký, nhận kết quả…)."),
    (OnlineLevel.NONE.value, "Không trực tuyến", "Chỉ làm trực tiếp."),
    (OnlineLevel.INFO.value, "Chỉ thông tin",
     "Hướng dẫn hoặc tiện ích, không phải thủ tục nộp hồ sơ."),
)
ONLINE_LABELS = {value: label for value, label, _ in ONLINE_CHOICES}

CHANNEL_CHOICES = (
    (Channel.VNEID.value, "Ứng dụng VNeID"),
    (Channel.NATIONAL_PORTAL.value, "Cổng Dịch vụ công quốc gia"),
    (Channel.PROVINCIAL_PORTAL.value, "Cổng dịch vụ công của tỉnh"),
    (Channel.APP.value, "Ứng dụng điện thoại khác"),
    (Channel.COMMUNE_CENTRE.value, "Trung tâm Phục vụ hành chính công xã"),
    (Channel.POLICE.value, "Công an"),
    (Channel.OTHER.value, "Nơi khác"),
)
CHANNEL_LABELS = dict(CHANNEL_CHOICES)

COMMUNE_LABELS = {
    "name": "Tên xã", "province": "Tỉnh", "centre_name": "Tên Trung tâm Phục vụ hành chính công",
    "centre_address": "Địa chỉ Trung tâm", "opening_hours": "Giờ làm việc",
    "hotline": "Số điện thoại", "email": "Thư điện tử", "website": "Trang web của xã",
    "provincial_portal_url": "Cổng dịch vụ công của tỉnh", "police_post": "Công an xã",
    "police_phone": "Số điện thoại công an xã", "notes": "Ghi chú", "sources": "Nguồn",
    "reviewed": "Ngày kiểm tra",
}
LIST_FIELDS = frozenset(f.name for f in TOPIC_FIELDS if f.kind in ("lines", "related"))


def lines(text: str) -> list[str]:
    """One item per non-empty line; bullets and numbers people type are dropped."""
    out = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = re.sub(r"^\s*(?:[-•*+]|\d{1,2}[.)])\s+", "", raw).strip()
        if line:
            out.append(line)
    return out


def place_line(place: Mapping[str, Any]) -> str:
    """A place in one readable line (history and diffs)."""
    parts = [CHANNEL_LABELS.get(str(place.get("channel")), str(place.get("channel"))),
             str(place.get("name") or "")]
    parts += [str(place[k]) for k in ("url", "note") if place.get(k)]
    return " · ".join(p for p in parts if p)


@dataclass
class TopicForm:
    """Form values as strings (what the page shows), plus the problems found per field."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    message: str = ""

    def error(self, name: str, text: str) -> None:
        if text not in self.errors.setdefault(name, []):
            self.errors[name].append(text)

    @property
    def ok(self) -> bool:
        return not self.errors


def form_from_doc(doc: Mapping[str, Any]) -> TopicForm:
    """What the page shows for a stored topic document."""
    values: dict[str, Any] = {}
    for info in TOPIC_FIELDS:
        value = doc.get(info.name)
        if info.kind == "lines":
            values[info.name] = "\n".join(str(v) for v in value or [])
        elif info.kind == "related":
            values[info.name] = [str(v) for v in value or []]
        elif info.kind == "where":
            values[info.name] = [
                {k: "" if p.get(k) is None else str(p.get(k))
                 for k in ("channel", "name", "url", "note")}
                for p in value or [] if isinstance(p, Mapping)]
        else:
            values[info.name] = "" if value is None else str(value)
    return TopicForm(values)


def form_from_post(data: Any, *, topic_id: str | None) -> TopicForm:
    """Read the submitted form (a Starlette ``FormData``) without judging it yet."""
    values: dict[str, Any] = {}
    for info in TOPIC_FIELDS:
        if info.kind == "where":
            places = []
            for i in range(MAX_PLACES):
                place = {k: str(data.get(f"where-{i}-{k}") or "").strip()
                         for k in ("channel", "name", "url", "note")}
                if place["name"] or place["url"] or place["note"]:
                    places.append(place)
            values["where"] = places
        elif info.kind == "related":
            values["related"] = [str(v) for v in data.getlist("related") if v]
        else:
            values[info.name] = str(data.get(info.name) or "")
    if topic_id is not None:
        values["id"] = topic_id
    else:
        values["id"] = values["id"].strip().lower()
    form = TopicForm(values, message=str(data.get("message") or "").strip()[:500])
    return form


def doc_from_form(form: TopicForm, original: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The topic document the form describes (unknown stored keys are kept)."""
    v = form.values
    doc: dict[str, Any] = dict(original or {})
    for info in TOPIC_FIELDS:
        value = v.get(info.name)
        if info.kind == "lines":
            doc[info.name] = lines(value or "")
        elif info.kind == "related":
            # Checkboxes come back in page order; keep the stored order (the first three
            # are offered to citizens) and put newly ticked topics after it.
            chosen = [r for r in dict.fromkeys(value or []) if r != v.get("id")]
            before = [r for r in (original or {}).get("related") or [] if r in chosen]
            doc[info.name] = before + [r for r in chosen if r not in before]
        elif info.kind == "where":
            doc[info.name] = [
                {"channel": p["channel"] or Channel.OTHER.value, "name": p["name"],
                 **({"url": p["url"]} if p["url"] else {}),
                 **({"note": p["note"]} if p["note"] else {})}
                for p in value or []]
        elif info.kind == "date":
            if (value or "").strip():
                doc[info.name] = (value or "").strip()
            else:  # optional dates are left out, not stored empty
                doc.pop(info.name, None)
        else:
            doc[info.name] = " ".join((value or "").split()) if info.kind != "textarea" \
                else (value or "").strip()
    return doc


def validate_topic(form: TopicForm, doc: Mapping[str, Any]) -> Topic | None:
    """Check one topic on its own; problems land on the form, per field, in Vietnamese."""
    try:
        return Topic.model_validate(doc)
    except ValidationError as exc:
        for err in exc.errors():
            loc = [str(x) for x in err["loc"]]
            name = loc[0] if loc and loc[0] in FIELDS_BY_NAME else "__all__"
            text = vietnamese(err, doc)
            if name == "__all__" and "trực tuyến" in text:
                name = "where"  # shown next to the places, where it is fixed
            elif name == "__all__" and "liên quan" in text:
                name = "related"
            form.error(name, text)
        return None


def vietnamese(err: Mapping[str, Any], doc: Mapping[str, Any] | None = None) -> str:
    """A pydantic error as a short Vietnamese sentence, saying which line when it can."""
    kind, ctx, loc = err["type"], err.get("ctx") or {}, list(err["loc"])
    where = ""
    if len(loc) >= 2 and isinstance(loc[1], int):
        noun = "Nơi" if loc[0] == "where" else "Dòng"
        where = f"{noun} {loc[1] + 1}: "
        if loc[0] == "where" and len(loc) >= 3:
            where += {"name": "tên ", "url": "địa chỉ web ", "channel": "kênh "}.get(
                str(loc[2]), "")
    if kind in ("missing", "string_too_short") or err.get("input") in ("", None, []):
        text = "không được để trống"
    elif kind == "string_too_long":
        text = f"dài quá {ctx.get('max_length')} ký tự"
    elif kind == "string_pattern_mismatch":
        text = "chỉ dùng chữ thường không dấu, chữ số và dấu gạch ngang (ví dụ: khai-sinh)"
    elif kind == "too_short":
        have = len(err.get("input") or [])
        text = f"cần ít nhất {ctx.get('min_length')} mục (mỗi dòng một mục), hiện có {have}"
    elif kind == "too_long":
        text = f"nhiều nhất {ctx.get('max_length')} mục"
    elif kind.startswith("url"):
        text = (f"“{err.get('input')}” không phải địa chỉ web đầy đủ (phải bắt đầu bằng "
                "https://)")
    elif kind.startswith("date"):
        text = "ngày không hợp lệ"
    elif kind == "enum":
        text = "hãy chọn một mục trong danh sách"
    elif kind == "value_error":
        text = str(err["msg"]).removeprefix("Value error, ")
        text = text.replace("online là full/partial nhưng 'where' không có kênh trực tuyến",
                            "đã chọn làm trực tuyến (toàn trình/một phần) nhưng mục “Làm ở "
                            "đâu” chưa có cách làm trực tuyến nào")
        text = text.replace("related không được chứa chính chủ đề này",
                            "chủ đề liên quan không được là chính chủ đề này")
    elif kind == "extra_forbidden":
        text = "mục không có trong mẫu"
    else:
        text = str(err.get("msg"))
    return where + text


def is_stale(reviewed: Any, today: dt.date) -> bool:
    """Older than :data:`STALE_MONTHS` months (the weekly report uses the same rule)."""
    if isinstance(reviewed, str):
        try:
            reviewed = dt.date.fromisoformat(reviewed)
        except ValueError:
            return True
    if not isinstance(reviewed, dt.date):
        return True
    return reviewed < months_before(today, STALE_MONTHS)
