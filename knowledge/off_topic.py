"""Questions the knowledge base is not meant to answer, for the matcher's calibration.

``knowledge/data/off_topic.yaml`` holds them (written for the purpose, never taken from an
evaluation set): the confidence model learns from them what an answerable question does
not look like (knowledge/calibration.py).
"""

from __future__ import annotations

from pathlib import Path

from knowledge import yaml_text
from knowledge.normalize import DEFAULT_DICTIONARY_DIR

OFF_TOPIC_FILE = "off_topic.yaml"


def load_off_topic(directory: Path | None = None) -> tuple[str, ...]:
    path = (directory or DEFAULT_DICTIONARY_DIR) / OFF_TOPIC_FILE
    data = yaml_text.safe_load(path.read_text(encoding="utf-8")) if path.exists() else []
    if not isinstance(data, list):
        raise ValueError(f"{OFF_TOPIC_FILE}: phải là danh sách")
    return tuple(str(q) for q in data if str(q).strip())
