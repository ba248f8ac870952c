"""The shape of the knowledge base.

Every fact a citizen reads comes from these models, so validation is strict: a
topic without a source, a review date or enough example questions is rejected
rather than served half-checked.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator, model_validator

SLUG_RE = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
Slug = Annotated[str, Field(pattern=SLUG_RE, min_length=2, max_length=60)]
Text = Annotated[str, Field(min_length=1, max_length=2000)]
MIN_QUESTIONS = 8


class Channel(StrEnum):
    """Where a citizen can do the procedure, online paths first."""

    VNEID = "vneid"
    NATIONAL_PORTAL = "national-portal"
    PROVINCIAL_PORTAL = "provincial-portal"
    APP = "app"
    COMMUNE_CENTRE = "commune-centre"
    POLICE = "police"
    OTHER = "other"

    @property
    def is_online(self) -> bool:
        return self in {Channel.VNEID, Channel.NATIONAL_PORTAL, Channel.PROVINCIAL_PORTAL,
                        Channel.APP}


class OnlineLevel(StrEnum):
    """How much of the procedure can be done online; drives the uptake-gap report."""

    FULL = "full"
    PARTIAL = "partial"
    NONE = "none"
    INFO = "info"  # guidance or a utility, not a dossier-based procedure


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Place(_Strict):
    """One way to do the procedure (an app, a portal, an office)."""

    channel: Channel
    name: Text
    url: HttpUrl | None = None
    note: str | None = None


YEAR_MONTH_RE = r"^\d{4}-(0[1-9]|1[0-2])$"
YearMonth = Annotated[str, Field(pattern=YEAR_MONTH_RE)]


class DatedField(StrEnum):
    """Parts of an answer that can change on a date.

    ``summary``, ``fee`` and ``processing_time`` are one text: a dated text
    *replaces* the regular one while it holds. The list fields gain a dated
    *line* while it holds (a line that stops holding drops out).
    """

    SUMMARY = "summary"
    FEE = "fee"
    PROCESSING_TIME = "processing_time"
    STEPS = "steps"
    DOCUMENTS = "documents"
    NOTES = "notes"
    LEGAL_BASIS = "legal_basis"

    @property
    def is_single(self) -> bool:
        return self in {DatedField.SUMMARY, DatedField.FEE, DatedField.PROCESSING_TIME}


class Dated(_Strict):
    """A fact that holds only between two dates, with the text that says so.

    Why a source is required: an end date is exactly what press pages get
    wrong (the 50 % fee cut was reported to end on two different dates), so
    the staff member must be able to see where each date came from.
    """

    field: DatedField
    text: Text
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    source: HttpUrl
    position: int | None = Field(default=None, ge=1)  # list fields: line number; else last

    @model_validator(mode="after")
    def _has_a_date(self) -> Dated:
        if self.valid_from is None and self.valid_until is None:
            raise ValueError("cần ít nhất một trong valid_from / valid_until "
                             "(không có ngày thì ghi thẳng vào mục đó)")
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValueError("valid_until phải sau valid_from")
        return self

    def holds_on(self, day: dt.date) -> bool:
        return ((self.valid_from is None or self.valid_from <= day)
                and (self.valid_until is None or day <= self.valid_until))


class VerifyField(StrEnum):
    """Which part of the answer a staff check is about (``other``: not shown to citizens)."""

    SUMMARY = "summary"
    WHERE = "where"
    STEPS = "steps"
    DOCUMENTS = "documents"
    FEE = "fee"
    PROCESSING_TIME = "processing_time"
    NOTES = "notes"
    LEGAL_BASIS = "legal_basis"
    OTHER = "other"


class Verify(_Strict):
    """One thing staff must confirm locally; never shown to citizens as written.

    A citizen only learns *which part* of the answer is unconfirmed (``field``),
    in one plain line; the research note itself (``what``/``why``) stays with
    staff. ``done_by``/``done_on`` close the item.
    """

    field: VerifyField
    what: Text
    why: str = ""
    done_by: str = ""
    done_on: dt.date | None = None

    @property
    def open(self) -> bool:
        return self.done_on is None


def _legacy_keys(data: Any) -> Any:
    """Accept documents written before dated facts and staff checks existed.

    ``reviewed`` (one date, meaning "someone checked") becomes the staff review
    date; ``check_locally`` lines become staff check items about no particular
    field, so an old spreadsheet or form still loads and nothing reaches citizens.
    """
    if not isinstance(data, dict) or not ({"reviewed", "check_locally"} & data.keys()):
        return data
    data = dict(data)
    reviewed = data.pop("reviewed", None)
    if reviewed and not data.get("reviewed_on"):
        data["reviewed_on"] = reviewed
    legacy = data.pop("check_locally", None) or []
    if isinstance(legacy, list) and legacy:
        current = list(data.get("verify") or [])
        known = {v.get("what") if isinstance(v, dict) else None for v in current}
        current += [{"field": "other", "what": line} for line in legacy if line not in known]
        data["verify"] = current
    return data


class Topic(_Strict):
    """One procedure or utility, as a citizen would ask about it.

    ``fee``, ``processing_time`` and ``summary`` hold the *regular* text. One
    may be left empty only when a dated text covers it: outside that text's
    dates the answer then says to ask before filing instead of showing a figure.
    """

    id: Slug
    title: Text
    category: Slug
    summary: str = Field(max_length=2000)
    online: OnlineLevel
    where: list[Place] = Field(min_length=1)
    steps: list[Text] = Field(min_length=1)
    documents: list[Text] = Field(default_factory=list)
    fee: str = Field(max_length=2000)
    processing_time: str = Field(max_length=2000)
    legal_basis: list[Text] = Field(min_length=1)
    sources: list[HttpUrl] = Field(min_length=1)
    sources_checked: YearMonth | None = None
    reviewed_by: str = Field(default="", max_length=80)
    reviewed_on: dt.date | None = None
    questions: list[Text] = Field(min_length=MIN_QUESTIONS)
    keywords: list[Text] = Field(default_factory=list)
    related: list[Slug] = Field(default_factory=list)
    notes: list[Text] = Field(default_factory=list)
    dated: list[Dated] = Field(default_factory=list)
    verify: list[Verify] = Field(default_factory=list)
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    validity_source: HttpUrl | None = None

    @model_validator(mode="before")
    @classmethod
    def _accept_legacy(cls, data: Any) -> Any:
        return _legacy_keys(data)

    @property
    def reviewed(self) -> dt.date:
        """The last time anyone checked this entry: a staff review, else the sources' month.

        Staleness is measured from this date; a staff review always counts,
        and without one the entry is only as fresh as its sources.
        """
        checked = sources_checked_date(self.sources_checked)
        if self.reviewed_on and (checked is None or self.reviewed_on >= checked):
            return self.reviewed_on
        return checked or dt.date.min

    def open_checks(self) -> list[Verify]:
        return [v for v in self.verify if v.open]

    @field_validator("questions")
    @classmethod
    def _distinct_questions(cls, questions: list[str]) -> list[str]:
        seen: set[str] = set()
        for q in questions:
            key = re.sub(r"\s+", " ", q.lower())
            if key in seen:
                raise ValueError(f"câu hỏi bị lặp: {q!r}")
            seen.add(key)
        return questions

    @model_validator(mode="after")
    def _online_has_online_place(self) -> Topic:
        if self.online in {OnlineLevel.FULL, OnlineLevel.PARTIAL} and not any(
            p.channel.is_online for p in self.where
        ):
            raise ValueError("online là full/partial nhưng 'where' không có kênh trực tuyến")
        if self.id in self.related:
            raise ValueError("related không được chứa chính chủ đề này")
        if self.sources_checked is None and self.reviewed_on is None:
            raise ValueError("cần ghi sources_checked (nguồn đã đối chiếu đến tháng nào, "
                             "dạng 2026-03) hoặc reviewed_on (ngày cán bộ kiểm tra)")
        if self.reviewed_by and self.reviewed_on is None:
            raise ValueError("có reviewed_by thì phải có reviewed_on (ngày kiểm tra)")
        dated_single = {d.field.value for d in self.dated if d.field.is_single}
        for name in ("summary", "fee", "processing_time"):
            if not getattr(self, name) and name not in dated_single:
                raise ValueError(f"'{name}' để trống: chỉ được để trống khi có một mục "
                                 f"'dated' cho {name}")
        if (self.valid_from or self.valid_until) and self.validity_source is None:
            raise ValueError("có valid_from/valid_until thì phải có validity_source (nguồn)")
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValueError("valid_until phải sau valid_from")
        return self


def sources_checked_date(value: str | None) -> dt.date | None:
    """The last day of a ``YYYY-MM`` month: sources checked "up to March" cover March."""
    if not value:
        return None
    year, month = (int(x) for x in value.split("-"))
    first_next = dt.date(year + month // 12, month % 12 + 1, 1)
    return first_next - dt.timedelta(days=1)


class Category(_Strict):
    """A menu group of topics."""

    id: Slug
    label: Text
    icon: str = ""


class CommuneProfile(_Strict):
    """The local layer: another commune adopts the bot by editing this one file.

    Empty fields are allowed on purpose: an answer leaves out a detail nobody
    could source instead of showing a made-up address, hour or phone number.
    """

    name: Text
    province: str = ""
    centre_name: str = ""
    centre_address: str = ""
    opening_hours: str = ""
    hotline: str = ""
    email: str = ""
    website: HttpUrl | None = None
    provincial_portal_url: HttpUrl | None = None
    police_post: str = ""
    police_phone: str = ""
    notes: list[str] = Field(default_factory=list)
    sources: list[HttpUrl] = Field(default_factory=list)
    reviewed: dt.date | None = None
    # Thôn / tổ dân phố a subscriber may pick for local news (empty: not asked).
    areas: list[str] = Field(default_factory=list)

    def missing_fields(self) -> list[str]:
        """Fields left empty; `kb validate` shows them as warnings."""
        optional = ["province", "centre_name", "centre_address", "opening_hours", "hotline",
                    "email", "website", "provincial_portal_url", "police_post", "police_phone"]
        return [name for name in optional if not getattr(self, name)]
