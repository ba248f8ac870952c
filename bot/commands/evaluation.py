"""Accuracy of the matcher on labelled questions (`citizen-bot eval`).

The figures are the ones the project promises: in-scope top-1 and top-3,
out-of-scope questions wrongly answered, smalltalk recognised, and the same for
the questions typed without diacritics, so a regression shows in CI.
`cross_validate` gives the figures to believe: on questions the matcher was not fitted to.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.calibration import stratified_folds, topic_groups
from knowledge.matcher import TRAINING_FIELDS, Decision, Matcher, MatchResult, TrainingSet, train
from knowledge.vietnamese import fold, has_diacritics

OUT_OF_SCOPE = "none"
SMALLTALK = "smalltalk"


@dataclass
class Tally:
    in_scope: int = 0
    top1: int = 0
    top3: int = 0
    out_of_scope: int = 0
    oos_answered: int = 0
    smalltalk: int = 0
    smalltalk_ok: int = 0

    def add(self, label: str, result: MatchResult) -> bool:
        """Count one question; returns whether it was handled right."""
        if label == OUT_OF_SCOPE:
            self.out_of_scope += 1
            wrong = result.decision is Decision.ANSWER
            self.oos_answered += wrong
            return not wrong
        if label == SMALLTALK:
            self.smalltalk += 1
            ok = result.decision is Decision.SMALLTALK
            self.smalltalk_ok += ok
            return ok
        self.in_scope += 1
        hit = result.decision is Decision.ANSWER and result.topic == label
        self.top1 += hit
        self.top3 += label in [c.topic for c in result.candidates[:3]]
        return hit

    def rates(self) -> dict[str, float | None]:
        def ratio(a: int, b: int) -> float | None:
            return round(a / b, 4) if b else None

        return {
            "in_scope_top1": ratio(self.top1, self.in_scope),
            "in_scope_top3": ratio(self.top3, self.in_scope),
            "out_of_scope_answered": ratio(self.oos_answered, self.out_of_scope),
            "smalltalk_recognised": ratio(self.smalltalk_ok, self.smalltalk),
        }


@dataclass
class Report:
    all: Tally = field(default_factory=Tally)
    no_diacritics: Tally = field(default_factory=Tally)
    with_diacritics: Tally = field(default_factory=Tally)
    misses: list[tuple[str, str, MatchResult]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "all": self.all.rates(),
            "no_diacritics": self.no_diacritics.rates(),
            "with_diacritics": self.with_diacritics.rates(),
            "counts": {"questions": self.all.in_scope + self.all.out_of_scope
                       + self.all.smalltalk, "misses": len(self.misses)},
        }


def read_labelled(path: Path) -> Iterable[tuple[str, str]]:
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if not isinstance(row, dict) or "q" not in row or "topic" not in row:
            raise ValueError(f"dòng {n}: cần có 'q' và 'topic'")
        yield str(row["q"]), str(row["topic"])


def evaluate(matcher: Matcher, rows: Iterable[tuple[str, str]]) -> Report:
    report = Report()
    for question, label in rows:
        result = matcher.match(question)
        ok = report.all.add(label, result)
        bucket = report.with_diacritics if has_diacritics(question) else report.no_diacritics
        bucket.add(label, result)
        if not ok:
            report.misses.append((question, label, result))
    return report


def format_report(report: Report, *, show_misses: bool = True) -> str:
    def pct(value: float | None) -> str:
        return "  n/a " if value is None else f"{value * 100:5.1f}%"

    lines: list[str] = []
    if show_misses and report.misses:
        lines.append("misses [label -> decision topic] question | candidates:")
        for question, label, r in report.misses:
            cands = ", ".join(f"{c.topic}:{c.score:.2f}" for c in r.candidates)
            lines.append(f"- [{label} -> {r.decision.value} {r.topic or ''}] {question[:90]}"
                         f"  | {cands}")
        lines.append("")
    lines.append(f"{'':24}{'all':>8}{'no diacritics':>16}{'with diacritics':>18}")
    names = {
        "in_scope_top1": "in-scope top-1",
        "in_scope_top3": "in-scope top-3",
        "out_of_scope_answered": "out-of-scope answered",
        "smalltalk_recognised": "smalltalk recognised",
    }
    rates = [t.rates() for t in (report.all, report.no_diacritics, report.with_diacritics)]
    for key, name in names.items():
        lines.append(f"{name:24}{pct(rates[0][key]):>8}{pct(rates[1][key]):>16}"
                     f"{pct(rates[2][key]):>18}")
    t = report.all
    lines.append(f"questions: {t.in_scope} in scope, {t.out_of_scope} out of scope, "
                 f"{t.smalltalk} smalltalk; misses: {len(report.misses)}")
    return "\n".join(lines)


# --- cross-validation (`citizen-bot eval --cv`) -----------------------------------------

CV_FOLDS = 5


@dataclass
class CvTally:
    """Figures on questions the matcher was not fitted to, for one spelling of them."""

    in_scope: int = 0
    right: int = 0
    wrong: int = 0
    top3: int = 0
    off_topic: int = 0
    off_answered: int = 0
    unseen: int = 0
    unseen_answered: int = 0

    def add(self, label: str | None, result: MatchResult) -> None:
        answered = result.decision is Decision.ANSWER
        if label == UNSEEN:
            self.unseen += 1
            self.unseen_answered += answered
            return
        if label is None:
            self.off_topic += 1
            self.off_answered += answered
            return
        self.in_scope += 1
        self.right += answered and result.topic == label
        self.wrong += answered and result.topic != label
        self.top3 += label in [c.topic for c in result.candidates[:3]]

    def rates(self) -> dict[str, float | None]:
        def ratio(a: int, b: int) -> float | None:
            return round(a / b, 4) if b else None

        return {
            "right_answered": ratio(self.right, self.in_scope),
            "confidently_wrong": ratio(self.wrong, self.in_scope),
            "top3": ratio(self.top3, self.in_scope),
            "out_of_scope_answered": ratio(self.off_answered, self.off_topic),
            "unseen_subject_answered": ratio(self.unseen_answered, self.unseen),
        }


# The label of a question whose topic was left out of training (a subject the knowledge
# base lacks, close to covered ones: the hardest out-of-scope case).
UNSEEN = "_unseen"


@dataclass
class CvReport:
    folds: int
    with_diacritics: CvTally = field(default_factory=CvTally)
    no_diacritics: CvTally = field(default_factory=CvTally)

    def as_dict(self) -> dict[str, object]:
        return {"folds": self.folds, "with_diacritics": self.with_diacritics.rates(),
                "no_diacritics": self.no_diacritics.rates(),
                "counts": {"in_scope": self.with_diacritics.in_scope,
                           "out_of_scope": self.with_diacritics.off_topic,
                           "unseen_subject": self.with_diacritics.unseen}}


def cross_validate(matcher: Matcher, negatives: Sequence[str], folds: int = CV_FOLDS
                   ) -> CvReport:
    """k-fold over the knowledge base's example questions (stratified by topic) and the
    off-topic list: each fold is scored by a matcher whose model *and* confidence were
    trained without it (the confidence by its own inner cross-validation).

    Then, per group of topics, a matcher trained without those topics at all is asked
    their questions: any confident answer is a wrong one (a subject the knowledge base
    lacks). Every question is asked twice: as written in the knowledge base (most have
    diacritics) and with the diacritics stripped.
    """
    full = TrainingSet.from_index(matcher.index)
    question_rows = [i for i, q in enumerate(full.questions) if q]
    originals = _original_questions(matcher)
    fold_of = stratified_folds([full.labels[i] for i in question_rows], folds, seed=CV_SEED,
                               keys=[full.texts[i] for i in question_rows])
    held_fold = dict(zip(question_rows, fold_of, strict=True))
    folded_negatives = tuple(matcher.model_text(q) for q in negatives)
    report = CvReport(folds)
    for k in range(folds):
        keep = [i for i in range(len(full.texts)) if held_fold.get(i, -1) != k]
        data = TrainingSet(tuple(full.texts[i] for i in keep),
                           tuple(full.labels[i] for i in keep),
                           tuple(full.questions[i] for i in keep), full.topic_ids,
                           tuple(q for j, q in enumerate(folded_negatives) if j % folds != k))
        fold_matcher = matcher.with_training(train(data, matcher.config.folds))
        asked: list[tuple[str, str | None]] = [
            (originals[i], full.labels[i]) for i in question_rows if held_fold[i] == k]
        asked += [(q, None) for j, q in enumerate(negatives) if j % folds == k]
        _ask(report, fold_matcher, asked)
    for group in map(set, topic_groups(full.topic_ids, folds, seed=CV_SEED)):
        keep = [i for i in range(len(full.texts)) if full.labels[i] not in group]
        data = TrainingSet(tuple(full.texts[i] for i in keep),
                           tuple(full.labels[i] for i in keep),
                           tuple(full.questions[i] for i in keep), full.topic_ids,
                           folded_negatives)
        fold_matcher = matcher.with_training(train(data, matcher.config.folds))
        _ask(report, fold_matcher, [(originals[i], UNSEEN) for i in question_rows
                                    if full.labels[i] in group])
    return report


def _ask(report: CvReport, matcher: Matcher, asked: list[tuple[str, str | None]]) -> None:
    for question, label in asked:
        report.with_diacritics.add(label, matcher.match(question))
        report.no_diacritics.add(label, matcher.match(fold(question)))


CV_SEED = 2026


def _original_questions(matcher: Matcher) -> dict[int, str]:
    """Row of TrainingSet.from_index → the question as written in the knowledge base."""
    out: dict[int, str] = {}
    row = 0
    for topic_id, examples in matcher.index.examples.items():
        raw = iter(matcher.index.kb.topics[topic_id].questions)
        for ex in examples:
            if ex.field not in TRAINING_FIELDS or not ex.folded.strip():
                if ex.field == "questions":
                    next(raw)
                continue
            if ex.field == "questions":
                out[row] = next(raw)
            row += 1
    return out


def format_cv(report: CvReport) -> str:
    def pct(value: float | None) -> str:
        return "  n/a " if value is None else f"{value * 100:5.1f}%"

    names = {"right_answered": "answered, right topic", "confidently_wrong":
             "answered, wrong topic", "top3": "right topic in top 3",
             "out_of_scope_answered": "out-of-scope answered",
             "unseen_subject_answered": "uncovered subject answered"}
    a, b = report.with_diacritics.rates(), report.no_diacritics.rates()
    lines = [f"{report.folds}-fold cross-validation (questions the model was not trained on)",
             f"{'':26}{'as written':>12}{'no diacritics':>16}"]
    lines += [f"{name:26}{pct(a[key]):>12}{pct(b[key]):>16}" for key, name in names.items()]
    t = report.with_diacritics
    lines.append(f"questions: {t.in_scope} example questions, {t.off_topic} off-topic; "
                 f"each topic's questions also asked of a model trained without that topic")
    return "\n".join(lines)
