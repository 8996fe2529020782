from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from domain.understanding import Reading

TOKYO = ZoneInfo("Asia/Tokyo")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("Tyrell wants pricing. Next: send ROI calc by Friday", date(2026, 11, 20)),
        # a label that opens the clause, no colon
        ("met Hiro at Acme, loves the product, next step contract redline by Dec 1", date(2026, 12, 1)),
        ("Oscorp call went well. Next steps are to send the deck on Monday", date(2026, 11, 23)),
        ("Tyrell sync; action item share the security pack by Friday", date(2026, 11, 20)),
        # a deliverable and its date, no verb
        ("Oscorp asked how we compare with the two other vendors. comparison grid by Friday", date(2026, 11, 20)),
        ("Tyrell hinted they may not renew. QBR prep by end of next week", date(2026, 11, 27)),
        ("first touch w/ Nakatomi, cold. deck + 2-pager next Tue", date(2026, 11, 24)),
        # verbs that start again, and a short weekday alone
        ("Nakatomi wants the quote in JPY, resend tmrw", date(2026, 11, 19)),
        ("cold call to Oscorp, gatekeeper hung up. try again thurs", date(2026, 11, 19)),
        ("Tyrell wants to drop 20 seats at renewal. call Robert fri", date(2026, 11, 20)),
        # the day first, or "due" and the date of what was just said
        ("Oscorp call went ok. tmrw send list of references", date(2026, 11, 19)),
        ("Nakatomi needs our security answers before they shortlist. due jan 15", date(2027, 1, 15)),
        ("call w/ hiro, f/u tmrw w/ architecture doc", date(2026, 11, 19)),
        ("Oscorp liked it. Send the deck on Tuesday", date(2026, 11, 24)),
        ("Follow up with Cyberdyne in two weeks", date(2026, 12, 2)),
        ("Nakatomi asked for a case study. Send it in 3 days", date(2026, 11, 21)),
        ("send MSA to Tyrell by end of month", date(2026, 11, 30)),
        ("Katherine wants references. Send by end of week", date(2026, 11, 20)),
        ("Schedule the Oscorp training for Dec 2", date(2026, 12, 2)),
        ("Tyrell procurement call. I'll send the redlines Dec 10", date(2026, 12, 10)),
        ("Nina asked for the MSA, send it next Monday", date(2026, 11, 23)),
        ("Tyrell is slow. Check back on the 4th", date(2026, 12, 4)),
        ("Nina is blocking, Hiro still keen. regroup first week of Feb", date(2027, 2, 1)),
        ("Nakatomi asked for a deck. send it mon", date(2026, 11, 23)),
    ],
)
def test_reads_our_commitment_and_its_due_date(read: Callable[..., Reading], text: str, due: date) -> None:
    reading = read(text)
    assert reading.next_step is not None
    assert reading.next_step.due == due


def test_reads_friday_as_the_coming_friday_in_the_reps_zone(read: Callable[..., Reading]) -> None:
    friday = datetime(2026, 11, 20, 9, 0, tzinfo=LOS_ANGELES)
    assert read("Send Robert the deck Friday", now=friday).next_step.due == date(2026, 11, 27)  # type: ignore[union-attr]


def test_reads_tomorrow_for_a_tokyo_rep_just_after_midnight(read: Callable[..., Reading]) -> None:
    now = datetime(2026, 11, 19, 0, 20, tzinfo=TOKYO)  # still the 18th in New York and London
    assert read("Demo went great. send quote tomorrow", now=now).next_step.due == date(2026, 11, 20)  # type: ignore[union-attr]


def test_reads_tomorrow_for_a_los_angeles_rep_late_in_the_evening(read: Callable[..., Reading]) -> None:
    now = datetime(2026, 11, 17, 22, 45, tzinfo=LOS_ANGELES)  # already the 18th in UTC
    assert read("check in with Hiro tomorrow", now=now).next_step.due == date(2026, 11, 18)  # type: ignore[union-attr]


def test_a_commitment_without_a_date_has_no_due(read: Callable[..., Reading]) -> None:
    reading = read("Oscorp wants a demo. Send the overview deck")
    assert reading.next_step is not None and reading.next_step.due is None


