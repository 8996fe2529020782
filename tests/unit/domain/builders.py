"""Scenario builders for domain tests: small, readable worlds (a stalled deal, a detractor CFO...)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.buying import Stage, StageEvidence
from domain.customer import Account, BuyingRole, Individual
from domain.listening import Channel, Polarity, Signal

NOW = datetime(2026, 11, 18, 17, 0, tzinfo=UTC)


def days_ago(n: float) -> datetime:
    return NOW - timedelta(days=n)


def account(name: str = "Acme", stage: Stage | None = None) -> Account:
    return Account(id=f"a-{name.lower()}", name=name, stage=stage)


def person(name: str, *roles: BuyingRole, attitude: int = 0, persona: str | None = None,
           account_id: str = "a-acme") -> Individual:
    return Individual(id=f"p-{name.split()[0].lower()}", account_id=account_id, name=name, roles=roles,
                      attitude=attitude, persona=persona)


def evidence(stage: Stage, age_days: float, *, who: str | None = None, source: str = "signal",
             reason: str | None = None) -> StageEvidence:
    return StageEvidence(stage, days_ago(age_days), f"words for {stage.value}", source=source, individual_id=who,
                         reason=reason)


def signal(channel: Channel, polarity: Polarity, age_days: float, text: str = "heard", strength: float = 1.0
           ) -> Signal:
    return Signal(id=f"s-{channel}-{age_days}-{text}", account_id="a-acme", channel=channel, polarity=polarity,
                  occurred_at=days_ago(age_days), text=text, strength=strength)


def detractor_cfo() -> Individual:
    return person("Carla Finch", BuyingRole.ECONOMIC_BUYER, attitude=-2, persona="finance_leader")


def multi_threaded_dmu() -> list[Individual]:
    return [
        person("Carla Finch", BuyingRole.ECONOMIC_BUYER, attitude=1, persona="finance_leader"),
        person("Dev Patel", BuyingRole.CHAMPION, attitude=2, persona="it_leader"),
        person("Ola Berg", BuyingRole.USER, attitude=0, persona="operations_leader"),
    ]
