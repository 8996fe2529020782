from collections.abc import Callable

import pytest

from domain.buying import Stage
from domain.understanding import Reading


@pytest.mark.parametrize(
    ("text", "stage", "phrase"),
    [
        ("Intro call with Zephyr Robotics, they had never heard of us", Stage.UNAWARE, "never heard of us"),
        ("Nina admitted their invoicing takes three weeks", Stage.PAIN_RECOGNITION, "admitted"),
        ("Tyrell attended our webinar on automation", Stage.SOLUTION_UNDERSTANDING, "webinar"),
        ("Oscorp is evaluating us against two other vendors", Stage.VENDOR_SELECTION, "evaluating"),
        ("Cyberdyne sent over a security questionnaire", Stage.VALIDATION, "security questionnaire"),
        ("Massive Dynamic signed the contract today", Stage.CUSTOMER, "signed"),
        ("first touch w/ Nakatomi - cold, zero awareness of what we do", Stage.UNAWARE, "zero awareness"),
        ("first call w/ Oscorp, they didn't know we exist", Stage.UNAWARE, "know we exist"),
        ("Hiro says their haul trucks sit idle 3 hrs a shift", Stage.PAIN_RECOGNITION, "sit idle"),
        ("Nina stopped by our booth at the expo", Stage.SOLUTION_UNDERSTANDING, "our booth"),
        ("Katherine replied - they're also talking to one local vendor", Stage.VENDOR_SELECTION, "also talking to"),
        ("Oscorp procurement pushed back hard on payment terms", Stage.VALIDATION, "payment terms"),
        ("Tyrell's CIO agreed to a reference call with a bank", Stage.CUSTOMER, "reference call"),
        ("Acme placed an add-on order for 40 handheld licenses", Stage.CUSTOMER, "placed an add-on order"),
    ],
)
def test_reads_stage_evidence_with_its_phrase(
    read: Callable[..., Reading], text: str, stage: Stage, phrase: str
) -> None:
    reading = read(text)
    assert reading.stage is not None
    assert reading.stage.stage == stage
    assert phrase in reading.stage.phrase


def test_the_latest_stage_shown_wins(read: Callable[..., Reading]) -> None:
    reading = read("Demo went great, Hiro wants pricing for 40 users")
    assert reading.stage is not None and reading.stage.stage == Stage.VALIDATION


def test_a_closed_lost_deal_shows_no_stage(read: Callable[..., Reading]) -> None:
    assert read("Tyrell went with a competitor after the demo. Closed lost.").stage is None


def test_signed_off_is_an_approval_not_a_purchase(read: Callable[..., Reading]) -> None:
    reading = read("Robert signed off on the business case")
    assert reading.stage is not None and reading.stage.stage == Stage.VALIDATION
    assert {s.channel.value for s in reading.signals} == {"engagement"}


def test_talk_of_not_renewing_still_shows_a_customer(read: Callable[..., Reading]) -> None:
    reading = read("Nakatomi won't renew unless pricing changes")
    assert reading.stage is not None and reading.stage.stage == Stage.CUSTOMER


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        ("first call w/ Oscorp, they didnt know we existed", Stage.UNAWARE),
        ("Hiro from Acme watched the product tour yesterday", Stage.SOLUTION_UNDERSTANDING),
        ("Ayla downloaded the ebook and watched the demo video", Stage.SOLUTION_UNDERSTANDING),
        ("Hiro says they had 3 near misses because incident reports are on paper", Stage.PAIN_RECOGNITION),
        ("Nina says their cold chain losses run ~8% a month", Stage.PAIN_RECOGNITION),
        ("Miles: network ops still reconciles outages in excel", Stage.PAIN_RECOGNITION),
        ("Katherine says their editors waste hours hunting for files", Stage.PAIN_RECOGNITION),
        ("Nina: clinicians spend 2h/day on double documentation", Stage.PAIN_RECOGNITION),
        ("Robert says support tickets doubled and the team is burning out", Stage.PAIN_RECOGNITION),
        ("Hiro: trial feedback is in, drivers love the app", Stage.VENDOR_SELECTION),
        ("Hiro asked for the field app trial to be extended 2 more weeks", Stage.VENDOR_SELECTION),
        ("Miles asked about ITAR compliance and on-prem hosting", Stage.VALIDATION),
        ("Nina sent the vendor onboarding forms", Stage.VALIDATION),
        ("Katherine approved the SOW", Stage.VALIDATION),
        ("Oscorp added the Rotterdam depot", Stage.CUSTOMER),
        ("Hiro says the dashboard paid off, wants to add plant 2", Stage.CUSTOMER),
    ],
)
def test_reads_stage_evidence_in_more_of_the_words_reps_use(
    read: Callable[..., Reading], text: str, stage: Stage
) -> None:
    reading = read(text)
    assert reading.stage is not None and reading.stage.stage == stage


