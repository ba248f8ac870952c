"""Load and validate the knowledge base from YAML files.

Loading is all-or-nothing: every problem in every file is collected and
reported as ``file: field: message``; a knowledge base with any error is never
returned, so a broken edit can't half-load and the caller keeps serving the
last good one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from knowledge import yaml_text
from knowledge.schema import Category, CommuneProfile, Topic
from knowledge.validity import WATCH_DAYS, needs_review, upcoming
from knowledge.vietnamese import folded_words

DEFAULT_CONTENT_DIR = Path(__file__).parent / "content"
TOPICS_SUBDIR = "topics"
COMMUNE_FILE = "commune.yaml"
CATEGORIES_FILE = "categories.yaml"
MAX_FILE_BYTES = 512 * 1024


@dataclass(frozen=True)
class Problem:
    """One validation finding, located precisely enough for a non-programmer."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.message}"


class KnowledgeError(Exception):
    """The knowledge base has errors; nothing from it may be served."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class KnowledgeBase:
    """A validated, immutable snapshot of everything the bot knows."""

    topics: Mapping[str, Topic]
    categories: tuple[Category, ...]
    commune: CommuneProfile
    version: str
    warnings: tuple[Problem, ...] = field(default=())
    documents: Documents | None = field(default=None, compare=False, repr=False)

    def topic(self, topic_id: str) -> Topic | None:
        return self.topics.get(topic_id)

    def by_category(self, category_id: str) -> list[Topic]:
        return [t for t in self.topics.values() if t.category == category_id]

    def category(self, category_id: str) -> Category | None:
        return next((c for c in self.categories if c.id == category_id), None)


def _field_path(loc: Iterable[int | str]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts[-1:] = [f"{parts[-1]}[{item}]"] if parts else [f"[{item}]"]
        else:
            parts.append(str(item))
    return ".".join(parts) or "(tệp)"


ModelT = TypeVar("ModelT", bound=BaseModel)


def _validate(model: type[ModelT], data: object, file: str
              ) -> tuple[ModelT | None, list[Problem]]:
    """The validated model, or None and every problem located in ``file``."""
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, [Problem(file, _field_path(e["loc"]), e["msg"]) for e in exc.errors()]


def _read_yaml(path: Path, label: str) -> tuple[Any, list[Problem]]:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return None, [Problem(label, "(tệp)", f"tệp quá lớn (> {MAX_FILE_BYTES} byte)")]
        return yaml_text.safe_load(path.read_text(encoding="utf-8")), []
    except FileNotFoundError:
        return None, [Problem(label, "(tệp)", "không tìm thấy tệp")]
    except UnicodeDecodeError:
        return None, [Problem(label, "(tệp)", "tệp không phải UTF-8")]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"dòng {mark.line + 1}" if mark else "(tệp)"
        return None, [Problem(label, where, f"YAML sai cú pháp: {getattr(exc, 'problem', exc)}")]


def parse_documents(
    topic_docs: Mapping[str, Any], commune_doc: Any, categories_doc: Any
) -> KnowledgeBase:
    """Validate raw documents (from YAML files, a spreadsheet or the database)."""
    problems: list[Problem] = []
    commune, errs = _validate(CommuneProfile, commune_doc, COMMUNE_FILE)
    problems += errs
    categories: list[Category] = []
    if not isinstance(categories_doc, list):
        problems.append(Problem(CATEGORIES_FILE, "(tệp)", "phải là một danh sách nhóm"))
    else:
        for i, doc in enumerate(categories_doc):
            cat, errs = _validate(Category, doc, CATEGORIES_FILE)
            problems += [Problem(e.file, f"[{i}].{e.field}", e.message) for e in errs]
            if cat:
                categories.append(cat)
    topics: dict[str, Topic] = {}
    for label, doc in topic_docs.items():
        topic, errs = _validate(Topic, doc, label)
        problems += errs
        if topic is not None and topic.id not in topics:
            topics[topic.id] = topic
    problems += _cross_check(topic_docs, {c.id for c in categories})
    if problems or commune is None:  # no commune profile without a problem saying why
        raise KnowledgeError(problems)
    return KnowledgeBase(
        topics=dict(sorted(topics.items())),
        categories=tuple(categories),
        commune=commune,
        version=_content_hash(topic_docs, commune_doc, categories_doc),
        warnings=tuple(_warnings(commune, topics.values())),
    )


def _cross_check(topic_docs: Mapping[str, Any], category_ids: set[str]) -> list[Problem]:
    """Checks across files, on the raw documents so one broken file can't hide others."""
    problems: list[Problem] = []
    owner: dict[str, str] = {}
    docs = {label: doc for label, doc in topic_docs.items() if isinstance(doc, dict)}
    for label, doc in docs.items():
        topic_id = doc.get("id")
        if not isinstance(topic_id, str):
            continue
        if topic_id in owner:
            problems.append(Problem(label, "id", f"trùng mã chủ đề '{topic_id}' "
                                                 f"(đã có trong {owner[topic_id]})"))
        else:
            owner[topic_id] = label
        if label.endswith(".yaml") and Path(label).stem != topic_id:
            problems.append(Problem(label, "id", f"tên tệp phải là '{topic_id}.yaml'"))
    for label, doc in docs.items():
        category = doc.get("category")
        if isinstance(category, str) and category_ids and category not in category_ids:
            problems.append(Problem(label, "category", f"nhóm '{category}' không tồn tại"))
        related = doc.get("related")
        for rel in related if isinstance(related, list) else []:
            if isinstance(rel, str) and rel not in owner:
                problems.append(
                    Problem(label, "related", f"chủ đề liên quan '{rel}' không tồn tại"))
    return problems


