"""The context rules with a frozen clock: what a follow-up means, when it expires."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from handlers import brief, texts
from handlers.context import ChatContext
from handlers.conversation import Conversation, Turn, _next_context
from handlers.messages import BlockKind, Choice, Incoming, MessageKind, Reply, ReplyKind
from handlers.resolve import follow_up
from knowledge.aspects import Aspect
from knowledge.matcher import Decision, MatchResult
from knowledge.service import KnowledgeService
from tests.handlers.helpers import led_with

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def chat(knowledge: KnowledgeService) -> Conversation:
    return Conversation(knowledge)


def say(chat: Conversation, text: str, context: ChatContext | None,
        at: dt.datetime = T0) -> Turn:
    return chat.handle(Incoming("test", "u", text=text), context, at)


def answered(topic_id: str, at: dt.datetime = T0) -> ChatContext:
    return ChatContext(topic_id, (), at)


def test_an_answer_is_remembered_with_its_time(chat: Conversation) -> None:
    turn = say(chat, "làm hộ chiếu ở đâu", None)
    assert turn.context == ChatContext("ho-chieu", (), T0)


@pytest.mark.parametrize(("text", "aspect"), [
    ("còn lệ phí?", Aspect.FEE), ("thế mất mấy hôm", Aspect.TIME),
    ("vậy cần mang giấy tờ gì", Aspect.DOCUMENTS), ("nộp trên mạng được không", Aspect.ONLINE),
    ("ra chỗ nào làm", Aspect.WHERE), ("cho người nhà đi làm hộ được không", Aspect.WHO),
    ("bố mẹ có phải đi cùng không", Aspect.WHO), ("chủ nhà có phải ký không", Aspect.WHO),
    ("nếu không đăng ký thì sao", Aspect.RULES),
])
def test_a_follow_up_naming_only_an_aspect_stays_on_the_topic(
        chat: Conversation, text: str, aspect: Aspect) -> None:
    reply = say(chat, text, answered("dang-ky-thuong-tru")).reply
    assert reply.kind is ReplyKind.ANSWER and reply.topic_id == "dang-ky-thuong-tru", text
    assert led_with(reply, aspect), reply.blocks[:2]
    assert reply.choices[0].action == "full:dang-ky-thuong-tru"


@pytest.mark.parametrize("text", [
    "chồng tôi đang đi tàu biển mấy tháng mới về, tôi nộp hồ sơ thay anh ấy được không",
    "mẹ tui lãng tai, mắt kém, đi không được, tui làm giùm bả được hông",
])
def test_someone_acting_for_a_relative_stays_on_the_topic(chat: Conversation, text: str
                                                          ) -> None:
    """Who and why the person cannot come are words no entry uses (a ship, deafness): the
    form of the question ("nộp thay", "làm giùm") is what makes it a follow-up."""
    reply = say(chat, text, answered("dang-ky-thuong-tru")).reply
    assert reply.kind is ReplyKind.ANSWER and reply.topic_id == "dang-ky-thuong-tru", text
    assert led_with(reply, Aspect.WHO), reply.blocks[:2]
    assert say(chat, text, None).reply.topic_id != "dang-ky-thuong-tru"


@pytest.mark.parametrize(("topic_id", "text", "aspect", "needed"), [
    # An old or bedridden parent: the fingerprints are taken in person, so the useful line
    # is the home visit, not the rules for children (Luật Căn cước 2023, Điều 27).
    ("can-cuoc-cap-doi-cap-lai", "bố tôi nằm liệt giường không đi được thì ai làm thay",
     Aspect.WHO, "tận nhà"),
    ("can-cuoc-cap-moi", "bố tôi nằm liệt giường không đi được thì ai làm thay",
     Aspect.WHO, "tận nhà"),
    # Grandparents may register a birth (Luật Hộ tịch, Điều 15); who qualifies for the
    # social pension is stated in a step ("Kiểm tra điều kiện").
    ("khai-sinh", "ông bà đi làm thay cho bố mẹ cháu được không", Aspect.WHO, "ông, bà"),
    # "có được tiền mai táng không": the death entry names the funeral allowance in its
    # title; entitled are the families of people on social allowances (NĐ 20/2021, Đ11).
    ("khai-tu", "có được tiền mai táng không", Aspect.WHO, "hỗ trợ chi phí mai táng"),
    # the entry says it in its summary: "kể cả cấp cho người khác"
    ("ly-lich-tu-phap", "tôi làm thay cho nó được không", Aspect.WHO, "cho người khác"),
    ("tro-cap-xa-hoi", "mẹ tôi 71 tuổi hộ cận nghèo có được hưởng không", Aspect.WHO,
     "70 đến dưới 75"),
    # "Quá hạn thì sao" wants the deadline and what being late costs, not the steps.
    ("khai-sinh", "lỡ để quá hạn rồi thì sao", Aspect.RULES, "60 ngày"),
    ("dang-ky-tam-tru", "vậy có bắt buộc không", Aspect.RULES, "30 ngày"),
    ("nop-phat-giao-thong", "trễ mấy hôm có bị phạt thêm không", Aspect.RULES, "10 ngày"),
])
def test_a_part_leads_with_the_line_the_entry_states(
        chat: Conversation, topic_id: str, text: str, aspect: Aspect, needed: str) -> None:
    reply = say(chat, text, answered(topic_id)).reply
    assert reply.kind is ReplyKind.ANSWER and reply.topic_id == topic_id, text
    assert led_with(reply, aspect), reply.blocks[:2]
    assert any(needed in item for item in reply.blocks[1].items), reply.blocks[1]


def test_whether_an_old_licence_must_be_exchanged_leads_with_the_rule(
        chat: Conversation) -> None:
    """"còn bằng A1 thì có phải đổi không" after a licence answer: the entry says an old
    licence need not be exchanged. Alone the matcher cannot place "A1", so the licence is
    offered first, and the pick leads with that rule."""
    turn = say(chat, "con bang A1 thi co phai doi khong", answered("doi-gplx"))
    reply = turn.reply
    if reply.kind is ReplyKind.SUGGEST:
        assert reply.choices[0].action == "topic:doi-gplx"
        reply = chat.handle(Incoming("t", "u", kind=MessageKind.ACTION,
                                     action="topic:doi-gplx"), turn.context, T0).reply
    assert reply.kind is ReplyKind.ANSWER and reply.topic_id == "doi-gplx"
    assert led_with(reply, Aspect.RULES), reply.blocks[:2]
    assert "Không bắt buộc đổi" in reply.blocks[1].items[0]


@pytest.mark.parametrize(("topic_id", "text"), [
    ("vneid-mat-khau-thiet-bi", "khong nho mat khau"),  # "không nhớ" for "quên"
    ("dat-dai-so-do", "có cần hàng xóm ký không"),  # whose signature
    ("khai-tu", "có được tiền mai táng không"),
])
def test_a_follow_up_in_the_topics_own_words_stays_on_it(
        chat: Conversation, topic_id: str, text: str) -> None:
    reply = say(chat, text, answered(topic_id)).reply
    assert reply.kind is ReplyKind.ANSWER and reply.topic_id == topic_id, text


def test_an_aspect_and_a_title_word_pick_among_offered_topics(chat: Conversation) -> None:
    """"mua ở đâu" while BHYT and VssID are offered: "mua" is in one title only."""
    offered = ChatContext(None, ("bhyt-gia-han", "vssid"), T0)
    reply = say(chat, "mua o dau", offered).reply
    assert reply.topic_id == "bhyt-gia-han" and led_with(reply, Aspect.WHERE)


def test_late_on_a_topic_without_a_stated_rule_gets_the_short_answer(
        chat: Conversation) -> None:
    reply = say(chat, "quá hạn thì sao", answered("vssid")).reply
    assert reply.kind is ReplyKind.ANSWER and reply.topic_id == "vssid"
    assert any(b.kind is BlockKind.STEPS for b in reply.blocks), reply.blocks


def test_a_first_question_about_a_late_birth_registration_leads_with_the_rule(
        chat: Conversation) -> None:
    reply = say(chat, "con tôi được 4 tháng mà chưa làm giấy khai sinh, giờ làm có bị "
                      "phạt không", None).reply
    assert reply.kind is ReplyKind.ANSWER and reply.topic_id == "khai-sinh"
    assert led_with(reply, Aspect.RULES), reply.blocks[:2]


def test_acting_for_someone_in_another_named_procedure_is_that_procedure(
        chat: Conversation) -> None:
    reply = say(chat, "đăng ký khai sinh thay cho cháu được không", answered("ho-chieu")).reply
    assert reply.kind is ReplyKind.ANSWER and reply.topic_id == "khai-sinh"


def test_the_same_message_without_context_is_not_that_topic(chat: Conversation) -> None:
    assert say(chat, "còn lệ phí?", None).reply.topic_id != "dang-ky-thuong-tru"


def test_context_expires_after_the_ttl(chat: Conversation) -> None:
    ctx = answered("ket-hon")
    alive = say(chat, "mất bao lâu", ctx, T0 + dt.timedelta(minutes=30))
    assert alive.reply.topic_id == "ket-hon"
    expired = say(chat, "mất bao lâu", ctx, T0 + dt.timedelta(minutes=30, seconds=1))
    assert expired.reply.topic_id != "ket-hon"


def test_ttl_is_configurable(knowledge: KnowledgeService) -> None:
    short = Conversation(knowledge, context_ttl=dt.timedelta(minutes=5))
    assert say(short, "mất bao lâu", answered("ket-hon"),
               T0 + dt.timedelta(minutes=6)).reply.topic_id != "ket-hon"


@pytest.mark.parametrize("reset", ["menu", "0", "/menu"])
def test_menu_clears_the_context(chat: Conversation, reset: str) -> None:
    turn = say(chat, reset, answered("ket-hon"))
    assert turn.reply.kind is ReplyKind.MENU
    assert turn.context is not None and turn.context.empty and turn.context.at == T0
    assert say(chat, "mất bao lâu", turn.context).reply.topic_id != "ket-hon"


def test_a_message_naming_its_own_subject_wins(chat: Conversation) -> None:
    turn = say(chat, "thế còn khai báo tạm vắng", answered("ho-chieu"))
    assert turn.reply.topic_id == "khai-bao-tam-vang"
    assert turn.context is not None and turn.context.topic_id == "khai-bao-tam-vang"


@pytest.mark.parametrize("text", ["tỷ giá đô la hôm nay", "còn kết quả xổ số thì sao",
                                  "lịch cắt điện tuần này"])
def test_off_topic_stays_off_topic_after_an_answer(chat: Conversation, text: str) -> None:
    turn = say(chat, text, answered("ho-chieu"))
    assert turn.reply.kind is not ReplyKind.ANSWER, text
    assert turn.context == answered("ho-chieu"), "the earlier topic is kept, not refreshed"


@pytest.mark.parametrize(("text", "kind"), [("cám ơn nhiều", "thanks"), ("chào em", "")])
def test_thanks_and_greetings_stay_smalltalk(chat: Conversation, text: str, kind: str) -> None:
    turn = say(chat, text, answered("ho-chieu"))
    assert turn.reply.kind is ReplyKind.SMALLTALK and turn.reply.topic_id is None


@pytest.mark.parametrize(("text", "expected"), [
    ("cái thứ ba", "dang-ky-thuong-tru"), ("số 1", "dang-ky-tam-tru"), ("2", "khai-bao-tam-vang"),
    ("cái tạm vắng ấy", "khai-bao-tam-vang"), ("thường trú", "dang-ky-thuong-tru"),
])
def test_a_pick_among_offered_topics(chat: Conversation, text: str, expected: str) -> None:
    offered = ChatContext(None, ("dang-ky-tam-tru", "khai-bao-tam-vang", "dang-ky-thuong-tru"),
                          T0)
    assert say(chat, text, offered).reply.topic_id == expected


def test_a_pick_keeps_the_aspect_asked_with_the_question(chat: Conversation) -> None:
    offered = ChatContext(None, ("can-cuoc-cap-moi", "can-cuoc-cap-doi-cap-lai"), T0, ("time",))
    reply = say(chat, "cái thứ hai", offered).reply
    assert reply.topic_id == "can-cuoc-cap-doi-cap-lai" and led_with(reply, Aspect.TIME)


def test_a_button_on_a_suggestion_also_keeps_the_aspect(chat: Conversation) -> None:
    offered = ChatContext(None, ("can-cuoc-cap-moi", "can-cuoc-cap-doi-cap-lai"), T0, ("fee",))
    reply = chat.handle(Incoming("t", "u", kind=MessageKind.ACTION,
                                 action="topic:can-cuoc-cap-moi"), offered, T0).reply
    assert led_with(reply, Aspect.FEE)


def test_an_out_of_range_ordinal_is_not_a_pick(chat: Conversation) -> None:
    offered = ChatContext(None, ("dang-ky-tam-tru", "khai-bao-tam-vang"), T0)
    assert say(chat, "cái thứ tư", offered).reply.kind is not ReplyKind.ANSWER


@pytest.mark.parametrize(("text", "aspect"), [
    ("cần mang giấy tờ gì", Aspect.DOCUMENTS), ("thế mất bao lâu", Aspect.TIME),
    ("vay lam online duoc khong", Aspect.ONLINE),
])
def test_an_aspect_asked_while_choices_wait_asks_which_one(
        chat: Conversation, text: str, aspect: Aspect) -> None:
    """Several topics offered, then only an aspect: it is about one of them. Alone,
    "giấy tờ gì" would be offered whatever topics mention papers most."""
    topics = ("can-cuoc-cap-moi", "can-cuoc-cap-doi-cap-lai", "tro-cap-xa-hoi")
    turn = say(chat, text, ChatContext(None, topics, T0))
    assert turn.reply.kind is ReplyKind.SUGGEST
    assert turn.reply.blocks[0].text == texts.SUGGEST_WHICH_ASPECT.format(
        what=brief.ASPECT_WORDS[aspect])
    assert [c.action for c in turn.reply.choices][:3] == [f"topic:{t}" for t in topics]
    assert turn.context == ChatContext(None, topics, T0, (aspect.value,))
    picked = say(chat, "2", turn.context).reply
    assert picked.topic_id == "can-cuoc-cap-doi-cap-lai" and led_with(picked, aspect)


def test_while_choices_wait_a_subject_or_other_talk_is_not_asked_which(
        chat: Conversation) -> None:
    topics = ("can-cuoc-cap-moi", "can-cuoc-cap-doi-cap-lai")
    waiting = ChatContext(None, topics, T0, ("fee",))
    for text in ("thế còn đăng ký tạm trú mất bao lâu", "giá vàng hôm nay bao nhiêu",
                 "cảm ơn", "lam lai bang lai o dau"):
        assert not asks_which(say(chat, text, waiting).reply), text
    # A pointer back with no aspect keeps the aspect asked before the choices.
    turn = say(chat, "cái đó thì sao", waiting)
    assert turn.reply.blocks[0].text == texts.SUGGEST_WHICH_ASPECT.format(what="lệ phí")
    assert turn.context is not None and turn.context.aspects == ("fee",)
    assert say(chat, "cái đó thì sao", ChatContext(None, topics, T0)).reply.blocks[0].text \
        == texts.SUGGEST_WHICH


def asks_which(reply: Reply) -> bool:
    head = reply.blocks[0].text if reply.blocks else ""
    return head == texts.SUGGEST_WHICH or head.endswith(
        texts.SUGGEST_WHICH_ASPECT.split("{what}")[1])


@pytest.mark.parametrize(("offered", "text", "expected"), [
    # "giấy" is in many titles: it picks none (this was answered as land titles once)
    (("bo-phan-mot-cua", "nop-ho-so-truc-tuyen", "dat-dai-so-do"), "bao lau thi co giay",
     None),
    # a level of government is where, not what
    (("ho-kinh-doanh", "giay-phep-xay-dung", "doi-gplx"), "len huyen lam hay o xa", None),
    # a pick in words, "bị" aside
    (("can-cuoc-cap-doi-cap-lai", "dat-dai-so-do", "doi-gplx"), "cai lam lai the bi mat do",
     "can-cuoc-cap-doi-cap-lai"),
])
def test_an_aspect_question_while_choices_wait_picks_only_a_named_one(
        chat: Conversation, offered: tuple[str, ...], text: str, expected: str | None) -> None:
    reply = say(chat, text, ChatContext(None, offered, T0)).reply
    if expected is None:
        assert reply.kind is not ReplyKind.ANSWER and asks_which(reply), reply.blocks[:1]
    else:
        assert reply.kind is ReplyKind.ANSWER and reply.topic_id == expected


def test_a_suggestion_is_remembered_with_the_asked_aspect(knowledge: KnowledgeService) -> None:
    chat = Conversation(knowledge)
    snap = knowledge.current
    # A vague question gets choices; the chat stores exactly the topics offered.
    turn = say(chat, "lệ phí bao nhiêu", None)
    assert turn.reply.kind is ReplyKind.SUGGEST
    offered = tuple(c.action[6:] for c in turn.reply.choices if c.action.startswith("topic:"))
    assert offered
    # One topic offered is the only thing a follow-up can be about.
    topic = offered[0] if len(offered) == 1 else None
    assert turn.context == ChatContext(topic, offered, T0, ("fee",))
    assert all(t in snap.kb.topics for t in offered)


def test_a_single_offered_topic_takes_the_follow_up(chat: Conversation) -> None:
    """One topic offered: "mất mấy ngày?" next can only be about it."""
    one = Turn("e1", Reply(ReplyKind.SUGGEST, (), (Choice("Đổi bằng lái", "topic:doi-gplx"),
                                                    Choice("Không phải", "menu"))))
    offered = _next_context(one, None, T0)
    assert offered is not None and offered.offered_topics == ("doi-gplx",)
    two = Turn("e2", Reply(ReplyKind.SUGGEST, (), (Choice("a", "topic:doi-gplx"),
                                                    Choice("b", "topic:dang-ky-xe"))))
    assert _next_context(two, None, T0).topic_id is None  # type: ignore[union-attr]
    snap_reply = say(chat, "mất mấy ngày", offered).reply
    assert snap_reply.kind is ReplyKind.ANSWER and snap_reply.topic_id == "doi-gplx"
    assert led_with(snap_reply, Aspect.TIME)


def test_context_round_trips_and_tolerates_bad_data() -> None:
    ctx = ChatContext("ho-chieu", ("a-b", "c-d"), T0, ("fee",))
    assert ChatContext.from_dict(ctx.to_dict()) == ctx
    naive = {**ctx.to_dict(), "at": "2026-12-01T09:00:00"}
    assert ChatContext.from_dict(naive) == ctx
    for bad in (None, [], {"at": "yesterday"}, {"at": 5}, "x"):
        assert ChatContext.from_dict(bad) is None  # type: ignore[arg-type]
    assert not ChatContext(None, (), T0).alive(T0)


def test_acting_for_someone_follows_up_unless_another_topic_is_named(
        knowledge: KnowledgeService) -> None:
    """The rule on the matcher's verdict: unsure of a subject, a "làm thay" question is about
    the topic in context — unless it holds another topic's title or keyword."""
    kb = knowledge.current.kb
    text = "ông nhà tôi đi biển chưa về, tôi làm thay được không"
    unsure = MatchResult(text, Decision.FALLBACK, None, 0.1, ())
    assert follow_up(text, unsure, "ho-chieu", kb)
    assert follow_up(text, replace(unsure, named=frozenset({"ho-chieu"})), "ho-chieu", kb)
    assert not follow_up(text, replace(unsure, named=frozenset({"khai-sinh"})), "ho-chieu", kb)


