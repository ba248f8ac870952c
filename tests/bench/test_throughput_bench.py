"""bench/throughput.py stays runnable and keeps its JSON contract (tiny run, no timing)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "throughput.py"


def test_a_tiny_run_prints_the_documented_json(tmp_path: Path) -> None:
    dev = tmp_path / "questions.jsonl"
    dev.write_text("\n".join(json.dumps({"q": q}, ensure_ascii=False) for q in (
        "làm căn cước cho con ở đâu", "dang ky tam tru online", "chào bạn")), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--json", "--no-postgres", "--warmup", "10",
         "--updates", "40", "--concurrency", "8", "--rate", "50", "--seconds", "0.4",
         "--dev", str(dev)], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(done.stdout)
    assert set(figures) == {"ceiling_ups", "sqlite_ups", "postgres_ups", "p99_ms_at_200ups",
                            "ceiling_cpu_ms", "sqlite_cpu_ms", "postgres_cpu_ms"}
    assert figures["ceiling_ups"] > 0 and figures["sqlite_ups"] > 0
    assert figures["ceiling_cpu_ms"] > 0 and figures["sqlite_cpu_ms"] > 0
    assert figures["postgres_ups"] is None and figures["postgres_cpu_ms"] is None
    assert figures["p99_ms_at_200ups"] > 0
