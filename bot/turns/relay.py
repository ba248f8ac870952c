"""A staff member's answer to a handoff case, relayed to the citizen — for every channel.

Channels differ only in how a staff answer is recognised (a reply to the case message on
Telegram, "#HS-0042 …" on Zalo, which has no threads); what happens next and what the
staff member is told is the same everywhere and written here once.
"""

from __future__ import annotations

import logging

from bot.turns.handoff import HandoffService

log = logging.getLogger(__name__)

RELAYED = "✅ Đã gửi câu trả lời tới người dân ({case_no})."
NOT_RELAYED = ("⚠️ Chưa gửi được câu trả lời {case_no} tới người dân (người dân đã chặn bot "
               "hoặc kênh đang lỗi). Bạn thử lại sau nhé.")
UNKNOWN_CASE = "Không tìm thấy hồ sơ {case_no}. Bạn kiểm tra lại mã hồ sơ nhé."


async def relay_staff_answer(service: HandoffService, staff_channel: str, staff_chat: str,
                             case_ref: str, answer: str, staff_name: str, *,
                             case_no: str | None = None) -> str | None:
    """The acknowledgement for the staff chat; None when ``case_ref`` is no case.

    ``case_ref`` is how the channel linked the staff message to its case (the replied-to
    message id on Telegram, the case number on Zalo); ``case_no`` names the case in the
    acknowledgement when the channel already knows it.
    """
    try:
        relayed = await service.relay_staff_reply(staff_channel, staff_chat, case_ref, answer,
                                                  staff_name)
    except Exception as exc:  # HandoffDeliveryError: the citizen is unreachable
        log.warning("staff answer to %s not relayed (%s)", case_no or case_ref,
                    type(exc).__name__)
        return NOT_RELAYED.format(case_no=case_no or "")
    if not relayed:
        return UNKNOWN_CASE.format(case_no=case_no) if case_no else None
    if case_no is None:
        case_no = await service.case_number(staff_channel, staff_chat, case_ref)
    return RELAYED.format(case_no=case_no or "")
