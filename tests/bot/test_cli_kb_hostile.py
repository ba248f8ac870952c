"""`kb import` of hostile workbooks: a plain message, exit 1, nothing applied.

The import runs as a real process (a regression that unpacks a zip bomb must not take
the test runner down with it); the export before it runs in this process.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bot.cli_process import run_cli
from tests.knowledge.workbook.hostile_xlsx import HOSTILE

CASES = ["zip bomb sheet", "billion laughs"]  # the others: tests/knowledge, staff upload
ROOT = Path(__file__).resolve().parents[2]


def _env(data_dir: Path) -> dict[str, str]:
    env = {"PATH": "/usr/bin:/bin", "DATA_DIR": str(data_dir), "LOG_LEVEL": "WARNING",
           "USER": "tester", "PYTHONPATH": str(ROOT)}
    if os.environ.get("DATABASE_URL"):
        env["DATABASE_URL"] = os.environ["DATABASE_URL"]
    return env


def run(args: list[str], data_dir: Path) -> subprocess.CompletedProcess[str]:
    """The CLI of this checkout (PYTHONPATH), in its own process."""
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], capture_output=True,
                          text=True, cwd=data_dir, env=_env(data_dir), timeout=120,
                          check=False)


@pytest.mark.parametrize("case", CASES)
def test_cli_refuses_a_hostile_workbook_plainly(tmp_path: Path, case: str) -> None:
    assert run_cli(["kb", "export", "kb.xlsx"], env=_env(tmp_path), cwd=tmp_path
                   ).returncode == 0
    build, words = HOSTILE[case]
    (tmp_path / "hostile.xlsx").write_bytes(build((tmp_path / "kb.xlsx").read_bytes()))
    out = run(["kb", "import", "hostile.xlsx"], tmp_path)
    assert out.returncode == 1
    assert words in out.stderr and "Traceback" not in out.stderr, out.stderr
    assert "KHÔNG áp dụng" in out.stderr and out.stdout == ""
