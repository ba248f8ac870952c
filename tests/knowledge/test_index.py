"""A knowledge version's normalised texts: every field once, the summary only as words."""

from __future__ import annotations

from knowledge.service import KnowledgeService


def test_examples_are_each_topics_title_keywords_and_questions(
        knowledge: KnowledgeService) -> None:
    snap = knowledge.current
    index = snap.index
    assert index.topic_ids == tuple(snap.kb.topics)
    for topic_id, topic in snap.kb.topics.items():
        fields = [e.field for e in index.examples[topic_id]]
        assert fields.count("title") == 1
        assert fields.count("keywords") == len(topic.keywords)
        assert fields.count("questions") == len(topic.questions)
        assert "summary" not in fields
        assert all(e.topic_id == topic_id and e.folded == e.folded.lower()
                   for e in index.examples[topic_id])


def test_vocabulary_is_folded_and_includes_the_summaries(knowledge: KnowledgeService) -> None:
    snap = knowledge.current
    index = snap.index
    summary_words = {t.folded for topic in snap.kb.topics.values()
                     for t in index.normalizer.normalize(topic.summary).tokens}
    assert summary_words <= index.vocabulary
    assert "can" in index.vocabulary and "căn" not in index.vocabulary
