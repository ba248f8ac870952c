"""`citizen-bot` command line: serve, ask, chat, match, eval, kb validate, prepare."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.config import Settings, get_settings
from bot.safety.log_secrets import scrub_secrets, secrets_of

if TYPE_CHECKING:
    from knowledge.loader import KnowledgeBase

log = logging.getLogger("citizen-bot")


def _knowledge(settings: Settings):
    from knowledge.service import KnowledgeService

    return KnowledgeService.from_directory(settings.knowledge_dir, settings.dictionary_dir)


def _live_knowledge(settings: Settings):
    """The newest version in the database (what `serve` answers from), else the files."""
    from bot.editing.transfer import live_knowledge

    return live_knowledge(settings)


def _today(settings: Settings) -> dt.date:
    """The commune's calendar day: dated facts change at local midnight."""
    from zoneinfo import ZoneInfo

    return dt.datetime.now(ZoneInfo(settings.timezone)).date()


def cmd_validate(args: argparse.Namespace, settings: Settings) -> int:
    from knowledge.loader import KnowledgeError, date_warnings, load_directory

    directory = Path(args.dir) if args.dir else settings.knowledge_dir
    try:
        kb = load_directory(directory)
    except KnowledgeError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"Lỗi: {len(exc.problems)} vấn đề, kho kiến thức KHÔNG được nạp.", file=sys.stderr)
        return 1
    warnings = [*kb.warnings, *date_warnings(kb.topics.values(), _today(settings))]
    for warning in warnings:
        print(f"cảnh báo: {warning}")
    print(f"OK: {len(kb.topics)} chủ đề, {len(kb.categories)} nhóm, phiên bản {kb.version}, "
          f"{len(warnings)} cảnh báo.")
    return 0


def cmd_kb_export(args: argparse.Namespace, settings: Settings) -> int:
    from bot.editing.transfer import TransferFailed, export_live

    try:
        print(asyncio.run(export_live(settings, Path(args.target))))
    except TransferFailed as exc:
        print("\n".join(["Lỗi:", *exc.problems]), file=sys.stderr)
        return 1
    return 0


def cmd_kb_import(args: argparse.Namespace, settings: Settings) -> int:
    import os

    from bot.editing.transfer import TransferFailed, import_live

    author = f"cli:{args.author or os.environ.get('USER') or 'operator'}"
    try:
        result = asyncio.run(import_live(settings, Path(args.source), author=author))
    except TransferFailed as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"Lỗi: {len(exc.problems)} vấn đề, KHÔNG áp dụng thay đổi nào.", file=sys.stderr)
        return 1
    if result.version is None:
        print("Không có thay đổi nào so với nội dung đang dùng; không tạo phiên bản mới.")
        return 0
    for change in result.changes:
        print(f"- {change}")
    print(f"Đã áp dụng: phiên bản #{result.version} ({author}).")
    return 0


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from bot.channels.plaintext import render_plain
    from bot.turns.assistant import Assistant
    from handlers.conversation import Conversation
    from handlers.messages import Incoming

    conversation = Conversation(_live_knowledge(settings), max_chars=settings.max_message_chars)
    assistant = Assistant(conversation)
    turn = asyncio.run(assistant.handle(Incoming("cli", "cli", text=" ".join(args.question))))
    print(render_plain(turn.reply))
    return 0


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    from bot.channels.plaintext import render_plain
    from handlers.conversation import Conversation
    from handlers.messages import Incoming, MessageKind

    conversation = Conversation(_live_knowledge(settings), max_chars=settings.max_message_chars)
    print("Gõ câu hỏi (Ctrl+D để thoát). Gõ số để chọn mục được đánh số.")
    choices: tuple = ()
    context = None  # follow-ups ("còn lệ phí?") work in the terminal too
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
        turn = conversation.handle(msg, context)
        context, reply = turn.context or context, turn.reply
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
    from bot.commands.evaluation import evaluate, format_report, read_labelled

    if args.cv:
        return _eval_cv(args, settings)
    if not args.file:
        print("citizen-bot eval: cần tệp JSONL có nhãn (hoặc --cv)", file=sys.stderr)
        return 2
    report = evaluate(_knowledge(settings).current.matcher, read_labelled(Path(args.file)))
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        print(format_report(report, show_misses=not args.quiet))
    return 0


