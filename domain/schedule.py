"""When a rep's digest is due: their local time and working days, correct across daylight-saving changes."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.errors import InvalidInput
from domain.tenancy import WEEKDAYS, Rep

LATE_LIMIT = timedelta(hours=12)  # a digest missed by more than this (bot down all day) is not sent late

_DAY_WORDS = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7}
_DAY_SETS = {"weekdays": WEEKDAYS, "workdays": WEEKDAYS, "daily": frozenset(range(1, 8)),
             "everyday": frozenset(range(1, 8)), "every day": frozenset(range(1, 8)),
             "weekends": frozenset({6, 7})}


def zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def send_at(rep: Rep, local_day: date) -> datetime:
    """The instant of the rep's digest on that local day. A wall time skipped by a DST change (02:30 on a
    spring-forward night) resolves to the same UTC offset as before the change, i.e. one hour later."""
    return datetime.combine(local_day, rep.digest_time, tzinfo=zone(rep.tz))


def due_day(rep: Rep, now: datetime) -> date | None:
    """The local day whose digest is due at `now` (aware), or None: off, not a working day, too early or too late."""
    if not rep.digest_enabled:
        return None
    local_day = now.astimezone(zone(rep.tz)).date()
    if local_day.isoweekday() not in rep.digest_days:
        return None
    at = send_at(rep, local_day)
    return local_day if at <= now < at + LATE_LIMIT else None


def parse_settings(words: str) -> tuple[time | None, frozenset[int] | None]:
    """"7:45 weekdays", "8am mon-thu", "9:15" -> (time, days); either may be None when not given."""
    text = words.strip().lower()
    at: time | None = None
    m = re.search(r"\b(\d{1,2})(?::(\d{2}))?\s*(am|pm)?\b", text)
    if m:
        hour, minute = int(m[1]), int(m[2] or 0)
        if m[3] == "pm" and hour < 12:
            hour += 12
        if m[3] == "am" and hour == 12:
            hour = 0
        if hour > 23 or minute > 59:
            raise InvalidInput(f"{m[0]} is not a time of day. Try `digest settings 7:45 weekdays`.")
        at = time(hour, minute)
        text = text.replace(m[0], " ")
    return at, _days(text)


def _days(text: str) -> frozenset[int] | None:
    text = text.strip()
    if not text:
        return None
    if text in _DAY_SETS:
        return _DAY_SETS[text]
    span = re.fullmatch(r"(\w{3})\w*\s*(?:-|to)\s*(\w{3})\w*", text)
    if span and span[1] in _DAY_WORDS and span[2] in _DAY_WORDS:
        a, b = _DAY_WORDS[span[1]], _DAY_WORDS[span[2]]
        return frozenset(range(a, b + 1)) if a <= b else frozenset([*range(a, 8), *range(1, b + 1)])
    days = {_DAY_WORDS.get(w[:3]) for w in re.split(r"[\s,]+", text) if w}
    if None in days or not days:
        raise InvalidInput(f"I don't understand the days \u201c{text}\u201d. Try weekdays, daily or mon-thu.")
    return frozenset(d for d in days if d is not None)


def describe(rep: Rep) -> str:
    if not rep.digest_enabled:
        return "off"
    names = {v: k.title() for k, v in _DAY_WORDS.items()}
    days = "weekdays" if rep.digest_days == WEEKDAYS else ", ".join(names[d] for d in sorted(rep.digest_days))
    quiet = "; quiet days skipped" if rep.digest_skip_quiet else ""
    return f"{rep.digest_time:%H:%M} {days} ({rep.tz}){quiet}"
