"""The buying process: stages in order, stage evidence and assessments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Stage(StrEnum):
    """Buying-process stages, in order."""

    UNAWARE = "unaware"
    PAIN_RECOGNITION = "pain_recognition"
    SOLUTION_UNDERSTANDING = "solution_understanding"
    VENDOR_SELECTION = "vendor_selection"
    VALIDATION = "validation"
    CUSTOMER = "customer"

    @property
    def rank(self) -> int:
        return list(Stage).index(self)

    @property
    def label(self) -> str:
        return STAGE_LABELS[self]


STAGE_LABELS: dict[Stage, str] = {
    Stage.UNAWARE: "Unaware",
    Stage.PAIN_RECOGNITION: "Pain recognition",
    Stage.SOLUTION_UNDERSTANDING: "Solution understanding",
    Stage.VENDOR_SELECTION: "Vendor selection",
    Stage.VALIDATION: "Validation and decision",
    Stage.CUSTOMER: "Customer",
}

# Marketing tactics along the buying process (the layered framework's top layer).
TACTICS: dict[Stage, str] = {
    Stage.UNAWARE: "segment marketing",
    Stage.PAIN_RECOGNITION: "segment marketing / lead nurturing",
    Stage.SOLUTION_UNDERSTANDING: "lead nurturing",
    Stage.VENDOR_SELECTION: "sales enablement",
    Stage.VALIDATION: "sales enablement",
    Stage.CUSTOMER: "customer marketing",
}


@dataclass(frozen=True)
class StageEvidence:
    """One piece of evidence that an account (or person) is at a stage."""

    stage: Stage
    occurred_at: datetime
    words: str
    source: str = "signal"  # "signal", "override" or "import"
    individual_id: str | None = None
    rep_id: str | None = None
    interaction_id: str | None = None
    reason: str | None = None
