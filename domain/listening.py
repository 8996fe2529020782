"""Outbound touches ("talking") and inbound listening ("hearing back") through five channels."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Channel(StrEnum):
    """The five inbound listening channels."""

    SAMPLING = "sampling"  # surveys, NPS, CSAT
    CHATTER = "chatter"  # web, social, word of mouth
    ENGAGEMENT = "engagement"  # two-way conversations
    PURCHASE = "purchase"  # orders, expansions, signed contracts
    LOYALTY = "loyalty"  # renewals, churn risk, references


class Polarity(StrEnum):
    POSITIVE = "positive"
    NEUTRAL = "neutral"
    NEGATIVE = "negative"

    @property
    def sign(self) -> int:
        return _SIGNS[self.value]


_SIGNS = {"positive": 1, "neutral": 0, "negative": -1}


class TouchFamily(StrEnum):
    """The three families of outbound marketing."""

    COMMUNICATIONS = "communications"  # email, call, meeting, sales force, partner, advertising
    EXPERIENCES = "experiences"  # trial, demo, onboarding, support, event
    INFLUENTIALS = "influentials"  # analysts, media, bloggers, user groups, reference customers


TOUCH_KINDS: dict[str, TouchFamily] = {
    "email": TouchFamily.COMMUNICATIONS,
    "call": TouchFamily.COMMUNICATIONS,
    "meeting": TouchFamily.COMMUNICATIONS,
    "message": TouchFamily.COMMUNICATIONS,
    "partner": TouchFamily.COMMUNICATIONS,
    "advertising": TouchFamily.COMMUNICATIONS,
    "demo": TouchFamily.EXPERIENCES,
    "trial": TouchFamily.EXPERIENCES,
    "onboarding": TouchFamily.EXPERIENCES,
    "support": TouchFamily.EXPERIENCES,
    "event": TouchFamily.EXPERIENCES,
    "webinar": TouchFamily.EXPERIENCES,
    "training": TouchFamily.EXPERIENCES,
    "analyst": TouchFamily.INFLUENTIALS,
    "media": TouchFamily.INFLUENTIALS,
    "user_group": TouchFamily.INFLUENTIALS,
    "reference": TouchFamily.INFLUENTIALS,
}


def touch_family(kind: str) -> TouchFamily:
    """The outbound family of a touch kind; unknown kinds count as communications."""
    return TOUCH_KINDS.get(kind, TouchFamily.COMMUNICATIONS)


@dataclass
class Signal:
    """Something we heard back from an account, through one listening channel."""

    id: str
    account_id: str
    channel: Channel
    polarity: Polarity
    occurred_at: datetime
    text: str
    strength: float = 1.0
    individual_ids: tuple[str, ...] = ()
    rep_id: str | None = None
    interaction_id: str | None = None


@dataclass
class Touch:
    """Something we did towards an account (a call, a demo, an email...)."""

    id: str
    account_id: str
    kind: str
    occurred_at: datetime
    individual_ids: tuple[str, ...] = ()
    rep_id: str | None = None
    interaction_id: str | None = None

    @property
    def family(self) -> TouchFamily:
        return touch_family(self.kind)


@dataclass
class Interaction:
    """One thing a rep logged, in their words; the signals, touches and steps it produced point back to it."""

    id: str
    account_id: str
    rep_id: str
    text: str
    occurred_at: datetime
    individual_ids: tuple[str, ...] = field(default_factory=tuple)
    # What undoing this log must restore: created account/people, attitudes and stage before it.
    undo: dict[str, Any] = field(default_factory=dict)
