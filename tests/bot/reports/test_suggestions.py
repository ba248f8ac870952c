from __future__ import annotations

import dataclasses

from bot.reports.gaps import uptake_gaps
from bot.reports.grouping import QuestionGroup
from bot.reports.model import TopicWeek, compute_week
from bot.reports.suggestions import MAX_SUGGESTIONS, suggest
from tests.bot.reports.conftest import WEEK


def run(stats):
    ranked, unknown = uptake_gaps(stats.topics)
    return suggest(stats, ranked, unknown)


def test_uptake_gap_suggestion_names_demand_and_follow_up_evidence(stats):
    text = " ".join(run(stats))
    # khai-sinh: 4 questions, 1 of 5 follow-up answers online.
    assert "4 câu hỏi về “Liên thông khai sinh” nhưng chỉ 1/5 người được hỏi lại" in text
    # can-cuoc: official figures, 25% online.
    assert "3 câu hỏi về “Cấp thẻ căn cước” nhưng chỉ 25% hồ sơ được nộp trực tuyến" in text


def test_knowledge_gap_and_stale_suggestions(stats):
    text = " ".join(run(stats))
    # Nothing came close (fallbacks): the action is a new topic or "out of scope".
    assert ("2 câu hỏi giống “đăng ký xe máy điện ở đâu” chưa có chủ đề nào trả lời — nên "
            "thêm chủ đề mới nếu xã hướng dẫn việc này; nếu không, đánh dấu “ngoài phạm vi”."
            ) in text
    assert "“Giờ làm việc của xã” và 1 chủ đề khác chưa được rà soát từ 31/12/2025" in text


def test_unhelpful_answers_and_difficulties_need_enough_evidence(stats):
    text = " ".join(run(stats))
    assert "hữu ích — nên viết lại" not in text  # khai-sinh 2/3 helpful is fine
    assert "gặp khó khăn" not in text  # a single difficulty is not a pattern
    busy = dataclasses.replace(
        stats.topics[0], helpful=1, not_helpful=4,
        followups={"online": 0, "in_person": 0, "not_yet": 0, "difficulty": 3})
    text = " ".join(run(dataclasses.replace(stats, topics=(busy, *stats.topics[1:]))))
    assert "“Liên thông khai sinh” chỉ được 1/5 lượt đánh giá là hữu ích" in text
    assert "3 người gặp khó khăn khi làm “Liên thông khai sinh”" in text


def test_missing_outcome_data_prompts_an_import(stats):
    unknown_topic = TopicWeek("dang-ky-xe", "Đăng ký xe", "transport", "partial", questions=7)
    text = " ".join(run(dataclasses.replace(stats, topics=(*stats.topics, unknown_topic))))
    assert "7 câu hỏi về “Đăng ký xe” nhưng chưa biết bao nhiêu người đã làm trực tuyến" in text


def test_suggestions_are_capped(stats):
    groups = tuple(QuestionGroup(f"câu hỏi {i}", 5, f"cau hoi {i}") for i in range(10))
    assert len(run(dataclasses.replace(stats, unanswered=groups))) <= MAX_SUGGESTIONS


def test_empty_week_suggests_introducing_the_bot():
    stats = compute_week([], [], [], [], [], WEEK)
    assert run(stats) == [
        "Tuần này chưa có ai hỏi trợ lý — nên giới thiệu trợ lý (mã QR, số Zalo) trong buổi "
        "họp thôn/phố và tại Bộ phận một cửa."
    ]


def test_dated_facts_and_open_checks_come_first_with_a_frozen_clock(stats):
    import datetime as dt

    from bot.reports.suggestions import upkeep
    from knowledge.loader import load_directory

    topics = list(load_directory().topics.values())
    before = upkeep(topics, dt.date(2026, 12, 10))  # the fee cuts end on 31/12/2026
    assert any(line.startswith("Trong 30 ngày tới: lệ phí của") and "31/12/2026" in line
               for line in before)
    assert any("việc cần xác minh" in line and "“Cần xác minh”" in line for line in before)
    assert not any("đã hết hạn" in line for line in before)
    after = upkeep(topics, dt.date(2027, 1, 5))
    assert not any("31/12/2026" in line and "Trong 30 ngày" in line for line in after)
    ranked, unknown = uptake_gaps(stats.topics)
    actions = suggest(stats, ranked, unknown, upkeep=before)
    assert actions[: len(before)] == before and len(actions) <= MAX_SUGGESTIONS


def test_an_expired_figure_with_nothing_behind_it_is_named_first():
    import datetime as dt

    from bot.reports.suggestions import upkeep
    from knowledge.loader import load_directory
    from knowledge.schema import Topic

    kb = load_directory()
    doc = dict(kb.documents.topics["topics/ho-chieu.yaml"])
    doc["fee"] = ""  # nobody knows the regular fee: only the dated cut was ever entered
    topic = Topic.model_validate(doc)
    [first, *_] = upkeep([topic], dt.date(2027, 1, 5))
    assert first.startswith("Lệ phí của “") and "đã hết hạn từ 31/12/2026" in first
    assert "người dân đang được bảo hỏi lại ở xã" in first


def test_a_group_the_matcher_came_close_on_asks_for_an_example(stats):
    near = dataclasses.replace(stats.unanswered[0], near_topic="khai-sinh")
    text = " ".join(run(dataclasses.replace(stats, unanswered=(near,))))
    assert "nên thêm câu này làm câu hỏi mẫu cho chủ đề đó" in text
    assert "“Liên thông khai sinh”" in text and "chủ đề mới" not in text


def test_groups_marked_out_of_scope_are_never_proposed(stats):
    marked = stats.without({stats.unanswered[0].members[0]})
    assert marked.out_of_scope == stats.unanswered[0].count
    assert stats.unanswered[0] not in marked.unanswered
    text = " ".join(run(marked))
    assert stats.unanswered[0].example not in text