def test_the_matcher_reports_the_topics_a_question_names(knowledge: KnowledgeService) -> None:
    assert "ho-chieu" in knowledge.current.match("lệ phí làm hộ chiếu").named
    assert knowledge.current.match("ông nhà tôi đi biển chưa về").named == frozenset()


def test_a_pointer_back_whose_best_guess_is_the_topic_follows_up(
        knowledge: KnowledgeService) -> None:
    """Unsure alone, ranked first on the topic in context, pointing back: a follow-up, even
    with a word the entry never uses. Ranked first on another topic, or not pointing
    back, it stays a question of its own."""
    from knowledge.matcher import Candidate

    kb = knowledge.current.kb
    text = "cái hộ chiếu đó có cần trước khi đổ móng không"
    unsure = MatchResult(text, Decision.SUGGEST, None, 0.4,
                         (Candidate("ho-chieu", 0.5), Candidate("dvc-tai-khoan", 0.2)))
    assert follow_up(text, unsure, "ho-chieu", kb)
    other_first = replace(unsure, candidates=unsure.candidates[::-1])
    assert not follow_up(text, other_first, "ho-chieu", kb)
    plain = "hộ chiếu có cần trước khi đổ móng không"
    assert not follow_up(plain, replace(unsure, query=plain), "ho-chieu", kb)