def _eval_cv(args: argparse.Namespace, settings: Settings) -> int:
    """Cross-validated figures over the knowledge base's examples and the off-topic list."""
    from bot.commands.evaluation import cross_validate, format_cv
    from knowledge.off_topic import load_off_topic

    matcher = _knowledge(settings).current.matcher
    report = cross_validate(matcher, load_off_topic(settings.dictionary_dir))
    print(json.dumps(report.as_dict(), ensure_ascii=False) if args.json else format_cv(report))
    return 0


def cmd_prepare(args: argparse.Namespace, settings: Settings) -> int:
    """Data dir and salt, then a short summary instead of every warning.

    Run on every ``make run``: it says only what citizens will notice (how to reach
    a person) and where to fix it; ``kb validate`` still lists every detail.
    """
    from knowledge.loader import KnowledgeError, load_directory

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.salt()
    try:
        load_directory(settings.knowledge_dir)  # the starter files must stay valid
    except KnowledgeError:
        return cmd_validate(argparse.Namespace(dir=None), settings)
    kb = _live_knowledge(settings).current.kb
    for line in prepare_summary(kb, settings, _today(settings)):
        print(line)
    return 0


def prepare_summary(kb: KnowledgeBase, settings: Settings, today: dt.date) -> list[str]:
    """The lines `prepare` prints: what is ready, what is missing, where to fix it."""
    from bot.editing.profile_checklist import PROFILE_PAGE, missing
    from knowledge.validity import needs_review, open_checks, upcoming

    lines = [f"citizen-bot: kho kiến thức hợp lệ — {len(kb.topics)} chủ đề, xã "
             f"{kb.commune.name}{', ' + kb.commune.province if kb.commune.province else ''}."]
    gaps = missing(kb.commune, staff_chats=bool(settings.staff_targets))
    if gaps:
        lines.append(f"Còn thiếu {len(gaps)} mục người dân sẽ thấy:")
        lines += [f"  - {item.label}: {item.why}"
                  + ("." if item.key != "staff_chats" else f" ({item.fix}).") for item in gaps]
        host = settings.host if settings.host.startswith("127.") else "<địa chỉ máy chủ>"
        lines.append(f"Sửa ở trang cán bộ, mục “Thông tin xã”: "
                     f"http://{host}:{settings.port}{PROFILE_PAGE}")
    else:
        lines.append("Thông tin xã đã đủ (liên hệ, địa chỉ, giờ làm việc, nhóm chat cán bộ).")
    topics = list(kb.topics.values())
    work = [(len(open_checks(topics)), "việc cần xác minh"),
            (len(upcoming(topics, today)), "mốc ngày trong 30 ngày tới"),
            (len(needs_review(topics, today)), "mục cần rà soát vì đã hết hạn")]
    todo = ", ".join(f"{n} {what}" for n, what in work if n)
    if todo:
        lines.append(f"Việc của cán bộ: {todo} — xem trang cán bộ, chi tiết: "
                     "citizen-bot kb validate")
    return lines


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from bot.server import create_app

    host = args.host or settings.host
    port = args.port or settings.port
    workers = args.workers or settings.workers
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.salt()  # created once here, before workers could race for it
    print(f"citizen-bot: mở http://{host}:{port}/ để trò chuyện thử", flush=True)
    options: dict[str, Any] = {"host": host, "port": port,
                               "log_level": settings.log_level.lower(), "proxy_headers": False}
    if workers > 1:
        # Each worker builds its own app from the environment; they share only the database.
        uvicorn.run("bot.server:app_factory", factory=True, workers=workers, **options)
    else:
        uvicorn.run(create_app(settings), **options)
    return 0


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    from bot.reports.from_storage import report_command

    return asyncio.run(report_command(settings, args.week, args.out, args.include_demo))


def cmd_uptake_import(args: argparse.Namespace, settings: Settings) -> int:
    from bot.reports.from_storage import uptake_import_command

    return asyncio.run(uptake_import_command(settings, args.file, args.source))


