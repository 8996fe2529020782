from datetime import date

import pytest

from domain.buying import Stage
from domain.errors import InvalidInput
from domain.goals import Goal, current_quarter, period_bounds
from domain.health import health
from domain.listening import Channel, Polarity
from domain.measurement import Measured, World, actual, what_to_adjust
from tests.unit.domain.builders import NOW, evidence, signal


def test_an_account_with_nothing_heard_has_no_health_score() -> None:
    assert health([], now=NOW).score is None


def test_a_renewal_at_risk_shows_a_negative_loyalty_score_and_a_falling_trend() -> None:
    signals = [signal(Channel.LOYALTY, Polarity.POSITIVE, 45), signal(Channel.LOYALTY, Polarity.NEGATIVE, 3),
               signal(Channel.ENGAGEMENT, Polarity.NEGATIVE, 2)]
    h = health(signals, now=NOW)
    assert h.per_channel[Channel.LOYALTY] < 0
    assert h.trend < 0
    assert "at risk" in h.label


def test_quarters_months_and_years_are_periods() -> None:
    assert period_bounds("2026-Q4") == (date(2026, 10, 1), date(2027, 1, 1))
    assert period_bounds("2026-02") == (date(2026, 2, 1), date(2026, 3, 1))
    assert current_quarter(date(2026, 11, 18)) == "2026-Q4"
    with pytest.raises(InvalidInput):
        period_bounds("next quarter")


def test_accounts_reaching_a_stage_are_counted_within_the_period() -> None:
    world = World([], [], [("a1", evidence(Stage.VALIDATION, 3)), ("a2", evidence(Stage.VENDOR_SELECTION, 3)),
                           ("a3", evidence(Stage.CUSTOMER, 400))], [])
    goal = Goal("g", "accounts_reaching_stage:validation", "2026-Q4", 5)
    assert actual(goal, world, tz=NOW.tzinfo) == 1.0


def test_nps_comes_from_sampling_signals_and_a_shortfall_says_what_to_adjust() -> None:
    world = World([], [], [], [signal(Channel.SAMPLING, Polarity.POSITIVE, 1, "a"),
                               signal(Channel.SAMPLING, Polarity.NEGATIVE, 2, "b"),
                               signal(Channel.SAMPLING, Polarity.NEGATIVE, 3, "c")])
    goal = Goal("g", "nps", "2026-Q4", 30)
    got = actual(goal, world, tz=NOW.tzinfo)
    assert got == pytest.approx(-33.3, abs=0.1)
    assert "survey" in (what_to_adjust([Measured(goal, got)]) or "")


def test_stage_conversion_counts_accounts_moving_on_from_the_stage_before() -> None:
    world = World([], [], [("a1", evidence(Stage.VENDOR_SELECTION, 40)), ("a1", evidence(Stage.VALIDATION, 3)),
                           ("a2", evidence(Stage.VENDOR_SELECTION, 20)), ("a3", evidence(Stage.PAIN_RECOGNITION, 5))],
                  [])
    goal = Goal("g", "stage_conversion:validation", "2026-Q4", 60)
    assert actual(goal, world, tz=NOW.tzinfo) == 50.0
