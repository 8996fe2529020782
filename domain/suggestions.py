"""Suggestions: the top next actions for an account — whom, what message, which asset, which channel, why."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from domain.buying import Stage
from domain.customer import BuyingRole, Individual
from domain.listening import Channel, Interaction, Polarity, Signal, TouchFamily
from domain.messagemap import ContentAsset, MessageMap
from domain.next_steps import NextStep

SEND_VERBS = ("sent", "send ", "shared", "forwarded", "emailed", "gave", "walked")
STALLED_DAYS = 30
ACTIVE = frozenset({Stage.SOLUTION_UNDERSTANDING, Stage.VENDOR_SELECTION, Stage.VALIDATION})
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
            sent: Mapping[str, frozenset[str]] | None = None, stage_since: date | None = None,
            limit: int = 3) -> list[Suggestion]:
    """Deterministic for the same data: rules in priority order, one suggestion per person."""
    return _dedupe(_candidates(members, stage, open_steps, signals, message_map, today, sent or {}, stage_since),
                   limit)


def _candidates(members: Sequence[Individual], stage: Stage | None, open_steps: Sequence[NextStep],
                signals: Sequence[Signal], mm: MessageMap, today: date, ctx: Mapping[str, frozenset[str]],
                stage_since: date | None) -> Iterator[Suggestion]:
    """Every rule's suggestions in priority order, made lazily: `suggest` stops once it has `limit` of them
    (the digest asks for one, for a thousand reps a run)."""
    current = stage or Stage.PAIN_RECOGNITION
    ordered = sorted(members, key=lambda p: (-p.weight(), p.name))
    for step in sorted((s for s in open_steps if s.is_overdue(today)), key=lambda s: (s.due, s.text)):
        yield Suggestion("you", f"Finish: {step.text}", f"overdue since {step.due}", TouchFamily.COMMUNICATIONS)
    renewal = next((s for s in signals if s.channel == Channel.LOYALTY and s.polarity == Polarity.NEGATIVE), None)
    if renewal is not None and ordered:
        yield _for(ordered[0], Stage.CUSTOMER, mm, ctx, f"renewal at risk: \u201c{renewal.text[:60]}\u201d",
                   proof=True)
    for person in (p for p in ordered if p.attitude < 0):
        yield _for(person, current, mm, ctx, "a detractor to turn", proof=True)
    if not any(BuyingRole.ECONOMIC_BUYER in p.roles for p in members):
        entry = mm.entry(FINANCE_PERSONA, current)
        if entry is not None:
            asset = next(iter(mm.assets_for(entry)), None)
            yield Suggestion("the economic buyer (ask your champion for an intro)", entry.core_message,
                             "no economic buyer known", entry.channel, asset)
    objection = next((s for s in signals if s.polarity == Polarity.NEGATIVE
                      and any(w in s.text.lower() for w in PRICE_WORDS)), None)
    if objection is not None:
        payer = next((p for p in ordered if p.persona == FINANCE_PERSONA), ordered[0] if ordered else None)
        if payer is not None:
            yield _for(payer, current, mm, ctx, "price objection logged", proof=True)
    if stage in ACTIVE and stage_since is not None and (today - stage_since).days > STALLED_DAYS and ordered:
        weeks = (today - stage_since).days // 7
        yield _for(ordered[0], current, mm, ctx, f"stalled at {current.label} for {weeks} weeks")
    for person in ordered:
        yield _for(person, current, mm, ctx, f"keep {person.name} moving at {current.label}")


def sent_assets(interactions: Sequence[Interaction], message_map: MessageMap) -> dict[str, frozenset[str]]:
    """Assets each person was already sent, read from logs that say so ("sent Jane the ROI calculator")."""
    found: dict[str, set[str]] = {}
    for i in interactions:
        text = i.text.lower()
        if not any(v in text for v in SEND_VERBS):
            continue
        for asset in message_map.assets:
            if asset.title.lower() in text or asset.kind.replace("_", " ") in text:
                for person_id in i.individual_ids:
                    found.setdefault(person_id, set()).add(asset.id)
    return {k: frozenset(v) for k, v in found.items()}


def _for(person: Individual, stage: Stage, mm: MessageMap, sent: Mapping[str, frozenset[str]], why: str, *,
         proof: bool = False) -> Suggestion:
    entry = mm.entry(person.persona, stage)
    if entry is None:
        return Suggestion(person.name, "Check in and ask what they need next", why, TouchFamily.COMMUNICATIONS,
                          person_id=person.id)
    message = entry.proof_points[0] if proof and entry.proof_points else entry.core_message
    asset = next(iter(mm.assets_for(entry, sent.get(person.id, frozenset()))), None)
    return Suggestion(person.name, f"{message} — {entry.call_to_action}", why, entry.channel, asset, person.id)


def _dedupe(found: Iterable[Suggestion], limit: int) -> list[Suggestion]:
    seen: set[str] = set()
    kept: list[Suggestion] = []
    for s in found:
        if 0 <= limit <= len(kept):  # enough: the rest need not be made
            break
        key = s.person_id or s.whom + s.message
        if key not in seen:
            seen.add(key)
            kept.append(s)
    return kept[:limit]
