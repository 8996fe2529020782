from datetime import date

import pytest

from domain.understanding import Lexicon
from domain.understanding.dates import find_date, numeric_order

WEDNESDAY = date(2026, 11, 18)


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("tomorrow", date(2026, 11, 19)),
        ("today", WEDNESDAY),
        ("day after tomorrow", date(2026, 11, 20)),
        ("by friday", date(2026, 11, 20)),
        ("on wednesday", date(2026, 11, 25)),  # the coming one, not today
        ("this wednesday", WEDNESDAY),
        ("next friday", date(2026, 11, 27)),
        ("by thu", date(2026, 11, 19)),
        ("in 3 days", date(2026, 11, 21)),
        ("in a couple of weeks", date(2026, 12, 2)),
        ("in one month", date(2026, 12, 18)),
        ("end of week", date(2026, 11, 20)),
        ("end of month", date(2026, 11, 30)),
        ("end of quarter", date(2026, 12, 31)),
        ("next week", date(2026, 11, 23)),
        ("dec 10", date(2026, 12, 10)),
        ("10th of december", date(2026, 12, 10)),
        ("jan 5", date(2027, 1, 5)),  # the next one
        ("nov 2", date(2027, 11, 2)),  # already past this year
        ("2027-02-01", date(2027, 2, 1)),
        ("12/10", date(2026, 12, 10)),
        # a part of a month
        ("first week of feb", date(2027, 2, 1)),  # its first working day
        ("2nd week of jan", date(2027, 1, 11)),  # the Monday of the week after the first
        ("early march", date(2027, 3, 1)),
        ("mid jan", date(2027, 1, 15)),
        ("mid-december", date(2026, 12, 15)),
        ("end of feb", date(2027, 2, 28)),
        ("late january", date(2027, 1, 31)),
        ("send it mon", date(2026, 11, 23)),  # a short weekday ending the clause
    ],
)
def test_resolves_date_expressions_from_today(text: str, due: date) -> None:
    found = find_date(text, WEDNESDAY, Lexicon.default())
    assert found is not None and found[0] == due


@pytest.mark.parametrize("text", ["the deck", "q1", "feb 30", "13/45", "sunday best practices"[:0] or "soon"])
def test_finds_no_date_where_there_is_none(text: str) -> None:
    assert find_date(text, WEDNESDAY, Lexicon.default()) is None


def test_end_of_week_on_a_saturday_is_the_next_friday() -> None:
    found = find_date("end of week", date(2026, 11, 21), Lexicon.default())
    assert found is not None and found[0] == date(2026, 11, 27)


@pytest.mark.parametrize(
    ("text", "order", "due"),
    [
        # a dotted date is day first, whatever the zone's habit
        ("send agenda by 09.12", "mdy", date(2026, 12, 9)),
        ("on 30.6", "mdy", date(2027, 6, 30)),
        ("by 3.12", "dmy", date(2026, 12, 3)),
        ("until 8.1.2027", None, date(2027, 1, 8)),
        # a bare ordinal after "by" or "on": the next such day
        ("all by 10th", None, date(2026, 12, 10)),
        ("by 3rd", None, date(2026, 12, 3)),
        ("by 25th", None, date(2026, 11, 25)),
        # slashes follow the rep's zone, and a day above 12 can only be the day
        ("by 2/12", "dmy", date(2026, 12, 2)),
        ("by 12/2", "mdy", date(2026, 12, 2)),
        ("by 15/12", "mdy", date(2026, 12, 15)),
    ],
)
def test_reads_dotted_ordinal_and_zone_ordered_numeric_dates(text: str, order: str | None, due: date) -> None:
    found = find_date(text, WEDNESDAY, Lexicon.default(), order)
    assert found is not None and found[0] == due


@pytest.mark.parametrize("text", ["nps 7.5", "rated 4.5 out of 5", "the 3.1/5 score", "for 2.5 years", "10th floor"])
def test_a_decimal_or_a_bare_ordinal_is_no_date(text: str) -> None:
    assert find_date(text, WEDNESDAY, Lexicon.default(), "dmy") is None


@pytest.mark.parametrize(("zone", "order"), [("America/Chicago", "mdy"), ("America/Indiana/Knox", "mdy"),
                                             ("Europe/London", "dmy"), ("Australia/Sydney", "dmy"), (None, None)])
def test_the_reps_zone_decides_the_order_of_a_numeric_date(zone: str | None, order: str | None) -> None:
    assert numeric_order(zone, Lexicon.default()) == order