def _warnings(commune: CommuneProfile, topics: Iterable[Topic]) -> list[Problem]:
    topics = list(topics)
    warns = [
        Problem(COMMUNE_FILE, name, "chưa có thông tin (câu trả lời sẽ bỏ qua mục này)")
        for name in commune.missing_fields()
    ]
    for t in topics:
        checks = t.open_checks()
        if checks:
            parts = sorted({v.field.value for v in checks})
            warns.append(Problem(_topic_file(t.id), "verify",
                                 f"{len(checks)} việc cần xác minh ({', '.join(parts)})"))
    return warns + _shared_questions(topics)


def _shared_questions(topics: Iterable[Topic]) -> list[Problem]:
    """An example question written under two topics (say, attached twice from the inbox).

    The model cannot learn which topic such a question belongs to, and the matcher will not
    answer it word for word: the staff member must keep it under the one that answers it.
    Compared without diacritics, case or spacing, as the matcher compares questions.
    """
    owners: dict[str, list[str]] = {}
    for t in topics:
        for q in dict.fromkeys(folded_words(q) for q in t.questions):
            owners.setdefault(q, []).append(t.id)
    return [Problem(_topic_file(tid), "questions",
                    f"câu hỏi mẫu \"{q}\" có ở cả chủ đề "
                    f"{', '.join(o for o in ids if o != tid)}: "
                    "giữ ở một chủ đề trả lời đúng câu đó")
            for q, ids in owners.items() if len(ids) > 1 for tid in ids]


def _topic_file(topic_id: str) -> str:
    return f"{TOPICS_SUBDIR}/{topic_id}.yaml"


def date_warnings(topics: Iterable[Topic], today: dt.date,
                  days: int = WATCH_DAYS) -> list[Problem]:
    """What changes within ``days`` days and what needs review, for ``kb validate``.

    Kept apart from loading because it depends on the day: the same files give
    other warnings tomorrow, and the loader must stay a function of the files.
    """
    topics = list(topics)
    warns = [Problem(_topic_file(r.topic_id), r.field,
                     f"CẦN RÀ SOÁT: hết hạn từ {r.ended.strftime('%d/%m/%Y')}: {r.reason}")
             for r in needs_review(topics, today)]
    warns += [Problem(_topic_file(c.topic_id), c.field, f"trong {days} ngày tới: {c.describe()}")
              for c in upcoming(topics, today, days)]
    return warns


def _content_hash(*docs: Any) -> str:
    blob = json.dumps(docs, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Documents:
    """The raw, JSON-safe content of a knowledge base, as stored in each version.

    Topics are keyed by their file label (``topics/<id>.yaml``) so every problem
    is reported against the file a staff member would recognise.
    """

    topics: Mapping[str, Any]
    commune: Any
    categories: Any

    def to_json(self) -> dict[str, Any]:
        data = {"topics": dict(self.topics), "commune": self.commune,
                "categories": self.categories}
        copy: dict[str, Any] = json.loads(json.dumps(data, default=str, ensure_ascii=False))
        return copy

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Documents:
        return cls(dict(data.get("topics") or {}), data.get("commune"), data.get("categories"))

    def with_topic(self, doc: Mapping[str, Any]) -> Documents:
        """A copy with one topic added or replaced (keyed by its id)."""
        topics = dict(self.topics)
        topics[f"{TOPICS_SUBDIR}/{doc['id']}.yaml"] = dict(doc)
        return Documents(topics, self.commune, self.categories)


def parse(documents: Documents) -> KnowledgeBase:
    """Validate stored documents; the result remembers them for the next edit."""
    kb = parse_documents(documents.topics, documents.commune, documents.categories)
    return dataclasses.replace(kb, documents=documents)


def read_directory(content_dir: Path = DEFAULT_CONTENT_DIR) -> tuple[Documents, list[Problem]]:
    """Read every YAML file under ``content_dir`` without validating the content."""
    problems: list[Problem] = []
    topic_docs: dict[str, Any] = {}
    topic_dir = content_dir / TOPICS_SUBDIR
    files = sorted(topic_dir.glob("*.yaml")) if topic_dir.is_dir() else []
    if not files:
        problems.append(Problem(f"{TOPICS_SUBDIR}/", "(thư mục)", "không có tệp chủ đề nào"))
    for path in files:
        label = f"{TOPICS_SUBDIR}/{path.name}"
        doc, errs = _read_yaml(path, label)
        problems += errs
        if not errs:
            topic_docs[label] = doc
    commune_doc, errs = _read_yaml(content_dir / COMMUNE_FILE, COMMUNE_FILE)
    problems += errs
    categories_doc, errs = _read_yaml(content_dir / CATEGORIES_FILE, CATEGORIES_FILE)
    problems += errs
    docs = Documents(topic_docs, commune_doc, categories_doc)
    return Documents.from_json(docs.to_json()), problems


def load_directory(content_dir: Path = DEFAULT_CONTENT_DIR) -> KnowledgeBase:
    """Read every YAML file under ``content_dir`` and validate them together."""
    documents, problems = read_directory(content_dir)
    try:
        kb = parse(documents)
    except KnowledgeError as exc:
        raise KnowledgeError(problems + exc.problems) from None
    if problems:
        raise KnowledgeError(problems)
    return kb
