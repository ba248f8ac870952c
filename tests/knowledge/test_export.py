"""Knowledge as files: YAML directory round trips, path dispatch, and change summaries."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.export import (
    describe_changes,
    export_path,
    import_path,
    read_documents_directory,
    write_directory,
)
from knowledge.loader import Documents, KnowledgeError, read_directory
from knowledge.workbook import export_xlsx, import_xlsx


@pytest.fixture(scope="module")
def starter() -> Documents:
    documents, problems = read_directory()
    assert not problems
    return documents


@pytest.fixture(scope="module")
def exported(starter: Documents) -> bytes:
    return export_xlsx(starter)


def test_yaml_directory_round_trip_is_lossless(starter: Documents, exported: bytes,
                                               tmp_path: Path) -> None:
    assert write_directory(starter, tmp_path / "kb") == 45
    assert read_documents_directory(tmp_path / "kb").to_json() == starter.to_json()
    assert (tmp_path / "kb" / "topics" / "khai-sinh.yaml").read_text(encoding="utf-8"
                                                                     ).startswith("id: khai-sinh")
    # spreadsheet -> YAML -> documents: the same again
    export_path(import_xlsx(exported), tmp_path / "again")
    assert import_path(tmp_path / "again").to_json() == starter.to_json()


def test_write_directory_refreshes_an_export_but_refuses_other_folders(
        starter: Documents, tmp_path: Path) -> None:
    target = tmp_path / "kb"
    write_directory(starter, target)
    (target / "topics" / "old-topic.yaml").write_text("id: old-topic\n")
    write_directory(starter, target)
    assert not (target / "topics" / "old-topic.yaml").exists()
    (tmp_path / "other" / "notes.txt").parent.mkdir()
    (tmp_path / "other" / "notes.txt").write_text("x")
    with pytest.raises(ValueError, match="thư mục trống"):
        write_directory(starter, tmp_path / "other")
    with pytest.raises(ValueError, match=r"\.xlsx"):
        export_path(starter, tmp_path / "kb.csv")


def test_yaml_directory_import_reports_every_problem(starter: Documents,
                                                     tmp_path: Path) -> None:
    write_directory(starter, tmp_path / "kb")
    (tmp_path / "kb" / "topics" / "khai-sinh.yaml").write_text("id: khai-sinh\ntitle: [\n")
    with pytest.raises(KnowledgeError) as info:
        import_path(tmp_path / "kb")
    assert any("topics/khai-sinh.yaml: dòng" in str(p) for p in info.value.problems)


def test_describe_changes(starter: Documents) -> None:
    assert describe_changes(starter, starter) == []
    doc = {**starter.topics["topics/khai-sinh.yaml"], "fee": "Miễn phí"}
    new = {**starter.topics["topics/khai-sinh.yaml"], "id": "khai-sinh-moi"}
    changed = starter.with_topic(doc).with_topic(new)
    topics = {k: v for k, v in changed.topics.items() if k != "topics/ho-chieu.yaml"}
    after = Documents(topics, {**starter.commune, "hotline": "0209"}, starter.categories)
    assert describe_changes(starter, after) == [
        "thêm 1 chủ đề: khai-sinh-moi", "XÓA 1 chủ đề: ho-chieu", "sửa 1 chủ đề: khai-sinh",
        "sửa thông tin xã"]
