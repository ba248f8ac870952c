"""Requests for each entry point, drawn from seeded generators around :class:`TextMaker`.

Each builder returns :class:`Probe` objects with the statuses the contract allows:
a well-formed request gets its answer (200, or a redirect for forms), a malformed one a
4xx — never a 5xx. Ids (Telegram ``update_id``, Zalo ``message_id``) are unique per run,
so every valid update is really processed.
"""

from __future__ import annotations

import itertools
import json
import random
import time
from typing import Any
from urllib.parse import quote

from tests.bot.hostile_bodies import MALFORMED
from tests.fuzz.hostile.harness import ADDRESS_HEADER, Probe
from tests.fuzz.hostile.texts import Sample, TextMaker

OK = frozenset({200})
BAD = frozenset({400})
BAD_OR_BIG = frozenset({400, 413})
OK_OR_BAD = frozenset({200, 400})
FORBIDDEN = frozenset({403})
WEB_LIMIT = 64 * 1024
ZALO_LIMIT = 256 * 1024
_ids = itertools.count(7_000_000)

ODD_VALUES: list[Any] = [None, True, False, 0, -1, 2**63, 1.5, -1e308, "", "x", "１２", [], {},
                         [1, "a"], {"id": 1}, "9" * 90, [[[[]]]], {"": {"": None}}]
ACTIONS = ["menu", "help", "contact", "handoff", "0", "topic:khai-sinh", "topic:does-not-exist",
           "cat:identity", "cat:", "fb:y:", "fb:n:0000", "fb:y:" + "f" * 32, "fu:y:1", "fa:1",
           "topic:../../etc/passwd", "st:approve:1", "\x00", "topic:" + "a" * 70]


def next_id() -> int:
    return next(_ids)


def _json(value: Any, *, ascii_only: bool) -> bytes:
    """JSON as a client writes it; lone surrogates can only travel as ``\\ud800`` escapes."""
    return json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


def _text(maker: TextMaker, **kw: Any) -> Sample:
    return maker.sample(**kw)


def nested(depth: int, leaf: Any = 1) -> Any:
    value = leaf
    for k in range(depth):
        value = [value] if k % 2 else {"a": value}
    return value


