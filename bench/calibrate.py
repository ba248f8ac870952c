"""Fit the matcher's answer-confidence model on labelled questions.

Usage: python bench/calibrate.py ../shared/eval/dev.jsonl [--folds 5]

The matcher ranks topics by retrieval and fuzzy evidence; whether to answer
or to offer choices is a logistic model over that evidence (see
``knowledge.matcher.MatchConfig``). This script prints the fitted weights, the
k-fold cross-validated accuracy (an honest estimate for unseen questions) and
the trade-off at several thresholds. Copy the weights into ``CONFIDENCE``.
"""

from __future__ import annotations

import argparse
import json
import math
import random
from pathlib import Path

from knowledge.matcher import Decision
from knowledge.service import KnowledgeService

FEATURES = ("bm25_norm", "bm25_log", "bm25_gap", "coverage", "fuzzy", "rank_gap", "length",
            "bigram_cov", "bigram_mass", "unexplained", "gap", "contain", "oov", "agree")
# Vague and off-topic questions written for calibration (the dev set has few of them).
EXTRA = Path(__file__).with_name("calibration_extra.jsonl")
# A confident answer to an out-of-scope question costs more than a missed answer.
OOS_WEIGHT = 5.0


def rows_of(matcher, path: Path) -> list[dict]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        if item["topic"] == "smalltalk":
            continue
        norm = matcher.normalize(item["q"])
        if matcher.smalltalk.detect(norm):
            continue
        scored, feats = matcher._rank(norm)
        if not scored:
            continue
        gap = matcher.scope.gap(norm, matcher.topic_text(scored[0].topic))
        ev = matcher.evidence(scored, feats, norm, gap=gap)
        rows.append({"x": [ev[f] for f in FEATURES], "label": item["topic"],
                     "top": scored[0].topic, "top3": [s.topic for s in scored[:3]],
                     "q": item["q"]})
    return rows


def fit(rows: list[dict], l2: float = 0.01, epochs: int = 4000, lr: float = 1.0
        ) -> list[float]:
    """Weighted logistic regression by gradient descent on standardised features."""
    k = len(FEATURES)
    means = [sum(r["x"][i] for r in rows) / len(rows) for i in range(k)]
    stds = [max(1e-6, (sum((r["x"][i] - means[i]) ** 2 for r in rows) / len(rows)) ** 0.5)
            for i in range(k)]
    xs = [[(r["x"][i] - means[i]) / stds[i] for i in range(k)] for r in rows]
    ys = [1.0 if r["label"] == r["top"] else 0.0 for r in rows]
    sw = [OOS_WEIGHT if r["label"] == "none" else 1.0 for r in rows]
    n = sum(sw)
    w = [0.0] * (k + 1)
    for _ in range(epochs):
        grad = [0.0] * (k + 1)
        for x, y, s in zip(xs, ys, sw, strict=True):
            z = w[0] + sum(wi * xi for wi, xi in zip(w[1:], x, strict=True))
            p = 1 / (1 + math.exp(-max(-30, min(30, z))))
            grad[0] += s * (p - y)
            for i, xi in enumerate(x):
                grad[i + 1] += s * (p - y) * xi
        for i in range(k + 1):
            w[i] -= lr * (grad[i] / n + (l2 * w[i] if i else 0.0))
    raw = [w[i + 1] / stds[i] for i in range(k)]
    bias = w[0] - sum(raw[i] * means[i] for i in range(k))
    return [bias, *raw]


def prob(w: list[float], x: list[float]) -> float:
    z = w[0] + sum(wi * xi for wi, xi in zip(w[1:], x, strict=True))
    return 1 / (1 + math.exp(-max(-30, min(30, z))))


def rates(rows: list[dict], w: list[float], threshold: float) -> tuple[float, float, float]:
    inscope = [r for r in rows if r["label"] != "none"]
    oos = [r for r in rows if r["label"] == "none"]
    top1 = sum(prob(w, r["x"]) >= threshold and r["top"] == r["label"] for r in inscope)
    wrong = sum(prob(w, r["x"]) >= threshold and r["top"] != r["label"] for r in inscope)
    oos_answered = sum(prob(w, r["x"]) >= threshold for r in oos)
    return (top1 / max(1, len(inscope)), oos_answered / max(1, len(oos)),
            wrong / max(1, len(inscope)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("file", type=Path)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--extra", type=Path, default=EXTRA,
                        help="our own labelled questions of kinds the dev set lacks")
    args = parser.parse_args()
    matcher = KnowledgeService.from_directory().current.matcher
    rows = rows_of(matcher, args.file)
    if args.extra and args.extra.exists():
        rows += rows_of(matcher, args.extra)
    w = fit(rows)
    print("CONFIDENCE = {")
    print(f'    "bias": {w[0]:.3f},')
    for name, value in zip(FEATURES, w[1:], strict=True):
        print(f'    "{name}": {value:.3f},')
    print("}")
    print(f"\n{'threshold':>9} {'top-1':>7} {'oos answered':>13} {'wrong answers':>14}")
    for t in (0.3, 0.4, 0.5, 0.6, 0.7):
        top1, oos, wrong = rates(rows, w, t)
        print(f"{t:9.2f} {top1:7.1%} {oos:13.1%} {wrong:14.1%}")
    random.seed(7)
    shuffled = rows[:]
    random.shuffle(shuffled)
    folds = [shuffled[i :: args.folds] for i in range(args.folds)]
    held = []
    for i, test in enumerate(folds):
        train = [r for j, f in enumerate(folds) if j != i for r in f]
        held.append(rates(test, fit(train), args.threshold))
    avg = [sum(h[k] for h in held) / len(held) for k in range(3)]
    print(f"\n{args.folds}-fold cross-validated at {args.threshold}: top-1 {avg[0]:.1%}, "
          f"out-of-scope answered {avg[1]:.1%}, wrong answers {avg[2]:.1%}")
    _ = Decision


if __name__ == "__main__":
    main()
