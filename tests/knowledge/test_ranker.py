"""The ranker's evidence: what the answer decision weighs besides the scores."""

from __future__ import annotations

from knowledge.ranker import EVIDENCE, Ranker

TEXTS = ["dang ky thuong tru", "nhap khau cho con vao nha ong ba", "chuyen ho khau ve que",
         "dang ky tam tru", "o tro thi khai bao cu tru the nao", "thue nha o tinh khac"]
LABELS = ["thuong-tru"] * 3 + ["tam-tru"] * 3
NAMES = [True, False, False, True, False, False]  # the titles, then example questions


def named(ranker: Ranker, question: str) -> tuple[str, float, float]:
    ranked = ranker.rank(question)
    evidence = dict(zip(EVIDENCE, ranked.evidence, strict=True))
    return ranker.topic_ids[ranked.order[0]], evidence["named"], evidence["named_second"]


def test_a_question_holding_a_topics_title_says_so_in_its_evidence() -> None:
    ranker = Ranker(TEXTS, LABELS, ["thuong-tru", "tam-tru"], names=NAMES)
    assert named(ranker, "dang ky thuong tru o dau") == ("thuong-tru", 1.0, 0.0)
    # Both topics named: the runner-up's name counts as well.
    _, first_named, second_named = named(ranker, "dang ky thuong tru hay dang ky tam tru")
    assert (first_named, second_named) == (1.0, 1.0)
    # The same words in an example question are not a name.
    assert named(ranker, "nhap khau cho con")[1:] == (0.0, 0.0)


def test_without_names_nothing_is_named() -> None:
    ranker = Ranker(TEXTS, LABELS, ["thuong-tru", "tam-tru"])
    assert named(ranker, "dang ky thuong tru o dau")[1:] == (0.0, 0.0)


def test_a_training_text_of_one_topic_is_known_word_for_word() -> None:
    texts = [*TEXTS, "thu tuc cu tru", "thu tuc cu tru", "gia vang hom nay"]
    labels = [*LABELS, "thuong-tru", "tam-tru", "_off_topic"]
    ranker = Ranker(texts, labels, ["thuong-tru", "tam-tru"])
    assert ranker.known("nhap khau  cho con vao nha ong ba") == 0
    assert ranker.known("thue nha o tinh khac") == 1
    assert ranker.known("thue nha o tinh khac khong") is None  # not word for word
    assert ranker.known("thu tuc cu tru") is None  # two topics own it
    assert ranker.known("gia vang hom nay") is None  # off-topic is not a topic
