"""Due dates in a commitment, read from `today` in the rep's zone: "Friday", "tmrw", "in two weeks", "Dec 2"."""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from domain.understanding.lexicon import Lexicon
from domain.understanding.patterns import by_first_letter

Resolver = Callable[[re.Match[str], date], date | None]


@dataclass(frozen=True)
class DateRules:
    patterns: list[tuple[re.Pattern[str], Resolver]]
    starts: re.Pattern[str]  # all the patterns in one: the places where one of them matches


def _alt(words: list[str]) -> str:
    """The words as one alternation, longest first (branched by first letter: see patterns.by_first_letter)."""
    return by_first_letter([re.escape(w) for w in sorted(words, key=len, reverse=True)])


def _end_of_month(d: date) -> date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def _add_months(d: date, n: int) -> date:
    y, m = divmod(d.month - 1 + n, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def _coming(today: date, weekday: int, *, inclusive: bool = False) -> date:
    ahead = (weekday - today.weekday()) % 7
    return today + timedelta(days=ahead or (0 if inclusive else 7))


def _in_month(today: date, month: int, day: int) -> date:
    """A day of the next month of that name; this month's does not run before today ("early Dec" on Dec 7)."""
    year = today.year + (month < today.month)
    return max(date(year, month, min(day, calendar.monthrange(year, month)[1])), today)


def _workday(d: date) -> date:
    return d + timedelta(days=max(0, 7 - d.weekday())) if d.weekday() >= 5 else d


def _week_of(today: date, month: int, nth: int) -> date:
    """The start of a month's nth working week (nth 0: its last): the week of its first working day if three or
    more of that week's working days fall in the month ("first week of Feb" 2027 is Mon 1), else the next."""
    year = today.year + (month < today.month)
    first = _workday(date(year, month, 1))
    monday = first - timedelta(days=first.weekday()) + timedelta(days=7 if first.weekday() > 2 else 0)
    if nth == 0:
        last = _end_of_month(first)
        last -= timedelta(days=max(0, last.weekday() - 4))
        monday = last - timedelta(days=last.weekday()) - timedelta(days=7 if last.weekday() < 2 else 0)
    else:
        monday += timedelta(days=7 * (nth - 1))
    return max(monday, date(year, month, 1), today)


def _safe(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _month_day(today: date, month: int, day: int, year: str | None) -> date | None:
    if year:
        y = int(year) + (2000 if len(year) == 2 else 0)
        return _safe(y, month, day)
    d = _safe(today.year, month, day)
    return d if d is None or d >= today else _safe(today.year + 1, month, day)


def _build(lex: Lexicon, order: str | None = None) -> DateRules:
    cfg = lex.section("dates")
    months = {w: i + 1 for i, names in enumerate(cfg.get("months", [])) for w in names}
    days = {w: i for i, names in enumerate(cfg.get("weekdays", [])) for w in names}
    full_days = [names[0] for names in cfg.get("weekdays", [])]
    full_days += [w for w in cfg.get("plain_weekday_abbreviations", []) if w in days]  # "call Mateus fri"
    numbers = {str(k): int(v) for k, v in cfg.get("numbers", {}).items()}
    week_end = days.get(str(cfg.get("week_end_day", "friday")), 4)
    mdy = (order or cfg.get("numeric_order", "mdy")) == "mdy"
    ordinals = {str(k): int(v) for k, v in cfg.get("week_ordinals", {}).items()}
    early, mid, late = (_alt(cfg.get(k, [])) or "(?!)" for k in ("month_early", "month_mid", "month_late"))
    clause_end = _alt(cfg.get("clause_end_weekday_abbreviations", [])) or "(?!)"
    # a bare day number ("by 10th", "by 09.04.") only after a word that makes it a date: "3.5" may be a score
    lead = "|".join(f"(?<={re.escape(w)} )" for w in cfg.get("bare_day_leads", [])) or "(?!)"
    num = r"(\d+|" + _alt(list(numbers)) + ")"
    mon, wd, full_wd = _alt(list(months)), _alt(list(days)), _alt(full_days)

    def count(s: str) -> int:
        return int(s) if s.isdigit() else numbers.get(s, 1)

    def relative(m: re.Match[str], t: date) -> date:
        n, unit = count(m.group(1)), m.group(2)
        if unit.startswith("month"):
            return _add_months(t, n)
        return t + timedelta(days=n * (7 if unit.startswith("week") else 1))

    def weekday(m: re.Match[str], t: date) -> date:
        mod, target = m.group(1), days[m.group(2)]
        if mod == "next":
            return t + timedelta(days=7 - t.weekday() + target)
        return _coming(t, target, inclusive=mod == "this")

    def numeric(m: re.Match[str], t: date) -> date | None:
        a, b = int(m.group(1)), int(m.group(2))
        month, day = (a, b) if mdy else (b, a)
        if month > 12 >= day:  # "15/12" can only be the 15th of December, wherever the rep is
            month, day = day, month
        return _month_day(t, month, day, m.group(3)) if 1 <= month <= 12 else None

    def dotted(m: re.Match[str], t: date) -> date | None:  # "by 09.04.", "on 30.6.": day first, always
        return _month_day(t, int(m.group(2)), int(m.group(1)), m.group(3)) if 1 <= int(m.group(2)) <= 12 else None

    def quarter_end(t: date) -> date:
        return _end_of_month(date(t.year, (t.month - 1) // 3 * 3 + 3, 1))

    def day_of_month(m: re.Match[str], t: date) -> date | None:
        d = _safe(t.year, t.month, int(m.group(1)))
        if d and d >= t:
            return d
        nxt = _add_months(t.replace(day=1), 1)
        return _safe(nxt.year, nxt.month, int(m.group(1)))

    def week_of(m: re.Match[str], t: date) -> date:
        return _week_of(t, months[m.group(2)], ordinals[m.group(1)])

    def part_of(m: re.Match[str], t: date) -> date:
        month, part = months[m.group(2)], m.group(1)
        if re.fullmatch(late, part):
            return _in_month(t, month, 31)
        return _in_month(t, month, 15) if re.fullmatch(mid, part) else _workday(_in_month(t, month, 1))

    rules: list[tuple[str, Resolver]] = [
        (rf"({_alt(list(ordinals))}) week (?:of|in) ({mon})", week_of),
        (rf"({early}|{mid}|{late})[- ]?({mon})\.?", part_of),
        (r"day after tomorrow", lambda m, t: t + timedelta(days=2)),
        (r"tomorrow", lambda m, t: t + timedelta(days=1)),
        (r"today|tonight|this (?:morning|afternoon|evening)|end of (?:the )?day|asap", lambda m, t: t),
        (rf"(?:in|within) {num} (days?|weeks?|months?|business days?|working days?)", relative),
        (rf"{num} (days?|weeks?|months?) from now", relative),
        (r"end of next week", lambda m, t: _coming(t, week_end, inclusive=True) + timedelta(days=7)),
        (r"end of (?:the |this )?week|later this week|this week", lambda m, t: _coming(t, week_end, inclusive=True)),
        (r"end of (?:the |this )?month|month[- ]end", lambda m, t: _end_of_month(t)),
        (r"end of next month", lambda m, t: _end_of_month(_add_months(t.replace(day=1), 1))),
        (r"end of (?:the |this )?quarter|quarter[- ]end", lambda m, t: quarter_end(t)),
        (r"end of (?:the |this )?year|year[- ]end", lambda m, t: date(t.year, 12, 31)),
        (r"(?:early )?next week", lambda m, t: t + timedelta(days=7 - t.weekday())),
        (r"next month", lambda m, t: _add_months(t.replace(day=1), 1)),
        (rf"(next|this|coming|on|by|before|until|due)\s+({wd})\.?", weekday),
        (rf"()({full_wd})", weekday),
        (rf"()({clause_end})\.?(?=\s*$)", weekday),  # "send it mon": a short weekday that ends the clause
        (
            rf"({mon})\.? (\d{{1,2}})(?:st|nd|rd|th)?(?:,? (\d{{4}}))?",
            lambda m, t: _month_day(t, months[m.group(1)], int(m.group(2)), m.group(3)),
        ),
        (
            rf"(\d{{1,2}})(?:st|nd|rd|th)? (?:of )?({mon})(?:,? (\d{{4}}))?",
            lambda m, t: _month_day(t, months[m.group(2)], int(m.group(1)), m.group(3)),
        ),
        (r"(\d{4})-(\d{1,2})-(\d{1,2})", lambda m, t: _safe(int(m.group(1)), int(m.group(2)), int(m.group(3)))),
        (r"(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?", numeric),
        (r"the (\d{1,2})(?:st|nd|rd|th)", day_of_month),
        (rf"(?:{lead})(\d{{1,2}})(?:st|nd|rd|th)", day_of_month),
        (rf"(?:{lead})(\d{{1,2}})\.(\d{{1,2}})(?:\.(\d{{4}}|\d{{2}})?)?", dotted),
    ]
    # not inside a number or a score: "3.1/5" is no 1 May
    outside = r"(?<![\w/])(?<!\d\.)"
    anywhere = outside + "(?:" + "|".join(f"(?:{rx})(?![\\w/])" for rx, _ in rules) + ")"
    return DateRules([(re.compile(rf"{outside}{rx}(?![\w/])"), fn) for rx, fn in rules],
                     re.compile(f"(?={anywhere})"))


def numeric_order(zone: str | None, lex: Lexicon) -> str | None:
    """How the rep's zone writes 12/10: "mdy" where the month comes first (the US), else "dmy"; None: unknown."""
    if not zone:
        return None
    month_first = lex.section("dates").get("month_first_zones", [])
    return "mdy" if any(zone == z or (z.endswith("/") and zone.startswith(z)) for z in month_first) else "dmy"


def find_date(text: str, today: date, lex: Lexicon, order: str | None = None) -> tuple[date, str] | None:
    """The first date expression in folded `text`, resolved against `today`; `order` reads numeric dates."""
    rules: DateRules = lex.compiled(f"dates.rules.{order}", lambda lx: _build(lx, order))
    # The earliest date wins, and of two at one place the one of the earlier pattern: the places where some
    # pattern matches, in order, each with the patterns in order, and the first match there that resolves. A
    # pattern's matches do not overlap (as finditer finds them): one that does not resolve hides what starts
    # inside it from that pattern.
    ends = [0] * len(rules.patterns)
    for start in (m.start() for m in rules.starts.finditer(text)):
        for k, (rx, resolve) in enumerate(rules.patterns):
            if start < ends[k]:
                continue
            m = rx.match(text, start)
            if m is None:
                continue
            if m.end() == start:  # an empty match: finditer goes on by rules of its own
                return _first_date(text, today, rules)
            ends[k] = m.end()
            when = _resolved(resolve, m, today)
            if when:
                return when, m.group(0)
    return None


def _resolved(resolve: Resolver, m: re.Match[str], today: date) -> date | None:
    try:
        return resolve(m, today)
    except (ValueError, KeyError, OverflowError):
        return None


def _first_date(text: str, today: date, rules: DateRules) -> tuple[date, str] | None:
    """find_date by each pattern's own scan of the text."""
    best: tuple[int, date, str] | None = None
    for rx, resolve in rules.patterns:
        for m in rx.finditer(text):
            if best and m.start() >= best[0]:
                break
            when = _resolved(resolve, m, today)
            if when:
                best = (m.start(), when, m.group(0))
                break
    return (best[1], best[2]) if best else None