def test_renewal_and_an_added_site_are_a_purchase_too(read: Callable[..., Reading]) -> None:
    reading = read("Oscorp renewal signed - 3 more yrs + added the Rotterdam depot")
    assert {(s.channel.value, s.polarity.value) for s in reading.signals} == {
        ("loyalty", "positive"),
        ("purchase", "positive"),
    }


@pytest.mark.parametrize(
    "text",
    [
        "Miles complained on Reddit that our SSO setup is a nightmare",
        "Hiro says field crews can't sync offline, they've gone back to paper forms",
    ],
)
def test_trouble_with_our_product_is_no_pain_of_theirs(read: Callable[..., Reading], text: str) -> None:
    assert read(text).stage is None


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        ("Robert approved the spend for next year", Stage.VALIDATION),
        ("Hiro: 'we lose 2-3 shipments a week to missed handovers'", Stage.PAIN_RECOGNITION),
        ("Nina: 'our ERP is held together with duct tape'", Stage.PAIN_RECOGNITION),
        ("Katherine says the front desk spends ~3 hrs a day on reminders", Stage.PAIN_RECOGNITION),
        ("first call w/ Oscorp - planners juggle 4 tools, no single view of stock", Stage.PAIN_RECOGNITION),
        ("Miles downloaded the salary benchmark report", Stage.SOLUTION_UNDERSTANDING),
        ("Oscorp added 12 new outlets to the contract", Stage.CUSTOMER),
    ],
)
def test_reads_stage_evidence_in_yet_more_of_the_words_reps_use(
    read: Callable[..., Reading], text: str, stage: Stage
) -> None:
    reading = read(text)
    assert reading.stage is not None and reading.stage.stage == stage


def test_an_order_still_awaited_shows_no_customer_yet(read: Callable[..., Reading]) -> None:
    reading = read("Robert approved the spend, PO expected next week")
    assert reading.stage is not None and reading.stage.stage == Stage.VALIDATION


