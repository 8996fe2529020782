"""Whatever a rep pastes, the reader returns a valid Reading and never raises."""

from datetime import datetime
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.understanding import Directory, Intent, Reading, read_message

NOW = datetime(2026, 11, 18, 17, 30, tzinfo=ZoneInfo("America/New_York"))
SAMPLES = [
    "🙌🔥👍 Acme!!! 💥",
    "شركة أكمي وقعت العقد",
    "עסקה נסגרה עם אקמי",
    "'; DROP TABLE accounts; --",
    "<script>alert(1)</script> Tyrell",
    "**Tyrell** _signed_ `PO`",
    "\x00\x01\x02\x1b[31m",
    "....,,,;;;:::!!!???",
    "Tyrell's's's",
    "/dmu",
    "/",
    "next:",
    "Next: ",
    "in 99999999999 days",
    "dec 99",
    "2026-13-45",
    "w/ f/u tmrw w/o",
    "A. B. C. D.",
    "\u202eTyrell\u202c",
    "Ω≈ç√∫˜µ≤≥÷",
    "Robert " * 700,
    "x" * 4500,
]


def check(reading: Reading) -> None:
    assert isinstance(reading, Reading)
    assert isinstance(reading.intent, Intent)
    for person in reading.people:
        assert isinstance(person.name, str)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.one_of(
        st.text(max_size=4000),
        st.sampled_from(SAMPLES),
        st.lists(st.sampled_from([*SAMPLES, "Tyrell", "Robert Chen", "signed", "tomorrow", " "]), max_size=30).map(
            " ".join
        ),
    )
)
def test_any_text_reads_into_a_reading_without_raising(directory: Directory, text: str) -> None:
    check(read_message(text, now=NOW, directory=directory))


def test_the_sample_nasties_read_without_falling_back(directory: Directory) -> None:
    from domain.understanding.parser import _read

    for text in SAMPLES:
        check(_read(text, NOW, directory))  # the rules themselves cope, not only the safety net
