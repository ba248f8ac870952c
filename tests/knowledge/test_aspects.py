"""Aspect detection, residual words and "no checked figure" on folded text."""

from __future__ import annotations

import pytest

from knowledge.aspects import (
    Aspect,
    asked,
    asks_for_proxy,
    detect,
    focus_words,
    refers_back,
    residual_words,
    unverified,
)


@pytest.mark.parametrize(("text", "aspects"), [
    ("làm giấy phép xây dựng tốn bao nhiêu tiền", (Aspect.FEE,)),
    ("LE PHI CHUNG THUC", (Aspect.FEE,)),
    ("bao lâu thì lấy được kết quả", (Aspect.TIME,)),
    ("xin giấy xác nhận cư trú cần chuẩn bị gì", (Aspect.DOCUMENTS,)),
    ("đăng ký xe máy ở đâu", (Aspect.WHERE,)),
    ("lam tren dien thoai duoc ko", (Aspect.ONLINE,)),
    ("nhờ con trai nộp thay có được không", (Aspect.WHO,)),
    ("phí bao nhiêu và mất mấy ngày", (Aspect.FEE, Aspect.TIME)),
    ("chứng thực tính tiền thế nào", (Aspect.FEE,)),
    ("nộp sáng thì chiều lấy liền được không", (Aspect.TIME,)),
    ("có kết quả trong ngày không", (Aspect.TIME,)),
    # regional and everyday forms
    ("làm cái này có tốn kém gì không", (Aspect.FEE,)),
    ("đóng có mất đồng nào không", (Aspect.FEE,)),
    ("chừng nào thì nhận được giấy", (Aspect.TIME,)),
    ("chờ lâu hông", (Aspect.TIME,)),
    ("phải đem giấy chi theo", (Aspect.DOCUMENTS,)),
    ("làm ở mô", (Aspect.WHERE,)),
    ("nộp ở xã hay lên huyện", (Aspect.WHERE,)),
    ("bấm trên điện thoại được không", (Aspect.ONLINE,)),
    ("có cần lên tận nơi không", (Aspect.ONLINE,)),
    ("làm giấy này hết bn", (Aspect.FEE,)),  # "bn" typed for "bao nhiêu"
    ("chờ bn ngày mới có", (Aspect.TIME,)),
    ("bạn bn tuổi", ()),  # "bn" is also "bạn"
    ("ngồi ở nhà khai được không", (Aspect.ONLINE,)),
    ("con gái tôi đi nộp được không", (Aspect.WHO,)),
    ("có bắt buộc vợ tôi phải lên ký không", (Aspect.WHO,)),
    ("em đi làm được không", ()),  # "em" is the speaker
    ("vợ tôi đi làm công ty được không", ()),  # going to work, not acting for someone
    ("mấy tháng rồi chưa về", ()),  # a stay's length, not the fee or the time
    ("làm căn cước cho con", ()),
    ("đi làm căn cước phải đem những gì", (Aspect.DOCUMENTS,)),
    ("hướng dẫn đăng ký kết hôn", ()),
    ("làm hộ chiếu", ()),  # "hộ chiếu" is a passport, not "on behalf"
    ("hộ khẩu cũ còn dùng được không", ()),
    ("mẹ tôi 80 tuổi có được nhận tiền hằng tháng không", (Aspect.WHO,)),  # entitled?
    ("bố mẹ có phải đi cùng không", (Aspect.WHO,)),  # who must come along
    ("chủ nhà có phải ký không", (Aspect.WHO,)),  # whose signature or consent
    ("có phải cả hai vợ chồng ký không", (Aspect.WHO,)),
    ("có cần ký kết hôn lại không", ()),
    ("nếu không đăng ký thì sao", (Aspect.RULES,)),  # what if it is not done
    ("không đổi thẻ có bị gì không", (Aspect.RULES,)),
    ("tôi không biết dùng điện thoại thì sao", ()),  # help, not a rule
    ("không có giấy chứng sinh thì sao", ()),  # a missing paper, not a rule
    ("thẻ căn cước cũ có phải đổi sang thẻ mới không", (Aspect.RULES,)),  # compulsory?
    ("tiền mai táng phí nhận ở đâu", (Aspect.WHERE,)),  # an allowance, not a fee
    ("mất tiền không", (Aspect.FEE,)),
    ("một người đóng bao nhiêu", (Aspect.FEE,)),
    ("để quá 10 ngày mới nộp có sao không", (Aspect.RULES,)),
    ("qua 2 ngay nua toi di", ()),  # "in two days", not a deadline passed
    ("cháu có cần có mặt không", (Aspect.WHO,)),
    ("đi cùng nhau đi", ()),
    # late, fined, compulsory
    ("quá hạn thì sao", (Aspect.RULES,)),
    ("trễ mấy hôm có bị phạt không", (Aspect.RULES,)),  # not "how many days"
    ("cái này có bắt buộc không", (Aspect.RULES,)),
    ("nộp phạt giao thông ở đâu", (Aspect.WHERE,)),  # paying a fine is a subject
    ("có phải đăng ký tạm trú không", ()),  # a plain question: the gist says who must
])
def test_detect(text: str, aspects: tuple[Aspect, ...]) -> None:
    assert detect(text) == aspects


