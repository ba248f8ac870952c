from knowledge.normalize import Normalizer
from knowledge.repair import Repairer

VOCAB = ["thu", "tuc", "dang", "ky", "ket", "hon", "le", "phi", "bao", "nhieu", "tam", "tru",
         "can", "cuoc", "khai", "sinh", "chung", "thuc"]


def test_telex_and_vni_residue_is_repaired_to_known_words() -> None:
    r = Repairer(VOCAB)
    assert [r.repair_word(w) for w in ["thur", "tucj", "ddawng", "kys", "ketes", "nhieeu"]] == \
        ["thu", "tuc", "dang", "ky", "ket", "nhieu"]
    assert [r.repair_word(w) for w in ["thu3", "tuc5", "cuoc1"]] == ["thu", "tuc", "cuoc"]


def test_typos_of_long_words_are_fixed_only_when_unambiguous() -> None:
    r = Repairer(VOCAB)
    assert r.repair_word("sinhh") == "sinh"
    assert r.repair_word("chungg") == "chung"
    assert r.repair_word("xyzw") is None


def test_known_words_and_numbers_are_never_changed() -> None:
    r = Repairer(VOCAB)
    assert r.repair_word("tam") is None and r.repair_word("2025") is None


def test_repair_only_touches_unaccented_unknown_tokens() -> None:
    r = Repairer(VOCAB)
    norm = Normalizer.from_directory().normalize("thur tucj dang kys tạm trú")
    assert r.repair(norm).folded == "thu tuc dang ky tam tru"
