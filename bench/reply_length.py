"""How long is the first reply? Over every example question of the knowledge base.

Usage: python bench/reply_length.py

Counts the characters the web chat shows for a reply (block texts, labels, list
items and link labels; not the buttons), for the reply the bot gives now and for
the whole entry of the same topic (the earlier behaviour) in the same run, and
how many replies Telegram (4,096 units) and Zalo (2,000 characters) must split.
"""

from __future__ import annotations

import statistics

from bot.channels.telegram.render import render as telegram_render
from bot.channels.zalo.render import render_chunks as zalo_chunks
from handlers.conversation import Conversation
from handlers.messages import Incoming, MessageKind, Reply, ReplyKind
from knowledge.service import KnowledgeService


def web_chars(reply: Reply) -> int:
    return sum(len(b.text) + len(b.label) + sum(map(len, b.items))
               + sum(len(link.label) for link in b.links) for b in reply.blocks)


def row(name: str, sizes: list[int]) -> str:
    ordered = sorted(sizes)
    p90 = ordered[int(0.9 * (len(ordered) - 1))]
    return (f"| {name} | {len(sizes)} | {statistics.median(sizes):.0f} | {p90} | "
            f"{max(sizes)} |")


def main() -> None:
    knowledge = KnowledgeService.from_directory()
    chat = Conversation(knowledge)
    first: list[int] = []
    full: list[int] = []
    split_tg = split_zalo = 0
    for topic in knowledge.current.kb.topics.values():
        for question in topic.questions:
            reply = chat.handle(Incoming("bench", "u", text=question)).reply
            if reply.kind is not ReplyKind.ANSWER:
                continue
            first.append(web_chars(reply))
            split_tg += len(telegram_render(reply)[0]) > 1
            split_zalo += len(zalo_chunks(reply)) > 1
            entry = chat.handle(Incoming("bench", "u", kind=MessageKind.ACTION,
                                         action=f"full:{reply.topic_id}")).reply
            full.append(web_chars(entry))
    print("| reply | answers | median chars | p90 | max |")
    print("| --- | --- | --- | --- | --- |")
    print(row("first reply (now)", first))
    print(row("whole entry (before)", full))
    print(f"\nfirst replies split on Telegram: {split_tg}, on Zalo: {split_zalo}")


if __name__ == "__main__":
    main()
