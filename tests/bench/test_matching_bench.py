"""bench/matching.py stays runnable: its synthetic knowledge bases and its JSON contract."""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from knowledge.loader import KnowledgeBase, load_directory

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "matching.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_matching", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def real() -> KnowledgeBase:
    return load_directory()


def test_synthetic_knowledge_base_has_the_asked_size(bench: ModuleType, real: KnowledgeBase
                                                     ) -> None:
    kb = bench.synthetic_kb(real, 2000)
    assert sum(len(t.questions) for t in kb.topics.values()) == 2000
    ids = list(kb.topics)
    assert ids[: len(real.topics)] == sorted(real.topics)  # the real topics come first
    clones = [t for t in kb.topics.values() if t.id not in real.topics]
    assert clones and all(t.id.rsplit("-s", 1)[0] in real.topics for t in clones)
    for clone in clones[:20]:
        source = real.topics[clone.id.rsplit("-s", 1)[0]]
        assert clone.title != source.title
        assert len(set(q.lower() for q in clone.questions)) == len(clone.questions)
    assert bench.synthetic_kb(real, 2000) == kb  # seeded: the same every run


def test_synthetic_queries_name_their_topics(bench: ModuleType, real: KnowledgeBase) -> None:
    kb = bench.synthetic_kb(real, 1500)
    queries = bench.synthetic_queries(kb, 50)
    assert len(queries) == 50 and all(topic in kb.topics for _, topic in queries)


def test_measure_reports_the_json_fields(bench: ModuleType, real: KnowledgeBase) -> None:
    args = argparse.Namespace(repeat=1, naive_queries=5, synthetic_queries=20)
    dev = [("làm căn cước ở đâu", "can-cuoc-cap-moi"), ("giá vàng hôm nay", "none")]
    row = bench.measure("600", bench.synthetic_kb(real, 600), dev, args)
    for key in ("p50_ms", "p99_ms", "naive_p99_ms", "dev_top1", "naive_dev_top1",
                "memory_mb", "build_s", "synthetic_top1"):
        assert isinstance(row[key], float), key
    assert row["examples"] == 600
    json.dumps(row)
