"""Write ``telegram_updates.jsonl`` and ``zalo_updates.jsonl`` (see README.md here).

Deterministic (a fixed seed): run ``.venv/bin/python tests/bot/data/recorded/generate.py``
from the repository root and the files come out byte for byte the same. Each line is one
webhook body exactly as the platform POSTs it; the lines are in delivery order, and one
chat's updates come one after another as its citizen typed them.
"""

from __future__ import annotations

import json
import random
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SEED = 20250612
BOT_ID = 777000  # the test bot of tests/bot/channels/telegram/fake_api.py
BOT_USERNAME = "phuthong_test_bot"
START = 1750316131  # 2025-06-19 06:55:31 UTC: Telegram dates are seconds, Zalo's ms

# --- what citizens write --------------------------------------------------------------------

QUESTIONS = [
    "làm cccd cho bé 10 tuổi cần mang gì",
    "cccd bị mất thì làm lại ở đâu",
    "lam lai can cuoc mat bao nhieu tien",
    "thẻ căn cước hết hạn năm nay, đổi ở đâu ạ",
    "con em 6 tuổi có cần làm căn cước không",
    "xin cấp hộ chiếu lần đầu online được không",
    "ho chieu het han lam lai mat bao lau",
    "quên mật khẩu vneid phải làm sao",
    "vneid muc 2 dang ky o dau",
    "đổi số điện thoại trên vneid thế nào",
    "kích hoạt tài khoản định danh điện tử mức 1",
    "tich hop bhyt vao vneid",
    "mua điện thoại mới, vneid báo không đăng nhập được trên thiết bị này",
    "đăng ký tạm trú cho sinh viên thuê trọ",
    "muon khai tam tru tren app vneid thi bam vao dau",
    "nhập hộ khẩu cho vợ về nhà chồng cần giấy tờ gì",
    "xin giấy ct07 xác nhận cư trú",
    "nhà có khách ở lại qua đêm có phải báo công an không",
    "đi làm xa 3 tháng có phải khai báo tạm vắng không",
    "làm giấy khai sinh cho con mới đẻ",
    "khai sinh cho bé online có được không",
    "dang ky ket hon can nhung giay to gi",
    "xin giấy xác nhận độc thân để đăng ký kết hôn",
    "bố mất rồi làm giấy chứng tử ở đâu",
    "sửa tên đệm trong giấy khai sinh",
    "xin bản sao giấy khai sinh bị mất",
    "thủ tục nhận con ngoài giá thú",
    "chứng thực bản sao sổ đỏ hết bao nhiêu tiền",
    "ra xã công chứng bằng đại học có được không",
    "chung thuc chu ky tren giay uy quyen",
    "xin phiếu lý lịch tư pháp số 1 để đi xuất khẩu lao động",
    "ly lich tu phap lam online",
    "gia hạn bhyt hộ gia đình năm nay",
    "mua bảo hiểm y tế cho cả nhà ở đâu",
    "tra cứu quá trình đóng bhxh trên vssid",
    "mẹ em 80 tuổi đăng ký trợ cấp người cao tuổi thế nào",
    "nhận lương hưu qua tài khoản ngân hàng",
    "bằng lái ô tô sắp hết hạn đổi qua mạng được không",
    "doi gplx hang a1 bi rach",
    "nộp phạt nguội online ở đâu",
    "xe máy vừa mua ở cửa hàng thì đăng ký biển số thế nào",
    "đất ông bà để lại chưa có sổ đỏ, giờ làm cần gì",
    "xin giấy phép xây nhà 3 tầng",
    "đăng ký hộ kinh doanh bán tạp hóa",
    "làm sao tra cứu hồ sơ đã nộp",
    "nộp hồ sơ trực tuyến trên cổng dịch vụ công như thế nào",
    "đăng nhập dịch vụ công bằng vneid",
    "thanh toán lệ phí online bằng thẻ atm được không",
    "muốn phản ánh cán bộ làm chậm hồ sơ",
    "ubnd xã làm việc thứ 7 không",
    "số điện thoại bộ phận một cửa",
    "bo phan mot cua o dau vay",
    "có người gọi xưng công an bảo cài app, có phải lừa đảo không",
    "xac thuc sinh trac hoc tai khoan ngan hang",
    "cho hỏi làm hộ chiếu cho con nhỏ cần bố mẹ đi cùng không",
    "dk tam tru cho cong nhan o tro",
    "bhyt hết hạn tháng trước giờ gia hạn được không",
    "số cccd của tôi là 001203004567 bị sai ngày sinh thì sửa ở đâu",
    "tôi sđt 0912 345 678 muốn đổi số trên vneid",
    "lam giay khai tu cho ong noi",
    "thủ tục sang tên sổ đỏ cho con",
    "trẻ dưới 6 tuổi có được cấp thẻ bhyt miễn phí không",
    "em muốn hỏi về giấy phép kinh doanh quán cà phê",
    "đăng ký thường trú cho con mới sinh",
]
GREETINGS = ["chào bạn", "xin chào ạ", "alo", "chào ad", "hi", "chao ban"]
THANKS = ["cảm ơn nhiều", "ok cảm ơn", "cam on", "thanks", "ok", "dạ vâng"]
BYES = ["tạm biệt", "bye"]
OFF_TOPIC = [
    "mai trời có mưa không",
    "tỉ số trận bóng tối qua bao nhiêu",
    "cho mình vay ít tiền",
    "bán điện thoại cũ ở đâu giá cao",
    "tối nay đài nào quay số",
    "cách nấu phở bò ngon",
    "aaaaaa",
    "???",
]
GROUP_CHATTER = [
    "mọi người ơi mai họp tổ dân phố lúc mấy giờ",
    "7h tối nhé",
    "ok chị",
    "nhà ai có xe đi chợ huyện không",
    "hôm qua em nộp hồ sơ rồi",
    "ảnh đẹp quá",
    "tuần sau đóng tiền điện nha cả nhà",
    "ai biết lịch tiêm chủng tháng này không",
]
NAMES = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hoa", "Hùng", "Lan", "Linh",
         "Long", "Mai", "Minh", "Nam", "Nga", "Phong", "Quân", "Thảo", "Trang", "Tuấn", "Vy"]
