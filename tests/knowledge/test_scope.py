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
