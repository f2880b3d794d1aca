"""Personal data in Chinese free text (a decision's 违法事实), found in linear time — pure.

What is found (the comparable redaction list, ``rules.REDACTION_LIST``; 《个人信息保护法》第二十五条、第二十八条):
names of natural persons (those the case records, those the officer marks, and a surname-and-given-name after
a word naming a person's role — 证人、举报人、负责人 …), mobile numbers (1[3-9] and nine digits, +86 or not),
landline numbers (0, a two- or three-digit area code and seven or eight digits), ID numbers (17 digits and a
digit or X), bank accounts (16–19 digits), addresses below the district (after …区/县/市: the road, village,
house number and room are masked, the district stays) and licence plates (苏E·12345).

Numbers are matched on a digits-normalised view: digit runs joined across up to three separators (spaces,
dashes, brackets), so "138 1234 5678", "0512 68881234" and "3205 0119 9001 0112 3X" are found as written.
No regular expression here has a nested or unbounded quantifier over an ambiguous class: each candidate is
found by a single-pass search (a digit run, an '@', a district character, a role word, a province
abbreviation) and checked by bounded look-ahead, so the work is linear in the text (issue 25 S16: the old
e-mail pattern re-scanned every run of word characters from each of its starts).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

LABELS = {
    "id_number": "身份证号码", "mobile": "电话号码", "landline": "电话号码", "bank_account": "银行账号",
    "email": "电子邮箱", "address": "住址", "licence_plate": "车牌号码", "recorded_name": "姓名",
    "name_in_context": "姓名", "named_by_officer": "执法人员指定隐去的内容",
}
# What the published text shows in a removed part's place.
PLACEHOLDER = {k: f"［{v}已隐去］" for k, v in LABELS.items()}
PLACEHOLDER["named_by_officer"] = "［已隐去］"


@dataclass(frozen=True, slots=True)
class Span:
    kind: str
    start: int
    end: int


# -- numbers ----------------------------------------------------------------------------------------
_DIGIT_RUN = re.compile(r"[0-9０-９]+")
_SEPARATORS = frozenset(" \u00a0\u3000\t-－‐‑–—()（）")
_MAX_GAP = 3  # separator characters allowed between two digit runs of one number ("0512) - 6888…")
_LENGTHS = (19, 18, 17, 16, 13, 12, 11, 10)  # bank account, ID (17 + X), +86 mobile, landline, mobile
_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
_ASCII_LETTER = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def _valid_birth(d: str) -> bool:
    """Digits 7–14 of an ID number are a birth date (GB 11643): 18xx–20xx, month 01–12, day 01–31."""
    return "1800" <= d[6:10] <= "2099" and "01" <= d[10:12] <= "12" and "01" <= d[12:14] <= "31"


def _classify(digits: str, fours: bool, x: bool) -> str | None:
    """The kind of a number (``digits``, normalised); ``fours``: written in one run or in groups of four
    (as bank cards are); ``x``: an X follows."""
    n = len(digits)
    if x:
        return "id_number"
    if n == 11 and digits[0] == "1" and digits[1] in "3456789":
        return "mobile"
    if n == 13 and digits.startswith("86") and digits[2] == "1" and digits[3] in "3456789":
        return "mobile"
    if 10 <= n <= 12 and digits[0] == "0" and digits[1] != "0":
        return "landline"
    if n == 18 and (fours or _valid_birth(digits)):
        return "id_number" if digits[0] in "12345678" and _valid_birth(digits) else "bank_account"
    if 16 <= n <= 19 and fours:
        return "bank_account"
    return None


def _numbers(text: str) -> list[Span]:
    out: list[Span] = []
    group: list[tuple[int, int]] = []

    def flush() -> None:
        if group:
            out.extend(_match_group(text, group))
            group.clear()

    for m in _DIGIT_RUN.finditer(text):
        s, e = m.span()
        if group:
            gap_start = group[-1][1]
            if s - gap_start > _MAX_GAP or not all(c in _SEPARATORS for c in text[gap_start:s]):
                flush()
        group.append((s, e))
    flush()
    return out


def _match_group(text: str, runs: list[tuple[int, int]]) -> list[Span]:
    """The numbers in one group of digit runs: from each run, the longest stretch of runs that is a
    number of a kind (so two numbers written one after the other are two)."""
    # a run glued to a letter is part of a code (a USCC 91320509MA1…), not a number of a person
    if runs and runs[0][0] > 0 and text[runs[0][0] - 1] in _ASCII_LETTER:
        runs = runs[1:]
    if runs and runs[-1][1] < len(text) and text[runs[-1][1]] in _ASCII_LETTER and text[runs[-1][1]] not in "Xx":
        runs = runs[:-1]
    digits = "".join(text[s:e] for s, e in runs).translate(_FULLWIDTH)
    cum = [0]
    for s, e in runs:
        cum.append(cum[-1] + e - s)
    boundary = {c: j for j, c in enumerate(cum)}  # digits before run j -> j
    not_four = [len(runs)] * (len(runs) + 1)  # the first run from i on that is not four digits long
    for j in range(len(runs) - 1, -1, -1):
        not_four[j] = j if runs[j][1] - runs[j][0] != 4 else not_four[j + 1]
    found: list[Span] = []
    i = 0
    while i < len(runs):
        o, best = cum[i], None
        for n in _LENGTHS:  # the longest number first; at most eight look-ups from each run
            j = boundary.get(o + n)
            if j is None:
                continue
            e = runs[j - 1][1]
            x = n == 17 and e < len(text) and text[e] in "Xx" and (e + 1 >= len(text) or text[e + 1] not in _ASCII_LETTER)
            kind = _classify(digits[o:o + n], j - i == 1 or not_four[i] >= j - 1, x)
            if kind:
                best = (j - 1, kind, x)
                break
        if best is None:
            i += 1
            continue
        j, kind, x = best
        start, end = runs[i][0], runs[j][1] + (1 if x else 0)
        if start > 0 and text[start - 1] == "+":
            start -= 1
        if start > 0 and text[start - 1] in "(（" and (")" in text[start:end] or "）" in text[start:end]):
            start -= 1
        found.append(Span(kind, start, end))
        i = j + 1
    return found


# -- e-mail -----------------------------------------------------------------------------------------
_LOCAL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._%+-")
_DOMAIN = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-")


def _emails(text: str) -> list[Span]:
    out: list[Span] = []
    at = text.find("@")
    floor = 0  # characters left of here were scanned already (each is scanned at most twice)
    while at != -1:
        s = at
        while s > floor and text[s - 1] in _LOCAL:
            s -= 1
        e = at + 1
        while e < len(text) and text[e] in _DOMAIN:
            e += 1
        while e > at + 1 and text[e - 1] in ".-":
            e -= 1
        domain = text[at + 1:e]
        if s < at and "." in domain and not domain.startswith("."):
            out.append(Span("email", s, e))
        floor = max(at + 1, e)
        at = text.find("@", at + 1)
    return out


# -- addresses --------------------------------------------------------------------------------------
_DISTRICT = re.compile(r"[区县市旗]")
_ROAD = frozenset("路街巷弄道村组")
_TOWN = frozenset("镇乡")
_CN_NUM = frozenset("0123456789０１２３４５６７８９一二三四五六七八九十百零〇")
_HOUSE = frozenset("号栋幢楼层单元室座弄组院户甲乙丙丁之#＃-－")
_ROAD_WITHIN = 14  # Han characters from the district to its road or village


def is_han(c: str) -> bool:
    return "\u4e00" <= c <= "\u9fff"


def _house_end(text: str, i: int) -> int:
    """The end of a house number from ``i`` ("88号3幢201室", "5组12号"), or ``i`` when none starts there."""
    j, last, digit = i, i, False
    while j < len(text) and j < i + 25 and (text[j] in _CN_NUM or text[j] in _HOUSE):
        if text[j] in _CN_NUM:
            digit = True
        elif digit and text[j] not in "-－#＃":
            last = j + 1
        j += 1
    return last


def _addresses(text: str) -> list[Span]:
    """Below the district: from the character after the last 区/县/市/旗 before a road (路、街、巷、弄、道)
    or village (村、组) with a house number after it — or a village after a town (镇、乡) — to the end of
    the house number and room. The district and what is above it stay."""
    out: list[Span] = []
    last_end = 0
    for m in _DISTRICT.finditer(text):
        p = m.start()
        if p < last_end:
            continue
        k, town, end = p + 1, False, -1
        limit = min(len(text), p + 1 + _ROAD_WITHIN)
        while k < limit and is_han(text[k]):
            c = text[k]
            if c in "区县市旗" and k > p + 1:  # a lower district before the road: that one is kept
                break
            if c in _TOWN:
                town = True
            if c in _ROAD and k > p + 1:
                e = _house_end(text, k + 1)
                if e > k + 1:
                    end = e
                    break
                if c == "村" and town:
                    end = k + 1
            k += 1
        if end > 0:
            out.append(Span("address", p + 1, end))
            last_end = end
    return out


# -- licence plates ---------------------------------------------------------------------------------
_PLATE = re.compile(r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-Za-zＡ-Ｚ]")
_PLATE_SEP = frozenset("·•・.． -")
_PLATE_CHAR = frozenset("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghjklmnpqrstuvwxyz0123456789")


def _plates(text: str) -> list[Span]:
    out: list[Span] = []
    for m in _PLATE.finditer(text):
        k = m.end()
        if k < len(text) and text[k] in _PLATE_SEP:
            k += 1
        s = k
        while k < len(text) and k - s < 7 and text[k] in _PLATE_CHAR:
            k += 1
        tail = text[s:k]
        if len(tail) in (5, 6) and any(c.isdigit() for c in tail) and (k >= len(text) or text[k] not in _PLATE_CHAR):
            if k < len(text) and text[k] in "挂学警":
                k += 1
            out.append(Span("licence_plate", m.start(), k))
    return out


# -- names ------------------------------------------------------------------------------------------
# A word naming a person's role, then (after an optional "：" or "为") a surname and a given name.
_ROLES = ("法定代表人", "委托代理人", "代理人", "法人代表", "证人", "见证人", "举报人", "投诉人", "信访人", "报案人",
          "受害人", "被害人", "负责人", "联系人", "经营者", "实际控制人", "股东", "员工", "职工", "工人", "司机",
          "驾驶员", "驾驶人", "操作工", "操作员", "厂长", "经理", "主管", "业主", "村民", "居民", "车主", "户主")
_ROLE = re.compile("|".join(sorted(_ROLES, key=len, reverse=True)))
# Common surnames (characters that are also frequent function words — 于、和、向、时 … — are left out).
_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔"
    "钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵钱严覃武戴莫孔汤温康施牛樊葛邢齐乔"
    "伍庞颜倪庄聂章鲁岳翟殷詹耿焦俞柳祝舒阮柯纪梅童凌毕季裴霍涂苗谷盛翁冉骆蓝辛靳柴鲍喻祁蒲滕饶艾尤穆卓缪褚娄"
    "窦戚岑晏瞿佟臧闵苟邬卞姬栾隋甄巩佘邝")
_COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "令狐", "慕容", "尉迟", "公孙", "夏侯", "司徒")
_NOT_GIVEN = frozenset("的了在于和与及是为将被对把向从到已未并称说等之也都又还就因而以所其该此个人员均共再即"
                       "现场所处理罚款电手身家住联系组要")  # 组织、要求: a verb after the role word, not a given name


def looks_like_name(s: str) -> bool:
    """A person's name as a case records it: a common surname and one to three characters, or a
    transliterated name with a middle dot."""
    if "·" in s or "•" in s:
        return 3 <= len(s) <= 20 and all(is_han(c) or c in "·•" for c in s)
    if not 2 <= len(s) <= 4 or not all(is_han(c) for c in s):
        return False
    return s[0] in _SURNAMES or (s.startswith(_COMPOUND_SURNAMES) and len(s) >= 3)


def _role_names(text: str) -> list[Span]:
    out: list[Span] = []
    for m in _ROLE.finditer(text):
        k = m.end()
        if k < len(text) and text[k] in "：:为是 ":
            k += 1
        s = k
        if text.startswith(_COMPOUND_SURNAMES, k):
            k += 2
        elif k < len(text) and text[k] in _SURNAMES:
            k += 1
        else:
            continue
        g = k
        while k < len(text) and k - g < 2 and is_han(text[k]) and text[k] not in _NOT_GIVEN:
            k += 1
        if k > g:
            out.append(Span("name_in_context", s, k))
    return out


def _literal(text: str, needles: list[str], kind: str) -> list[Span]:
    out: list[Span] = []
    for needle in needles:
        at = text.find(needle)
        while at != -1:
            out.append(Span(kind, at, at + len(needle)))
            at = text.find(needle, at + len(needle))
    return out


def _clean(names: list[str] | tuple[str, ...]) -> list[str]:
    return sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True)


def find(text: str, *, names: list[str] | tuple[str, ...] = (), recorded: list[str] | tuple[str, ...] = (),
         keep: list[str] | tuple[str, ...] = ()) -> list[Span]:
    """The parts of ``text`` to remove, in order, not overlapping. ``names``: strings the officer marks;
    ``recorded``: names of natural persons the case records; ``keep``: strings never removed (the party's
    name and USCC, which the public page shows anyway)."""
    officer, persons = _clean(names), _clean(recorded)
    spans = [*_literal(text, officer, "named_by_officer"), *_literal(text, persons, "recorded_name"),
             *_emails(text), *_numbers(text), *_plates(text), *_addresses(text), *_role_names(text)]
    kept = sorted(_literal(text, _clean(keep), "keep"), key=lambda s: s.start)
    if kept:  # nothing that touches a kept string is removed
        starts, reach, far = [k.start for k in kept], [], 0
        for k in kept:
            far = max(far, k.end)
            reach.append(far)
        spans = [s for s in spans if (i := bisect_left(starts, s.end) - 1) < 0 or reach[i] <= s.start]
    spans.sort(key=lambda s: (s.start, -s.end))
    merged: list[Span] = []
    for s in spans:
        if merged and s.start < merged[-1].end:
            last = merged[-1]
            if s.end > last.end:
                merged[-1] = Span(last.kind, last.start, s.end)
            continue
        merged.append(s)
    return merged


def apply(text: str, spans: list[Span]) -> tuple[str, list[tuple[Span, int, int]]]:
    """``text`` with each span replaced by its placeholder, and each span with the placeholder's place
    in the result (start, end)."""
    parts: list[str] = []
    placed: list[tuple[Span, int, int]] = []
    at, length = 0, 0
    for s in spans:
        parts.append(text[at:s.start])
        length += s.start - at
        mark = PLACEHOLDER[s.kind]
        parts.append(mark)
        placed.append((s, length, length + len(mark)))
        length += len(mark)
        at = s.end
    parts.append(text[at:])
    return "".join(parts), placed
