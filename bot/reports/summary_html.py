"""``summary.html``: one self-contained file a leader can open offline on a phone.

No external resource of any kind (fonts, scripts, images): CSS is inline and
charts are base64 PNG data URIs, so the file can be forwarded on Zalo or e-mail
and still look the same. Every dynamic string goes through :func:`html.escape`.
"""

from __future__ import annotations

import base64
from html import escape

from bot.reports.charts import MAX_CSS_WIDTH
from bot.reports.content import Document, Line, Section, Span

CSS = """
*{box-sizing:border-box}
body{margin:0;background:#f7fafc;color:#1a202c;
 font:17px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","DejaVu Sans",sans-serif}
main{max-width:760px;margin:0 auto;padding:16px}
h1{font-size:1.45em;line-height:1.25;margin:.2em 0}
.sub{color:#4a5568;margin:0 0 1em}
section{background:#fff;border:1px solid #e2e8f0;border-radius:10px;padding:12px 16px;
 margin:14px 0}
h2{font-size:1.15em;margin:.2em 0 .5em;color:#2b6cb0}
p{margin:.4em 0}
ol,ul{padding-left:1.3em;margin:.4em 0}
li{margin:.35em 0}
img{display:block;width:100%;max-width:MAXpx;height:auto;margin:.6em 0}
.note{color:#4a5568;font-size:.92em}
.action{white-space:nowrap;font-size:.92em}
footer{color:#4a5568;font-size:.88em;margin:18px 4px}
""".replace("MAXpx", f"{MAX_CSS_WIDTH}px")


def _span(part: Span) -> str:
    if part.url:
        return f'<a href="{escape(part.url)}">{escape(part.text)}</a>'
    return f"<strong>{escape(part.text)}</strong>" if part.bold else escape(part.text)


def _line(parts: Line) -> str:
    return "".join(_span(p) for p in parts)


def _link(url: str | None, label: str) -> str:
    if not url:
        return ""
    return f' <a class="action" href="{escape(url)}">{escape(label)}</a>'


def _section(section: Section, images: dict[str, bytes]) -> str:
    out = [f"<section><h2>{escape(section.title)}</h2>"]
    out += [f"<p>{_line(lead)}</p>" for lead in section.lead]
    if section.items:
        tag = "ol" if section.ordered else "ul"
        links = (*section.links, *[None] * (len(section.items) - len(section.links)))
        out.append(f"<{tag}>" + "".join(f"<li>{_line(i)}{_link(url, section.link_label)}</li>"
                                        for i, url in zip(section.items, links, strict=False))
                   + f"</{tag}>")
    if section.chart and section.chart in images:
        data = base64.b64encode(images[section.chart]).decode("ascii")
        out.append(f'<img alt="{escape(section.title)}" src="data:image/png;base64,{data}">')
    out += [f'<p class="note">{_line(note)}</p>' for note in section.notes]
    out.append("</section>")
    return "\n".join(out)


def render_html(doc: Document, images: dict[str, bytes]) -> str:
    """``images`` maps the chart file names used in the document to PNG bytes."""
    body = "\n".join(_section(s, images) for s in doc.sections)
    footer = "".join(f"<p>{escape(text)}</p>" for text in doc.footer)
    return f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(doc.title)}</title>
<style>{CSS}</style>
</head>
<body>
<main>
<h1>{escape(doc.title)}</h1>
<p class="sub">{escape(doc.subtitle)}</p>
{body}
<footer>{footer}</footer>
</main>
</body>
</html>
"""
