"""``summary.md``: the summary as plain Markdown, readable even as raw text on a phone.

Lists instead of tables (tables overflow narrow screens). Every dynamic string
is escaped, because a question example like ``<script>`` or ``**`` comes from a
citizen and Markdown viewers render inline HTML.
"""

from __future__ import annotations

import re

from bot.reports.content import Document, Line, Section, Span

_SPECIAL_RE = re.compile(r"([\\`*_\[\]<>#|~])")
_SPACE_RE = re.compile(r"\s+")


def escape(text: str) -> str:
    """Backslash-escape Markdown and HTML punctuation (CommonMark escapes)."""
    return _SPECIAL_RE.sub(r"\\\1", _SPACE_RE.sub(" ", text))


def _span(part: Span) -> str:
    """A link is its text and the bare absolute address (chat apps make it tappable; the
    address is not escaped — a backslash would break it — and is a checked http(s) URL)."""
    if part.url:
        return f"{escape(part.text)} ({part.url})"
    return f"**{escape(part.text)}**" if part.bold else escape(part.text)


def _line(parts: Line) -> str:
    return "".join(_span(p) for p in parts)


def _section(section: Section) -> list[str]:
    out = [f"## {escape(section.title)}", ""]
    for lead in section.lead:
        out += [_line(lead), ""]
    for i, item in enumerate(section.items, start=1):
        out.append(f"{i}. {_line(item)}" if section.ordered else f"- {_line(item)}")
    if section.items:
        out.append("")
    if section.chart:
        out += [f"![{escape(section.title)}]({section.chart})", ""]
    for note in section.notes:
        out += [f"_{_line(note)}_", ""]
    return out


def render_markdown(doc: Document) -> str:
    out = [f"# {escape(doc.title)}", "", escape(doc.subtitle), ""]
    for section in doc.sections:
        out += _section(section)
    out.append("---")
    out += [escape(text) + "  " for text in doc.footer]
    return "\n".join(out).rstrip() + "\n"
