"""Accuracy of the matcher on labelled questions (`citizen-bot eval`).

The figures are the ones the project promises: in-scope top-1 and top-3,
out-of-scope questions wrongly answered, smalltalk recognised, and the same for
the questions typed without diacritics, so a regression shows in CI.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.matcher import Decision, Matcher, MatchResult
from knowledge.vietnamese import has_diacritics

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
