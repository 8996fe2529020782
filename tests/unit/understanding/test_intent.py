from collections.abc import Callable

import pytest

from domain.understanding import Intent, Reading


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("who's in the buying group at Tyrell?", Intent.DMU),
        ("who are the decision makers at cyberdyne", Intent.DMU),
        ("who's at Tyrell?", Intent.DMU),
        ("who else should I loop in at Oscorp", Intent.DMU),
        ("what's going on at Tyrell", Intent.ACCOUNT),
        ("/dmu oscorp", Intent.DMU),
        ("where is Oscorp in the buying process?", Intent.STAGE),
        ("what stage is Tyrell at", Intent.STAGE),
        ("what should I send Nina Petrova next?", Intent.NEXT),
        ("any suggestions for Nakatomi", Intent.NEXT),
        ("anything due today?", Intent.DIGEST),
        ("show me my digest", Intent.DIGEST),
        ("are we on track for this quarter's targets", Intent.GOALS),
        ("tell me about Cyberdyne", Intent.ACCOUNT),
        ("Cyberdyne Systems", Intent.ACCOUNT),
        ("commands", Intent.HELP),
        ("help", Intent.HELP),
        ("?", Intent.HELP),
        ("how do I log a call?", Intent.HELP),
        ("how do i add a contact", Intent.HELP),
        ("where do things stand w/ Tyrell", Intent.STAGE),
        ("status on Oscorp pls", Intent.ACCOUNT),
        ("what's the latest on Oscorp", Intent.ACCOUNT),
        ("how many accounts hit validation this qtr vs target?", Intent.GOALS),
    ],
)
def test_reads_plain_words_questions_as_their_query(read: Callable[..., Reading], text: str, intent: Intent) -> None:
    assert read(text).intent == intent


@pytest.mark.parametrize(
    "text",
    [
        "Met Robert Chen at Tyrell today, he wants pricing. Next: send quote by Friday",
        "Nakatomi asked about our goals for the integration roadmap and their targets for Q3 rollout",
        "Call with Hiro went well, he will help us with the business case",
    ],
)
def test_reads_anything_that_reports_what_happened_as_a_log(read: Callable[..., Reading], text: str) -> None:
    assert read(text).intent == Intent.LOG


def test_query_intents_carry_no_signals_stage_or_next_step(read: Callable[..., Reading]) -> None:
    reading = read("who's in the buying group at Tyrell? we signed last week")
    assert reading.intent == Intent.DMU
    assert reading.signals == () and reading.stage is None and reading.next_step is None


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("has Tyrell moved past vendor selection yet?", Intent.STAGE),
        ("is Oscorp still in validation?", Intent.STAGE),
        ("has Cyberdyne reached validation", Intent.STAGE),
        ("any ideas how to turn Nina Petrova around?", Intent.NEXT),
        ("how do I win back Robert Chen?", Intent.NEXT),
        ("what's our best play with Tyrell's CFO?", Intent.NEXT),
        ("what should our next move be with Oscorp", Intent.NEXT),
        ("tell me everything about Cyberdyne", Intent.ACCOUNT),
        ("give me the rundown on Oscorp", Intent.ACCOUNT),
        ("how far off are we from the Q3 renewal target?", Intent.GOALS),
        ("are we behind on NPS this quarter?", Intent.GOALS),
    ],
)
def test_reads_questions_without_command_words_as_their_query(
    read: Callable[..., Reading], text: str, intent: Intent
) -> None:
    reading = read(text)
    assert reading.intent == intent
    assert reading.signals == ()


@pytest.mark.parametrize(
    "text",
    [
        "call w/ Hiro, they asked if we support SSO?",
        "Met Robert Chen today - he asked how we handle data residency? sending docs Friday",
        "Robert, our champion at Tyrell, is leaving end of month",
        "Tyrell has moved the go-live to March",
    ],
)
def test_a_log_that_ends_in_a_question_or_names_a_role_stays_a_log(read: Callable[..., Reading], text: str) -> None:
    assert read(text).intent == Intent.LOG


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("did Tyrell make it to validation yet?", Intent.STAGE),
        ("is Oscorp past the pilot stage?", Intent.STAGE),
        ("got any tips for winning over Robert Chen?", Intent.NEXT),
        ("what would you send Hiro next?", Intent.NEXT),
        ("everything you have on Cyberdyne please", Intent.ACCOUNT),
        ("who holds the budget at Tyrell?", Intent.DMU),
    ],
)
def test_reads_more_plain_questions_as_their_query(read: Callable[..., Reading], text: str, intent: Intent) -> None:
    assert read(text).intent == intent
