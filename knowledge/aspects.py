"""What a question asks about: the fee, the time, the documents, where, online, who.

Citizens rarely want a whole procedure at once: "làm hộ chiếu hết bao nhiêu tiền"
wants the fee, "mất bao lâu" after an answer wants its processing time. A small
rule set over the accent-folded text finds these aspects, in the first question
as in a follow-up, so the reply can lead with them. The same module says which
words of a message are *only* about the aspect or a reference back ("còn",
"cái đó", "thì sao"): what is left is the subject the message names itself.

Pure and dictionary-free on purpose: the phrases are few, stable Vietnamese
question forms, and they are checked on folded text so "le phi" and "lệ phí" meet.
"""

from __future__ import annotations

import re
from enum import StrEnum

from knowledge.vietnamese import clean, folded_words, has_diacritics, words


class Aspect(StrEnum):
    FEE = "fee"
    TIME = "time"
    DOCUMENTS = "documents"
    WHERE = "where"
    ONLINE = "online"
    WHO = "who"
    RULES = "rules"  # late, fined, compulsory ("quá hạn thì sao", "có bắt buộc không")


# "hộ" is "on behalf" unless it starts a noun (hộ chiếu, hộ khẩu, hộ tịch, hộ kinh doanh,
# hộ (cận) nghèo, hộ gia đình), folds from another word (hồ sơ, hỗ trợ), or ends "giám hộ"
# (guardianship, checked where it is used).
_NOT_HO = r"(?! (?:chieu|khau|tich|kinh|ngheo|can ngheo|gia|so|gia dinh|tro)\b)"

# Someone acting for the person concerned, or one person alone: a verb, up to three words,
# then "thay" / "giùm" / "hộ" ("nộp hồ sơ thay bà", "ký giùm ba"); "ủy quyền"; "người khác
# làm"; "đi làm một mình".
_ACT_FOR = (rf"(?:lam|nop|di|khai|dang ky|xin|ky|nhan|lay)(?: \w+){{0,3}} "
            rf"(?:thay(?! (?:doi|the|ten)\b)(?! anh (?:the|cu|moi|chan dung)\b)|giup|gium|dum"
            rf"|(?<!giam )ho{_NOT_HO})"
            r"|(?<!giay )(?<!ban )(?<!hop dong )uy quyen|nguoi khac (?:lam|nop|di|ky|nhan)"
            r"|(?:di|lam|nop|len|ky) (?:\w+ )?mot minh"
            r"|(?:lam|xin|nop|dang ky) (?:luon|giup|gium|dum) cho")  # "làm luôn cho nó"

