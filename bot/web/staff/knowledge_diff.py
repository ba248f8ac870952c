"""Three-way merge and readable diff of knowledge versions: pure, no I/O.

Every staff change is a complete knowledge version built on a *base*. :func:`merge`
applies what changed from the base to the change onto whatever is live by now, field
by field, and names the fields both sides changed differently (:class:`Clash`), so
someone else's newer edit is never silently undone. :func:`diff` says what changed
between two versions topic by topic and word by word, for the review pages.

It lives with the staff pages, not in ``knowledge/``, because its output speaks the
topic form's vocabulary (:mod:`bot.web.staff.forms` labels, Vietnamese summaries);
it reads only plain JSON documents, so it is tested without a database or a server.
"""

from __future__ import annotations

import copy
import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from bot.web.staff.forms import COMMUNE_LABELS, LABELS, TOPIC_FIELDS, place_line
from knowledge.loader import TOPICS_SUBDIR

COMMUNE_KEY, CATEGORIES_KEY = "@commune", "@categories"
CONTEXT_ITEMS = 2  # unchanged list items shown around a change


def topic_label(topic_id: str) -> str:
    return f"{TOPICS_SUBDIR}/{topic_id}.yaml"


def topic_id_of(label: str) -> str:
    return PurePosixPath(label).stem


def topics_of(docs: Mapping[str, Any]) -> dict[str, Any]:
    """The ``topics`` mapping of a documents dict (label → topic document), copied."""
    return dict(docs.get("topics") or {})


def changed_keys(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> list[str]:
    """Topic ids (and ``@commune``/``@categories``) that differ between two versions."""
    before = before or {}
    old, new = topics_of(before), topics_of(after)
    keys = sorted(topic_id_of(k) for k in old.keys() | new.keys() if old.get(k) != new.get(k))
    if before.get("commune") != after.get("commune"):
        keys.append(COMMUNE_KEY)
    if before.get("categories") != after.get("categories"):
        keys.append(CATEGORIES_KEY)
    return keys


# --- three-way merge -------------------------------------------------------------------


@dataclass(frozen=True)
class Clash:
    key: str  # topic id or @commune / @categories
    field: str | None  # None: the whole document (added/removed on one side)

    def describe(self, titles: Mapping[str, str]) -> str:
        if self.key == COMMUNE_KEY:
            what = "thông tin xã"
            name = COMMUNE_LABELS.get(self.field or "", self.field or "")
        elif self.key == CATEGORIES_KEY:
            return "danh sách nhóm"
        else:
            what = f"chủ đề “{titles.get(self.key, self.key)}”"
            name = LABELS.get(self.field or "", self.field or "")
        return f"{what}, mục “{name}”" if self.field else what


# Lists where two people's additions can simply be combined (order carries no meaning):
# several unanswered questions attached to one topic must not clash with each other.
UNION_FIELDS = frozenset({"questions", "keywords"})


def _merge_list(base: list[Any], mine: list[Any], live: list[Any]) -> list[Any]:
    removed = [x for x in base if x not in mine]
    kept = [x for x in live if x not in removed]
    return kept + [x for x in mine if x not in base and x not in kept]


def _merge_doc(key: str, base: Any, mine: Any, live: Any, clashes: list[Clash],
               prefer_mine: bool) -> Any:
    if mine in (base, live):
        return live
    if live == base:
        return mine
    if not all(isinstance(d, dict) for d in (base, mine, live)):
        if not prefer_mine:
            clashes.append(Clash(key, None))
        return mine
    out = dict(live)
    for name in base.keys() | mine.keys() | live.keys():
        b, m, lv = base.get(name), mine.get(name), live.get(name)
        if m in (b, lv):
            continue
        if lv != b and name in UNION_FIELDS and all(isinstance(x, list) for x in (b, m, lv)):
            out[name] = _merge_list(b, m, lv)
            continue
        if lv != b and not prefer_mine:
            clashes.append(Clash(key, name))
        if m is None:
            out.pop(name, None)
        else:
            out[name] = m
    return out


def merge(base: Mapping[str, Any], mine: Mapping[str, Any], live: Mapping[str, Any], *,
          prefer_mine: bool = False) -> tuple[dict[str, Any], list[Clash]]:
    """Apply what changed from ``base`` to ``mine`` onto ``live``; report clashes."""
    clashes: list[Clash] = []
    out = copy.deepcopy(dict(live))
    topics = topics_of(live)
    b_topics, m_topics = topics_of(base), topics_of(mine)
    for label in sorted(b_topics.keys() | m_topics.keys()):
        b, m = b_topics.get(label), m_topics.get(label)
        if b == m:
            continue
        merged = _merge_doc(topic_id_of(label), b, m, topics.get(label), clashes, prefer_mine)
        if merged is None:
            topics.pop(label, None)
        else:
            topics[label] = merged
    out["topics"] = topics
    out["commune"] = _merge_doc(COMMUNE_KEY, base.get("commune"), mine.get("commune"),
                                live.get("commune"), clashes, prefer_mine)
    out["categories"] = _merge_doc(CATEGORIES_KEY, base.get("categories"),
                                   mine.get("categories"), live.get("categories"), clashes,
                                   prefer_mine)
    return out, clashes


# --- readable diffs ----------


@dataclass(frozen=True)
class Segment:
    op: str  # same | add | del | skip
    text: str


@dataclass
class FieldChange:
    name: str
    label: str
    kind: str  # text | list
    before: list[Segment] = field(default_factory=list)  # text: old words
    after: list[Segment] = field(default_factory=list)  # text: new words
    items: list[Segment] = field(default_factory=list)  # list: items in order


@dataclass
class DocChange:
    key: str
    title: str
    status: str  # added | removed | changed
    fields: list[FieldChange] = field(default_factory=list)


def _as_items(name: str, value: Any) -> list[str]:
    if value is None:
        return []
    if name == "where":
        return [place_line(p) if isinstance(p, Mapping) else str(p) for p in value]
    if name == "categories":
        return [f"{c.get('icon', '')} {c.get('label', '')} ({c.get('id', '')})".strip()
                if isinstance(c, Mapping) else str(c) for c in value]
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


def _words(text: str) -> list[str]:
    """Words with their trailing spaces, so a changed phrase stays one readable piece."""
    return re.findall(r"^\s+|\S+\s*", text)


def _join(segments: list[Segment]) -> list[Segment]:
    out: list[Segment] = []
    for seg in segments:
        if out and out[-1].op == seg.op:
            out[-1] = Segment(seg.op, out[-1].text + seg.text)
        else:
            out.append(seg)
    return out


def _text_change(name: str, label: str, old: Any, new: Any) -> FieldChange:
    a = "" if old is None else str(old)
    b = "" if new is None else str(new)
    wa, wb = _words(a), _words(b)
    change = FieldChange(name, label, "text")
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, wa, wb, autojunk=False).get_opcodes():
        if op == "equal":
            change.before.append(Segment("same", "".join(wa[i1:i2])))
            change.after.append(Segment("same", "".join(wb[j1:j2])))
            continue
        if i2 > i1:
            change.before.append(Segment("del", "".join(wa[i1:i2])))
        if j2 > j1:
            change.after.append(Segment("add", "".join(wb[j1:j2])))
    change.before, change.after = _join(change.before), _join(change.after)
    return change


