"""Replay labelled conversations and report how many end as they should.

Usage: python bench/conversations.py FILE.jsonl [--show-failures]

Each line: {"turns": [...], "topic": "<id>" | "none" | "smalltalk",
"aspect": "fee" | "time" | "documents" | "where" | "online" | "any"}. The turns go
to one chat, a minute apart, with the context carried between them. The last
reply passes when it is a confident answer on ``topic`` leading with ``aspect``;
for "none" when it is not a confident answer; for "smalltalk" when it is a
smalltalk or menu reply. A final check only: never tune on the file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections import Counter
from pathlib import Path

from handlers.brief import leads_with
from handlers.conversation import Conversation
from handlers.messages import Incoming, Reply, ReplyKind
from knowledge.aspects import Aspect
from knowledge.service import KnowledgeService


def passes(reply: Reply, topic: str, aspect: str) -> bool:
    if topic == "none":
        return reply.kind is not ReplyKind.ANSWER
    if topic == "smalltalk":
        return reply.kind in {ReplyKind.SMALLTALK, ReplyKind.MENU, ReplyKind.INFO}
    if reply.kind is not ReplyKind.ANSWER or reply.topic_id != topic:
        return False
    return aspect == "any" or leads_with(reply, Aspect(aspect))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path", type=Path)
    parser.add_argument("--show-failures", action="store_true")
    args = parser.parse_args()
    chat = Conversation(KnowledgeService.from_directory())
    total: Counter[str] = Counter()
    good: Counter[str] = Counter()
    for n, line in enumerate(args.path.read_text(encoding="utf-8").splitlines()):
        if not line.strip():
            continue
        item = json.loads(line)
        now = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)
        context = None
        for text in item["turns"]:
            now += dt.timedelta(minutes=1)
            turn = chat.handle(Incoming("eval", f"c{n}", text=text), context, now)
            context = turn.context or context
        group = item["topic"] if item["topic"] in {"none", "smalltalk"} else item["aspect"]
        ok = passes(turn.reply, item["topic"], item["aspect"])
        total[group] += 1
        good[group] += ok
        if not ok and args.show_failures:
            print(f"FAIL {item} -> {turn.reply.kind.value} {turn.reply.topic_id}")
    print("| group | conversations | pass |")
    print("| --- | --- | --- |")
    for group in sorted(total):
        print(f"| {group} | {total[group]} | {good[group] / total[group]:.0%} |")
    print(f"| all | {sum(total.values())} | {sum(good.values()) / sum(total.values()):.1%} |")


if __name__ == "__main__":
    main()
