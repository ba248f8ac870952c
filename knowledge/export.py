"""Knowledge in and out of the database as files: a YAML directory or an XLSX workbook.

The directory has the layout of ``knowledge/content`` (``topics/<id>.yaml``,
``commune.yaml``, ``categories.yaml``), so an export can become the starter
content of another commune, and importing it reuses the loader. A path ending
in ``.xlsx`` means the spreadsheet (:mod:`knowledge.workbook`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from knowledge.loader import (
    CATEGORIES_FILE,
    COMMUNE_FILE,
    TOPICS_SUBDIR,
    Documents,
    KnowledgeError,
    Problem,
    parse,
    read_directory,
)
from knowledge.workbook import import_xlsx, write_xlsx

XLSX_SUFFIX = ".xlsx"
_TOPIC_FILE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*\.yaml$")


class _Dumper(yaml.SafeDumper):
    """Block lists indented under their key, like the hand-written starter files."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)


def _dump(doc: Any) -> str:
    return yaml.dump(doc, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100,
                     default_flow_style=False)


DATE_KEYS = ("reviewed", "reviewed_on", "valid_from", "valid_until", "done_on")


def _with_dates(doc: Any) -> Any:
    """Dates back to YAML dates (the JSON in the database holds strings), also in the
    ``dated`` and ``verify`` items, so a written file reads like a hand-written one."""
    if not isinstance(doc, Mapping):
        return doc
    out = dict(doc)
    for key in DATE_KEYS:
        if isinstance(out.get(key), str):
            with contextlib.suppress(ValueError):  # not a date: written as typed
                out[key] = dt.date.fromisoformat(out[key])
    for key in ("dated", "verify"):
        if isinstance(out.get(key), list):
            out[key] = [_with_dates(item) for item in out[key]]
    return out


def write_directory(documents: Documents, target: Path) -> int:
    """Write the YAML layout into ``target``; returns the number of topic files.

    ``target`` must be missing, empty or an earlier export (only the three
    knowledge entries): then topic files that no longer exist are removed, so
    importing the directory again gives exactly these documents.
    """
    data = documents.to_json()
    if target.exists():
        if not target.is_dir():
            raise ValueError(f"'{target}' không phải thư mục")
        extra = sorted(p.name for p in target.iterdir()
                       if p.name not in {TOPICS_SUBDIR, COMMUNE_FILE, CATEGORIES_FILE})
        if extra:
            raise ValueError(f"thư mục '{target}' đã có tệp khác ({', '.join(extra[:3])}); "
                             "hãy chọn thư mục trống")
    topics_dir = target / TOPICS_SUBDIR
    topics_dir.mkdir(parents=True, exist_ok=True)
    names: set[str] = set()
    for label, doc in (data.get("topics") or {}).items():
        name = Path(label).name
        if not _TOPIC_FILE.match(name):
            raise ValueError(f"tên tệp chủ đề không hợp lệ: '{label}'")
        names.add(name)
        _write(topics_dir / name, _dump(_with_dates(doc)))
    _write(target / COMMUNE_FILE, _dump(_with_dates(data.get("commune"))))
    _write(target / CATEGORIES_FILE, _dump(data.get("categories")))
    for stale in topics_dir.glob("*.yaml"):
        if stale.name not in names:
            stale.unlink()
    return len(names)


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def read_documents_directory(source: Path) -> Documents:
    """Documents from a YAML directory, validated; KnowledgeError lists every problem."""
    if not source.is_dir():
        raise KnowledgeError([Problem(str(source), "(thư mục)", "không tìm thấy thư mục")])
    documents, problems = read_directory(source)
    try:
        parse(documents)
    except KnowledgeError as exc:
        problems += exc.problems
    if problems:
        raise KnowledgeError(problems)
    return documents


def export_path(documents: Documents, target: Path, *, note: str = "") -> str:
    """Export to ``FILE.xlsx`` or a YAML directory; returns what was written, in words."""
    if target.suffix.lower() == XLSX_SUFFIX:
        write_xlsx(documents, target, note=note)
        return f"tệp {target}"
    if target.suffix and not target.is_dir():
        raise ValueError(f"chỉ xuất ra tệp .xlsx hoặc một thư mục, không phải '{target.name}'")
    count = write_directory(documents, target)
    return f"thư mục {target} ({count} tệp chủ đề)"


def import_path(source: Path) -> Documents:
    """Documents from ``FILE.xlsx`` or a YAML directory.

    Raises :class:`~knowledge.workbook.SpreadsheetError` or
    :class:`~knowledge.loader.KnowledgeError`; both have ``problems``.
    """
    if source.is_dir():
        return read_documents_directory(source)
    return import_xlsx(source)


def describe_changes(before: Documents | None, after: Documents) -> list[str]:
    """What an import changes, in a few Vietnamese lines (empty: nothing changed)."""
    old = before.to_json() if before is not None else {}
    new = after.to_json()
    old_topics = {Path(k).stem: v for k, v in (old.get("topics") or {}).items()}
    new_topics = {Path(k).stem: v for k, v in (new.get("topics") or {}).items()}
    lines: list[str] = []
    added = sorted(new_topics.keys() - old_topics.keys())
    removed = sorted(old_topics.keys() - new_topics.keys())
    changed = sorted(k for k in new_topics.keys() & old_topics.keys()
                     if new_topics[k] != old_topics[k])
    if added:
        lines.append(f"thêm {len(added)} chủ đề: {', '.join(added)}")
    if removed:
        lines.append(f"XÓA {len(removed)} chủ đề: {', '.join(removed)}")
    if changed:
        lines.append(f"sửa {len(changed)} chủ đề: {', '.join(changed)}")
    if old.get("commune") != new.get("commune"):
        lines.append("sửa thông tin xã")
    if old.get("categories") != new.get("categories"):
        lines.append("sửa danh sách nhóm")
    return lines
