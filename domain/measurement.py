"""Measurement: actuals for each goal metric over a period, the deviation, and what to adjust."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from domain.buying import Stage, StageEvidence
from domain.customer import KEY_ROLES, Account, Individual
from domain.goals import Goal, period_bounds
from domain.listening import Channel, Polarity, Signal

ADJUST: dict[str, str] = {
    "stage_conversion": "find what stops deals at the stage before: objections logged there, missing roles",
    "accounts_reaching_stage": "more sales-enablement content (demos, references) for deals stuck a stage below",
    "dmu_coverage": "multi-thread: ask champions to introduce their economic buyer and decider",
    "average_attitude": "turn detractors first: log their objections and answer with proof points",
    "nps": "follow up on low survey scores within a week",
    "renewal_rate": "start renewal conversations 90 days out and fix the churn reasons logged",
    "chatter_polarity": "answer public complaints quickly and seed advocates' stories",
}


@dataclass(frozen=True)
class Measured:
    goal: Goal
    actual: float | None

    @property
    def deviation(self) -> float | None:
        return None if self.actual is None else self.actual - self.goal.target

    @property
    def on_track(self) -> bool:
        return self.deviation is not None and self.deviation >= 0


@dataclass(frozen=True)
class World:
    """What measurement reads: one workspace's state and history."""

    accounts: Sequence[Account]
    individuals: Sequence[Individual]
    stage_events: Sequence[tuple[str, StageEvidence]]
    signals: Sequence[Signal]


def _in(ts: datetime, start: datetime, end: datetime) -> bool:
    return start <= ts < end


def actual(goal: Goal, world: World, *, tz: object) -> float | None:
    start_d, end_d = period_bounds(goal.period)
    start = datetime(start_d.year, start_d.month, start_d.day, tzinfo=tz)  # type: ignore[arg-type]
    end = datetime(end_d.year, end_d.month, end_d.day, tzinfo=tz)  # type: ignore[arg-type]
    base = goal.base_metric
    if base == "accounts_reaching_stage":
        target = Stage(goal.metric.split(":", 1)[1]) if ":" in goal.metric else Stage.VALIDATION
        reached = {aid for aid, e in world.stage_events
                   if e.stage.rank >= target.rank and _in(e.occurred_at, start, end)}
        return float(len(reached))
    if base == "stage_conversion":
        target = Stage(goal.metric.split(":", 1)[1]) if ":" in goal.metric else Stage.VALIDATION
        before = Stage(list(Stage)[max(0, target.rank - 1)])
        entered = {aid for aid, e in world.stage_events if e.stage.rank >= before.rank and e.occurred_at < end}
        moved = {aid for aid, e in world.stage_events
                 if aid in entered and e.stage.rank >= target.rank and _in(e.occurred_at, start, end)}
        return round(100 * len(moved) / len(entered), 1) if entered else None
    if base == "dmu_coverage":
        active = [a for a in world.accounts if a.stage is not None]
        if not active:
            return None
        covered = {p.account_id for p in world.individuals if any(r in KEY_ROLES for r in p.roles)}
        return round(100 * sum(a.id in covered for a in active) / len(active), 1)
    if base == "average_attitude":
        people = world.individuals
        return round(sum(p.attitude for p in people) / len(people), 2) if people else None
    channel = {"nps": Channel.SAMPLING, "renewal_rate": Channel.LOYALTY, "chatter_polarity": Channel.CHATTER}[base]
    heard = [s for s in world.signals if s.channel == channel and _in(s.occurred_at, start, end)]
    if not heard:
        return None
    pos = sum(s.polarity == Polarity.POSITIVE for s in heard)
    neg = sum(s.polarity == Polarity.NEGATIVE for s in heard)
    if base == "nps":
        return round(100 * (pos - neg) / len(heard), 1)
    if base == "renewal_rate":
        return round(100 * pos / (pos + neg), 1) if pos + neg else None
    return round((pos - neg) / len(heard), 2)


def what_to_adjust(measured: Sequence[Measured]) -> str | None:
    """The feedback loop in one line: the goal furthest behind and the tactic to change."""
    behind = [m for m in measured if m.deviation is not None and m.deviation < 0]
    if not behind:
        return None
    worst = min(behind, key=lambda m: m.deviation / (abs(m.goal.target) or 1))  # type: ignore[operator]
    return f"Adjust: {worst.goal.metric} is behind — {ADJUST[worst.goal.base_metric]}."
