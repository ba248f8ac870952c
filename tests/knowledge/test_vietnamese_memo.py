"""fold and place_tone are memoised for short strings: same answers, bounded memory."""

from __future__ import annotations

from knowledge import vietnamese as vn

SAMPLES = ["hoà", "thuý", "Đăng", "ĐĂNG KÝ", "căn cước", "gìn", "quỳ", "a\u0301", "", "x",
           "khuya", "ứng", "12", "hòa" * 20, "đ" * 33, "Nguyễn Thị Hoà " * 5]


def test_memoised_answers_equal_the_computed_ones() -> None:
    for text in SAMPLES * 2:  # the second round is answered from the memo
        assert vn.fold(text) == vn._fold(text)
        assert vn.place_tone(text) == vn._place_tone(text)
    assert vn.fold("hoà") == "hoa" and vn.place_tone("thúy") == vn.place_tone("thuý")


def test_memo_is_bounded_and_skips_long_strings() -> None:
    for memo in (vn._fold_memo, vn._place_tone_memo):
        assert memo.cache_info().maxsize == vn._MEMO_SIZE
    message = "làm căn cước cho con ở đâu " * 10  # a whole message: computed, not kept
    before = vn._fold_memo.cache_info().currsize
    vn.fold(message)
    vn.place_tone(message)
    assert vn._fold_memo.cache_info().currsize == before
    vn.fold("từ-mới-chưa-gặp")
    assert vn._fold_memo.cache_info().currsize == before + 1
