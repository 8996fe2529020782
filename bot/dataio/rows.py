"""Validated rows of the world JSON format (a superset of the corpus world: + interactions, steps, goals)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from domain.buying import Stage
from domain.customer import Lifecycle, parse_roles
from domain.listening import Channel, Polarity


class _Row(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class AccountIn(_Row):
    name: str = Field(min_length=1, max_length=300)
    aliases: list[str] = []
    domain: str | None = None
    segment: str | None = None
    lifecycle: Lifecycle = Lifecycle.PROSPECT
    owner: str | None = None
    stage: Stage | None = None


class ContactIn(_Row):
    name: str = Field(min_length=1, max_length=200)
    account: str = Field(min_length=1)
    title: str | None = None
    roles: list[str] = []
    attitude: int = Field(default=0, ge=-2, le=2)

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, v: list[str]) -> list[str]:
        return [r.value for r in parse_roles(v)]


class SignalIn(_Row):
    channel: Channel
    polarity: Polarity = Polarity.NEUTRAL
    strength: float = Field(default=1.0, ge=0, le=1)


class InteractionIn(_Row):
    account: str
    at: datetime
    text: str = Field(min_length=1)
    rep: str = "import"
    people: list[str] = []
    touch: str | None = None
    signals: list[SignalIn] = []
    stage: Stage | None = None

    @field_validator("at")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        if v.tzinfo is None:
            raise ValueError("needs a time zone offset, e.g. 2026-11-10T15:00:00+00:00")
        return v


class NextStepIn(_Row):
    account: str
    text: str = Field(min_length=1)
    due: date | None = None
    owner: str = "import"
    done: bool = False
    people: list[str] = []


class GoalIn(_Row):
    metric: str
    period: str
    target: float


class RepIn(_Row):
    id: str
    name: str = ""
    tz: str = "UTC"