def cmd_demo_data(args: argparse.Namespace, settings: Settings) -> int:
    from bot.commands.demo import demo_command

    return asyncio.run(demo_command(settings, args.weeks, args.seed, args.per_day,
                                    uptake=not args.no_uptake))


def cmd_retention(args: argparse.Namespace, settings: Settings) -> int:
    from bot.reports.from_storage import retention_command

    return asyncio.run(retention_command(settings, args.days))


def _add_report_commands(sub: argparse._SubParsersAction) -> None:
    report = sub.add_parser("report", help="viết báo cáo tuần (md, html, PNG, CSV)")
    report.add_argument("--week", help="tuần ISO, ví dụ 2026-W48 (mặc định: tuần trước)")
    report.add_argument("--out", help="thư mục ghi (mặc định DATA_DIR/reports/<tuần>)")
    report.add_argument("--include-demo", action="store_true",
                        help="tính cả dữ liệu mẫu của demo-data (báo cáo sẽ ghi rõ)")
    report.set_defaults(func=cmd_report)
    uptake = sub.add_parser("uptake", help="số liệu hồ sơ trực tuyến chính thức")
    uptake_sub = uptake.add_subparsers(dest="uptake_command", required=True)
    imp = uptake_sub.add_parser("import", help="nhập tệp CSV xuất từ cổng dịch vụ công")
    imp.add_argument("file")
    imp.add_argument("--source", help="nguồn số liệu (mặc định: tên tệp)")
    imp.set_defaults(func=cmd_uptake_import)
    demo = sub.add_parser("demo-data", help="tạo dữ liệu mẫu để xem thử báo cáo")
    demo.add_argument("--weeks", type=int, default=4)
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--per-day", type=int, default=50, help="số tin nhắn trung bình mỗi ngày")
    demo.add_argument("--no-uptake", action="store_true", help="không nhập số liệu hồ sơ mẫu")
    demo.set_defaults(func=cmd_demo_data)
    retention = sub.add_parser("retention", help="xoá ngay nội dung câu hỏi quá hạn lưu")
    retention.add_argument("--days", type=int, help="mặc định RETENTION_DAYS")
    retention.set_defaults(func=cmd_retention)


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
    ev.add_argument("file", nargs="?")
    ev.add_argument("--cv", action="store_true",
                    help="kiểm định chéo trên câu hỏi mẫu của kho kiến thức (không cần tệp)")
    ev.add_argument("--json", action="store_true", help="in một đối tượng JSON")
    ev.add_argument("--quiet", action="store_true", help="không in các câu sai")
    ev.set_defaults(func=cmd_eval)
    kb = sub.add_parser("kb", help="quản lý kho kiến thức")
    kb_sub = kb.add_subparsers(dest="kb_command", required=True)
    validate = kb_sub.add_parser("validate", help="kiểm tra mọi tệp YAML")
    validate.add_argument("--dir", help="thư mục nội dung (mặc định KNOWLEDGE_DIR)")
    validate.set_defaults(func=cmd_validate)
    export = kb_sub.add_parser("export", help="xuất kho kiến thức đang dùng ra FILE.xlsx "
                               "hoặc thư mục YAML")
    export.add_argument("target", metavar="FILE.xlsx|DIR")
    export.set_defaults(func=cmd_kb_export)
    kb_import = kb_sub.add_parser("import", help="kiểm tra rồi áp dụng ngay FILE.xlsx hoặc "
                                  "thư mục YAML (có lỗi thì không áp dụng gì)")
    kb_import.add_argument("source", metavar="FILE.xlsx|DIR")
    kb_import.add_argument("--author", help="tên người nhập (mặc định $USER)")
    kb_import.set_defaults(func=cmd_kb_import)
    _add_report_commands(sub)
    from bot.commands.staff_accounts import add_staff_commands

    add_staff_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = get_settings()
    logging.basicConfig(level=settings.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    scrub_secrets(secrets_of(settings))
    return int(args.func(args, settings) or 0)


if __name__ == "__main__":
    sys.exit(main())