def test_an_invitation_to_present_at_their_event_shows_a_customer(read: Callable[..., Reading]) -> None:
    reading = read("Katherine asked us to present at their regional conference in May")
    assert reading.stage is not None and reading.stage.stage == Stage.CUSTOMER


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        ("Acme's IT lead opened 3 P1 tickets this week", Stage.CUSTOMER),
        ("Katherine agreed to host a reference visit for a bank", Stage.CUSTOMER),
        ("Cyberdyne accepted our quote, waiting on their PO", Stage.VALIDATION),
        ("Hiro says planners waste half a day a week chasing approvals", Stage.PAIN_RECOGNITION),
        ("Nina: clerks are still double-keying orders into the ERP", Stage.PAIN_RECOGNITION),
        ("first call w/ Oscorp: stock counts live in 3 systems, no one trusts the numbers", Stage.PAIN_RECOGNITION),
    ],
)
def test_reads_stage_evidence_from_a_third_fresh_probe(read: Callable[..., Reading], text: str, stage: Stage) -> None:
    reading = read(text)
    assert reading.stage is not None and reading.stage.stage == stage


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        ("Robert is asking about the payback period", Stage.SOLUTION_UNDERSTANDING),
        ('Hiro: "honestly we have no idea what our scope 3 numbers are"', Stage.PAIN_RECOGNITION),
        ("their front desk is double-booking patients most weeks, Hiro says", Stage.PAIN_RECOGNITION),
        ("Nina asked for our insurance certificate", Stage.VALIDATION),
        ("Robert asked for a security overview", Stage.VALIDATION),
        ("Call w/ Hiro: they chose us over the other shortlisted vendor", Stage.VALIDATION),
        ("Tyrell says the PO will come through in January", Stage.VALIDATION),
        ("WhatsApp from Peter: finished the rollout in all 4 regions", Stage.CUSTOMER),
        ("Peter asked for admin training for two new planners", Stage.CUSTOMER),
        ("Initech declined to do a case study, legal won't allow it", Stage.CUSTOMER),
        # good loyalty news from an account that buys from us
        ("Initech keen to add the APAC team next year", Stage.CUSTOMER),
    ],
)
def test_reads_stage_evidence_in_the_words_of_other_reps(read: Callable[..., Reading], text: str, stage: Stage) -> None:
    reading = read(text)
    assert reading.stage is not None and reading.stage.stage == stage


@pytest.mark.parametrize("text", ["Cyberdyne's QA team downloaded the GxP validation whitepaper",
                                  "Tyrell attended our webinar on security reviews"])
def test_the_topic_of_a_content_title_shows_no_later_stage(read: Callable[..., Reading], text: str) -> None:
    reading = read(text)
    assert reading.stage is not None and reading.stage.stage == Stage.SOLUTION_UNDERSTANDING


@pytest.mark.parametrize("text", ["Carla texted - they're going with the incumbent this year",
                                  "Initech is threatening to churn if the outage happens again"])
def test_a_lost_deal_or_a_bare_threat_shows_no_stage(read: Callable[..., Reading], text: str) -> None:
    assert read(text).stage is None


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        ("Katherine on the phone: claims backlog is up 40%, team is underwater", Stage.PAIN_RECOGNITION),
        ("Hiro told us they'll pick a vendor before the fiscal year closes", Stage.VENDOR_SELECTION),
        ("Oscorp signed the pilot agreement", Stage.VENDOR_SELECTION),
    ],
)
def test_reads_stage_evidence_in_still_more_words(read: Callable[..., Reading], text: str, stage: Stage) -> None:
    reading = read(text)
    assert reading.stage is not None and reading.stage.stage == stage


@pytest.mark.parametrize(
    "text",
    ["Peter asked for pricing to roll out to 6 more schools", "Initech wants a quote for two more regions",
     "Peter asked for an offer for their second site",
     "call with Peter - they want to extend the platform to the warehouses"],
)
def test_a_customer_pricing_more_sites_is_a_customer(read: Callable[..., Reading], text: str) -> None:
    reading = read(text)
    assert reading.stage is not None and reading.stage.stage == Stage.CUSTOMER


def test_a_prospect_pricing_more_sites_is_still_validating(read: Callable[..., Reading]) -> None:
    reading = read("Robert Chen wants a quote for two more regions")
    assert reading.stage is not None and reading.stage.stage == Stage.VALIDATION


@pytest.mark.parametrize(
    ("text", "stage"),
    [("Initech asked us for an offer for their second kitchen site", Stage.CUSTOMER),
     ("Peter declined to serve as a reference", Stage.CUSTOMER),
     ("Robert Chen said Tyrell will trial us in Q1", Stage.VENDOR_SELECTION)],
)
def test_stage_in_the_words_of_a_second_probe(read: Callable[..., Reading], text: str, stage: Stage) -> None:
    reading = read(text)
    assert reading.stage is not None and reading.stage.stage == stage
