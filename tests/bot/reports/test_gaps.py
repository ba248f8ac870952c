from __future__ import annotations

import pytest

from bot.reports.gaps import MIN_FOLLOWUPS, topic_gap, uptake_gaps
from bot.reports.model import TopicWeek


def topic(topic_id: str, questions: int, *, online: str = "full", followups=None,
          official: tuple[int, int] | None = None) -> TopicWeek:
    return TopicWeek(
        topic_id=topic_id, title=topic_id.upper(), category="x", online=online,
        questions=questions, followups=followups or {},
        official_online=official[0] if official else None,
        official_total=official[1] if official else None,
    )


def test_gap_from_follow_ups_counts_not_yet_and_difficulty_as_not_online():
    gap = topic_gap(topic("a", 10, followups={"online": 1, "in_person": 1, "not_yet": 1,
                                              "difficulty": 1}))
    assert gap.source == "followup"
    assert gap.online_share == pytest.approx(0.25)
    assert (gap.online_done, gap.basis) == (1, 4)
    assert gap.gap == pytest.approx(7.5)


def test_official_figures_win_over_follow_ups():
    gap = topic_gap(topic("a", 20, official=(30, 120), followups={"online": 5}))
    assert gap.source == "official"
    assert gap.online_share == pytest.approx(0.25)
    assert gap.followup_share == pytest.approx(1.0)
    assert gap.gap == pytest.approx(15.0)


def test_too_few_follow_ups_mean_unknown():
    gap = topic_gap(topic("a", 9, followups={"online": 0, "in_person": MIN_FOLLOWUPS - 1}))
    assert (gap.online_share, gap.source, gap.gap) == (None, None, None)


def test_ranking_puts_high_demand_low_online_first_and_skips_offline_topics():
    topics = [
        topic("busy-online", 30, official=(27, 30)),            # gap 3
        topic("busy-offline", 20, official=(2, 20)),            # gap 18
        topic("quiet-offline", 4, followups={"not_yet": 4}),    # gap 4
        topic("tie-more-demand", 8, official=(4, 8)),           # gap 4, more demand
        topic("counter-only", 50, online="none", official=(0, 50)),
        topic("utility", 50, online="info"),
        topic("unasked", 0, official=(0, 10)),
        topic("no-data", 12, online="partial"),
        topic("no-data-small", 2),
    ]
    ranked, unknown = uptake_gaps(topics)
    assert [g.topic_id for g in ranked] == ["busy-offline", "tie-more-demand", "quiet-offline",
                                            "busy-online"]
    assert [g.topic_id for g in unknown] == ["no-data", "no-data-small"]


def test_hand_built_week_ranking(stats):
    ranked, unknown = uptake_gaps(stats.topics)
    # khai-sinh: 4 questions × (1 − 1/5) = 3.2; can-cuoc: 3 × (1 − 30/120) = 2.25.
    assert [(g.topic_id, round(g.gap, 2)) for g in ranked] == [("khai-sinh", 3.2),
                                                               ("can-cuoc", 2.25)]
    assert unknown == []
