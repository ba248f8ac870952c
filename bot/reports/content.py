"""What the summary says, independent of the file format.

Markdown and HTML are rendered from the same :class:`Document`, so the two can
never disagree. Text is kept as plain spans (``Span``) and escaped only by the
renderer that knows its format; question examples come from citizens and must
never be trusted as markup.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.reports import formatting as f
from bot.reports.gaps import GAP_DETAILS, GAP_EXPLANATION, TopicGap
from bot.reports.model import FOLLOWUP_ANSWERS, QUESTION_DECISIONS, StaleTopic, WeekStats
from bot.reports.outreach import (
    CAMPAIGN_HINT,
    CAMPAIGN_LINK,
    COMPOSE_HINT,
    COMPOSE_HINT_LEAD,
    COMPOSE_HINT_LINK,
    COMPOSE_HINT_TAIL,
    COMPOSE_LABEL,
    CampaignWeek,
    Outcome,
    campaign_url,
    compose_url,
)

TOP_N = 5  # lines per list: the phone summary stays short, the CSVs have everything
TOP_GROUPS = 6
DEMO_MARK = "[DỮ LIỆU MẪU]"
DEMO_TITLE = "Báo cáo dùng dữ liệu mẫu"
DEMO_NOTE = ("Đây là dữ liệu mẫu (demo) do lệnh citizen-bot demo-data tạo ra, không phải câu "
             "hỏi thật của người dân. Không dùng các số liệu này để ra quyết định.")
PRIVACY_NOTE = ("Báo cáo chỉ có số liệu tổng hợp; ví dụ câu hỏi đã được che thông tin cá nhân "
                "(số căn cước, số điện thoại, email…).")


@dataclass(frozen=True, slots=True)
class Span:
    text: str
    bold: bool = False
    url: str | None = None  # an absolute link (a staff page); never a relative one


Line = tuple[Span, ...]


def line(*parts: str | Span) -> Line:
    return tuple(p if isinstance(p, Span) else Span(p) for p in parts)


def b(value: str) -> Span:
    return Span(value, bold=True)


def link(text: str, url: str) -> Span:
    return Span(text, url=url)


@dataclass(frozen=True, slots=True)
class Section:
    """A heading, optional lead paragraphs, a list and an optional chart file name.

    ``links`` pairs items with an absolute staff-site URL (None: no link), shown as an
    action after the item in the HTML file only; the Markdown is read as plain text on a
    phone, so the section says the same in a note.
    """

    title: str
    lead: tuple[Line, ...] = ()
    items: tuple[Line, ...] = ()
    ordered: bool = False
    chart: str | None = None
    notes: tuple[Line, ...] = ()
    links: tuple[str | None, ...] = ()
    link_label: str = ""


@dataclass(frozen=True, slots=True)
class Document:
    title: str
    subtitle: str
    sections: tuple[Section, ...] = field(default_factory=tuple)
    footer: tuple[str, ...] = ()


def build_document(stats: WeekStats, ranked: Sequence[TopicGap], unknown: Sequence[TopicGap],
                   suggestions: Sequence[str], charts: dict[str, str], *,
                   base_url: str = "") -> Document:
    """The whole summary. ``charts`` maps a chart key to its file name; ``base_url`` is the
    public address of the staff workspace (empty: no links, only where to find things)."""
    title = f"Báo cáo {f.week_title(stats.week)}".replace("Báo cáo Tuần", "Báo cáo tuần")
    if stats.commune:
        title += f" — {stats.commune}"
    subtitle = f"{f.period(stats.start, stats.end)} · trợ lý dịch vụ công trực tuyến"
    sections = [_summary(stats, charts.get("per_day"))]
    if stats.demo_events:
        title = f"{DEMO_MARK} {title}"
        sections.insert(0, Section(DEMO_TITLE, lead=(line(b(DEMO_NOTE)),)))
    if suggestions:
        sections.append(Section("Việc nên làm", items=tuple(line(s) for s in suggestions),
                                ordered=True))
    if not stats.is_empty:
        sections.append(_top_topics(stats, charts.get("top_topics")))
        sections.append(_unanswered(stats, charts.get("decisions")))
    gap_section = _gaps(ranked, unknown, charts.get("uptake_gap"), base_url)
    if gap_section:
        sections.append(gap_section)
    sections.extend(_campaign(c, base_url) for c in stats.campaigns[:TOP_N])
    for build in (_followups, _helpful, _disputed, _stale):
        section = build(stats)
        if section:
            sections.append(section)
    footer = (PRIVACY_NOTE, "Số liệu đầy đủ từng chủ đề: topics.csv; câu hỏi chưa trả lời "
              "được: unanswered.csv.")
    return Document(title, subtitle, tuple(sections), footer)


def _summary(stats: WeekStats, chart: str | None) -> Section:
    if stats.is_empty:
        before = (f"tuần trước có {f.num(stats.prev_questions)} câu" if stats.prev_questions
                  else "tuần trước cũng không có")
        lead = [line(b("Tuần này không có câu hỏi nào"), f" ({before}).")]
        return Section("Tóm tắt", lead=tuple(lead), chart=chart)
    items = [line(b(f.num(stats.questions)), " câu hỏi — ",
                  f.change(stats.questions, stats.prev_questions))]
    if stats.people or stats.prev_people:
        items.append(line(b(f.num(stats.people)), " người hỏi (tuần trước ",
                          f.num(stats.prev_people), ")"))
    shares = [
        (f.DECISION_LABELS[d], stats.share(d)) for d in QUESTION_DECISIONS
    ]
    parts: list[str | Span] = []
    for i, (label, share) in enumerate(shares):
        parts += [" · " if i else "", f"{label if i == 0 else label.lower()} ", b(f.pct(share))]
    items.append(line(*parts))
    votes = stats.helpful + stats.not_helpful
    if votes:
        items.append(line("Đánh giá hữu ích: ", b(f.pct(stats.helpful / votes)), " (",
                          f.num(stats.helpful), " trên ", f.num(votes), " lượt)"))
    if stats.channels:
        items.append(line("Kênh: " + " · ".join(
            f"{f.channel(name)} {f.num(count)}" for name, count in stats.channels.items())))
    if stats.smalltalk:
        items.append(line(f"Ngoài ra {f.num(stats.smalltalk)} tin chào hỏi, cảm ơn."))
    return Section("Tóm tắt", items=tuple(items), chart=chart)


def _top_topics(stats: WeekStats, chart: str | None) -> Section:
    topics = stats.active_topics[:TOP_N]
    items = tuple(
        line(f.one_line(t.title, 90), " — ", b(f.num(t.questions)), " câu ",
             f"({f.signed(t.change)})")
        for t in topics
    )
    lead = (line("Số trong ngoặc: thay đổi so với tuần trước."),) if items else ()
    return Section("Chủ đề được hỏi nhiều nhất", lead=lead, items=items, ordered=True, chart=chart)


def _unanswered(stats: WeekStats, chart: str | None) -> Section:
    groups = stats.unanswered[:TOP_GROUPS]
    total = sum(g.count for g in stats.unanswered)
    if not groups:
        done = ("Tuần này trợ lý trả lời được mọi câu hỏi" + (
            f", trừ {f.num(stats.out_of_scope)} câu cán bộ đã đánh dấu “ngoài phạm vi”"
            if stats.out_of_scope else "") + ".")
        return Section("Câu hỏi chưa trả lời được", lead=(line(done),), chart=chart)
    lead = (line(b(f.num(total)), " câu hỏi trợ lý chưa trả lời được hoặc chỉ gợi ý, gom thành ",
                 b(f.num(len(stats.unanswered))), " nhóm. Đây là những chỗ cần bổ sung kho "
                 "kiến thức."),)
    items = tuple(
        line(b(f.num(g.count)), " câu", _unanswered_detail(g.count, g.unanswered), ", ví dụ: “",
             f.one_line(g.example, 120), "”")
        for g in groups
    )
    notes: tuple[Line, ...] = ()
    if len(stats.unanswered) > len(groups):
        notes = (line(f"Còn {f.num(len(stats.unanswered) - len(groups))} nhóm nhỏ hơn "
                      "trong unanswered.csv."),)
    if stats.out_of_scope:
        notes = (*notes, line(f"Không tính {f.num(stats.out_of_scope)} câu cán bộ đã đánh "
                              "dấu “ngoài phạm vi”."),)
    return Section("Câu hỏi chưa trả lời được", lead=lead, items=items, ordered=True,
                   chart=chart, notes=notes)


def _unanswered_detail(count: int, unanswered: int) -> str:
    if unanswered == count:
        return " chưa trả lời được"
    if unanswered == 0:
        return " chỉ được gợi ý"
    return f" ({f.num(unanswered)} chưa trả lời được)"


def _gaps(ranked: Sequence[TopicGap], unknown: Sequence[TopicGap],
          chart: str | None, base_url: str) -> Section | None:
    if not ranked and not unknown:
        return None
    items, links = [], []
    for g in ranked[:TOP_N]:
        links.append(compose_url(g.topic_id, base_url))
        source = "hồ sơ" if g.source == "official" else "hỏi lại"
        items.append(line(f.one_line(g.title, 90), ": ", b(f.num(g.demand)), " câu hỏi của ",
                          b(f.num(g.people)), " người, ", b(f.pct(g.online_share)),
                          " làm trực tuyến ",
                          f"({source}: {f.num(g.online_done)}/{f.num(g.basis)}) → ước tính ",
                          b(f.num(round(g.gap_people or 0))),
                          " người đã hỏi chưa làm trực tuyến"))
    notes = []
    if unknown:
        names = ", ".join(f"{f.one_line(g.title, 60)} ({f.num(g.demand)} câu)"
                          for g in unknown[:5])
        more = f" và {f.num(len(unknown) - 5)} chủ đề khác" if len(unknown) > 5 else ""
        notes.append(line("Chưa có số liệu kết quả: ", names, more, "."))
    notes.extend(line(detail) for detail in GAP_DETAILS)
    form = compose_url(None, base_url)
    if ranked:
        notes.append(line(COMPOSE_HINT_LEAD, link(COMPOSE_HINT_LINK, form), COMPOSE_HINT_TAIL)
                     if form else line(COMPOSE_HINT))
    return Section("Nơi nhiều người hỏi nhưng ít người làm trực tuyến",
                   lead=(line(GAP_EXPLANATION),), items=tuple(items), ordered=True,
                   chart=chart if ranked else None, notes=tuple(notes),
                   links=tuple(links), link_label=COMPOSE_LABEL)


def _campaign(c: CampaignWeek, base_url: str) -> Section:
    """One campaign: what was sent, then each outcome in both groups and its verdict, and
    where its page is."""
    about = f" (chủ đề: {f.one_line(c.topic_title, 60)})" if c.topic_title else ""
    title = f"Thông báo “{f.one_line(c.title, 70)}”{about} — gửi {f.day_short(c.started)}"
    sent: list[str | Span] = ["Đã gửi ", b(f.num(c.sent)), " người: đến nơi ",
                              b(f.num(c.delivered)), ", không gửi được ", b(f.num(c.failed))]
    if c.unknown:
        sent += [", chưa rõ ", b(f.num(c.unknown))]
    sent += (["; ", b(f.num(c.taps)), " người bấm “Xem hướng dẫn”."] if c.has_link else ["."])
    page = campaign_url(c.campaign_id, base_url) if c.campaign_id is not None else None
    where = (line(link(CAMPAIGN_LINK, page), ".") if page
             else line(CAMPAIGN_HINT) if c.campaign_id is not None else None)
    if c.topic_title is None:  # nothing to measure the effect against
        notes = [line("Thông báo không gắn với thủ tục nào, nên không đo được ai hỏi thêm "
                      "hay đã làm trực tuyến.")]
        return Section(title, items=(line(*sent),),
                       notes=tuple(notes + ([where] if where else [])))
    items = (line(*sent), _outcome(c.asked), _outcome(c.online))
    notes = [line(f"Nhóm đối chiếu: {f.num(c.held_back)} người cùng đối tượng, chọn ngẫu nhiên, "
                  "không được gửi — để xem thông báo có tác dụng hay không.") if c.held_back
             else line("Không giữ lại nhóm đối chiếu, nên không biết thông báo có tác dụng "
                       "hay không.")]
    if c.measuring_until:
        notes.append(line(f"Đang đo đến {f.day_short(c.measuring_until)}: các con số còn "
                          "có thể tăng."))
    if where:
        notes.append(where)
    return Section(title, items=items, notes=tuple(notes))


def _outcome(o: Outcome) -> Line:
    """"Hỏi bot…: 10/38 người nhận tin (26%), 1/10 người không nhận (10%) → verdict"."""
    def group(count: int, size: int, who: str) -> list[str | Span]:
        share = f.pct(count / size) if size else "–"
        return [b(f"{f.num(count)}/{f.num(size)}"), f" {who} ({share})"]

    return line(f"{o.label}: ", *group(o.recipients, o.recipients_size, "người nhận tin"),
                ", ", *group(o.held_back, o.held_back_size, "người không nhận"),
                " → ", b(o.verdict), ".")


def _followups(stats: WeekStats) -> Section | None:
    total = sum(stats.followups.values())
    if not total:
        return None
    lead = (line(*_followup_parts(stats.followups, f.FOLLOWUP_LABELS),
                 f" (trên {f.num(total)} câu trả lời)"),)
    topics = sorted((t for t in stats.topics if t.followup_total),
                    key=lambda t: (-t.followup_total, t.title))[:TOP_N]
    items = tuple(line(f.one_line(t.title, 90), ": ",
                       *_followup_parts(t.followups, f.FOLLOWUP_SHORT)) for t in topics)
    weeks = stats.followup_weeks
    return Section(f"Người dân đã làm thủ tục chưa? ({weeks} tuần gần nhất)", lead=lead,
                   items=items)


def _followup_parts(counts: Mapping[str, int], labels: Mapping[str, str]) -> list[str | Span]:
    """"Đã làm trực tuyến 3 · đã làm trực tiếp 2 · …" (first label keeps its capital)."""
    parts: list[str | Span] = []
    for i, answer in enumerate(FOLLOWUP_ANSWERS):
        label = labels[answer] if i == 0 else labels[answer].lower()
        parts += [" · " if i else "", f"{label} ", b(f.num(counts.get(answer, 0)))]
    return parts


def _helpful(stats: WeekStats) -> Section | None:
    rated = [t for t in stats.topics if t.helpful + t.not_helpful]
    if not rated:
        return None
    rated.sort(key=lambda t: (t.helpful / (t.helpful + t.not_helpful),
                              -(t.helpful + t.not_helpful), t.title))
    items = tuple(
        line(f.one_line(t.title, 90), ": ", b(f.pct(t.helpful / (t.helpful + t.not_helpful))),
             f" hữu ích ({f.num(t.helpful)}/{f.num(t.helpful + t.not_helpful)} lượt)")
        for t in rated[:TOP_N]
    )
    return Section("Đánh giá hữu ích theo chủ đề",
                   lead=(line("Thấp nhất trước: đó là câu trả lời nên viết lại."),), items=items)


DISPUTE_LABELS = {"topic": "không đúng chủ đề", "missing": "thiếu thông tin",
                  "wrong": "thông tin sai", "": "không nói lý do"}


def _disputed(stats: WeekStats) -> Section | None:
    """👎 "Chưa đúng" per topic, by what citizens said was wrong (the staff inbox lists
    each one under "Bị đánh giá chưa đúng")."""
    marked = sorted((t for t in stats.topics if t.not_helpful),
                    key=lambda t: (-t.not_helpful, t.title))
    if not marked:
        return None
    items = tuple(
        line(f.one_line(t.title, 90), ": ", b(f.num(t.not_helpful)), " lượt — ",
             " · ".join(f"{label} {f.num(t.not_helpful_reasons.get(code, 0))}"
                        for code, label in DISPUTE_LABELS.items()
                        if t.not_helpful_reasons.get(code, 0)))
        for t in marked[:TOP_N])
    notes: tuple[Line, ...] = ()
    if len(marked) > TOP_N:
        notes = (line(f"Và {f.num(len(marked) - TOP_N)} chủ đề khác."),)
    return Section("Bị đánh giá chưa đúng", lead=(line(
        "Lượt bấm “Chưa đúng” theo chủ đề và lý do. Từng câu ở trang cán bộ, mục “Câu hỏi "
        "chưa trả lời được”."),), items=items, notes=notes)


def _last_check(stale: StaleTopic) -> tuple[Any, ...]:
    """A staff review names its date; otherwise only the sources' month is known."""
    if stale.staff_reviewed:
        return " — cán bộ rà soát lần cuối ", b(f.day(stale.reviewed))
    return (" — chưa cán bộ nào rà soát; nguồn chỉ đến tháng ",
            b(stale.reviewed.strftime("%m/%Y")))


def _stale(stats: WeekStats) -> Section | None:
    if not stats.stale:
        return None
    items = tuple(line(f.one_line(s.title, 90), *_last_check(s)) for s in stats.stale[:TOP_N])
    notes: tuple[Line, ...] = ()
    if len(stats.stale) > TOP_N:
        notes = (line(f"Và {f.num(len(stats.stale) - TOP_N)} chủ đề khác."),)
    return Section(f"Nội dung quá {stats.stale_months} tháng chưa rà soát", items=items,
                   notes=notes)
