"""A knowledge version's texts, normalised once: what the matcher learns and checks.

Per topic, its title, keywords and example questions (accent-folded, with the field they
came from) are the training texts of the topic model (knowledge/matcher.py), the names
that make a generic-looking question specific, and the examples the fuzzy evidence
compares a question with; an example question's ``model`` text also repeats the clause it
asks in (knowledge/emphasis.py). ``vocabulary`` (every folded word of every field, summary
included) lets typo repair tell a known word from an unknown one.

Built once per knowledge version and immutable; a change builds a new one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from knowledge.emphasis import model_text
from knowledge.loader import KnowledgeBase
from knowledge.normalize import Normalizer
from knowledge.schema import Topic


@dataclass(frozen=True, slots=True)
class Example:
    """One sentence of a topic (title, a keyword or an example question), folded, and the
    text the topic model reads for it (the folded text and, for a question, its asking
    clause)."""

    topic_id: str
    folded: str
    field: str
    model: str


class SearchIndex:
    """Immutable once built; a knowledge change builds a new one and swaps it in."""

    def __init__(self, kb: KnowledgeBase, normalizer: Normalizer) -> None:
        self.kb = kb
        self.normalizer = normalizer
        self.topic_ids: tuple[str, ...] = tuple(kb.topics)
        examples: dict[str, tuple[Example, ...]] = {}
        vocabulary: set[str] = set()
        for topic_id in self.topic_ids:
            built = []
            for field, text in _fields(kb.topics[topic_id]):
                norm = normalizer.normalize(text)
                vocabulary.update(t.folded for t in norm.tokens)
                if field == "questions":
                    model = model_text(text, norm.folded,
                                       lambda clause: normalizer.normalize(clause).folded)
                    built.append(Example(topic_id, norm.folded, field, model))
                elif field != "summary":
                    built.append(Example(topic_id, norm.folded, field, norm.folded))
            examples[topic_id] = tuple(built)
        self.examples = examples
        self.vocabulary = frozenset(vocabulary)


def _fields(topic: Topic) -> Iterable[tuple[str, str]]:
    yield "title", topic.title
    for kw in topic.keywords:
        yield "keywords", kw
    for q in topic.questions:
        yield "questions", q
    yield "summary", topic.summary
