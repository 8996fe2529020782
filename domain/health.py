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


def _weighted(signals: list[Signal], now: datetime) -> float | None:
    weights = [s.strength * recency_weight(s.occurred_at, now) for s in signals]
    total = sum(weights)
    if not total:
        return None
    return sum(w * s.polarity.sign for w, s in zip(weights, signals, strict=True)) / total


def health(signals: Iterable[Signal], *, now: datetime) -> Health:
    items = [s for s in signals if s.occurred_at <= now]
    per_channel = {}
    for channel in Channel:
        score = _weighted([s for s in items if s.channel == channel], now)
        if score is not None:
            per_channel[channel] = round(score, 2)
    recent = [s for s in items if s.occurred_at > now - timedelta(days=30)]
    before = [s for s in items if now - timedelta(days=60) < s.occurred_at <= now - timedelta(days=30)]
    r, b = _weighted(recent, now), _weighted(before, now)
    trend = (r or 0.0) - (b or 0.0) if r is not None and b is not None else 0.0
    overall = _weighted(items, now)
    return Health(None if overall is None else round(overall, 2), round(trend, 2), per_channel, len(items))
