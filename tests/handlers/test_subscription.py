"""The subscription wording and parsing (pure)."""

from __future__ import annotations

from handlers import subscription as sub


def test_stop_and_subscribe_words_with_or_without_diacritics() -> None:
    for text in ("Dừng nhận tin", "dung nhan tin", "  HỦY NHẬN TIN! ", "không nhận tin nữa"):
        assert sub.is_stop(text), text
    for text in ("Nhận tin từ xã", "nhan tin tu xa.", "đăng ký nhận tin"):
        assert sub.is_subscribe(text), text
    for text in ("nhắn tin", "dừng nhắc", "thủ tục nhận tin nhắn otp"):
        assert not sub.is_stop(text) and not sub.is_subscribe(text), text


def test_campaign_tap_is_parsed_strictly() -> None:
    assert sub.campaign_tap("cp:12:khai-sinh") == (12, "khai-sinh")
    for action in ("cp:x:khai-sinh", "cp:12:", "cp:12:Khai Sinh", "topic:khai-sinh"):
        assert sub.campaign_tap(action) is None


def test_announcement_has_the_stop_hint_and_at_most_one_guide() -> None:
    plain = sub.announcement("Thứ Bảy làm VNeID.", 3, None)
    assert plain.choices == () and sub.STOP_HINT in [b.text for b in plain.blocks]
    linked = sub.announcement("Thứ Bảy làm VNeID.", 3, "khai-sinh", "Khai sinh")
    assert [c.action for c in linked.choices] == ["cp:3:khai-sinh"]


def test_thon_choices_only_when_the_commune_lists_them() -> None:
    assert [c.action for c in sub.subscribed([]).choices] == ["menu"]
    actions = [c.action for c in sub.subscribed(["Thôn A", "Thôn B"]).choices]
    assert actions == ["sub:a:0", "sub:a:1", "sub:a:-"]