@pytest.mark.parametrize(
    "text",
    [
        "Tyrell decides by Dec 15",
        "Nakatomi won't renew unless we fix SSO by Q1",
        "Hiro wants to run a pilot in January",
        "Katherine wants an exec briefing with their CEO next month",
        "Robert signed off; legal review starts Monday",
        "Call with Hiro went well - he'll introduce us to their CFO on Friday",
        "Oscorp call went well, next week they decide",  # a bare "next" labels nothing
        "Oscorp didn't pick up again. Third voicemail this week",
        "Katherine says the alerts are a hit, call center volume down 20%",  # a call center is no call to make
        "Tyrell: decision end of February",
        "Robert approved the spend, PO expected next week",
        "Oscorp runs us side by side w/ two other vendors, shortlist by end of Jan",
        "Nakatomi price increase effective Jan 1",
        "Oscorp signed the framework agreement, 3 plants, starting Feb 1",
        "Tyrell CSAT for last quarter: 3.1/5 from the supervisors, well below target",  # a score, not 1 May
    ],
)
def test_a_date_that_is_not_our_commitment_is_no_next_step(read: Callable[..., Reading], text: str) -> None:
    assert read(text).next_step is None


@pytest.mark.parametrize(
    ("text", "due"),
    [
        # owing and promising are commitments too
        ("owe Robert the revised quote by Thursday", date(2026, 11, 19)),
        ("Tyrell keen. promised Robert a proposal by the 25th", date(2026, 11, 25)),
        ("Tyrell keen. me to send the budget figures by Friday", date(2026, 11, 20)),
        ("Hiro wants pricing; let me get it to him by Friday", date(2026, 11, 20)),
        # a step after an arrow, even with no verb
        ("Hiro liked it -> send case study Friday", date(2026, 11, 20)),
        ("Hiro keen on a demo => book onsite demo at Acme for Dec 3", date(2026, 12, 3)),
        ("Robert: 'send me something I can show the board' -> one-pager to Robert by Monday", date(2026, 11, 23)),
        ("Tyrell QBR notes\n- all good\nAI: send renewal quote (me) by Fri", date(2026, 11, 20)),
    ],
)
def test_reads_commitments_phrased_in_other_ways(read: Callable[..., Reading], text: str, due: date) -> None:
    reading = read(text)
    assert reading.next_step is not None and reading.next_step.due == due


@pytest.mark.parametrize("text", ["Demo for the Oscorp claims team. lots of questions on integrations",
                                  "Robert will send the signed NDA by Friday",
                                  "Hiro to send the budget figures by Friday"])
def test_a_demo_held_or_the_buyers_own_plan_is_no_step_of_ours(read: Callable[..., Reading], text: str) -> None:
    assert read(text).next_step is None


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("Robert needs the numbers by region. on me, by Thursday", date(2026, 11, 19)),
        ("Kick-off for the Acme pilot agreed for Dec 14 -> send success criteria to Hiro by Dec 7", date(2026, 12, 7)),
    ],
)
def test_reads_a_step_labelled_as_mine_not_a_kick_off_agreed(
    read: Callable[..., Reading], text: str, due: date
) -> None:
    reading = read(text)
    assert reading.next_step is not None and reading.next_step.due == due


LONDON = ZoneInfo("Europe/London")
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("text", "due"),
    [
        # "need" with no subject is the rep's own
        ("Oscorp wants to go ahead, need internal approval by Thursday for the discount", date(2026, 11, 19)),
        ("Hiro is keen but need to check with Robert Monday on budget", date(2026, 11, 23)),
        ("spoke with Nina, need pricing sign-off from our deal desk by Tuesday", date(2026, 11, 24)),
        # the buyer's ask with a deadline is our deliverable
        ("Tyrell CFO wants a TCO comparison vs. their current vendor by EOM", date(2026, 11, 30)),
        ("Hiro asked for the capacity plan, wants it by the 25th", date(2026, 11, 25)),
        ("Oscorp asks: overview deck, two case studies and a sandbox login, all by 10th", date(2026, 12, 10)),
        ("Nina wants the business case for the board, by 04.12.", date(2026, 12, 4)),
        ("Hiro needs the revised pilot scope today, EOD", date(2026, 11, 18)),
        # a meeting moved to a day, and a deadline with nobody named
        ("Tyrell want to move the review call to monday", date(2026, 11, 23)),
        ("Katherine asked to push our demo to Thursday", date(2026, 11, 19)),
        ("Acme pilot kicked off, success criteria to be agreed by end of month", date(2026, 11, 30)),
        # the step, not the buyer's event around it
        ("Hiro booked a demo for the 22nd, prep by the 20th", date(2026, 11, 20)),
    ],
)
def test_reads_needs_asks_with_deadlines_and_moved_meetings_as_our_steps(
    read: Callable[..., Reading], text: str, due: date
) -> None:
    reading = read(text)
    assert reading.next_step is not None and reading.next_step.due == due


