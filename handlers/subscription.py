"""Wording and choices of "Nhận tin từ xã" (news from the commune), with consent.

Pure reply builders and the parsing of the citizen's words; the runtime
(:mod:`bot.outreach.consent`) decides when to offer and stores the answer.
Actions (short, to fit Telegram's 64-byte callback data):

* ``sub`` asks; ``sub:y`` / ``sub:n`` answer; ``sub:a:<n>`` picks the n-th thôn of the
  commune profile (``sub:a:-`` skips); ``sub:x`` stops;
* ``cp:<campaign>:<topic>`` is a campaign's "Xem hướng dẫn": it opens the topic
  (like ``topic:<topic>``) and counts the tap.
"""

from __future__ import annotations

import re

from handlers.messages import Block, BlockKind, Choice, Reply, ReplyKind
from knowledge.vietnamese import fold

BUTTON_SUBSCRIBE = "📢 Nhận tin từ xã"
ASK = (
    "Xã có thể gửi cho bạn thông báo ngắn về dịch vụ công (ví dụ: ngày đăng ký định danh "
    "mức 2, thủ tục mới làm trực tuyến). Mỗi tháng chỉ vài tin. Bạn có muốn nhận không?"
)
OFFER = "Bạn có muốn nhận thông báo ngắn của xã về dịch vụ công không? Mỗi tháng chỉ vài tin."
YES = "Có, tôi muốn nhận"
NO = "Không, cảm ơn"
SUBSCRIBED = "Cảm ơn bạn! Từ nay xã sẽ gửi tin cho bạn. Muốn dừng, bạn nhắn “dừng nhận tin”."
ASK_AREA = "Bạn ở thôn/tổ nào? (để nhận tin riêng của nơi mình; có thể bỏ qua)"
SKIP_AREA = "Bỏ qua"
AREA_SET = "Đã ghi nhận bạn ở {area}. Muốn dừng nhận tin, bạn nhắn “dừng nhận tin”."
DECLINED = "Dạ, xã sẽ không gửi tin cho bạn. Khi cần, bạn chọn “Nhận tin từ xã” trong danh mục."
STOPPED = "Đã dừng. Xã sẽ không gửi tin cho bạn nữa. Muốn nhận lại, bạn chọn “Nhận tin từ xã”."
NOT_SUBSCRIBED = "Bạn chưa đăng ký nhận tin nên xã không gửi tin nào cho bạn."
WEB_CANNOT_PUSH = (
    "Trang web này không gửi tin cho bạn được. Để nhận tin của xã, bạn nhắn “Nhận tin từ xã” "
    "cho trợ lý trên Zalo hoặc Telegram nhé."
)
GROUP_CHAT = ("Để nhận tin của xã, bạn nhắn riêng cho trợ lý (không phải trong nhóm) "
              "“Nhận tin từ xã” nhé.")
UNAVAILABLE = "Xin lỗi, lúc này chưa đăng ký nhận tin được. Bạn thử lại sau ít phút nhé."
SEE_GUIDE = "📖 Xem hướng dẫn"
STOP_HINT = "Nhắn “dừng nhận tin” để không nhận tin nữa."
BUTTON_MENU = "📋 Danh mục"

SUBSCRIBE_WORDS = frozenset({"nhan tin tu xa", "dang ky nhan tin", "nhan tin cua xa",
                             "nhan thong bao"})
STOP_WORDS = frozenset({"dung nhan tin", "huy nhan tin", "khong nhan tin nua",
                        "thoi nhan tin", "dung nhan thong bao"})
_CAMPAIGN_TAP = re.compile(r"^cp:(\d{1,9}):([a-z0-9-]+)$")


def _folded(text: str) -> str:
    return " ".join(fold(text.lower()).split()).strip(" .!?")


def is_stop(text: str) -> bool:
    return _folded(text) in STOP_WORDS


def is_subscribe(text: str) -> bool:
    return _folded(text) in SUBSCRIBE_WORDS


def campaign_tap(action: str) -> tuple[int, str] | None:
    """(campaign id, topic id) of a campaign button, else None."""
    match = _CAMPAIGN_TAP.match(action)
    return (int(match.group(1)), match.group(2)) if match else None


def _reply(text: str, choices: tuple[Choice, ...] = (Choice(BUTTON_MENU, "menu"),)) -> Reply:
    return Reply(ReplyKind.INFO, (Block(BlockKind.PARAGRAPH, text=text),), choices)


def consent_choices() -> tuple[Choice, ...]:
    return (Choice(YES, "sub:y"), Choice(NO, "sub:n"))


def ask() -> Reply:
    return _reply(ASK, consent_choices())


def offer_block() -> Block:
    return Block(BlockKind.PARAGRAPH, text=OFFER)


def subscribed(areas: tuple[str, ...] | list[str]) -> Reply:
    """The thank-you; with the commune's thôn list, the question where they live."""
    if not areas:
        return _reply(SUBSCRIBED)
    choices = tuple(Choice(area, f"sub:a:{i}") for i, area in enumerate(areas[:30]))
    blocks = (Block(BlockKind.PARAGRAPH, text=SUBSCRIBED),
              Block(BlockKind.PARAGRAPH, text=ASK_AREA))
    return Reply(ReplyKind.INFO, blocks, (*choices, Choice(SKIP_AREA, "sub:a:-")))


def area_set(area: str | None) -> Reply:
    return _reply(AREA_SET.format(area=area) if area else SUBSCRIBED)


def declined() -> Reply:
    return _reply(DECLINED)


def stopped(was_active: bool) -> Reply:
    return _reply(STOPPED if was_active else NOT_SUBSCRIBED)


def web_cannot_push() -> Reply:
    return _reply(WEB_CANNOT_PUSH)


def group_chat() -> Reply:
    return _reply(GROUP_CHAT)


def unavailable() -> Reply:
    return _reply(UNAVAILABLE)


def announcement(body: str, campaign_id: int, topic_id: str | None,
                 topic_title: str | None = None) -> Reply:
    """A campaign as citizens receive it: the text, the optional guide, how to stop."""
    blocks = (Block(BlockKind.PARAGRAPH, text=body), Block(BlockKind.NOTE, text=STOP_HINT))
    choices: tuple[Choice, ...] = ()
    if topic_id:
        label = SEE_GUIDE if not topic_title else f"{SEE_GUIDE}: {topic_title}"
        choices = (Choice(label, f"cp:{campaign_id}:{topic_id}"),)
    return Reply(ReplyKind.INFO, blocks, choices, topic_id)
