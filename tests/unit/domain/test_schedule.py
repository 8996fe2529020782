from datetime import UTC, date, datetime, time, timedelta

import pytest

from domain.errors import InvalidInput
from domain.schedule import due_day, parse_settings
from domain.tenancy import WEEKDAYS, Rep


def rep(tz: str, at: time = time(8, 30), days: frozenset[int] = WEEKDAYS) -> Rep:
    return Rep("U1", "Rita", tz=tz, digest_time=at, digest_days=days)


def first_due_minute(r: Rep, day: date) -> datetime:
    """Scan the UTC minutes of a day and a half around `day` for the first one at which the digest is due."""
    t = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(hours=14)
    for _ in range(60 * 40):
        if due_day(r, t) == day:
            return t
        t += timedelta(minutes=1)
    raise AssertionError("never due")


@pytest.mark.parametrize("tz,day,expected_utc", [
    ("America/New_York", date(2026, 3, 6), datetime(2026, 3, 6, 13, 30, tzinfo=UTC)),   # Friday before, EST
    ("America/New_York", date(2026, 3, 9), datetime(2026, 3, 9, 12, 30, tzinfo=UTC)),   # Monday after, EDT
    ("America/New_York", date(2026, 10, 30), datetime(2026, 10, 30, 12, 30, tzinfo=UTC)),  # before autumn
    ("America/New_York", date(2026, 11, 2), datetime(2026, 11, 2, 13, 30, tzinfo=UTC)),  # after autumn
    ("Europe/Berlin", date(2026, 3, 27), datetime(2026, 3, 27, 7, 30, tzinfo=UTC)),      # CET
    ("Europe/Berlin", date(2026, 3, 30), datetime(2026, 3, 30, 6, 30, tzinfo=UTC)),      # CEST
    ("Europe/Berlin", date(2026, 10, 23), datetime(2026, 10, 23, 6, 30, tzinfo=UTC)),
    ("Europe/Berlin", date(2026, 10, 26), datetime(2026, 10, 26, 7, 30, tzinfo=UTC)),
    ("Asia/Kolkata", date(2026, 11, 18), datetime(2026, 11, 18, 3, 0, tzinfo=UTC)),       # +05:30, no DST
])
def test_the_digest_is_due_at_the_reps_local_half_past_eight_across_dst_changes(
        tz: str, day: date, expected_utc: datetime) -> None:
    assert first_due_minute(rep(tz), day) == expected_utc


def test_a_digest_time_skipped_by_spring_forward_is_sent_once_that_morning() -> None:
    r = rep("America/New_York", at=time(2, 30), days=frozenset(range(1, 8)))
    sunday = date(2026, 3, 8)  # 02:00 -> 03:00 in New York
    assert first_due_minute(r, sunday) == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)  # 03:30 EDT


def test_no_digest_on_a_weekend_or_when_turned_off() -> None:
    saturday_morning = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)
    assert due_day(rep("America/New_York"), saturday_morning) is None
    off = rep("America/New_York")
    off.digest_enabled = False
    assert due_day(off, datetime(2026, 11, 18, 14, 0, tzinfo=UTC)) is None


def test_a_digest_missed_by_more_than_twelve_hours_is_not_sent_late() -> None:
    assert due_day(rep("Europe/Berlin"), datetime(2026, 11, 18, 21, 0, tzinfo=UTC)) is None


def test_settings_are_read_from_plain_words() -> None:
    assert parse_settings("7:45 weekdays") == (time(7, 45), WEEKDAYS)
    assert parse_settings("8am mon-thu") == (time(8, 0), frozenset({1, 2, 3, 4}))
    assert parse_settings("9:15") == (time(9, 15), None)
    assert parse_settings("daily") == (None, frozenset(range(1, 8)))
    with pytest.raises(InvalidInput):
        parse_settings("25:00")
    with pytest.raises(InvalidInput):
        parse_settings("7:45 someday")
