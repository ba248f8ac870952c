"""What a commune still has to fill in before citizens stop hitting dead ends.

One list, three readers: ``citizen-bot prepare`` prints what is missing, the staff
home shows it as a first-run checklist, and the README points to the page that fixes
it. Only gaps a citizen notices are listed (how to reach a person: a phone or e-mail,
the address, the hours, staff chats for "Hỏi cán bộ"); everything else stays with
``kb validate``.
"""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.schema import CommuneProfile

PROFILE_PAGE = "/staff/profile"


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    label: str  # what it is, in a commune official's words
    done: bool
    why: str  # what citizens see while it is missing
    fix: str  # where it is fixed


def checklist(commune: CommuneProfile, *, staff_chats: bool) -> list[ChecklistItem]:
    """The first-run checklist, in the order an official would fill it in."""
    page = "trang cán bộ, mục “Thông tin xã”"
    return [
        ChecklistItem("place", "Xã và tỉnh theo danh mục mới (sau 01/7/2025)",
                      bool(commune.province),
                      "câu trả lời không nói được tỉnh nào, cổng dịch vụ công tỉnh nào", page),
        ChecklistItem("contact", "Số điện thoại hoặc thư điện tử của Trung tâm",
                      bool(commune.hotline or commune.email),
                      "người dân bấm “Liên hệ xã” không có số nào để gọi", page),
        ChecklistItem("address", "Địa chỉ Trung tâm Phục vụ hành chính công",
                      bool(commune.centre_address),
                      "người dân không biết đến đâu để nộp hồ sơ", page),
        ChecklistItem("hours", "Giờ làm việc", bool(commune.opening_hours),
                      "người dân không biết đến lúc nào thì có người tiếp", page),
        ChecklistItem("staff_chats", "Nhóm chat cán bộ cho “Hỏi cán bộ”", staff_chats,
                      "“Hỏi cán bộ” chỉ chỉ đường đến xã, không ai trả lời qua tin nhắn",
                      "người vận hành ghi mã nhóm chat vào STAFF_CHAT_IDS "
                      "(README, mục Telegram và Zalo)"),
    ]


def missing(commune: CommuneProfile, *, staff_chats: bool) -> list[ChecklistItem]:
    return [item for item in checklist(commune, staff_chats=staff_chats) if not item.done]