# Folded phrases per aspect (regular expressions over single-spaced folded words).
_ASPECT_PATTERNS: dict[Aspect, tuple[str, ...]] = {
    Aspect.FEE: (
        # not "mai táng phí": the funeral allowance, not a fee
        r"le phi", r"(?<!mai tang )phi", r"bao nhieu tien", r"may tien", r"mat tien",
        r"ton tien",
        r"tien le phi", r"mien phi", r"gia bao nhieu", r"het bao nhieu", r"dong tien",
        r"tra tien", r"nop tien (?:gi|bao nhieu)", r"ton bao nhieu", r"tien gi",
        r"het nhieu", r"nhieu tien", r"tinh tien", r"tinh phi",
        r"dong (?:bao )?(?:nhieu|bn)\b",  # "một người đóng bao nhiêu"
        # "mất đồng nào không", "tốn kém không", "hết nhiêu" (southern "nhiêu" = "bao nhiêu")
        r"(?:mat|ton|het|dong) (?:\w+ )?dong nao", r"ton kem", r"nhieu dong",
        r"bao nhieu dong", r"(?:het|ton|mat) (?:bao )?nhieu(?! ngay| hom| tuan| thang)",
        # "bn" typed for "bao nhiêu": "bn tiền", "hết bn"
        r"bn (?:tien|dong|phi)", r"(?:het|ton|mat|gia) bn\b",
    ),
    Aspect.TIME: (
        # "mấy ngày" is the processing time after "mất", "chờ"… or before "thì có", not
        # the length of a stay ("ở nhờ mấy hôm").
        r"(?:mat|doi|cho|trong|sau|het|ton|la|thi) (?:may|bao nhieu) (?:ngay|hom|tuan)",
        r"(?:may|bao nhieu) (?:ngay|hom|tuan) (?:thi |la |moi )?(?:co(?! phai| bi)|xong|nhan|lay"
        r"|duoc)",
        r"^(?:may|bao nhieu) (?:ngay|hom|tuan)", r"bao lau",
        r"thoi gian(?: giai quyet| xu ly| lam| cho| tra)?", r"thoi han giai quyet",
        r"bao gio (?:co|xong|nhan|lay)", r"khi nao (?:co|xong|nhan|lay)", r"lau khong",
        r"lau ko", r"lau k", r"co lien", r"lay ngay", r"nhanh khong", r"hen tra",
        r"lay lien", r"(?:xong|co|lay|nhan|tra) (?:\w+ ){0,2}trong ngay",
        # regional "when": chừng nào, bữa nào, hôm nào; "lâu hông"
        r"(?:chung|bua|hom|luc) nao (?:\w+ ){0,2}(?:co|xong|nhan|lay|cam|tra|duoc)",
        r"(?:doi|cho) lau", r"lau (?:hong|hem|hok|khong|ko|k|ha|chua)\b", r"han chot",
        r"bn (?:lau|ngay|hom|tuan)",
    ),
    Aspect.DOCUMENTS: (
        r"giay to", r"ho so (?:gom|can|gi)", r"can (?:mang|chuan bi|nop|nhung) gi",
        r"mang (?:theo )?(?:nhung )?gi", r"chuan bi (?:nhung )?gi", r"can nhung gi",
        r"can gi", r"thanh phan ho so", r"mang theo", r"can mang", r"phai mang",
        r"can nhung giay",
        # "đem" is "mang" in much of the country
        r"dem (?:theo )?(?:nhung )?gi", r"dem theo", r"can dem", r"phai dem",
        # "cầm theo cái chi", "giấy chi" (central "chi" = "gì"; "j" typed for "gì")
        r"cam theo", r"(?:mang|dem|cam) (?:theo )?(?:nhung |cai )?(?:chi|gi|j)\b",
        r"giay (?:to )?(?:gi|chi|j)\b",
    ),
    Aspect.WHERE: (
        r"o dau", r"cho nao", r"noi nao", r"tai dau", r"den dau", r"di dau", r"len dau",
        r"co quan nao", r"dia chi", r"phong nao", r"ra dau",
        r"(?:o|tai|len|ra) (?:xa|phuong|huyen|tinh|uy ban|ubnd|cong an|mot cua)"
        r" (?:lam|nop|duoc|co|hay)",
        r"(?:phai|can) (?:ra|len|den|toi|di) (?:xa|phuong|huyen|tinh|uy ban|ubnd|cong an"
        r"|mot cua)",
        # "ở mô" (central), "vẫn lên huyện hả", "nộp ở xã hay lên huyện"
        r"o mo\b", r"(?:van|phai) (?:len|ra|ve|xuong) (?:xa|phuong|huyen|tinh)",
        r"(?:xa|phuong|huyen|tinh) hay (?:van |phai )?(?:len|ra|ve|o|tai) (?:xa|phuong|huyen"
        r"|tinh)",
    ),
    Aspect.ONLINE: (
        r"online", r"onl", r"truc tuyen", r"tren mang", r"qua mang", r"tren dien thoai",
        r"qua dien thoai", r"bang dien thoai", r"khong can (?:den|di|len)",
        # "làm tại nhà được không", not "mở quán ở nhà"
        r"(?:tai|o) nha (?:duoc|dc|lam|nop|khai|dang ky|khong|ko|k)\b",
        r"(?:lam|nop|khai|dang ky) (?:\w+ ){0,2}(?:tai|o) nha",
        r"khong phai (?:den|di|len)", r"tren vneid", r"qua vneid", r"tren app",
        r"tren ung dung", r"dich vu cong truc tuyen", r"qua mang internet",
        # "bấm điện thoại", "qua app trên đt", "khỏi đi", "có cần lên tận nơi không"
        r"bam (?:tren )?(?:dien thoai|dt|app|may)", r"(?:qua|tren|bang) (?:app|dt|zalo)\b",
        r"khoi (?:phai )?(?:di|len|ra|den)\b", r"len tan noi", r"tan noi",
        r"(?:o|tai) (?:nha|phong|tro) (?:\w+ ){0,3}(?:duoc|dc|dk)\b",
        r"ngoi (?:o |tai )?nha",  # "ngồi nhà làm trên đt được ko"
    ),
    Aspect.WHO: (
        rf"(?:lam|nop|di|khai|dang ky|xin) (?:ho{_NOT_HO}|thay|giup|gium|dum)",
        _ACT_FOR,
        r"nho (?:nguoi|ai|con|chau|vo|chong|anh|chi|em|bo|me)",
        r"(?<!giay )(?<!ban )(?<!hop dong )uy quyen",  # not the document "giấy ủy quyền"
        r"nguoi khac", r"ai (?:duoc|co the|phai|di|lam|nop)",
        r"dieu kien", r"doi tuong", r"du tuoi",
        r"co duoc (?:lam|cap|huong|nhan|tien|tro cap)\b",  # entitled to it?
        r"nguoi than", r"nguoi nha", r"dai dien",
        # a named relative doing it ("cháu nội đi làm được không"), or whether a given
        # person must come ("bắt buộc con trai ông phải đi"); a bare "em", "cháu" is "I"
        r"(?:chau (?:noi|ngoai)|con (?:trai|gai|dau|re)|vo|chong|(?:anh|chi|em) (?:trai|gai"
        r"|ruot|ho)|hang xom|ban (?:be|than)) (?:\w+ ){0,2}(?:di|lam|nop|ky|khai|nhan|lay)"
        r" (?:\w+ )?(?:duoc|dc)\b",
        r"bat buoc (?:\w+ ){1,4}phai (?:di|len|ra|lam|ky|co mat)",
        # whether someone must come along or be there ("bố mẹ có phải đi cùng không",
        # "cháu có cần có mặt không")
        r"(?:phai|can) (?:\w+ )?co mat",
        r"(?:phai|can) (?:di|len|ra|den|toi) (?:cung|theo|kem)\b",
        r"di (?:cung|kem) (?:khong|ko|k|hong|hok|duoc|dc)\b",
        # whose signature or consent ("chủ nhà có phải ký không"), asked as yes or no
        r"co (?:phai|can) (?:\w+ ){0,4}(?:ky|dong y) (?:khong|ko|k|hong|hok)\b",
    ),
    Aspect.RULES: (
        # late, fined ("quá hạn thì sao", "trễ 3 tháng có bị phạt không"); not "nộp phạt"
        r"qua han", r"tre han", r"tre hen", r"(?:co )?bi phat", r"lo (?:de )?tre",
        # "có bắt buộc không" (not "bắt buộc X phải đi": who must come). A plain "có phải
        # đăng ký … không" stays a plain question: the gist already says who must.
        r"(?:co )?bat buoc(?! (?:\w+ ){1,4}phai (?:di|len|ra|lam|ky|co mat))",
        # what if it is not done ("không đăng ký thì sao", "không đổi có bị gì không"); not
        # "không biết làm thì sao" (help), "không có … thì sao" (a missing paper)
        r"\bkhong (?!biet|co\b|duoc|the\b|kip|nho|hieu|ranh)(?:\w+ ){1,3}"
        r"(?:thi (?:co )?(?:sao|bi gi|bi sao)|co sao|co bi gi|co bi sao)\b",
        # a deadline passed by so long ("để quá 10 ngày mới nộp có sao không")
        r"qua \d+ (?:ngay|hom|tuan|thang|nam)\b(?! nua)",
        # whether an old card or licence must be exchanged ("bằng A1 có phải đổi không")
        r"co phai doi (?:\w+ ){0,3}(?:khong|ko|k|hong|hok)\b",
    ),
}

