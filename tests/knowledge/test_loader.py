"""The loader reports every problem as file: field: message and never half-loads."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from knowledge.loader import DEFAULT_CONTENT_DIR, KnowledgeError, load_directory
from tests.conftest import shared_file


@pytest.fixture
def content(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, target)
    return target


def edit_topic(content: Path, topic_id: str, **changes: object) -> Path:
    path = content / "topics" / f"{topic_id}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def problems(content: Path) -> list[str]:
    with pytest.raises(KnowledgeError) as info:
        load_directory(content)
    return [str(p) for p in info.value.problems]


def test_starter_content_loads_and_covers_every_required_topic() -> None:
    kb = load_directory()
    ids = [line.split("\t")[0] for line in
           shared_file("topics.tsv").read_text(encoding="utf-8").splitlines()[1:] if line]
    assert ids, "topics.tsv is empty"
    missing = sorted(set(ids) - set(kb.topics))
    assert not missing, f"topics without a file: {missing}"
    for topic in kb.topics.values():
        assert topic.sources and topic.legal_basis and topic.reviewed
        assert len(topic.questions) >= 8


def test_missing_field_and_bad_date_are_located(content: Path) -> None:
    edit_topic(content, "can-cuoc-cap-moi", fee=None, reviewed="hôm qua")  # the old key
    found = problems(content)
    assert "topics/can-cuoc-cap-moi.yaml: fee: Field required" in found
    assert any(p.startswith("topics/can-cuoc-cap-moi.yaml: reviewed_on: ") for p in found)


def test_nested_field_paths_name_the_item(content: Path) -> None:
    edit_topic(content, "can-cuoc-cap-moi",
               where=[{"channel": "fax", "name": "Máy fax"}], sources=["not a url"])
    found = problems(content)
    assert any(p.startswith("topics/can-cuoc-cap-moi.yaml: where[0].channel: ") for p in found)
    assert any(p.startswith("topics/can-cuoc-cap-moi.yaml: sources[0]: ") for p in found)


def test_too_few_questions_and_unknown_related(content: Path) -> None:
    edit_topic(content, "can-cuoc-cap-moi", questions=["làm căn cước ở đâu"],
               related=["khong-ton-tai"])
    found = problems(content)
    assert any("questions" in p for p in found)
    expected = "chủ đề liên quan 'khong-ton-tai' không tồn tại"
    assert f"topics/can-cuoc-cap-moi.yaml: related: {expected}" in found


def test_broken_yaml_reports_the_line_and_nothing_loads(content: Path) -> None:
    path = content / "topics" / "can-cuoc-cap-moi.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n  bad: [unclosed\n", encoding="utf-8")
    found = problems(content)
    assert len(found) == 1 or all("can-cuoc-cap-moi" in p or "related" in p for p in found)
    assert found[0].startswith("topics/can-cuoc-cap-moi.yaml: dòng ")


def test_duplicate_id_and_file_name_mismatch(content: Path) -> None:
    src = content / "topics" / "can-cuoc-cap-moi.yaml"
    shutil.copy(src, content / "topics" / "ban-sao-khac.yaml")
    found = problems(content)
    assert "topics/can-cuoc-cap-moi.yaml: id: trùng mã chủ đề 'can-cuoc-cap-moi' " \
        "(đã có trong topics/ban-sao-khac.yaml)" in found
    assert "topics/ban-sao-khac.yaml: id: tên tệp phải là 'can-cuoc-cap-moi.yaml'" in found


def test_unknown_field_is_rejected(content: Path) -> None:
    edit_topic(content, "can-cuoc-cap-moi", phi="miễn phí")
    assert any(p.startswith("topics/can-cuoc-cap-moi.yaml: phi: ") for p in problems(content))


def test_online_topic_needs_an_online_channel(content: Path) -> None:
    edit_topic(content, "can-cuoc-cap-moi", online="full",
               where=[{"channel": "police", "name": "Công an xã"}])
    assert any("kênh trực tuyến" in p for p in problems(content))


def test_empty_commune_details_are_warnings_not_errors() -> None:
    kb = load_directory()
    fields = {w.field for w in kb.warnings if w.file == "commune.yaml"}
    assert "hotline" in fields and "centre_address" in fields


def test_a_question_under_two_topics_is_a_warning_on_both(content: Path) -> None:
    kb = load_directory(content)
    assert not [w for w in kb.warnings if w.field == "questions"]  # the starter files
    asked = kb.topics["khai-tu"].questions[0]
    edit_topic(content, "ho-chieu",
               questions=[*kb.topics["ho-chieu"].questions, f"  {asked.upper()} ?"])
    shared = [w for w in load_directory(content).warnings if w.field == "questions"]
    assert sorted(w.file for w in shared) == ["topics/ho-chieu.yaml", "topics/khai-tu.yaml"]
    assert all("một chủ đề" in w.message for w in shared)