@pytest.mark.parametrize(
    "text",
    [
        "Robert says Tyrell will pick a vendor by 20 Jan",
        "Initech renewal is 30 Sep",
        "Oscorp's legal will send their redlines by Friday",
        "Tyrell: security review to be completed by the 15th, Robert owns it on their side",
        "Katherine wants to run a pilot in January",
        "Tyrell board pushed the decision to March",
        "Oscorp call was fine, nothing new, they're heads down on year-end",
        "Hiro wants a decision from their board by Friday",
    ],
)
def test_the_buyers_own_plan_with_a_date_is_no_step_of_ours(read: Callable[..., Reading], text: str) -> None:
    assert read(text).next_step is None


@pytest.mark.parametrize("text", ["Call with Hiro, all good on the support side. need exec sponsor call",
                                  "Oscorp keen but still need a technical champion"])
def test_a_need_without_a_date_is_a_step_without_a_due(read: Callable[..., Reading], text: str) -> None:
    reading = read(text)
    assert reading.next_step is not None and reading.next_step.due is None


def _due(reading: Reading) -> date | None:
    return reading.next_step.due if reading.next_step else None


def test_a_slashed_date_follows_the_reps_zone_and_a_dotted_one_is_day_first(read: Callable[..., Reading]) -> None:
    london = datetime(2026, 11, 25, 11, 30, tzinfo=LONDON)
    berlin = datetime(2026, 12, 2, 16, 0, tzinfo=BERLIN)
    assert _due(read("Good chat with Nina, she asked for a mockup by 2/12", now=london)) == date(2026, 12, 2)
    assert _due(read("Nina asked for a mockup by 12/2")) == date(2026, 12, 2)
    assert _due(read("Katherine confirmed the workshop; send agenda by 09.12.", now=berlin)) == date(2026, 12, 9)
    assert _due(read("Katherine confirmed the workshop; send agenda by 09.12.")) == date(2026, 12, 9)


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("Robert: board approves the budget on 14.1., we need the final quote to him by 8.1.", date(2027, 1, 8)),
        ("Acme plant visit moved to 12.1.", date(2027, 1, 12)),
        ("Hiro's team to be onboarded to the sandbox by 12/10", date(2026, 12, 10)),
    ],
)
def test_reads_our_need_a_visit_moved_and_a_passive_deadline_with_words_between(
    read: Callable[..., Reading], text: str, due: date
) -> None:
    assert _due(read(text)) == due


@pytest.mark.parametrize("text", ["Hiro happy with the pilot so far, readout after the holidays",
                                  "Tyrell: pilot debrief in the new year"])
def test_a_meeting_of_ours_put_off_to_a_vague_later_is_a_step_without_a_due(
    read: Callable[..., Reading], text: str
) -> None:
    reading = read(text)
    assert reading.next_step is not None and reading.next_step.due is None


@pytest.mark.parametrize("text", ["Tyrell not interested right now, revisit after ski season",
                                  "Oscorp's review board meets after the holidays to decide"])
def test_a_vague_later_without_a_meeting_of_ours_is_no_step(read: Callable[..., Reading], text: str) -> None:
    assert read(text).next_step is None


def test_pushing_for_something_is_no_meeting_moved(read: Callable[..., Reading]) -> None:
    assert read("Hiro is pushing to get the budget signed by Friday").next_step is None


@pytest.mark.parametrize("text", ["Oscorp go-live pushed to Feb 1",
                                  "Hiro: the migration needs to be finished by 30.6."])
def test_their_milestone_moved_or_due_is_no_step_of_ours(read: Callable[..., Reading], text: str) -> None:
    assert read(text).next_step is None