@pytest.mark.parametrize(("text", "aspect"), [
    ("chồng tôi chạy xe ôm cả ngày, tối mới rảnh, nộp qua mạng được không", Aspect.ONLINE),
    ("mẹ tôi mắt kém không đọc được chữ nhỏ, ra chỗ nào nộp", Aspect.WHERE),
])
def test_an_unplaced_question_asking_an_aspect_is_offered_the_topic_in_context(
        chat: Conversation, text: str, aspect: Aspect) -> None:
    """Circumstances in words no entry uses: the matcher cannot place it, so it is not
    answered as a follow-up — but the topic just answered is the first choice, and
    picking it leads with what was asked."""
    turn = say(chat, text, answered("dang-ky-tam-tru"))
    reply = turn.reply
    assert reply.kind is ReplyKind.SUGGEST and reply.topic_id is None
    assert reply.choices[0].action == "topic:dang-ky-tam-tru"
    assert "tiếp về" in reply.blocks[0].text
    assert {"menu", "handoff"} <= {c.action for c in reply.choices}
    assert turn.match is not None and turn.match.decision is Decision.SUGGEST
    picked = say(chat, "1", turn.context, T0 + dt.timedelta(minutes=1)).reply
    assert picked.topic_id == "dang-ky-tam-tru" and led_with(picked, aspect)