LAST_NAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", ""]
TOPIC_BUTTONS = ["khai-sinh", "dang-ky-tam-tru", "bhyt-gia-han", "ho-chieu", "ket-hon",
                 "vneid-muc-1", "doi-gplx", "ly-lich-tu-phap"]
CATEGORY_BUTTONS = ["identity", "vneid", "residence", "civil-status", "social", "transport"]
FORGED_BUTTONS = ["topic:thu-tuc-da-bo", "cat:nong-nghiep", "xoa-het", "fb:x:1234"]


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class Telegram:
    """Updates as the Bot API sends them to a webhook."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.clock = START
        self.message_ids: dict[int, int] = {}
        self.bot_message_id = 4100

    def _message_id(self, chat_id: int) -> int:
        self.message_ids[chat_id] = self.message_ids.get(chat_id, self.rng.randrange(2, 900)) + 1
        return self.message_ids[chat_id]

    def _file(self, prefix: str) -> dict[str, str]:
        alphabet = string.ascii_letters + string.digits + "-_"
        return {"file_id": prefix + "".join(self.rng.choice(alphabet) for _ in range(60)),
                "file_unique_id": "AQAD" + "".join(self.rng.choice(alphabet)
                                                   for _ in range(12))}

    def person(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.rng.randrange(1_000_000_000, 7_999_999_999),
                                "is_bot": False, "first_name": self.rng.choice(NAMES)}
        last = self.rng.choice(LAST_NAMES)
        if last:
            user["last_name"] = last
        if self.rng.random() < 0.3:
            user["username"] = f"{user['first_name'].lower()}{self.rng.randrange(10, 99)}x"
        if self.rng.random() < 0.8:
            user["language_code"] = "vi"
        return user

    @staticmethod
    def private_chat(user: dict[str, Any]) -> dict[str, Any]:
        chat = {"id": user["id"], "first_name": user["first_name"], "type": "private"}
        for key in ("last_name", "username"):
            if key in user:
                chat[key] = user[key]
        return chat

    def message(self, user: dict[str, Any], chat: dict[str, Any],
                **content: Any) -> dict[str, Any]:
        return {"message_id": self._message_id(chat["id"]), "from": user, "chat": chat,
                "date": self.clock, **content}

    @staticmethod
    def update(key: str, body: dict[str, Any]) -> dict[str, Any]:
        return {key: body}  # update_id and dates are stamped in delivery order (stamp)

    def stamp(self, updates: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Number the updates and date their messages in the order they were sent."""
        update_id = 812_004_000 + self.rng.randrange(1000)
        sent: dict[tuple[int, int], int] = {}
        out: list[dict[str, Any]] = []
        for update in updates:
            update_id += 1
            self.clock += self.rng.randrange(0, 3)
            ((key, body),) = update.items()
            out.append({"update_id": update_id, key: body})
            if key == "edited_message":
                body["date"] = sent[(body["chat"]["id"], body["message_id"])]
                body["edit_date"] = self.clock
                continue
            message = body["message"] if key == "callback_query" else body
            message["date"] = self.clock - (30 if key == "callback_query" else 0)
            if "reply_to_message" in message:
                message["reply_to_message"]["date"] = self.clock - self.rng.randrange(60, 3600)
            sent[(message["chat"]["id"], message["message_id"])] = message["date"]
        return out

    def text(self, user: dict[str, Any], chat: dict[str, Any], text: str,
             **extra: Any) -> dict[str, Any]:
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]
            content["entities"] = [{"offset": 0, "length": utf16_len(command),
                                    "type": "bot_command"}]
        content.update(extra)
        return self.update("message", self.message(user, chat, **content))

    def mention(self, user: dict[str, Any], chat: dict[str, Any], question: str,
                ) -> dict[str, Any]:
        handle = f"@{BOT_USERNAME}"
        if self.rng.random() < 0.5:
            text, offset = f"{handle} {question}", 0
        else:
            lead = self.rng.choice(["Cho em hỏi ", "Bot ơi ", "Nhờ "])
            text, offset = f"{lead}{handle} {question}", utf16_len(lead)
        entities = [{"offset": offset, "length": utf16_len(handle), "type": "mention"}]
        return self.update("message", self.message(user, chat, text=text, entities=entities))

    def media(self, user: dict[str, Any], chat: dict[str, Any], kind: str,
              **extra: Any) -> dict[str, Any]:
        rng = self.rng
        content: dict[str, Any]
        if kind == "sticker":
            content = {"sticker": {**self._file("CAACAgIAAxkBAAI"), "type": "regular",
                                   "width": 512, "height": 512, "is_animated": False,
                                   "is_video": False, "emoji": rng.choice("👍🙏😂❤😭"),
                                   "set_name": "HotCherry", "file_size": 24_000}}
        elif kind == "photo":
            sizes = [(90, 67), (320, 240), (800, 600), (1280, 960)]
            content = {"photo": [{**self._file("AgACAgUAAxkBAAI"), "width": w, "height": h,
                                  "file_size": w * h // 9} for w, h in sizes]}
            if rng.random() < 0.5:
                content["caption"] = rng.choice(["giấy tờ của em đây", "cccd mặt trước",
                                                 "thế này đúng chưa ạ"])
        elif kind == "voice":
            content = {"voice": {**self._file("AwACAgUAAxkBAAI"),
                                 "duration": rng.randrange(2, 40), "mime_type": "audio/ogg",
                                 "file_size": rng.randrange(8_000, 90_000)}}
        elif kind == "document":
            content = {"document": {**self._file("BQACAgUAAxkBAAI"),
                                    "file_name": rng.choice(["to-khai.pdf", "don.docx",
                                                             "scan cccd.jpg"]),
                                    "mime_type": "application/pdf",
                                    "file_size": rng.randrange(40_000, 900_000)}}
        elif kind == "location":
            content = {"location": {"latitude": round(21.0 + rng.random() / 10, 6),
                                    "longitude": round(105.8 + rng.random() / 10, 6)}}
        elif kind == "contact":
            content = {"contact": {"phone_number": f"+8491{rng.randrange(1_000_000, 9_999_999)}",
                                   "first_name": rng.choice(NAMES), "user_id": user["id"]}}
        elif kind == "video_note":
            content = {"video_note": {**self._file("DQACAgUAAxkBAAI"), "length": 240,
                                      "duration": rng.randrange(3, 20), "file_size": 300_000}}
        else:
            raise ValueError(kind)
        content.update(extra)
        return self.update("message", self.message(user, chat, **content))

    def edited(self, original: dict[str, Any], text: str) -> dict[str, Any]:
        body = dict(original["message"])
        body["text"] = text
        return self.update("edited_message", body)

    def bot_message(self, chat: dict[str, Any], text: str,
                    buttons: list[tuple[str, str]] | None = None) -> dict[str, Any]:
        self.bot_message_id += self.rng.randrange(1, 4)
        message: dict[str, Any] = {
            "message_id": self.bot_message_id, "date": self.clock, "chat": chat,
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Trợ lý xã",
                     "username": BOT_USERNAME}, "text": text}
        if buttons:
            message["reply_markup"] = {"inline_keyboard": [
                [{"text": label, "callback_data": data}] for label, data in buttons]}
        return message

    def callback(self, user: dict[str, Any], chat: dict[str, Any], data: str,
                 ) -> dict[str, Any]:
        buttons = [("👍 Có ích", f"fb:y:{self.rng.randbytes(16).hex()}"),
                   ("👎 Chưa đúng", f"fb:n:{self.rng.randbytes(16).hex()}"),
                   ("📋 Danh mục", "menu")]
        if data.startswith("fb:"):
            buttons[0 if data.startswith("fb:y") else 1] = ("…", data)
        else:
            buttons.append(("…", data))
        source = self.bot_message(chat, "Đăng ký khai sinh …", buttons)
        query = {"id": str(self.rng.randrange(10**18, 10**19)), "from": user,
                 "message": source, "chat_instance": str(self.rng.randrange(-10**18, 10**18)),
                 "data": data}
        return self.update("callback_query", query)


def telegram_private(tg: Telegram) -> Iterator[list[dict[str, Any]]]:
    """One list per citizen: that chat's updates in the order they were sent."""
    rng = tg.rng
    scripts = [
        ["q"], ["q"], ["q"], ["/start", "q"], ["greet", "q", "thanks"], ["q", "edit"],
        ["sticker", "q"], ["photo"], ["voice"], ["q", "q"], ["off"], ["/help"],
        ["/menu", "cb:cat", "cb:topic"], ["q", "cb:fb"], ["cb:forged"], ["document"],
        ["location", "q"], ["contact"], ["video_note", "q"], ["forward"], ["/lienhe"],
        ["q", "bye"], ["greet"], ["/start", "cb:menu", "cb:cat"], ["q", "cb:topic", "thanks"],
        ["/hoicanbo"], ["q", "edit", "q"], ["off", "q"], ["cb:contact"], ["cb:help"],
    ]
    for index in range(60):
        user = tg.person()
        chat = tg.private_chat(user)
        steps = scripts[index] if index < len(scripts) else rng.choice(scripts)
        updates: list[dict[str, Any]] = []
        for step in steps:
            if step == "q":
                updates.append(tg.text(user, chat, rng.choice(QUESTIONS)))
            elif step.startswith("/"):
                updates.append(tg.text(user, chat, step))
            elif step == "greet":
                updates.append(tg.text(user, chat, rng.choice(GREETINGS)))
            elif step == "thanks":
                updates.append(tg.text(user, chat, rng.choice(THANKS)))
            elif step == "bye":
                updates.append(tg.text(user, chat, rng.choice(BYES)))
            elif step == "off":
                updates.append(tg.text(user, chat, rng.choice(OFF_TOPIC)))
            elif step == "edit":
                original = next(u for u in reversed(updates) if "message" in u
                                and "text" in u["message"])
                updates.append(tg.edited(original, original["message"]["text"] + " ạ"))
            elif step == "forward":
                origin = {"type": "user", "date": tg.clock - 3600, "sender_user": tg.person()}
                updates.append(tg.text(user, chat, rng.choice(QUESTIONS),
                                       forward_origin=origin))
            elif step.startswith("cb:"):
                what = step[3:]
                data = {"cat": f"cat:{rng.choice(CATEGORY_BUTTONS)}",
                        "topic": f"topic:{rng.choice(TOPIC_BUTTONS)}",
                        "fb": f"fb:{rng.choice('yn')}:{rng.randbytes(16).hex()}",
                        "forged": rng.choice(FORGED_BUTTONS)}.get(what, what)
                updates.append(tg.callback(user, chat, data))
            else:
                updates.append(tg.media(user, chat, step))
        yield updates


def telegram_groups(tg: Telegram) -> Iterator[list[dict[str, Any]]]:
    rng = tg.rng
    titles = ["Tổ dân phố 3", "Hội phụ huynh lớp 5A", "Thôn Đông - thông tin chung",
              "Chi hội phụ nữ xóm 2", "Nhóm Zalo… à nhầm, Telegram thôn Tây", "CLB hưu trí"]
    for title in titles:
        chat = {"id": -1_001_000_000_000 - rng.randrange(10**9), "title": title,
                "type": "supergroup"}
        members = [tg.person() for _ in range(4)]
        updates: list[dict[str, Any]] = []
        steps = ["chatter", "mention", "chatter", "command", "reply_human", "other_bot",
                 "reply_bot", "chatter", "service", "reply_bot_sticker", "edit", "photo"]
        rng.shuffle(steps)
        for step in steps:
            who = rng.choice(members)
            if step == "chatter":
                updates.append(tg.text(who, chat, rng.choice(GROUP_CHATTER)))
            elif step == "mention":
                updates.append(tg.mention(who, chat, rng.choice(QUESTIONS)))
            elif step == "command":
                command = rng.choice(["/menu", "/lienhe", "/help"])
                if rng.random() < 0.6:
                    command += f"@{BOT_USERNAME}"
                updates.append(tg.text(who, chat, command))
            elif step == "other_bot":
                updates.append(tg.text(who, chat, "/start@thoitiet_hanoi_bot"))
            elif step == "reply_human":
                earlier = tg.message(rng.choice(members), chat, text="có ai biết không")
                updates.append(tg.text(who, chat, "mình cũng không rõ",
                                       reply_to_message=earlier))
            elif step == "reply_bot":
                source = tg.bot_message(chat, "Bạn muốn hỏi về nhóm thủ tục nào?")
                updates.append(tg.text(who, chat, rng.choice(QUESTIONS + THANKS),
                                       reply_to_message=source))
            elif step == "reply_bot_sticker":
                source = tg.bot_message(chat, "Dạ. Bạn cần hỏi thêm gì cứ nhắn cho mình nhé.")
                updates.append(tg.media(who, chat, "sticker", reply_to_message=source))
            elif step == "service":
                newcomer = tg.person()
                updates.append(tg.update("message", tg.message(
                    newcomer, chat, new_chat_members=[newcomer])))
            elif step == "edit":
                original = tg.text(who, chat, rng.choice(GROUP_CHATTER))
                updates += [original, tg.edited(original, original["message"]["text"] + "!")]
            elif step == "photo":
                updates.append(tg.media(who, chat, "photo"))
        yield updates
    channel = {"id": -1_001_987_654_321, "title": "UBND xã - Thông báo", "type": "channel"}
    post = {"message_id": 77, "sender_chat": channel, "chat": channel, "date": 0,
            "text": "Thông báo lịch tiếp công dân tháng 7"}
    yield [tg.update("channel_post", post)]


class Zalo:
    """Webhook bodies as the Zalo Bot Platform sends them (docs/zalo-api.md)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.clock_ms = START * 1000

    def _hex(self, size: int) -> str:
        return self.rng.randbytes(size // 2).hex()

    def person(self) -> dict[str, Any]:
        return {"id": self._hex(20), "display_name": self.rng.choice(NAMES)
                + ("" if self.rng.random() < 0.5 else f" {self.rng.choice(LAST_NAMES[:-1])}"),
                "is_bot": False}

    def body(self, user: dict[str, Any], event: str, *, chat_type: str = "PRIVATE",
             **fields: Any) -> dict[str, Any]:
        message = {"from": user, "chat": {"id": user["id"], "chat_type": chat_type},
                   **fields, "message_id": self._hex(20), "date": 0}
        shape = self.rng.random()
        if event == "message.text.received" and shape < 0.06:
            # the docs' getUpdates sample: no event_name, `first_name` instead of display_name
            message["from"] = {"id": user["id"], "first_name": user["display_name"]}
            return {"ok": True, "result": {"message": message}}
        if shape < 0.15:
            return {"event_name": event, "message": message}  # an unwrapped delivery
        return {"ok": True, "result": {"event_name": event, "message": message}}

    def stamp(self, updates: list[dict[str, Any]]) -> None:
        """Date the messages (ms) in the order they were sent."""
        for update in updates:
            self.clock_ms += self.rng.randrange(20, 900)
            message = update.get("result", update).get("message")
            if isinstance(message, dict):
                message["date"] = self.clock_ms

    def text(self, user: dict[str, Any], text: str, **kw: Any) -> dict[str, Any]:
        return self.body(user, "message.text.received", text=text, **kw)

    def media(self, user: dict[str, Any], kind: str) -> dict[str, Any]:
        rng = self.rng
        cdn = "https://f21-zpc.zdn.vn"
        if kind == "image":
            fields: dict[str, Any] = {"photo": f"{cdn}/jpg/{self._hex(16)}.jpg"}
            if rng.random() < 0.5:
                fields["caption"] = rng.choice(["giấy hẹn của em", "ảnh chụp tờ khai"])
            return self.body(user, "message.image.received", **fields)
        if kind == "sticker":
            return self.body(user, "message.sticker.received", sticker=self._hex(8),
                             url=f"https://zalo-api.zadn.vn/api/emoticon/sticker/webpc?eid="
                                 f"{rng.randrange(10000, 99999)}&size=130")
        if kind == "voice":
            return self.body(user, "message.voice.received",
                             voice_url=f"{cdn}/aac/{self._hex(16)}.aac")
        return self.body(user, "message.unsupported.received")


def zalo_chats(zl: Zalo) -> Iterator[list[dict[str, Any]]]:
    rng = zl.rng
    scripts = [
        ["q"], ["q"], ["q"], ["q"], ["greet", "q", "thanks"], ["q", "q"], ["0", "2", "1"],
        ["menu", "3", "1"], ["image"], ["sticker", "q"], ["voice"], ["unsupported"],
        ["off"], ["q", "bye"], ["5"], ["greet"], ["q", "thanks"], ["off", "q"],
        ["danh mục", "1", "2"], ["image", "q"], ["q", "q", "q"],
    ]
    for index in range(150):
        user = zl.person()
        steps = scripts[index] if index < len(scripts) else rng.choice(scripts)
        updates: list[dict[str, Any]] = []
        for step in steps:
            if step == "q":
                updates.append(zl.text(user, rng.choice(QUESTIONS)))
            elif step == "greet":
                updates.append(zl.text(user, rng.choice(GREETINGS)))
            elif step == "thanks":
                updates.append(zl.text(user, rng.choice(THANKS)))
            elif step == "bye":
                updates.append(zl.text(user, rng.choice(BYES)))
            elif step == "off":
                updates.append(zl.text(user, rng.choice(OFF_TOPIC)))
            elif step in {"image", "sticker", "voice", "unsupported"}:
                updates.append(zl.media(user, step))
            else:  # a menu word or a number, typed as is
                updates.append(zl.text(user, step))
        yield updates
    # What the channel must leave alone.
    for _ in range(3):
        user = zl.person()
        yield [zl.text(user, rng.choice(GROUP_CHATTER), chat_type="GROUP")]
    user = zl.person()
    yield [zl.body(user, "message.reaction.received", reaction="❤️"),
           zl.body(user, "message.link.received", text="https://dichvucong.gov.vn")]
    yield [{"ok": True, "result": {"event_name": "message.unsupported.received"}},
           {"event_name": "message.unsupported.received"}]
    robot = {**zl.person(), "is_bot": True}
    yield [zl.text(robot, "Tin nhắn tự động: đơn hàng của bạn đã được giao")]


def interleave(rng: random.Random, chats: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Merge the chats as traffic arrives: many at once, each one's updates in order."""
    queues = [list(c) for c in chats if c]
    out: list[dict[str, Any]] = []
    while queues:
        queue = rng.choice(queues)
        out.append(queue.pop(0))
        if not queue:
            queues.remove(queue)
    return out


def main() -> None:
    rng = random.Random(SEED)
    tg = Telegram(rng)
    tg_chats = list(telegram_private(tg)) + list(telegram_groups(tg))
    telegram = interleave(rng, tg_chats)
    telegram = tg.stamp(telegram)
    zl = Zalo(rng)
    zalo = interleave(rng, list(zalo_chats(zl)))
    zl.stamp(zalo)
    for name, updates in (("telegram_updates.jsonl", telegram), ("zalo_updates.jsonl", zalo)):
        with (HERE / name).open("w", encoding="utf-8") as out:
            for update in updates:
                out.write(json.dumps(update, ensure_ascii=False, separators=(",", ":")) + "\n")
        print(f"{name}: {len(updates)} updates")


if __name__ == "__main__":
    main()
