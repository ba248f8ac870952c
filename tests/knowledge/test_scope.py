from knowledge.normalize import Normalizer
from knowledge.scope import ScopeGuard


def test_named_gap_is_found_with_or_without_diacritics() -> None:
    n = Normalizer.from_directory()
    guard = ScopeGuard(["con nuôi", "trợ cấp thất nghiệp"], n)
    assert guard.gap(n.normalize("thủ tục nhận con nuôi")) == "con nuôi"
    assert guard.gap(n.normalize("nhan tro cap that nghiep o dau")) == "trợ cấp thất nghiệp"
    assert guard.gap(n.normalize("nhận cha mẹ con")) is None


def test_gap_is_ignored_when_the_topic_mentions_it() -> None:
    n = Normalizer.from_directory()
    guard = ScopeGuard(["con nuôi"], n)
    assert guard.gap(n.normalize("nhan con nuoi"), topic_text="thu tuc nhan con nuoi") is None


def test_whole_words_only() -> None:
    n = Normalizer.from_directory()
    guard = ScopeGuard(["visa"], n)
    assert guard.gap(n.normalize("thẻ visa debit")) == "visa"
    assert guard.gap(n.normalize("visas")) is None


def test_a_gap_named_as_the_purpose_does_not_count() -> None:
    """"… để làm hồ sơ vay vốn": the loan is what the paper is for, not the question."""
    n = Normalizer.from_directory()
    guard = ScopeGuard(["vay vốn"], n)
    assert guard.gap(n.normalize("xin giấy độc thân để làm hồ sơ vay vốn")) is None
    assert guard.gap(n.normalize("xin giay doc than de vay von")) is None
    assert guard.gap(n.normalize("vay vốn để làm nhà")) == "vay vốn"
