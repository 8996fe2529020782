"""Health from the five listening channels: recency-weighted polarity per channel, with a trend."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.listening import Channel, Signal
from domain.stage_rules import recency_weight


@dataclass(frozen=True)
class Health:
    score: float | None  # -1..+1, None when nothing was heard
    trend: float  # last 30 days minus the 30 before
    per_channel: dict[Channel, float]
    signals: int

    @property
    def label(self) -> str:
        if self.score is None:
            return "no signals"
        word = "healthy" if self.score > 0.25 else "at risk" if self.score < -0.25 else "mixed"
        arrow = "↑" if self.trend > 0.15 else "↓" if self.trend < -0.15 else "→"
        return f"{word} ({self.score:+.1f}) {arrow}"


class _Sums:
    """Running sums for one recency-weighted polarity: sum(w * sign) / sum(w)."""

    __slots__ = ("signed", "weight")

    def __init__(self) -> None:
        self.signed = 0.0
        self.weight = 0.0

    def add(self, weight: float, sign: int) -> None:
        self.weight += weight
        self.signed += weight * sign

    def score(self) -> float | None:
        return self.signed / self.weight if self.weight else None


def health(signals: Iterable[Signal], *, now: datetime) -> Health:
    """One pass: each signal's weight is worked out once and added to its channel, its 30-day window and the
    whole (a DMU view computes this for every person of an account with a long history)."""
    channels: dict[Channel, _Sums] = {}
    overall, recent, before = _Sums(), _Sums(), _Sums()
    month_ago, two_months_ago = now - timedelta(days=30), now - timedelta(days=60)
    count = 0
    for s in signals:
        if s.occurred_at > now:
            continue
        count += 1
        weight, sign = s.strength * recency_weight(s.occurred_at, now), s.polarity.sign
        overall.add(weight, sign)
        channels.setdefault(s.channel, _Sums()).add(weight, sign)
        if s.occurred_at > month_ago:
            recent.add(weight, sign)
        elif s.occurred_at > two_months_ago:
            before.add(weight, sign)
    per_channel = {}
    for channel in Channel:  # in the channels' own order, as the view lists them
        sums = channels.get(channel)
        score = sums.score() if sums is not None else None
        if score is not None:
            per_channel[channel] = round(score, 2)
    r, b = recent.score(), before.score()
    trend = r - b if r is not None and b is not None else 0.0
    total = overall.score()
    return Health(None if total is None else round(total, 2), round(trend, 2), per_channel, count)
