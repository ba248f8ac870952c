from __future__ import annotations

import itertools

from bot.reports.grouping import QuestionGroup, comparable, content_words, group_questions


def triples(*texts: str, unanswered: bool = True) -> list[tuple[str, str, bool]]:
    return [(t, t, unanswered) for t in texts]


def test_comparable_and_content_words():
    assert comparable("Làm SỔ ĐỎ ở đâu?") == "lam so do o dau"
    assert content_words("lam so do o dau") == "so do"


def test_similar_wordings_share_a_group_with_one_example():
    groups = group_questions(triples(
        "đăng ký xe máy điện ở đâu", "dang ky xe may dien o dau vay",
        "xe máy điện có phải đăng ký không", "đăng ký xe máy điện ở đâu",
        "làm sổ đỏ ở đâu", "lam so do mat bao lau",
    ))
    assert [(g.count, g.example) for g in groups] == [
        (4, "đăng ký xe máy điện ở đâu"),
        (2, "làm sổ đỏ ở đâu"),
    ]
    assert groups[0].sample == "dang ky xe may dien o dau"


def test_question_fillers_do_not_make_different_topics_alike():
    groups = group_questions(triples("làm sổ đỏ ở đâu", "làm giấy khai sinh ở đâu",
                                     "đăng ký kết hôn ở đâu", "đăng ký xe máy điện ở đâu"))
    assert len(groups) == 4


def test_a_single_content_word_only_joins_an_identical_question():
    groups = group_questions(triples("giấy", "giấy phép xây dựng nhà", "Giấy?"))
    assert sorted(g.count for g in groups) == [1, 2]


def test_grouping_is_deterministic_whatever_the_order():
    texts = ["trợ cấp người cao tuổi", "tro cap nguoi gia 80 tuoi", "lương hưu khi nào có",
             "hỏi về lương hưu", "cấp lại bằng tốt nghiệp", "đổi tên cho con",
             "thủ tục đổi tên cho con thế nào"]
    results = {tuple(group_questions(triples(*perm)))
               for perm in itertools.islice(itertools.permutations(texts), 200)}
    assert len(results) == 1


def test_unanswered_counts_and_empty_texts():
    items = [("đổi tên cho con", "đổi tên cho con", True),
             ("doi ten cho con", "doi ten cho con", False),
             ("", "", True), ("  ?! ", "?!", True)]
    assert group_questions(items) == [QuestionGroup("đổi tên cho con", 2, "doi ten cho con", 1)]


def test_example_prefers_accented_wording_on_a_tie():
    groups = group_questions(triples("so do cap lan dau", "sổ đỏ cấp lần đầu"))
    assert groups[0].example == "sổ đỏ cấp lần đầu"
