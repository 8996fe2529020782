from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.buying import Stage
from domain.errors import InvalidInput
from domain.goals import Goal, current_quarter, period_bounds
from domain.health import Health, health
from domain.listening import Channel, Polarity, Signal
from domain.measurement import Measured, World, actual, what_to_adjust
from domain.stage_rules import recency_weight
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


def _reference_health(signals: list[Signal], now: datetime) -> Health:
    """Health as first written (a pass per channel and window): the one-pass version must agree exactly."""

    def weighted(items: list[Signal]) -> float | None:
        weights = [s.strength * recency_weight(s.occurred_at, now) for s in items]
        total = sum(weights)
        return sum(w * s.polarity.sign for w, s in zip(weights, items, strict=True)) / total if total else None

    items = [s for s in signals if s.occurred_at <= now]
    per_channel = {c: round(v, 2) for c in Channel if (v := weighted([s for s in items if s.channel == c])) is not None}
    r = weighted([s for s in items if s.occurred_at > now - timedelta(days=30)])
    b = weighted([s for s in items if now - timedelta(days=60) < s.occurred_at <= now - timedelta(days=30)])
    trend = r - b if r is not None and b is not None else 0.0
    overall = weighted(items)
    return Health(None if overall is None else round(overall, 2), round(trend, 2), per_channel, len(items))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(list(Channel)), st.sampled_from(list(Polarity)),
                          st.integers(min_value=-5, max_value=400), st.floats(min_value=0.1, max_value=3.0)),
                max_size=40))
def test_health_in_one_pass_equals_a_pass_per_channel_and_window(raw: list[tuple[Channel, Polarity, int, float]]
                                                                  ) -> None:
    signals = [replace(signal(c, p, days), strength=strength) for c, p, days, strength in raw]  # days < 0: future
    assert health(signals, now=NOW) == _reference_health(signals, NOW)
