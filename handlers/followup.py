"""Wording and choices of the uptake follow-up ("Bạn đã làm được … trực tuyến chưa?").

Pure reply builders; the runtime decides when to offer, schedule and send.
Action strings stay short to fit Telegram's 64-byte callback data:
``fu:y:<topic>`` / ``fu:n:<topic>`` answer the offer, ``fa:<code>:<topic>``
answers the follow-up itself.
"""

from __future__ import annotations

from handlers.messages import Block, BlockKind, Choice, Reply, ReplyKind

OFFER_TEXT = (
    "Mình có thể nhắn hỏi lại bạn sau {days} ngày xem bạn đã làm được thủ tục này trực "
    "tuyến chưa, để hỗ trợ thêm nếu cần. Bạn có đồng ý không?"
)
OFFER_YES = "Đồng ý, nhắc tôi"
OFFER_NO = "Không, cảm ơn"
ACCEPTED = (
    "Cảm ơn bạn! Khoảng {days} ngày nữa mình sẽ hỏi lại. Bạn có thể nhắn “dừng nhắc” bất cứ "
    "lúc nào."
)
DECLINED = "Dạ, mình sẽ không nhắc lại. Chúc bạn làm thủ tục thuận lợi!"
QUESTION = "Bạn đã làm được thủ tục “{title}” trực tuyến chưa?"
ANSWERS = {
    "on": ("online", "Đã làm trực tuyến"),
    "ip": ("in_person", "Đã làm trực tiếp"),
    "ny": ("not_yet", "Chưa làm"),
    "hd": ("difficulty", "Gặp khó khăn"),
}
THANKS = {
    "online": "Tuyệt vời, cảm ơn bạn đã làm trực tuyến! Bạn hãy giới thiệu cho người thân nhé.",
    "in_person": "Cảm ơn bạn đã cho biết. Lần sau bạn thử làm trực tuyến để đỡ đi lại nhé.",
    "not_yet": "Cảm ơn bạn. Khi cần, bạn cứ nhắn lại để xem hướng dẫn.",
    "difficulty": "Rất tiếc bạn gặp khó khăn. Bạn có thể hỏi trực tiếp cán bộ xã để được giúp:",
}
STOP_WORDS = frozenset({"dung nhac", "huy nhac", "khong nhac nua", "stop"})


def offer_block(days: int) -> Block:
    return Block(BlockKind.PARAGRAPH, text=OFFER_TEXT.format(days=days))


def offer_choices(topic_id: str) -> tuple[Choice, ...]:
    return (Choice(OFFER_YES, f"fu:y:{topic_id}"), Choice(OFFER_NO, f"fu:n:{topic_id}"))


def offer_answered(accepted: bool, days: int) -> Reply:
    text = ACCEPTED.format(days=days) if accepted else DECLINED
    return Reply(ReplyKind.FEEDBACK, (Block(BlockKind.PARAGRAPH, text=text),),
                 (Choice("📋 Danh mục", "menu"),))


def question(topic_id: str, title: str) -> Reply:
    """The follow-up a channel pushes when it is due."""
    choices = tuple(Choice(label, f"fa:{code}:{topic_id}") for code, (_, label) in ANSWERS.items())
    return Reply(ReplyKind.INFO, (Block(BlockKind.PARAGRAPH, text=QUESTION.format(title=title)),),
                 choices, topic_id)


def answer_code(code: str) -> str | None:
    entry = ANSWERS.get(code)
    return entry[0] if entry else None


def answered(answer: str, topic_id: str) -> Reply:
    choices: tuple[Choice, ...] = (Choice("📋 Danh mục", "menu"),)
    if answer == "difficulty":
        choices = (Choice("🙋 Hỏi cán bộ", f"handoff:{topic_id}"), *choices)
    return Reply(ReplyKind.FEEDBACK, (Block(BlockKind.PARAGRAPH, text=THANKS[answer]),),
                 choices, topic_id)