@pytest.mark.parametrize(("text", "rest"), [
    ("thế còn lệ phí?", ()), ("vậy cái đó làm online được chứ", ()),
    ("còn khai báo tạm vắng thì sao", ("khai", "tam", "vang")),
    ("giá vàng hôm nay", ("gia", "vang", "hom")),
    ("phải đóng trong mấy ngày", ("dong",)),  # "trong", "tận": words of no subject
    ("có phải lên tận huyện không", ("len", "huyen")),
    ("tạm trú quá hạn có bị phạt không", ("tam", "tru")),
])
def test_residual_words(text: str, rest: tuple[str, ...]) -> None:
    assert residual_words(text) == rest


def test_refers_back() -> None:
    assert refers_back("còn giấy tờ thì sao") and refers_back("cái đó")
    # what follows from it: late, fined, still valid
    assert refers_back("nộp trễ hạn thì có sao không") and refers_back("có bị phạt không")
    assert refers_back("giấy đó có thời hạn không")
    assert refers_back("làm kiểu đó có được không")
    assert refers_back("cái giấy phép ấy xin ở đâu") and refers_back("cai the nay het han chua")
    assert not refers_back("làm lại cái sổ đỏ mất bao lâu")  # "đỏ" folds to "do" too
    assert not refers_back("trẻ em có phải làm không")  # "trẻ" (child), not "trễ" (late)
    assert not refers_back("con tôi 6 tuổi làm căn cước được không")
    assert not refers_back("cách đăng ký khai sinh")


@pytest.mark.parametrize(("field", "expected"), [
    ("Chưa có nguồn về thời gian duyệt.", True),
    ("Lệ phí chưa được xác minh - xem khi nộp.", True),
    ("Các nguồn không nêu khoản phí nào.", True), ("", True),
    ("Không quá 7 ngày làm việc.", False), ("Miễn lệ phí.", False),
])
def test_unverified(field: str, expected: bool) -> None:
    assert unverified(field) is expected


@pytest.mark.parametrize(("text", "proxy"), [
    ("Bà bị tai biến nằm một chỗ, tôi là con gái đi nộp hồ sơ thay bà có được không", True),
    ("ba đang nằm viện, tui ký giùm ổng được hông", True),
    ("nhận kết quả thay được không", True),
    ("anh ấy đi làm xa, em đi làm một mình trước được không", True),
    ("chồng tôi cũng cần một bản, tôi xin luôn cho anh ấy được không", True),
    ("làm hộ chiếu ở đâu", False),  # a passport, not "on behalf"
    ("nộp hồ sơ hộ kinh doanh", False),
    ("làm thẻ thay thế", False), ("làm thẻ thay ảnh cũ", False),
    ("mẹ tôi ốm nhờ ai chăm", False),
    ("xin hỗ trợ tiền học cho con", False),  # "hỗ trợ", not "hộ"
    ("đăng ký giám hộ cho cháu", False), ("xin xét hộ cận nghèo", False),
    ("xin hộ giấy cho mẹ được không", True),
])
def test_asks_for_proxy(text: str, proxy: bool) -> None:
    assert asks_for_proxy(text) is proxy
    if proxy:
        assert Aspect.WHO in detect(text)


def test_residual_words_keep_the_subject_between_verb_and_marker() -> None:
    """"đăng ký khai sinh thay cho cháu": only "thay" is the marker; "khai sinh" stays, so
    it can name a subject of its own."""
    assert residual_words("đăng ký khai sinh thay cho cháu được không") == ("khai", "sinh")


@pytest.mark.parametrize(("text", "aspects"), [
    # an aspect mentioned on the way, then "how?": the general question
    ("con tôi học ở thành phố, nghe nói làm trên điện thoại cũng được, vậy làm sao", ()),
    ("giấy tờ mất hết rồi, giờ làm lại kiểu gì", ()),
    # the last clause itself asks the aspect, or there is no "how"
    ("con tôi học ở thành phố, lệ phí thế nào", (Aspect.FEE,)),
    ("làm căn cước cho con, ở đâu", (Aspect.WHERE,)),
    ("làm trên điện thoại được không", (Aspect.ONLINE,)),
    # as a first question, "how, on the phone" wants the steps
    ("con tôi học ở thành phố, làm trên điện thoại thế nào", ()),
    ("báo qua vneid thì làm sao", ()),
    # a clause that only tells the situation does not lead
    ("viết giấy ủy quyền cho cháu đi lĩnh tiền giùm, giờ ra đâu xác nhận chữ ký hả",
     (Aspect.WHERE,)),
    ("lệ phí bao nhiêu, mất mấy ngày", (Aspect.FEE, Aspect.TIME)),
    # asked for the steps: the means on the way does not lead
    ("chỉ mình đăng ký tạm trú online với, từng bước nha", ()),
])
def test_asked(text: str, aspects: tuple[Aspect, ...]) -> None:
    assert asked(text) == aspects


def test_following_an_answer_how_on_the_phone_asks_for_the_online_part() -> None:
    assert asked("vậy báo trên vneid thế nào", following=True) == (Aspect.ONLINE,)
    assert asked("vậy báo trên vneid thế nào") == ()


def test_focus_words_keep_everyday_nouns_the_subject_filter_drops() -> None:
    """What a message asks about within a topic: "chủ nhà" and "mai táng" stay; aspect
    phrases, pointers and particles go."""
    assert focus_words("chủ nhà có phải ký không") == ("chu", "nha")
    assert focus_words("thế còn tiền mai táng thì sao") == ("tien", "mai", "tang")
    assert residual_words("chủ nhà có phải ký không") == ()
