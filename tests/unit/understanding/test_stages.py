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
