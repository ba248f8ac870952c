"""Matching latency against a naive baseline measured in the same run.

Usage: python bench/matching.py [--dev ../shared/eval/dev.jsonl] [--repeat 3] [--json]

Baseline: rapidfuzz ``process.extractOne`` with WRatio over every example
question of the knowledge base (what a first version of such a bot does).
Both run on one core over the same questions; figures are per question.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from rapidfuzz import fuzz, process

from knowledge.service import KnowledgeService

DEFAULT_DEV = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev.jsonl"


def load_questions(path: Path) -> list[tuple[str, str]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [(r["q"], r["topic"]) for r in rows]


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[k]


def time_each(fn, questions: list[str], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        for q in questions:
            start = time.perf_counter()
            fn(q)
            times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dev", type=Path, default=DEFAULT_DEV)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    started = time.perf_counter()
    service = KnowledgeService.from_directory()
    build_ms = (time.perf_counter() - started) * 1000
    snap = service.current
    matcher = snap.matcher
    rows = load_questions(args.dev)
    questions = [q for q, _ in rows]

    examples = [(q, t.id) for t in snap.kb.topics.values() for q in t.questions]
    choices = [q.lower() for q, _ in examples]

    def naive(q: str) -> str:
        hit = process.extractOne(q.lower(), choices, scorer=fuzz.WRatio)
        return examples[hit[2]][1]

    ours = time_each(matcher.match, questions, args.repeat)
    base = time_each(naive, questions, args.repeat)
    inscope = [(q, t) for q, t in rows if t not in {"none", "smalltalk"}]
    dev_top1 = sum(matcher.match(q).topic == t for q, t in inscope) / len(inscope)
    naive_top1 = sum(naive(q) == t for q, t in inscope) / len(inscope)
    result = {
        "examples": len(examples),
        "topics": len(snap.kb.topics),
        "index_build_ms": round(build_ms, 1),
        "p50_ms": round(statistics.median(ours), 3),
        "p99_ms": round(percentile(ours, 99), 3),
        "naive_p50_ms": round(statistics.median(base), 3),
        "naive_p99_ms": round(percentile(base, 99), 3),
        "dev_top1": round(dev_top1, 4),
        "naive_dev_top1": round(naive_top1, 4),
    }
    if args.json:
        print(json.dumps(result))
        return
    ratio = result["naive_p50_ms"] / result["p50_ms"] if result["p50_ms"] else float("inf")
    print(f"knowledge base: {result['topics']} topics, {result['examples']} example questions; "
          f"index built in {result['index_build_ms']} ms")
    print(f"{'':28}{'p50 ms':>9}{'p99 ms':>9}{'dev top-1':>11}")
    print(f"{'citizen-bot matcher':28}{result['p50_ms']:9.3f}{result['p99_ms']:9.3f}"
          f"{dev_top1:11.1%}")
    print(f"{'naive WRatio extractOne':28}{result['naive_p50_ms']:9.3f}"
          f"{result['naive_p99_ms']:9.3f}{naive_top1:11.1%}")
    print(f"matcher p50 is {ratio:.2f}x the baseline's speed "
          f"({len(questions)} questions x {args.repeat} runs, one core)")


if __name__ == "__main__":
    main()
