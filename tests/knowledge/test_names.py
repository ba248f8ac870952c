"""Finding topic names (titles, keywords) in a question, word for word."""

from __future__ import annotations

from knowledge.names import Names

NAMES = Names([("dang ky thuong tru", "thuong-tru"), ("thuong tru", "thuong-tru"),
               ("so do", "so-do"), ("chung thuc ban sao", "ban-sao"),
               ("tam tru", "tam-tru")])


def test_every_name_the_question_holds_is_found_with_its_topics() -> None:
    found = NAMES.find("chung thuc ban sao so do o xa".split())
    assert found == {"chung thuc ban sao": frozenset({"ban-sao"}),
                     "so do": frozenset({"so-do"})}


def test_a_name_inside_a_longer_one_is_found_too_and_the_longest_counts() -> None:
    found = NAMES.find("muon dang ky thuong tru cho con".split())
    assert set(found) == {"dang ky thuong tru", "thuong tru"}
    assert Names.longest(found, "thuong-tru") == 4
    assert Names.longest(found, "tam-tru") == 0


def test_words_that_only_start_a_name_name_nothing() -> None:
    assert NAMES.find("chung thuc ban chinh".split()) == {}
    assert NAMES.find("dang ky".split()) == {}
    assert NAMES.find([]) == {}
