"""The shape of the knowledge base.

Every fact a citizen reads comes from these models, so validation is strict: a
topic without a source, a review date or enough example questions is rejected
rather than served half-checked.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated

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


class Topic(_Strict):
    """One procedure or utility, as a citizen would ask about it."""

    id: Slug
    title: Text
    category: Slug
    summary: Text
    online: OnlineLevel
    where: list[Place] = Field(min_length=1)
    steps: list[Text] = Field(min_length=1)
    documents: list[Text] = Field(default_factory=list)
    fee: Text
    processing_time: Text
    legal_basis: list[Text] = Field(min_length=1)
    sources: list[HttpUrl] = Field(min_length=1)
    reviewed: dt.date
    questions: list[Text] = Field(min_length=MIN_QUESTIONS)
    keywords: list[Text] = Field(default_factory=list)
    related: list[Slug] = Field(default_factory=list)
    notes: list[Text] = Field(default_factory=list)
    check_locally: list[Text] = Field(default_factory=list)

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
        return self


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