@pytest.mark.parametrize("text", [
    "còn chuyện đám giỗ nhà bên thì sao",  # a pointer alone: "còn X" names its subject
    "còn xổ số miền bắc hôm nay mấy giờ quay",  # a listed uncovered subject
    "làm hộ chiếu thì cần giấy tờ gì",  # another topic by its name: answered as asked
])
def test_no_context_offer_when_the_message_names_its_own_subject(
        chat: Conversation, text: str) -> None:
    reply = say(chat, text, answered("dang-ky-tam-tru")).reply
    assert "topic:dang-ky-tam-tru" not in [c.action for c in reply.choices], text


def test_words_of_its_own_make_a_question_of_its_own(knowledge: KnowledgeService) -> None:
    """Each word occurs somewhere in the passport entry's 40-odd example questions, but four
    or more of them the matcher does not place on the passport are a new question; the
    same words with the passport as the matcher's best guess stay a follow-up, and so do
    fewer of them ("còn đi Nhật thì mất bao nhiêu")."""
    from knowledge.matcher import Candidate

    kb = knowledge.current.kb
    text = "con đi xuất khẩu lao động Nhật hết bao nhiêu tiền"
    elsewhere = MatchResult(text, Decision.FALLBACK, None, 0.1,
                            (Candidate("chung-thuc-ban-sao", 0.2), Candidate("ho-chieu", 0.1)))
    assert not follow_up(text, elsewhere, "ho-chieu", kb)
    assert follow_up(text, replace(elsewhere, candidates=elsewhere.candidates[::-1]),
                     "ho-chieu", kb)
    short = "còn đi Nhật thì mất bao nhiêu"
    assert follow_up(short, replace(elsewhere, query=short), "ho-chieu", kb)


def test_the_off_topic_list_asked_right_after_an_answer_is_rarely_answered(
        chat: Conversation) -> None:
    """The off-topic questions (knowledge/data/off_topic.yaml: near-domain subjects the
    knowledge base lacks, farming, prices…) asked right after an answer on three topics.
    The model was trained on them, so this is a floor for regressions, not a held-out
    figure: 37 of 903 were answered for the topic in context before a follow-up's own words
    were counted (handlers.resolve.OWN_WORDS) and "hỗ trợ", "giám hộ" stopped reading as
    "on behalf"; 20 after (held out, 38 → 22 taken for follow-ups)."""
    from knowledge.off_topic import load_off_topic

    asked = answered_for_context = 0
    for topic in ("ho-chieu", "dang-ky-tam-tru", "tro-cap-xa-hoi"):
        for text in load_off_topic():
            asked += 1
            reply = say(chat, text, answered(topic)).reply
            answered_for_context += reply.kind is ReplyKind.ANSWER and reply.topic_id == topic
    assert answered_for_context / asked <= 0.03, answered_for_context
