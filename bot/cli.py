"""`citizen-bot` command line: serve, ask, chat, match, eval, kb validate, prepare."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.config import Settings, get_settings

log = logging.getLogger("citizen-bot")


def _knowledge(settings: Settings):
    from knowledge.service import KnowledgeService

    return KnowledgeService.from_directory(settings.knowledge_dir, settings.dictionary_dir)


def cmd_validate(args: argparse.Namespace, settings: Settings) -> int:
    from knowledge.loader import KnowledgeError, load_directory

    directory = Path(args.dir) if args.dir else settings.knowledge_dir
    try:
        kb = load_directory(directory)
    except KnowledgeError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"Lỗi: {len(exc.problems)} vấn đề, kho kiến thức KHÔNG được nạp.", file=sys.stderr)
        return 1
    for warning in kb.warnings:
        print(f"cảnh báo: {warning}")
    print(f"OK: {len(kb.topics)} chủ đề, {len(kb.categories)} nhóm, phiên bản {kb.version}, "
          f"{len(kb.warnings)} cảnh báo.")
    return 0


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from bot.assistant import Assistant
    from bot.channels.plaintext import render_plain
    from handlers.conversation import Conversation
    from handlers.messages import Incoming

    conversation = Conversation(_knowledge(settings), max_chars=settings.max_message_chars)
    assistant = Assistant(conversation)
    turn = asyncio.run(assistant.handle(Incoming("cli", "cli", text=" ".join(args.question))))
    print(render_plain(turn.reply))
    return 0


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    from bot.channels.plaintext import render_plain
    from handlers.conversation import Conversation
    from handlers.messages import Incoming, MessageKind

    conversation = Conversation(_knowledge(settings), max_chars=settings.max_message_chars)
    print("Gõ câu hỏi (Ctrl+D để thoát). Gõ số để chọn mục được đánh số.")
    choices: tuple = ()
    while True:
        try:
            line = input("> ")
        except EOFError:
            print()
            return 0
        pick = line.strip()
        if pick.isdigit() and 1 <= int(pick) <= len(choices):
            msg = Incoming("cli", "cli", kind=MessageKind.ACTION,
                           action=choices[int(pick) - 1].action)
        else:
            msg = Incoming("cli", "cli", text=line)
        reply = conversation.handle(msg).reply
        choices = reply.choices
        print(render_plain(reply) + "\n")


def _questions(stream: Sequence[str]) -> list[str]:
    out = []
    for line in stream:
        line = line.rstrip("\n")
        if not line.strip():
            continue
        if line.lstrip().startswith("{"):
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                row = None
            if isinstance(row, dict) and isinstance(row.get("q"), str):
                out.append(row["q"])
                continue
        out.append(line)
    return out


def cmd_match(args: argparse.Namespace, settings: Settings) -> int:
    matcher = _knowledge(settings).current.matcher
    for question in _questions(sys.stdin.readlines()):
        print(json.dumps(matcher.match(question).to_json(), ensure_ascii=False), flush=True)
    return 0


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from bot.evaluation import evaluate, format_report, read_labelled

    report = evaluate(_knowledge(settings).current.matcher, read_labelled(Path(args.file)))
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        print(format_report(report, show_misses=not args.quiet))
    return 0


def cmd_prepare(args: argparse.Namespace, settings: Settings) -> int:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.salt()
    return cmd_validate(argparse.Namespace(dir=None), settings)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from bot.server import create_app

    host = args.host or settings.host
    port = args.port or settings.port
    workers = args.workers or settings.workers
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.salt()  # created once here, before workers could race for it
    print(f"citizen-bot: mở http://{host}:{port}/ để trò chuyện thử", flush=True)
    options = {"host": host, "port": port, "log_level": settings.log_level.lower(),
               "proxy_headers": False}
    if workers > 1:
        # Each worker builds its own app from the environment; they share only the database.
        uvicorn.run("bot.server:app_factory", factory=True, workers=workers, **options)
    else:
        uvicorn.run(create_app(settings), **options)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="citizen-bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="chạy bot với trang trò chuyện cục bộ")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int, help="số tiến trình (mặc định WORKERS hoặc 1)")
    serve.set_defaults(func=cmd_serve)
    sub.add_parser("prepare", help="chuẩn bị thư mục dữ liệu và kiểm tra kho kiến thức"
                   ).set_defaults(func=cmd_prepare)
    ask = sub.add_parser("ask", help="in câu trả lời cho một câu hỏi")
    ask.add_argument("question", nargs="+")
    ask.set_defaults(func=cmd_ask)
    sub.add_parser("chat", help="trò chuyện trong terminal").set_defaults(func=cmd_chat)
    sub.add_parser("match", help="đọc câu hỏi từ stdin, in JSON từng dòng"
                   ).set_defaults(func=cmd_match)
    ev = sub.add_parser("eval", help="đo độ chính xác trên tệp JSONL có nhãn")
    ev.add_argument("file")
    ev.add_argument("--json", action="store_true", help="in một đối tượng JSON")
    ev.add_argument("--quiet", action="store_true", help="không in các câu sai")
    ev.set_defaults(func=cmd_eval)
    kb = sub.add_parser("kb", help="quản lý kho kiến thức")
    kb_sub = kb.add_subparsers(dest="kb_command", required=True)
    validate = kb_sub.add_parser("validate", help="kiểm tra mọi tệp YAML")
    validate.add_argument("--dir", help="thư mục nội dung (mặc định KNOWLEDGE_DIR)")
    validate.set_defaults(func=cmd_validate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = get_settings()
    logging.basicConfig(level=settings.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return int(args.func(args, settings) or 0)


if __name__ == "__main__":
    sys.exit(main())
