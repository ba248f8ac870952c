"""The channel-neutral conversation on the real starter knowledge base."""

from __future__ import annotations

import pytest

from handlers import texts
from handlers.conversation import Conversation
from handlers.messages import BlockKind, Incoming, MessageKind, Reply, ReplyKind
from knowledge.matcher import Candidate, Decision, MatchResult
from knowledge.service import KnowledgeService


@pytest.fixture
def chat(knowledge: KnowledgeService) -> Conversation:
    return Conversation(knowledge, max_chars=500)


def say(chat: Conversation, text: str) -> Reply:
    return chat.handle(Incoming("test", "u1", text=text)).reply


def press(chat: Conversation, action: str) -> Reply:
    return chat.handle(Incoming("test", "u1", kind=MessageKind.ACTION, action=action)).reply


def actions(reply: Reply) -> list[str]:
    return [c.action for c in reply.choices]


def test_start_greets_and_offers_every_non_empty_category(chat: Conversation) -> None:
    reply = say(chat, "/start")
    assert reply.kind is ReplyKind.INFO
    assert "Phủ Thông" in reply.blocks[0].text
    cats = [a for a in actions(reply) if a.startswith("cat:")]
    assert "cat:identity" in cats and "cat:civil-status" in cats
    assert all(chat.knowledge.current.kb.by_category(a[4:]) for a in cats)


def test_full_answer_has_steps_facts_sources_and_feedback(chat: Conversation) -> None:
    asked = chat.handle(Incoming("test", "u1", text="lam can cuoc cho con o dau")).reply
    assert asked.kind is ReplyKind.ANSWER and asked.topic_id == "can-cuoc-cap-moi"
    assert asked.blocks[1].label == texts.LABEL_WHERE, "the reply leads with what was asked"
    assert "full:can-cuoc-cap-moi" in actions(asked)
    turn = chat.handle(Incoming("test", "u1", kind=MessageKind.ACTION,
                                action="full:can-cuoc-cap-moi"))
    reply = turn.reply
    assert reply.kind is ReplyKind.ANSWER and reply.topic_id == "can-cuoc-cap-moi"
    kinds = [b.kind for b in reply.blocks]
    assert BlockKind.STEPS in kinds and BlockKind.LINKS in kinds
    labels = {b.label for b in reply.blocks}
    assert {texts.LABEL_FEE, texts.LABEL_TIME, texts.LABEL_LEGAL, texts.LABEL_WHERE} <= labels
    assert f"fb:y:{turn.event_id}" in actions(reply)
    assert f"fb:n:{turn.event_id}" in actions(reply)
    assert "handoff:can-cuoc-cap-moi" in actions(reply)
    assert all(len(a.encode()) <= 64 for a in actions(reply))
    assert "cán bộ xã chưa kiểm tra lại" in reply.blocks[-1].text


def test_every_topic_renders_and_links_only_to_existing_topics(chat: Conversation) -> None:
    kb = chat.knowledge.current.kb
    for topic_id in kb.topics:
        reply = press(chat, f"topic:{topic_id}")
        assert reply.kind is ReplyKind.ANSWER
        for action in actions(reply):
            if action.startswith("topic:"):
                assert action[6:] in kb.topics


def test_out_of_scope_gets_menu_person_and_contact(chat: Conversation) -> None:
    reply = say(chat, "giá vàng hôm nay bao nhiêu")
    assert reply.kind in {ReplyKind.FALLBACK, ReplyKind.SUGGEST}
    assert reply.topic_id is None
    if reply.kind is ReplyKind.FALLBACK:
        assert {"menu", "handoff", "contact"} <= set(actions(reply))


def test_suggestion_offers_topics_and_a_way_out(chat: Conversation) -> None:
    reply = say(chat, "tam tru tam vang")
    assert reply.kind in {ReplyKind.SUGGEST, ReplyKind.ANSWER}
    if reply.kind is ReplyKind.SUGGEST:
        assert actions(reply)[-2:] == ["menu", "handoff"]  # none of these: menu or a person
        assert 3 <= len(reply.choices) <= 5