# Words that only point back at the conversation or soften the message; a message
# made of these plus aspect phrases names no subject of its own.
_REFER_PATTERNS = (
    r"^(?:the |vay |the thi |vay thi )?con\b", r"the con", r"vay con", r"thi sao",
    r"cai do", r"cai nay", r"thu tuc do", r"thu tuc nay", r"viec do", r"viec nay", r"vu do",
    r"cai (?:ay|kia)",
    # "cái phép đó", "cái giấy phép ấy"; not "cái sổ đỏ"
    r"cai (?!so do\b)(?:\w+ ){1,2}(?:do|nay|ay|kia|day)\b",  # "cái sổ đấy" too
    r"nhu vay", r"nhu the", r"kieu (?:do|nay|ay)\b", r"\bnua\b",
    r"qua han", r"tre han",
    r"con gi (?:nua|khac)", r"vay thi", r"the thi", r"neu vay",
    # "how?" about what was just said: "làm thế nào", "ra sao", "cách làm"
    r"(?:lam )?(?:nhu )?the nao", r"ra sao", r"lam sao", r"cach nao", r"cach lam",
    # what follows from it: late, fined, refused, still valid ("trễ hạn thì có sao",
    # "có bị phạt không", "giấy đó có thời hạn không", "để lâu quá có phải làm lại")
    r"(?:thi )?co sao\b", r"(?:co )?bi (?:phat|sao|gi|tu choi|tru)", r"thoi han", r"het han",
    r"(?:de )?lau (?:qua|roi)", r"tre (?:\w+ )?(?:qua han|han|hen|gan|may|lau)",
    r"lai tu dau", r"giay (?:do|nay|ay)\b", r"(?:lo|neu) (?:de )?tre",
)
_FILLER = frozenset("""
    a a ah ak ha hả nhe nha nhi nhỉ voi di luon the vay thi sao nao gi khong ko k hong co
    duoc dc phai can lam thu tuc minh toi em anh chi bac chau ban ad cho hoi xin oi u ua
    bao nhieu may la o tai cua cai nay do kia ay roi chua va hay hoac ma nhu thuong
    duoc khong het mat ton nop mang theo gom nhung cac mot hai ba lai khac tren qua bang
    viec vu ne day do tien da xong ok oke nua con dang ky de ai
    chu nhi hen nghen ha ak uh ma moi doi lay nhan ra ve vao luc khi sau truoc chi rang
    biet hieu muon cam on nhieu it lan nay kia ay vay nguoi
    cung dung duyet xet neu
    tui no xai dem cam lo tinh ra thang rieng
    trong tan e bat buoc
""".split())

