import unicodedata

import pytest

from knowledge.vietnamese import clean, fold, has_diacritics, normalise_tones, place_tone, words


def test_clean_makes_nfc_and_drops_invisible_and_bidi_characters() -> None:
    raw = unicodedata.normalize("NFD", "Hoà\u200b bình\u202e  quý\ufeff khách\x07")
    assert clean(raw) == "Hoà bình quý khách"
    assert clean(raw) == unicodedata.normalize("NFC", clean(raw))


def test_fold_removes_every_mark_including_d_stroke() -> None:
    assert fold("Đăng ký thường trú ở đâu") == "Dang ky thuong tru o dau"
    assert has_diacritics("ở") and not has_diacritics("o dau")


@pytest.mark.parametrize(
    ("old", "new"),
    [("hoà", "hòa"), ("thuý", "thúy"), ("khoẻ", "khỏe"), ("loè", "lòe"), ("thoả", "thỏa")],
)
def test_old_and_new_tone_placement_meet(old: str, new: str) -> None:
    assert place_tone(old) == place_tone(new)


@pytest.mark.parametrize("word", ["quý", "hoàn", "giữa", "người", "chuyện", "quyền", "giấy",
                                  "tuổi", "của", "gì", "khuya", "nghiêng", "ở"])
def test_tone_placement_keeps_correct_words(word: str) -> None:
    assert place_tone(word) == word


def test_normalise_tones_applies_per_word() -> None:
    assert normalise_tones("sức khoẻ hoà thuận") == normalise_tones("sức khỏe hòa thuận")


def test_words_keep_one_letter_syllables_and_numbers() -> None:
    expected = ["nộp", "ở", "đâu", "hạng", "A1", "năm", "2025"]
    assert words("nộp ở đâu, hạng A1 năm 2025?") == expected