def test_category_then_topic(chat: Conversation) -> None:
    reply = press(chat, "cat:residence")
    assert reply.kind is ReplyKind.MENU
    assert "topic:dang-ky-tam-tru" in actions(reply) and actions(reply)[-1] == "menu"
    assert press(chat, "topic:dang-ky-tam-tru").topic_id == "dang-ky-tam-tru"


@pytest.mark.parametrize("action", ["topic:khong-co", "cat:xyz", "fb:", "nonsense", "fb:y:",
                                    "topic:" + "x" * 70])
def test_stale_or_tampered_actions_are_refused_politely(chat: Conversation, action: str) -> None:
    reply = press(chat, action)
    assert reply.kind is ReplyKind.ERROR
    assert reply.blocks[0].text == texts.EXPIRED


def test_feedback_is_reported_for_logging(chat: Conversation) -> None:
    turn = chat.handle(Incoming("test", "u1", kind=MessageKind.ACTION, action="fb:n:abc123"))
    assert turn.feedback == ("abc123", False) and turn.feedback_reason is None
    assert "handoff" in actions(turn.reply)
    # One tap says what was wrong; each reason is a 👎 vote that carries it.
    reasons = [a for a in actions(turn.reply) if a.startswith("fr:")]
    assert reasons == [f"fr:{code}:abc123" for code in texts.FEEDBACK_REASONS]
    for action in reasons:
        said = chat.handle(Incoming("test", "u1", kind=MessageKind.ACTION, action=action))
        assert said.feedback == ("abc123", False)
        assert said.feedback_reason == action.split(":")[1]
        assert said.reply.blocks[0].text == texts.FEEDBACK_REASON_THANKS
    forged = chat.handle(Incoming("test", "u1", kind=MessageKind.ACTION, action="fr:x:abc123"))
    assert forged.feedback is None and forged.reply.kind is ReplyKind.ERROR


@pytest.mark.parametrize("kind", [MessageKind.IMAGE, MessageKind.STICKER, MessageKind.VOICE,
                                  MessageKind.FILE, MessageKind.LOCATION, MessageKind.OTHER])
def test_non_text_messages_get_a_polite_text_only_reply(chat: Conversation,
                                                        kind: MessageKind) -> None:
    reply = chat.handle(Incoming("test", "u1", kind=kind)).reply
    assert reply.kind is ReplyKind.UNSUPPORTED and reply.blocks[0].text == texts.UNSUPPORTED


def test_empty_and_huge_messages(chat: Conversation) -> None:
    assert say(chat, "   ").blocks[0].text == texts.EMPTY
    turn = chat.handle(Incoming("test", "u1", text="làm căn cước cho con ở đâu " * 500))
    assert turn.truncated and turn.reply.blocks[0].text == texts.TOO_LONG


@pytest.mark.parametrize(("text", "kind"), [("/menu", ReplyKind.MENU), ("menu", ReplyKind.MENU),
                                            ("0", ReplyKind.MENU), ("/lienhe", ReplyKind.INFO),
                                            ("/help", ReplyKind.INFO), ("/xyz", ReplyKind.INFO)])
def test_commands_and_keywords(chat: Conversation, text: str, kind: ReplyKind) -> None:
    assert say(chat, text).kind is kind


@pytest.mark.parametrize("text", ["quay lại menu", "Về danh mục chính đi bot", "trở lại nhé",
                                  "cho tui xem menu", "cho tôi xem danh sách các thủ tục nhé",
                                  "danh mục thủ tục hành chính"])
def test_going_back_to_the_menu_in_own_words(chat: Conversation, text: str) -> None:
    assert say(chat, text).kind is ReplyKind.MENU


@pytest.mark.parametrize("text", ["menu quán phở gần chợ", "quay lại xã làm hộ chiếu",
                                  "danh sách thủ tục khi mất căn cước",
                                  "cho xem các thủ tục"])  # no "danh mục", "menu": a question