_COMPILED = {aspect: re.compile(r"\b(?:" + "|".join(p) + r")\b")
             for aspect, p in _ASPECT_PATTERNS.items()}
# What residual_words takes out: the same phrases, but of "someone acting for" only its
# markers, not the words between verb and marker ("đăng ký khai sinh thay": "khai sinh"
# names a subject and stays).
_MARKERS = r"thay|giup|gium|dum|uy quyen|nguoi khac|mot minh"
_STRIPPED = (*(_COMPILED[a] for a in Aspect if a is not Aspect.WHO), re.compile(
    r"\b(?:" + "|".join(p for p in _ASPECT_PATTERNS[Aspect.WHO] if p != _ACT_FOR)
    + rf"|{_MARKERS})\b"))
_PROXY = re.compile(rf"\b(?:{_ACT_FOR})\b")
_REFER = re.compile("|".join(rf"(?:{p})" for p in _REFER_PATTERNS))


def detect(text: str) -> tuple[Aspect, ...]:
    """The aspects a message asks about, in the order they appear in it."""
    folded = folded_words(text)
    found: list[tuple[int, Aspect]] = []
    for aspect, pattern in _COMPILED.items():
        hit = pattern.search(folded)
        if hit:
            found.append((hit.start(), aspect))
    return tuple(aspect for _, aspect in sorted(found))


# A general "how do I…?" ending a message: "làm sao vậy", "đóng tiếp kiểu gì", "chỉ tui với".
_HOW = re.compile(r"\b(?:lam sao|(?:nhu )?the nao|ra sao|kieu (?:gi|nao|j)|cach (?:nao|lam)"
                  r"|huong dan|chi (?:tui|toi|em|minh|giup|gium|dum|cach|voi)"
                  r"|bat dau tu dau|(?:tung|cac) buoc)\b")  # "…, từng bước một"
_CLAUSES = re.compile(r"[,.;:!?\n]+")


def split_clauses(text: str) -> list[str]:
    """The message's clauses as the writer punctuated them (none for a blank one)."""
    return [c for c in _CLAUSES.split(text) if c.strip()]


