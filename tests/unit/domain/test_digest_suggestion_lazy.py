"""The digest asks `suggest` for one suggestion a rep; the rules now run lazily and stop at the first. This compares
the lazy path with a copy of the eager one (every rule, then deduplicated) over many random accounts."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import date, timedelta

from bot.messagemap_file import default_message_map
from domain.buying import Stage
from domain.customer import BuyingRole, Individual
from domain.listening import Channel, Polarity, Signal, TouchFamily
from domain.messagemap import MessageMap
from domain.next_steps import NextStep
from domain.suggestions import (
    ACTIVE,
    FINANCE_PERSONA,
    PRICE_WORDS,
    STALLED_DAYS,
    Suggestion,
    _for,
    suggest,
)
from tests.unit.domain.builders import days_ago

TODAY = date(2026, 11, 18)
TEXTS = ["worried about the price", "Budget is tight", "loved the demo", "renewal looks shaky", "ROI unclear", "ok"]


def eager(*, members: Sequence[Individual], stage: Stage | None, open_steps: Sequence[NextStep],
          signals: Sequence[Signal], message_map: MessageMap, today: date,
          sent: Mapping[str, frozenset[str]] | None = None, stage_since: date | None = None,
          limit: int = 3) -> list[Suggestion]:
    """`suggest` as it was: every rule's suggestions made, then deduplicated and cut."""
    ctx: Mapping[str, frozenset[str]] = sent or {}
    current = stage or Stage.PAIN_RECOGNITION
    ordered = sorted(members, key=lambda p: (-p.weight(), p.name))
    mm = message_map
    found: list[Suggestion] = []
    for step in sorted((s for s in open_steps if s.is_overdue(today)), key=lambda s: (s.due, s.text)):
        found.append(Suggestion("you", f"Finish: {step.text}", f"overdue since {step.due}", TouchFamily.COMMUNICATIONS))
    renewal = next((s for s in signals if s.channel == Channel.LOYALTY and s.polarity == Polarity.NEGATIVE), None)
    if renewal is not None and ordered:
        found.append(_for(ordered[0], Stage.CUSTOMER, mm, ctx, f"renewal at risk: \u201c{renewal.text[:60]}\u201d",
                          proof=True))
    for person in (p for p in ordered if p.attitude < 0):
        found.append(_for(person, current, mm, ctx, "a detractor to turn", proof=True))
    if not any(BuyingRole.ECONOMIC_BUYER in p.roles for p in members):
        entry = mm.entry(FINANCE_PERSONA, current)
        if entry is not None:
            asset = next(iter(mm.assets_for(entry)), None)
            found.append(Suggestion("the economic buyer (ask your champion for an intro)", entry.core_message,
                                    "no economic buyer known", entry.channel, asset))
    objection = next((s for s in signals if s.polarity == Polarity.NEGATIVE
                      and any(w in s.text.lower() for w in PRICE_WORDS)), None)
    if objection is not None:
        payer = next((p for p in ordered if p.persona == FINANCE_PERSONA), ordered[0] if ordered else None)
        if payer is not None:
            found.append(_for(payer, current, mm, ctx, "price objection logged", proof=True))
    if stage in ACTIVE and stage_since is not None and (today - stage_since).days > STALLED_DAYS and ordered:
        weeks = (today - stage_since).days // 7
        found.append(_for(ordered[0], current, mm, ctx, f"stalled at {current.label} for {weeks} weeks"))
    for person in ordered:
        found.append(_for(person, current, mm, ctx, f"keep {person.name} moving at {current.label}"))
    seen: set[str] = set()
    kept: list[Suggestion] = []
    for s in found:
        key = s.person_id or s.whom + s.message
        if key not in seen:
            seen.add(key)
            kept.append(s)
    return kept[:limit]


def world(rng: random.Random, mm: MessageMap) -> dict[str, object]:
    personas = [None, FINANCE_PERSONA, "it_leader", "line_of_business"]
    members = [Individual(f"p{k}", "a1", f"{rng.choice(['Ann', 'Bob', 'Cy'])} {rng.choice('XYZ')}",
                          persona=rng.choice(personas), attitude=rng.choice([-2, -1, 0, 1, 2]),
                          roles=tuple(rng.sample(list(BuyingRole), rng.choice([0, 1, 2]))))
               for k in range(rng.choice([0, 1, 2, 3, 6]))]
    steps = [NextStep(f"n{k}", "a1", "U1", rng.choice(["call", "send deck", "book demo"]),
                      rng.choice([None, TODAY, TODAY - timedelta(days=rng.randint(1, 20)), TODAY + timedelta(days=3)]),
                      done=rng.random() < 0.2) for k in range(rng.choice([0, 0, 1, 3]))]
    signals = [Signal(f"s{k}", "a1", rng.choice(list(Channel)), rng.choice(list(Polarity)), days_ago(k),
                      rng.choice(TEXTS)) for k in range(rng.choice([0, 1, 4]))]
    assets = [a.id for a in mm.assets]
    sent = {p.id: frozenset(rng.sample(assets, min(len(assets), rng.choice([0, 1, 2])))) for p in members
            if rng.random() < 0.3}
    return dict(members=members, stage=rng.choice([None, *Stage]), open_steps=steps, signals=signals,
                message_map=mm, today=TODAY, sent=sent or None,
                stage_since=rng.choice([None, TODAY - timedelta(days=rng.choice([5, 31, 60]))]))


def test_the_lazy_rules_give_the_suggestions_the_eager_ones_gave() -> None:
    mm = default_message_map()
    rng = random.Random(7)
    whys = set()
    for _ in range(3000):
        kw = world(rng, mm)
        for limit in (1, 2, 3, 0, -1):
            found = suggest(**kw, limit=limit)  # type: ignore[arg-type]
            assert found == eager(**kw, limit=limit)  # type: ignore[arg-type]
            whys.update(s.why.split(" ")[0] for s in found[:1])
    assert {"overdue", "renewal", "a", "no", "price", "stalled", "keep"} <= whys  # every rule came first somewhere