def _list_change(name: str, label: str, old: list[str], new: list[str]) -> FieldChange:
    change = FieldChange(name, label, "list")
    ops = difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    for index, (op, i1, i2, j1, j2) in enumerate(ops):
        if op == "equal":
            same = old[i1:i2]
            head = same[:CONTEXT_ITEMS] if index > 0 else []
            tail = same[-CONTEXT_ITEMS:] if index < len(ops) - 1 else []
            if len(same) <= len(head) + len(tail) + 1:
                change.items += [Segment("same", s) for s in same]
                continue
            change.items += [Segment("same", s) for s in head]
            change.items.append(Segment("skip", f"… {len(same) - len(head) - len(tail)} mục "
                                                "không đổi …"))
            change.items += [Segment("same", s) for s in tail]
            continue
        change.items += [Segment("del", s) for s in old[i1:i2]]
        change.items += [Segment("add", s) for s in new[j1:j2]]
    return change


def _doc_fields(old: Mapping[str, Any], new: Mapping[str, Any],
                labels: Mapping[str, str], order: Iterable[str]) -> list[FieldChange]:
    names = list(order) + sorted((old.keys() | new.keys()) - set(order))
    changes = []
    for name in names:
        a, b = old.get(name), new.get(name)
        if a == b:
            continue
        label = labels.get(name, name)
        if isinstance(a, list) or isinstance(b, list):
            changes.append(_list_change(name, label, _as_items(name, a), _as_items(name, b)))
        else:
            changes.append(_text_change(name, label, a, b))
    return changes


def diff(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> list[DocChange]:
    """What changed between two versions, topic by topic and field by field."""
    before = before or {}
    old, new = topics_of(before), topics_of(after)
    order = [f.name for f in TOPIC_FIELDS]
    out: list[DocChange] = []
    for label in sorted(old.keys() | new.keys()):
        a, b = old.get(label), new.get(label)
        if a == b:
            continue
        key = topic_id_of(label)
        title = str((b or a or {}).get("title") or key)
        if a is None:
            assert b is not None  # a != b
            out.append(DocChange(key, title, "added", _doc_fields({}, b, LABELS, order)))
        elif b is None:
            out.append(DocChange(key, title, "removed"))
        else:
            out.append(DocChange(key, title, "changed", _doc_fields(a, b, LABELS, order)))
    if before.get("commune") != after.get("commune"):
        out.append(DocChange(COMMUNE_KEY, "Thông tin xã", "changed", _doc_fields(
            before.get("commune") or {}, after.get("commune") or {}, COMMUNE_LABELS,
            list(COMMUNE_LABELS))))
    if before.get("categories") != after.get("categories"):
        out.append(DocChange(CATEGORIES_KEY, "Danh sách nhóm", "changed", [_list_change(
            "categories", "Nhóm", _as_items("categories", before.get("categories")),
            _as_items("categories", after.get("categories")))]))
    return out