def asked(text: str, *, following: bool = False) -> tuple[Aspect, ...]:
    """The aspects a message asks for, read clause by clause:

    - a last clause that asks "how" with no aspect ("…, làm sao vậy") wants the short
      answer with steps, not one led by an aspect mentioned on the way;
    - so does a first question whose only aspect is the means ("báo qua VNeID thì làm
      sao"): it wants the steps. ``following`` an answer that already gave them, the same
      words ask for the online part ("vậy báo trên VNeID thế nào");
    - a clause that asks nothing tells the situation: "viết giấy ủy quyền cho cháu đi
      lĩnh giùm, … ra đâu xác nhận chữ ký hả" asks where, not who — so when some clause
      asks, only the aspects of the clauses that ask count.
    """
    found = detect(text)
    clauses = split_clauses(text) or [text]
    last = folded_words(clauses[-1])
    if found and _HOW.search(last):
        in_last = detect(last)
        on_the_way = not in_last and len(clauses) > 1
        if on_the_way or (not following and in_last == (Aspect.ONLINE,)):
            return ()
    if len(clauses) > 1:
        asking = [a for c in clauses if asks_something(c) for a in detect(c)]
        if asking:
            return tuple(dict.fromkeys(asking))
    return found


# Folded words that make a remark a question ("… được không", "… chưa", "… ở đâu"; "bao" and
# "may" only as "bao lâu", "mấy ngày": alone they are "báo", "máy").
_QUESTION_WORDS = frozenset("khong ko k hong hok hem chua gi j sao nao dau ha ai".split())
_QUESTION_PAIRS = re.compile(r"\b(?:bao|may) (?:nhieu|lau|gio|ngay|hom|tuan|thang|tien)\b")


def asks_something(text: str) -> bool:
    """True when a remark asks anything: a question word or pair, a pointer back, or a
    short aspect ("cảm ơn, lệ phí"). "để mai em lên công an làm" reads as "where" but
    states a plan: a longer remark is not a question by its aspect words alone."""
    folded = folded_words(text)
    words = folded.split()
    return bool(_QUESTION_WORDS.intersection(words) or _QUESTION_PAIRS.search(folded)
                or refers_back(text) or (detect(text) and len(words) <= 4))


def asks_for_proxy(text: str) -> bool:
    """True when the message asks whether someone else may act ("nộp hồ sơ thay bà có được
    không"). Such a follow-up names the person and why they cannot come — an open set of
    words (places, illnesses, jobs) that no entry uses — so it is read by its form."""
    return bool(_PROXY.search(folded_words(text)))


def refers_back(text: str) -> bool:
    """True when the message points back at what was just said ("còn…", "cái đó").

    Typed with diacritics, a leading "con" is "child", not "còn": it does not count.
    """
    folded = folded_words(text)
    lowered = words(clean(text).lower())
    if lowered and lowered[0] == "con" and has_diacritics(text):
        folded = folded[len("con"):]
    return bool(_REFER.search(folded.strip()))


def residual_words(text: str) -> tuple[str, ...]:
    """The words left once aspect phrases, references and fillers are taken out.

    An empty result means the message names no subject of its own.
    """
    folded = folded_words(text)
    for pattern in _STRIPPED:
        folded = pattern.sub(" ", folded)
    folded = _REFER.sub(" ", folded)
    return tuple(w for w in folded.split() if w not in _FILLER and not w.isdigit())


# Words that carry no subject on their own: particles, pronouns, question words.
_FUNCTION = frozenset("""
    a ah ak ha nhe nhi voi di thi sao nao gi j khong ko k hong hok hem co duoc dc phai can
    lam minh toi tui em anh chi bac chau ban ad oi u ua la o tai cua cho cai nay do kia ay
    roi chua va hay hoac ma nhu the vay ai ve day luon nua moi
""".split())


def focus_words(text: str) -> tuple[str, ...]:
    """The message's own words in order, once its aspect phrases and pointers are taken
    out, without particles and pronouns: what it asks about within a topic ("chủ nhà",
    "mai táng"). Unlike :func:`residual_words` it keeps everyday nouns ("nhà", "tiền")."""
    folded = folded_words(text)
    for pattern in _STRIPPED:
        folded = pattern.sub(" ", folded)
    folded = _REFER.sub(" ", folded)
    return tuple(w for w in folded.split() if w not in _FUNCTION and not w.isdigit())


# Words that say an entry has no checked figure for a field ("chưa có nguồn").
_UNVERIFIED = re.compile(
    r"\b(?:chua co nguon|chua neu|chua (?:duoc )?xac minh|khong neu|chua ro|chua co thong tin)\b")


def unverified(field_text: str) -> bool:
    """True when a field says itself that no source backs a figure."""
    return not field_text.strip() or bool(_UNVERIFIED.search(folded_words(field_text)))