def test_a_question_that_mentions_going_back_is_not_the_menu(chat: Conversation,
                                                             text: str) -> None:
    assert say(chat, text).kind is not ReplyKind.MENU


def test_contact_shows_only_known_details(chat: Conversation) -> None:
    reply = say(chat, "/lienhe")
    fields = [b for b in reply.blocks if b.kind is BlockKind.FIELD]
    assert all(b.text for b in fields)
    commune = chat.knowledge.current.kb.commune
    if not commune.hotline:
        assert all(b.label != texts.LABEL_HOTLINE for b in fields)


def test_handoff_with_and_without_staff(knowledge: KnowledgeService) -> None:
    without = Conversation(knowledge).handle(
        Incoming("t", "u", kind=MessageKind.ACTION, action="handoff:khai-sinh")).reply
    assert without.kind is ReplyKind.HANDOFF and "handoff" not in without.actions
    assert without.blocks[0].text == texts.HANDOFF_NOBODY  # starter: no phone
    staffed = Conversation(knowledge, handoff_available=True)
    pushed = staffed.handle(Incoming("t", "u", kind=MessageKind.ACTION,
                                     action="handoff:khai-sinh", chat_ref="42")).reply
    assert pushed.actions == ("handoff",) and pushed.topic_id == "khai-sinh"
    # The web chat cannot receive a staff answer later: it gets the contact instead.
    web = staffed.handle(Incoming("web", "u", kind=MessageKind.ACTION,
                                  action="handoff:khai-sinh")).reply
    assert "handoff" not in web.actions and web.blocks[0].text == texts.HANDOFF_NOBODY


def test_smalltalk_replies(chat: Conversation) -> None:
    assert say(chat, "cảm ơn nhé").blocks[0].text == texts.THANKS
    assert say(chat, "chào bạn").kind is ReplyKind.SMALLTALK


def test_an_answer_offers_the_second_topic_the_question_names(chat: Conversation) -> None:
    reply = say(chat, "chứng thực bản sao sổ đỏ")
    if reply.kind is ReplyKind.ANSWER:
        other = ({"chung-thuc-ban-sao", "dat-dai-so-do"} - {reply.topic_id}).pop()
        assert reply.choices[0].action == f"topic:{other}"
        assert reply.blocks[-1].kind is BlockKind.NOTE
        assert reply.blocks[-1].text.startswith("Có thể bạn cũng cần:")
    else:
        assert reply.kind is ReplyKind.SUGGEST


def test_a_greeting_gets_the_welcome_and_a_person(chat: Conversation) -> None:
    reply = say(chat, "chào bạn")
    assert reply.kind is ReplyKind.SMALLTALK
    assert "handoff" in actions(reply) and any(a.startswith("cat:") for a in actions(reply))


def _suggestion(chat: Conversation, *topics: str) -> Reply:
    result = MatchResult("q", Decision.SUGGEST, None, 0.4,
                         tuple(Candidate(t, 0.5) for t in topics))
    return Conversation._suggest(chat.knowledge.current, result, texts.SUGGEST_TITLE)


def test_one_close_topic_is_asked_as_yes_or_no_not_a_list_of_one(chat: Conversation) -> None:
    one = _suggestion(chat, "dang-ky-thuong-tru")
    title = chat.knowledge.current.kb.topics["dang-ky-thuong-tru"].title
    assert one.blocks[0].text == texts.SUGGEST_ONE.format(title=title)
    assert [(c.label, c.action) for c in one.choices] == [
        (texts.SUGGEST_ONE_YES.format(title=title), "topic:dang-ky-thuong-tru"),
        (texts.SUGGEST_ONE_NO, "menu"), (texts.BUTTON_HANDOFF, "handoff")]
    two = _suggestion(chat, "dang-ky-thuong-tru", "lien-thong-khai-sinh")
    assert two.blocks[0].text == texts.SUGGEST_TITLE
    assert actions(two) == ["topic:dang-ky-thuong-tru", "topic:lien-thong-khai-sinh", "menu",
                            "handoff"]
    assert two.choices[2].label == texts.SUGGEST_NONE