def raw_bodies(rng: random.Random) -> tuple[str, bytes]:
    """Bodies that are not JSON an entry point can use: the shared list and random bytes."""
    choice = rng.randrange(4)
    if choice == 0:
        name, body, _ = rng.choice(MALFORMED)
        return name, body
    if choice == 1:
        return "random bytes", bytes(rng.randrange(256) for _ in range(rng.randint(1, 300)))
    if choice == 2:
        depth = rng.choice([65, 100, 1000, 20_000])
        return f"nested {depth}", b'[{"a":' * (depth // 2 + 1) + b"1" + b"}]" * (depth // 2 + 1)
    digits = rng.choice([101, 4301, 10_000])
    return f"integer of {digits} digits", b'{"update_id": ' + b"7" * digits + b', "a": 1}'


# --- web chat ------------------------------------------------------------------------------


def web_probes(count: int, seed: int) -> list[Probe]:
    rng = random.Random(seed)
    maker = TextMaker(rng)
    clients = [f"hostile-client-{n:04d}" for n in range(300)] + [
        "\u202e" * 8, "👨‍👩‍👧" * 8, "<script>x</script>", "' OR 1=1 --  ", "x" * 64,
        "\x00\x01\x02\x03\x04\x05\x06\x07"]
    probes = []
    for _ in range(count):
        roll = rng.random()
        client = rng.choice(clients)
        if roll < 0.70:
            sample = _text(maker)
            body: Any = {"client_id": client, "text": sample.text}
            content = _json(body, ascii_only=sample.kind == "surrogates" or rng.random() < 0.3)
            expect = OK if len(content) <= WEB_LIMIT else frozenset({413})
            probes.append(Probe("web", sample.kind, "POST", "/api/chat", content,
                                headers={"content-type": "application/json"}, expect=expect,
                                secrets=sample.secrets))
        elif roll < 0.80:
            action = rng.choice([*ACTIONS, maker.mixed()[:80], maker.mixed()[:200]])
            content = _json({"client_id": client, "action": action}, ascii_only=True)
            probes.append(Probe("web", "action", "POST", "/api/chat", content,
                                headers={"content-type": "application/json"},
                                expect=OK if len(action) <= 80 else BAD))
        elif roll < 0.90:
            field = rng.choice(["client_id", "text", "action", "extra"])
            body = {"client_id": client, "text": "làm căn cước ở đâu",
                    field: rng.choice(ODD_VALUES)}
            if rng.random() < 0.3:
                body["extra"] = nested(rng.choice([10, 40, 62]))
            expect = OK if _chat_contract(body) else BAD
            probes.append(Probe("web", "wrong type", "POST", "/api/chat",
                                _json(body, ascii_only=True),
                                headers={"content-type": "application/json"}, expect=expect))
        else:
            name, content = raw_bodies(rng)
            ctype = rng.choice(["application/json", "text/plain", "",
                                "application/x-www-form-urlencoded"])
            probes.append(Probe("web", name, "POST", "/api/chat", content,
                                headers={"content-type": ctype} if ctype else {},
                                expect=BAD_OR_BIG))
    return probes


def _chat_contract(body: dict[str, Any]) -> bool:
    """The documented contract of ``/api/chat`` (bot/web/app.py)."""
    cid, text, action = body.get("client_id"), body.get("text"), body.get("action")
    return (isinstance(cid, str) and 8 <= len(cid) <= 64
            and (text is None or isinstance(text, str))
            and (action is None or (isinstance(action, str) and len(action) <= 80)))


# --- Telegram -------------------------------------------------------------------------------

ENTITY_TYPES = ["bot_command", "mention", "text_link", "url", "bold", "custom_emoji", "spoiler",
                "pre", "hashtag", "unknown_type", 5, None]


def tg_user(uid: int) -> dict[str, Any]:
    return {"id": uid, "is_bot": False, "first_name": "An", "language_code": "vi"}


def tg_message(uid: int, chat_id: int, **content: Any) -> dict[str, Any]:
    chat: dict[str, Any] = {"id": chat_id, "type": "private", "first_name": "An"} \
        if chat_id > 0 else {"id": chat_id, "type": "supergroup", "title": "Nhóm"}
    return {"message_id": next_id(), "date": int(time.time()), "chat": chat,
            "from": tg_user(uid), **content}


def _entities(rng: random.Random, text: str) -> list[dict[str, Any]]:
    out = []
    for _ in range(rng.choice([1, 2, 5, 300])):
        entity: dict[str, Any] = {"type": rng.choice(ENTITY_TYPES),
                                  "offset": rng.choice([0, 1, len(text), len(text) + 5, -3]),
                                  "length": rng.choice([0, 1, 5, len(text), 10**6])}
        if entity["type"] == "text_link":
            entity["url"] = rng.choice(["javascript:alert(1)", "https://x.vn", "", "\x00"])
        out.append(entity)
    return out


def telegram_probes(count: int, seed: int, *, secret: str, bot_username: str,
                    users: range) -> list[Probe]:
    rng = random.Random(seed)
    maker = TextMaker(rng)
    header = "X-Telegram-Bot-Api-Secret-Token"
    probes = []

    def update(kind: str, body: dict[str, Any], expect: frozenset[int] = OK,
               sample: Sample | None = None, ascii_only: bool = False) -> None:
        body = {"update_id": next_id(), **body}
        ascii_only = ascii_only or (sample is not None and sample.kind == "surrogates")
        probes.append(Probe("telegram", kind, "POST", "/telegram/webhook",
                            _json(body, ascii_only=ascii_only),
                            headers={header: secret, "content-type": "application/json"},
                            expect=expect, secrets=sample.secrets if sample else (),
                            processed=expect == OK))

    for _ in range(count):
        roll = rng.random()
        uid = rng.choice(users)
        if roll < 0.50:
            sample = _text(maker)
            content: dict[str, Any] = {"text": sample.text}
            if rng.random() < 0.2:
                content["entities"] = _entities(rng, sample.text)
            update(sample.kind, {"message": tg_message(uid, uid, **content)}, sample=sample,
                   expect=OK_OR_BAD if "entities" in content else OK)
        elif roll < 0.56:
            command = rng.choice(["/start", "/menu", "/help", "/lienhe", "/baocao", "/chuatraloi",
                                  "/start@other_bot", "/", "/" + maker.mixed()[:40]])
            text = command + rng.choice(["", " ", " " + maker.mixed()])
            entities = [{"type": "bot_command", "offset": 0, "length": len(command)}]
            update("command", {"message": tg_message(uid, uid, text=text, entities=entities)},
                   ascii_only=True)
        elif roll < 0.64:
            data = rng.choice([*ACTIONS, maker.mixed()[:64], maker.mixed(), "st:x", "fb:y:1"])
            query = {"id": str(next_id()), "from": tg_user(uid), "chat_instance": "ci",
                     "data": data, "message": {
                         "message_id": next_id(), "date": int(time.time()),
                         "chat": {"id": uid, "type": "private"}, "text": "…",
                         "from": {"id": 777000, "is_bot": True, "first_name": "Bot"}}}
            update("callback", {"callback_query": query}, ascii_only=True)
        elif roll < 0.70:
            sample = _text(maker, personal=False)
            group = -next_id()  # its own group: Telegram's per-group pace never applies
            text = rng.choice([f"@{bot_username} ", "", "/menu "]) + sample.text
            update("group", {"message": tg_message(uid, group, text=text)}, sample=sample)
        elif roll < 0.76:
            sample = _text(maker)
            other = rng.choice([
                {"sticker": {"file_id": "s", "file_unique_id": "u", "width": 1, "height": 1,
                             "is_animated": False, "is_video": False, "type": "regular"}},
                {"photo": [{"file_id": "p", "file_unique_id": "u", "width": 1, "height": 1}],
                 "caption": sample.text},
                {"contact": {"phone_number": "0912345678", "first_name": sample.text[:50]}},
                {"location": {"latitude": 21.0, "longitude": 105.8}},
                {"document": {"file_id": "d", "file_unique_id": "u"}, "caption": sample.text},
                {"new_chat_members": [tg_user(uid)]},
            ])
            secrets = sample.secrets + (("0912345678",) if "contact" in other else ())
            update("non-text", {"message": tg_message(uid, uid, **other)},
                   sample=Sample(sample.text, sample.kind, secrets))
        elif roll < 0.80:
            sample = _text(maker, personal=False)
            key = rng.choice(["edited_message", "channel_post", "edited_channel_post"])
            update(key, {key: tg_message(uid, uid, text=sample.text)}, sample=sample)
        elif roll < 0.90:
            good = tg_message(uid, uid, text="làm căn cước")
            path = rng.choice([("message",), ("message", "text"), ("message", "chat"),
                               ("message", "chat", "id"), ("message", "from"),
                               ("message", "from", "id"), ("message", "date"),
                               ("message", "entities"), ("update_id",),
                               ("message", "chat", "type"),
                               ("message", "reply_to_message")])
            body: dict[str, Any] = {"update_id": next_id(), "message": good}
            target = body
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = rng.choice(ODD_VALUES)
            probes.append(Probe("telegram", "wrong type " + ".".join(path), "POST",
                                "/telegram/webhook", _json(body, ascii_only=True),
                                headers={header: secret, "content-type": "application/json"},
                                expect=OK_OR_BAD, processed=True))
        elif roll < 0.95:
            name, content_bytes = raw_bodies(rng)
            probes.append(Probe("telegram", name, "POST", "/telegram/webhook", content_bytes,
                                headers={header: secret, "content-type": "application/json"},
                                expect=BAD_OR_BIG))
        else:
            given = rng.choice([None, "", "wrong", secret[:-1], secret + "x", secret.upper(),
                                " " + secret])
            headers = {"content-type": "application/json"}
            if given is not None:
                headers[header] = given
            body = {"update_id": next_id(), "message": tg_message(uid, uid, text="menu")}
            probes.append(Probe("telegram", "secret", "POST", "/telegram/webhook",
                                _json(body, ascii_only=True), headers=headers,
                                expect=FORBIDDEN))
    return probes


# --- Zalo -----------------------------------------------------------------------------------

ZALO_EVENTS = ["message.text.received", "message.image.received", "message.sticker.received",
               "message.unsupported.received", "message.link.received", "user.follow", "x"]


def zalo_message(user: str, text: Any = None, *, event: str = "message.text.received",
                 chat_type: Any = "PRIVATE", message_id: str | None = None) -> dict[str, Any]:
    msg: dict[str, Any] = {"from": {"id": user, "display_name": "Ted", "is_bot": False},
                           "chat": {"id": user, "chat_type": chat_type},
                           "message_id": message_id or f"m{next_id()}",
                           "date": 1750316131602}
    if text is not None:
        msg["text"] = text
    return {"ok": True, "result": {"event_name": event, "message": msg}}


def zalo_probes(count: int, seed: int, *, secret: str, users: list[str]) -> list[Probe]:
    rng = random.Random(seed)
    maker = TextMaker(rng)
    header = "X-Bot-Api-Secret-Token"
    probes = []
    sent_ids: list[str] = []

    def add(kind: str, body: Any, expect: frozenset[int] = OK, sample: Sample | None = None,
            *, processed: bool = True, ascii_only: bool = False) -> None:
        ascii_only = ascii_only or (sample is not None and sample.kind == "surrogates")
        content = _json(body, ascii_only=ascii_only)
        if len(content) > ZALO_LIMIT:
            expect = frozenset({413})
        probes.append(Probe("zalo", kind, "POST", "/zalo/webhook", content,
                            headers={header: secret, "content-type": "application/json"},
                            expect=expect, secrets=sample.secrets if sample else (),
                            processed=processed and expect == OK))

    for _ in range(count):
        roll = rng.random()
        user = rng.choice(users)
        if roll < 0.55:
            sample = _text(maker)
            body = zalo_message(user, sample.text)
            sent_ids.append(body["result"]["message"]["message_id"])
            add(sample.kind, body, sample=sample)
        elif roll < 0.65:
            text = rng.choice(["1", "2", "3", "9", "99", "0", "số 2", "chọn 1", "#2", "/chatid",
                               "#HS-0001 trả lời", "#HS-99999999 x", "menu", "liên hệ",
                               "help", "٢", "２"])
            add("number", zalo_message(user, text))
        elif roll < 0.72:
            sample = _text(maker, personal=False)
            add("event", zalo_message(user, sample.text, event=rng.choice(ZALO_EVENTS),
                                      chat_type=rng.choice(["PRIVATE", "GROUP", "", None, 5])),
                sample=sample)
        elif roll < 0.76 and sent_ids:
            add("redelivery", zalo_message(user, "menu", message_id=rng.choice(sent_ids)))
        elif roll < 0.88:
            body = zalo_message(user, "làm căn cước")
            path = rng.choice([("result",), ("result", "message"), ("result", "event_name"),
                               ("result", "message", "text"), ("result", "message", "from"),
                               ("result", "message", "from", "id"), ("result", "message", "chat"),
                               ("result", "message", "chat", "id"), ("ok",),
                               ("result", "message", "message_id"),
                               ("result", "message", "from", "is_bot")])
            target = body
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = rng.choice(ODD_VALUES)
            add("wrong type " + ".".join(path), body, expect=OK, ascii_only=True)
        elif roll < 0.94:
            name, content = raw_bodies(rng)
            acknowledged = name in ("a bare string", "a bare list")
            probes.append(Probe("zalo", name, "POST", "/zalo/webhook", content,
                                headers={header: secret, "content-type": "application/json"},
                                expect=OK_OR_BAD if acknowledged else BAD_OR_BIG))
        else:
            given = rng.choice([None, "", "wrong", secret[:-1], secret + "x", secret.upper()])
            headers = {"content-type": "application/json"}
            if given is not None:
                headers[header] = given
            probes.append(Probe("zalo", "secret", "POST", "/zalo/webhook",
                                _json(zalo_message(user, "menu"), ascii_only=True),
                                headers=headers, expect=FORBIDDEN, processed=False))
    return probes


# --- staff forms ----------------------------------------------------------------------------

NEXT_VALUES = ["/staff/", "//evil.example", "https://evil.example", "/staff//x", "javascript:x",
               "/staff/\\evil", "", "/staff/topics?q=<script>", "\x00", "/" * 500]
SHOW = ["all", "stale", "popular", "pending", "", "x", "<b>", "\x00"]
NUMBERS = ["1", "0", "-1", "²", "٣", "１", "9" * 30, "9" * 5000, "1e3", "", " 2", "2 "]


def _addr(rng: random.Random) -> dict[str, str]:
    return {ADDRESS_HEADER: f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(8)}"}


def staff_login_probes(count: int, seed: int, *, token: str, names: list[str]) -> list[Probe]:
    rng = random.Random(seed)
    maker = TextMaker(rng)
    probes = []
    for _ in range(count):
        sample = _text(maker, surrogates=False)  # a form cannot carry lone surrogates
        name = rng.choice([*names, sample.text[:200], sample.text])
        form = {"csrf": rng.choice([token] * 6 + ["", "x", maker.mixed()]),
                "name": name, "password": rng.choice([maker.mixed(), "", "x" * 600]),
                "next": rng.choice(NEXT_VALUES)}
        if rng.random() < 0.1:
            form.pop(rng.choice(list(form)))
        probes.append(Probe("staff-login", sample.kind, "POST", "/staff/login", form=form,
                            headers=_addr(rng), secrets=sample.secrets,
                            expect=frozenset({200, 303, 400, 401, 403, 429})))
    return probes


def staff_anonymous_probes(count: int, seed: int, *, topic: str) -> list[Probe]:
    """Posts without a session (or with a forged one): 401/403, never a page, never 5xx."""
    rng = random.Random(seed)
    maker = TextMaker(rng)
    paths = [f"/staff/topics/{topic}", "/staff/topics/new", "/staff/api/try",
             "/staff/api/preview", "/staff/users", "/staff/users/admin", "/staff/logout",
             "/staff/account", "/staff/changes/1/approve", "/staff/inbox/attach",
             "/staff/spreadsheet/upload", "/staff/dashboard/refresh"]
    probes = []
    for _ in range(count):
        sample = _text(maker, personal=False, surrogates=False)
        headers = _addr(rng)
        if rng.random() < 0.5:
            headers["cookie"] = rng.choice([
                "citizen_staff=" + maker.mixed()[:100].encode("ascii", "ignore").decode(),
                "citizen_staff=eyJ1IjoxfQ.x.y", "citizen_staff=" + "a" * 4000])
        if rng.random() < 0.3:
            headers["content-type"] = "application/json"
            content = _json({"question": sample.text, "csrf": "x"}, ascii_only=True)
            probes.append(Probe("staff-anonymous", sample.kind, "POST", rng.choice(paths),
                                content, headers=headers,
                                expect=frozenset({401, 403, 404, 405})))
        else:
            form = {"csrf": "x", "question": sample.text, "title": sample.text}
            probes.append(Probe("staff-anonymous", sample.kind, "POST", rng.choice(paths),
                                form=form, headers=headers,
                                expect=frozenset({401, 403, 404, 405})))
    return probes


TOPIC_TEXT_FIELDS = ["title", "summary", "steps", "documents", "fee", "processing_time",
                     "notes", "legal_basis", "sources", "questions", "keywords", "message",
                     "reviewed_on", "online", "category", "related", "where-0-name",
                     "where-0-url", "where-0-channel", "where-11-name", "where-12-name",
                     "triage_key", "base_version"]


def staff_form_probes(count: int, seed: int, *, forms: dict[str, dict[str, Any]],
                      csrf: str) -> list[Probe]:
    """The topic form, its preview and "try a question" APIs, signed in as an editor."""
    rng = random.Random(seed)
    maker = TextMaker(rng)
    topics = sorted(forms)
    probes = []
    for _ in range(count):
        topic = rng.choice(topics)
        form = dict(forms[topic])
        sample = _text(maker, personal=False, surrogates=False)
        for name in rng.sample(TOPIC_TEXT_FIELDS, rng.randint(1, 3)):
            form[name] = rng.choice([sample.text, rng.choice(NUMBERS), maker.mixed(),
                                     "2025-02-30", "9999-12-31", "https://x.vn/" + "a" * 3000])
        roll = rng.random()
        if roll < 0.55 and rng.random() < 0.97:
            # Mostly refused by validation (an empty title): every accepted save stores a
            # whole pending version, and each staff page reads them all (see the report).
            form["title"] = ""
        if roll < 0.08:
            form["csrf"] = rng.choice(["", "x", csrf[:-1]])
            path, expect = f"/staff/topics/{topic}", frozenset({403})
        elif roll < 0.45:
            path, expect = f"/staff/topics/{topic}", frozenset({200, 303, 400, 409})
        elif roll < 0.55:
            form["id"] = rng.choice([sample.text[:80], "new-topic-x", topic, "A B", ""])
            path, expect = "/staff/topics/new", frozenset({200, 303, 400, 409})
        elif roll < 0.80:
            path, expect = "/staff/api/preview", OK
        else:
            form["question"] = sample.text
            form["draft"] = rng.choice(["1", "0", ""])
            path, expect = "/staff/api/try", frozenset({200, 400})
        probes.append(Probe("staff-form", sample.kind, "POST", path, form=form, expect=expect))
    return probes


def staff_query_probes(count: int, seed: int, *, topics: list[str], categories: list[str]
                       ) -> list[Probe]:
    rng = random.Random(seed)
    maker = TextMaker(rng)
    probes = []
    for _ in range(count):
        sample = _text(maker, personal=False, surrogates=False)
        text = sample.text[:3000]
        roll = rng.randrange(9)
        if roll < 3:
            params = {"q": text, "category": rng.choice([*categories, text[:50], ""]),
                      "show": rng.choice(SHOW)}
            path = "/staff/topics"
        elif roll == 3:
            params = {"page": rng.choice(NUMBERS), "show": rng.choice(SHOW)}
            path = "/staff/changes"
        elif roll == 4:  # the inbox is timed on its own (test_hostile_suite.py)
            params = {"page": rng.choice(NUMBERS), "show": "pending"}
            path = "/staff/changes"
        elif roll == 5:
            params = {"question": text, "category": rng.choice([*categories, text[:50]]),
                      "key": text[:600]}
            path = "/staff/topics/new"
        elif roll == 6:
            params = {"next": rng.choice([*NEXT_VALUES, text[:200]]),
                      "expired": rng.choice(["1", "", text[:20]])}
            path = "/staff/login"
        elif roll == 7:
            params = None
            path = rng.choice([f"/staff/topics/{rng.choice(topics)}",
                               f"/staff/topics/{rng.choice(topics)}/history",
                               "/staff/topics/" + quote(text[:100], safe=""),
                               f"/staff/changes/{rng.choice(['1', '0', '9' * 30, '9' * 5000])}"])
        else:
            params = {"week": rng.choice(["", "2025-W01", "2025-W99", text[:30], "9" * 5000]),
                      "demo": rng.choice(["1", "0", text[:10]])}
            path = "/staff/dashboard"
        probes.append(Probe("staff-query", sample.kind, "GET", path, params=params,
                            expect=frozenset({200, 303, 307, 400, 404})))
    return probes


# --- the default sample ---------------------------------------------------------------------

KEEP_PER_KIND = 3


def sample(probes: list[Probe], share: float, seed: int) -> list[Probe]:
    """A seeded subset of ``probes`` that still holds every kind among them.

    The first :data:`KEEP_PER_KIND` probes of each kind are always kept (rare kinds, such
    as a body that is not UTF-8, turn up only a few times in thousands), the others with
    probability ``share``; the order of sending is kept. ``share >= 1``: all of them.
    """
    if share >= 1:
        return list(probes)
    rng = random.Random(seed)
    seen: dict[str, int] = {}
    kept = []
    for probe in probes:
        seen[probe.kind] = seen.get(probe.kind, 0) + 1
        if rng.random() < share or seen[probe.kind] <= KEEP_PER_KIND:
            kept.append(probe)
    return kept
