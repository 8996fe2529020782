"""Stage inference: an account's buying stage from its evidence, weighted by buying role and recency."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from domain.buying import Stage, StageEvidence

HALF_LIFE_DAYS = 30.0


@dataclass(frozen=True)
class StageAssessment:
    stage: Stage | None
    confidence: float  # 0..1
    evidence: tuple[StageEvidence, ...] = field(default_factory=tuple)


def recency_weight(occurred_at: datetime, now: datetime) -> float:
    """Evidence halves in weight every HALF_LIFE_DAYS."""
    age_days = max(0.0, (now - occurred_at).total_seconds() / 86400)
    return math.pow(0.5, age_days / HALF_LIFE_DAYS)


def infer_stage(
    evidence: Sequence[StageEvidence],
    *,
    person_weights: Mapping[str, float],
    now: datetime,
) -> StageAssessment:
    """The furthest stage the evidence shows; a rep's override resets the base and later evidence moves on.

    Stages never move backwards without evidence: only an override (a rep's word, e.g. a lost deal) does.
    """
    ordered = sorted(evidence, key=lambda e: e.occurred_at)
    overrides = [e for e in ordered if e.source == "override"]
    since = overrides[-1].occurred_at if overrides else None
    base: Stage | None = overrides[-1].stage if overrides else None
    relevant = [e for e in ordered if since is None or e.occurred_at >= since]
    stage = base
    for e in relevant:
        if stage is None or e.stage.rank > stage.rank:
            stage = e.stage
    if stage is None:
        return StageAssessment(None, 0.0, ())
    support = [e for e in relevant if e.stage == stage]
    mass = sum(
        person_weights.get(e.individual_id or "", 1.0) * recency_weight(e.occurred_at, now) for e in support
    )
    confidence = 1.0 if base == stage and support[0].source == "override" else 1 - math.exp(-mass / 2)
    shown = tuple(sorted(ordered, key=lambda e: e.occurred_at, reverse=True))
    return StageAssessment(stage, round(min(confidence, 1.0), 2), shown)
