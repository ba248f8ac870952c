""""Hỏi cán bộ" with nobody to answer by message: an honest reply, never an empty card."""

from __future__ import annotations

from handlers import texts
from handlers.messages import BlockKind
from handlers.render import no_staff_blocks
from knowledge.schema import CommuneProfile


def _text(blocks: tuple) -> str:
    return "\n".join(f"{b.label}: {b.text}" if b.label else b.text for b in blocks)


def test_without_any_contact_says_so_and_sends_to_the_centre() -> None:
    commune = CommuneProfile(name="Phủ Thông")
    blocks = no_staff_blocks(commune)
    text = _text(blocks)
    assert blocks[0].text == texts.HANDOFF_NOBODY
    assert ("Bạn có thể đến hỏi trực tiếp cán bộ tại Trung tâm Phục vụ hành chính công xã "
            "Phủ Thông trong giờ làm việc.") in text
    assert not any(b.kind is BlockKind.TITLE for b in blocks)  # no "Liên hệ" card to nowhere
    assert not any(b.kind is BlockKind.FIELD for b in blocks)


def test_address_and_hours_once_known_are_in_the_visit_line() -> None:
    commune = CommuneProfile(name="Phủ Thông", centre_address="Thôn Nà Phầy",
                             opening_hours="Sáng 7h30–11h30, chiều 13h30–17h, thứ 2 đến thứ 6")
    visit = no_staff_blocks(commune)[1].text
    assert visit == ("Bạn có thể đến hỏi trực tiếp cán bộ tại Trung tâm Phục vụ hành chính công "
                     "xã Phủ Thông, địa chỉ: Thôn Nà Phầy (giờ làm việc: Sáng 7h30–11h30, "
                     "chiều 13h30–17h, thứ 2 đến thứ 6).")


def test_with_a_phone_the_contact_card_follows() -> None:
    commune = CommuneProfile(name="Phủ Thông", hotline="0209 3 876 543")
    blocks = no_staff_blocks(commune)
    assert blocks[0].text == texts.HANDOFF_NO_STAFF
    assert any(b.kind is BlockKind.FIELD and b.text == "0209 3 876 543" for b in blocks)
    assert texts.HANDOFF_NOBODY not in _text(blocks)


def test_the_chosen_commune_names_the_provincial_portal_and_police_post() -> None:
    import datetime as dt

    from handlers.render import topic_blocks
    from knowledge.loader import load_directory

    kb = load_directory()
    commune = CommuneProfile(name="Phủ Thông", province="Thái Nguyên",
                             police_post="Công an xã Phủ Thông", police_phone="0209 111 222",
                             provincial_portal_url="https://dichvucong.thainguyen.gov.vn")
    where = {b.label: b.items for b in topic_blocks(kb.topics["ket-hon"], commune,
                                                     dt.date(2026, 12, 2))}[texts.LABEL_WHERE]
    portal = next(line for line in where if line.startswith("🌐 Cổng dịch vụ công của tỉnh"))
    assert portal.startswith("🌐 Cổng dịch vụ công của tỉnh (tỉnh Thái Nguyên)")
    assert portal.endswith(": https://dichvucong.thainguyen.gov.vn/")
    police_topic = next(t for t in kb.topics.values()
                        if any(p.channel.value == "police" for p in t.where))
    lines = {b.label: b.items for b in topic_blocks(police_topic, commune,
                                                     dt.date(2026, 12, 2))}[texts.LABEL_WHERE]
    assert any("(Công an xã Phủ Thông; 0209 111 222)" in line for line in lines)
