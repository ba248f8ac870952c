from knowledge.normalize import Normalizer


def make() -> Normalizer:
    return Normalizer.from_directory()


def folded(text: str) -> str:
    return make().normalize(text).folded


def test_abbreviations_expand_with_or_without_diacritics() -> None:
    assert folded("Làm CCCD ở đâu?") == "lam can cuoc o dau"
    assert folded("lam cccd o dau k") == "lam can cuoc o dau khong"
    assert folded("gks cua be bi mat") == "giay khai sinh cua be bi mat"
    assert folded("gia han bhyt ntn") == "gia han bao hiem y te nhu the nao"


def test_old_terms_keep_the_old_words_and_add_the_new_term() -> None:
    assert folded("sổ hộ khẩu") == "so ho khau xac nhan cu tru"
    assert folded("so ho khau bi mat") == "so ho khau xac nhan cu tru bi mat"
    norm = make().normalize("mất cà vẹt xe")
    assert "giay dang ky xe" in norm.folded
    assert norm.folded_core == "mat ca vet xe"


def test_single_accented_key_does_not_capture_other_tones() -> None:
    # "hông" (southern "không") must not swallow "hỏng" (broken).
    assert folded("thẻ bị hỏng") == "the bi hong"
    assert folded("được hông") == "duoc khong"


def test_accented_flag_and_old_tone_style() -> None:
    n = make()
    assert n.normalize("Hoà bình").tokens == n.normalize("hòa bình").tokens
    assert n.normalize("hoa binh").accented is False
    assert n.normalize("hòa bình").accented is True


def test_empty_and_symbol_only_input() -> None:
    assert make().normalize("").tokens == ()
    assert make().normalize("?!… 👍").tokens == ()


def test_an_old_term_the_examples_use_is_no_longer_expanded() -> None:
    """Three example texts with "sổ đỏ" teach the model the term: its expansion goes; an
    abbreviation and an old term no example uses stay."""
    examples = ["làm lại sổ đỏ", "So do bi mat", "sang tên sổ đỏ ở đâu", "chứng thực bản sao"]
    taught = make().taught_by(examples)
    assert taught.normalize("chứng thực sổ đỏ").folded == "chung thuc so do"
    assert "the can cuoc" in taught.normalize("chứng minh nhân dân").folded
    assert taught.normalize("cccd").folded == "can cuoc"
    assert "giay chung nhan" in make().taught_by(examples[:2]).normalize("sổ đỏ").folded
