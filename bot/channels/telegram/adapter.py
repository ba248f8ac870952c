"""Telegram updates → channel-neutral :class:`Incoming` messages.

Decisions, all deliberate:

* **User key**: ``pseudonymise("telegram", str(user.id), salt)`` — no raw id, name or
  username leaves this module; ``chat_ref`` is the chat id so follow-ups and staff
  answers can be pushed later.
* **Groups**: the bot answers only when addressed — a command (``/menu`` or
  ``/menu@thisbot``, not ``@otherbot``), a mention of the bot, or a reply to one of the
  bot's messages. The mention is removed from the question.
* **Non-text** (sticker, photo, voice, video, document, location, contact) becomes an
  ``Incoming`` of that kind and gets the conversation's polite "text only" reply; a
  caption is not read as a question. Service messages (members joining, pins…) are
  ignored.
* **Edited messages and channel posts** are not turned into messages at all (see
  :mod:`bot.channels.telegram.bot`).
"""

from __future__ import annotations

import re

from telegram import Chat, Message, MessageEntity, User

from bot.privacy import pseudonymise
from handlers.messages import Incoming, MessageKind

CHANNEL = "telegram"
GROUP_TYPES = frozenset({Chat.GROUP, Chat.SUPERGROUP})


def user_key(user: User, salt: bytes) -> str:
    return pseudonymise(CHANNEL, str(user.id), salt)


def kind_of(message: Message) -> MessageKind | None:
    """What the message carries; None for service messages, which get no reply."""
    if message.text is not None:
        return MessageKind.TEXT
    if message.sticker:
        return MessageKind.STICKER
    if message.photo:
        return MessageKind.IMAGE
    if message.voice or message.audio or message.video_note:
        return MessageKind.VOICE
    if message.document or message.video or message.animation:
        return MessageKind.FILE
    if message.location or message.venue:
        return MessageKind.LOCATION
    if message.contact or message.poll or message.dice or message.game or message.story:
        return MessageKind.OTHER
    return None


def is_group(message: Message) -> bool:
    return message.chat.type in GROUP_TYPES


def _command_target(message: Message) -> str | None:
    """``"thisbot"`` in ``/menu@thisbot``; "" for a bare command; None if no command."""
    for entity in message.entities:
        if entity.type == MessageEntity.BOT_COMMAND and entity.offset == 0:
            command = message.parse_entity(entity)
            return command.partition("@")[2].lower()
    return None


def addressed(message: Message, bot_id: int, bot_username: str) -> bool:
    """In a private chat always; in a group only when the bot is clearly spoken to."""
    if not is_group(message):
        return True
    target = _command_target(message)
    if target is not None:
        return target in ("", bot_username.lower())
    reply = message.reply_to_message
    if reply is not None and reply.from_user is not None and reply.from_user.id == bot_id:
        return True
    mention = f"@{bot_username}".lower()
    return any(
        entity.type == MessageEntity.MENTION
        and message.parse_entity(entity).lower() == mention
        for entity in message.entities
    )


def strip_mention(text: str, bot_username: str) -> str:
    return re.sub(re.escape(f"@{bot_username}"), " ", text, flags=re.IGNORECASE).strip()


def from_message(message: Message, salt: bytes, bot_username: str) -> Incoming | None:
    """The citizen's message, or None when there is nothing to answer."""
    user = message.from_user
    kind = kind_of(message)
    if user is None or user.is_bot or kind is None:
        return None
    key, chat_ref = user_key(user, salt), str(message.chat.id)
    if kind is MessageKind.TEXT:
        text = message.text or ""
        if is_group(message):
            text = strip_mention(text, bot_username)
        return Incoming(CHANNEL, key, text=text, chat_ref=chat_ref, group=is_group(message))
    return Incoming(CHANNEL, key, kind=kind, chat_ref=chat_ref, group=is_group(message))


def from_action(user: User, chat_id: int, action: str, salt: bytes) -> Incoming:
    """A (validated) button press (group chats have negative ids)."""
    return Incoming(CHANNEL, user_key(user, salt), kind=MessageKind.ACTION, action=action,
                    chat_ref=str(chat_id), group=chat_id < 0)
