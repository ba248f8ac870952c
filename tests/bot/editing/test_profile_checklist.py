"""The first-run checklist: what citizens miss until the commune fills it in."""

from __future__ import annotations

from bot.editing.profile_checklist import checklist, missing
from knowledge.loader import load_directory
from knowledge.schema import CommuneProfile


def test_starter_profile_misses_contact_address_hours_and_staff_chats() -> None:
    commune = load_directory().commune
    keys = [item.key for item in missing(commune, staff_chats=False)]
    assert keys == ["contact", "address", "hours", "staff_chats"]  # province is known


def test_done_when_every_item_is_there() -> None:
    full = CommuneProfile(name="Phủ Thông", province="Thái Nguyên", email="ubnd@example.vn",
                          centre_address="Thôn Nà Phầy", opening_hours="7h30–17h")
    assert missing(full, staff_chats=True) == []
    assert all(item.done for item in checklist(full, staff_chats=True))
    assert [i.key for i in missing(full, staff_chats=False)] == ["staff_chats"]
