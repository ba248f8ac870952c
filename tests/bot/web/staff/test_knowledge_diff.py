"""The pure three-way merge and readable diff of knowledge versions."""

from __future__ import annotations

import copy
from typing import Any

from bot.web.staff.knowledge_diff import COMMUNE_KEY, changed_keys, diff, merge

LABEL = "topics/khai-sinh.yaml"


def _with(docs: dict[str, Any], **fields: Any) -> dict[str, Any]:
    out = copy.deepcopy(docs)
    out["topics"][LABEL].update(fields)
    return out


def test_merge_applies_a_change_onto_newer_live_content(docs: dict[str, Any]) -> None:
    mine = _with(docs, steps=["Bước mới"])
    live = _with(docs, fee="Miễn phí")
    merged, clashes = merge(docs, mine, live)
    assert clashes == []
    assert merged["topics"][LABEL]["steps"] == ["Bước mới"]
    assert merged["topics"][LABEL]["fee"] == "Miễn phí"


def test_merge_reports_the_same_field_changed_twice(docs: dict[str, Any]) -> None:
    mine = _with(docs, steps=["Bước A"])
    live = _with(docs, steps=["Bước B"])
    _, clashes = merge(docs, mine, live)
    assert [(c.key, c.field) for c in clashes] == [("khai-sinh", "steps")]
    forced, none = merge(docs, mine, live, prefer_mine=True)
    assert none == [] and forced["topics"][LABEL]["steps"] == ["Bước A"]


def test_merge_of_a_new_topic_and_commune_fields(docs: dict[str, Any]) -> None:
    mine = copy.deepcopy(docs)
    mine["topics"]["topics/moi.yaml"] = {"id": "moi"}
    mine["commune"]["hotline"] = "0123"
    live = copy.deepcopy(docs)
    live["commune"]["email"] = "xa@example.vn"
    merged, clashes = merge(docs, mine, live)
    assert clashes == []
    assert merged["topics"]["topics/moi.yaml"] == {"id": "moi"}
    assert merged["commune"]["hotline"] == "0123"
    assert merged["commune"]["email"] == "xa@example.vn"
    assert changed_keys(docs, merged) == ["moi", COMMUNE_KEY]


def test_diff_is_per_field_and_readable(docs: dict[str, Any]) -> None:
    old_steps = docs["topics"][LABEL]["steps"]
    after = _with(docs, steps=[old_steps[0], "Bước hoàn toàn mới", *old_steps[2:]],
                  fee="Lệ phí mới 5.000 đồng")
    (change,) = diff(docs, after)
    assert change.key == "khai-sinh" and change.status == "changed"
    by_name = {f.name: f for f in change.fields}
    assert list(by_name) == ["steps", "fee"]
    ops = [(s.op, s.text) for s in by_name["steps"].items]
    assert ("add", "Bước hoàn toàn mới") in ops and ("del", old_steps[1]) in ops
    assert any(s.op == "add" and "5.000" in s.text for s in by_name["fee"].after)
    assert by_name["fee"].label == "Lệ phí"




def test_example_questions_added_by_two_people_are_combined(docs: dict[str, Any]) -> None:
    questions = docs["topics"][LABEL]["questions"]
    first = _with(docs, questions=[*questions, "câu thứ nhất"])
    second = _with(docs, questions=[*questions[1:], "câu thứ hai"])  # also drops one
    merged, clashes = merge(docs, second, first)
    assert clashes == []
    assert merged["topics"][LABEL]["questions"] == [*questions[1:], "câu thứ nhất",
                                                    "câu thứ hai"]
