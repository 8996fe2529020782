"""Suggestions: the top next actions for an account — whom, what message, which asset, which channel, why."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from domain.buying import Stage
from domain.customer import BuyingRole, Individual
from domain.listening import Polarity, Signal, TouchFamily
from domain.messagemap import ContentAsset, MessageMap
from domain.next_steps import NextStep

PRICE_WORDS = ("price", "pricing", "cost", "expensive", "budget", "discount", "roi")
FINANCE_PERSONA = "finance_leader"


@dataclass(frozen=True)
class Suggestion:
    whom: str
    message: str
    why: str
    channel: TouchFamily
    asset: ContentAsset | None = None
    person_id: str | None = None


def suggest(*, members: Sequence[Individual], stage: Stage | None, open_steps: Sequence[NextStep],
            signals: Sequence[Signal], message_map: MessageMap, today: date,
            sent_assets: frozenset[str] = frozenset(), limit: int = 3) -> list[Suggestion]:
    """Deterministic for the same data: rules in priority order, one suggestion per person."""
    stage = stage or Stage.PAIN_RECOGNITION
    found: list[Suggestion] = []
    for step in sorted((s for s in open_steps if s.is_overdue(today)), key=lambda s: (s.due, s.text)):
        found.append(Suggestion("you", f"Finish: {step.text}", f"overdue since {step.due}", TouchFamily.COMMUNICATIONS))
    ordered = sorted(members, key=lambda p: (-p.weight(), p.name))
    for person in (p for p in ordered if p.attitude < 0):
        found.append(_for(person, stage, message_map, sent_assets, "a detractor to turn", proof=True))
    if not any(BuyingRole.ECONOMIC_BUYER in p.roles for p in members):
        entry = message_map.entry(FINANCE_PERSONA, stage)
        if entry is not None:
            asset = next(iter(message_map.assets_for(entry, sent_assets)), None)
            found.append(Suggestion("the economic buyer (ask your champion for an intro)", entry.core_message,
                                    "no economic buyer known", entry.channel, asset))
    objection = next((s for s in signals if s.polarity == Polarity.NEGATIVE
                      and any(w in s.text.lower() for w in PRICE_WORDS)), None)
    if objection is not None:
        payer = next((p for p in ordered if p.persona == FINANCE_PERSONA), ordered[0] if ordered else None)
        if payer is not None:
            found.append(_for(payer, stage, message_map, sent_assets, "price objection logged", proof=True))
    for person in ordered:
        found.append(_for(person, stage, message_map, sent_assets, f"keep {person.name} moving at {stage.label}"))
    return _dedupe(found, limit)


def _for(person: Individual, stage: Stage, mm: MessageMap, sent: frozenset[str], why: str, *,
         proof: bool = False) -> Suggestion:
    entry = mm.entry(person.persona, stage)
    if entry is None:
        return Suggestion(person.name, "Check in and ask what they need next", why, TouchFamily.COMMUNICATIONS,
                          person_id=person.id)
    message = entry.proof_points[0] if proof and entry.proof_points else entry.core_message
    asset = next(iter(mm.assets_for(entry, sent)), None)
    return Suggestion(person.name, f"{message} — {entry.call_to_action}", why, entry.channel, asset, person.id)


def _dedupe(found: list[Suggestion], limit: int) -> list[Suggestion]:
    seen: set[str] = set()
    kept: list[Suggestion] = []
    for s in found:
        key = s.person_id or s.whom + s.message
        if key not in seen:
            seen.add(key)
            kept.append(s)
    return kept[:limit]
