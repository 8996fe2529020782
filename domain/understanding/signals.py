"""What we heard back, per listening channel with polarity, and the outbound touches the message mentions."""

from __future__ import annotations

from dataclasses import dataclass

from domain.listening import TOUCH_KINDS, Channel, Polarity
from domain.understanding.context import context_rules, historical, negated, wished
from domain.understanding.lexicon import Lexicon
from domain.understanding.patterns import PhraseSet
from domain.understanding.reading import SignalReading, TouchReading
from domain.understanding.scores import rating, survey


@dataclass(frozen=True)
class SignalRules:
    channels: PhraseSet[tuple[Channel, str]]
    sentiment: PhraseSet[float]
    touches: PhraseSet[str]


def _build(lex: Lexicon) -> SignalRules:
    channels = [
        ((Channel(e["channel"]), str(e.get("polarity", "inherit"))), e.get("phrases", []))
        for e in lex.section("signals", "channel") or []
    ]
    sentiment = [(float(e.get("weight", 1)), e.get("phrases", [])) for e in lex.section("signals", "sentiment") or []]
    touches = [(k, v) for k, v in (lex.section("touches", "touch") or {}).items() if k in TOUCH_KINDS]
    return SignalRules(PhraseSet(channels), PhraseSet(sentiment), PhraseSet(touches))


def _polarity(value: float) -> Polarity:
    return Polarity.POSITIVE if value > 0 else Polarity.NEGATIVE if value < 0 else Polarity.NEUTRAL


def sentiment(clauses: list[str], lex: Lexicon) -> float:
    """How it went for us: weighted phrases, a negated positive counting against."""
    rules, ctx = lex.compiled("signals.rules", _build), context_rules(lex)
    total = 0.0
    for clause in clauses:
        for m in rules.sentiment.find(clause):
            if negated(clause, m.start, ctx):
                total += -m.tag if m.tag > 0 else 0.0
            else:
                total += m.tag
    return total


def read_signals(clauses: list[str], lex: Lexicon, *, interaction: bool) -> list[SignalReading]:
    """Channel signals in the clauses; an interaction with no other signal is one engagement signal."""
    rules, ctx = lex.compiled("signals.rules", _build), context_rules(lex)
    mood = _polarity(sentiment(clauses, lex))
    votes: dict[Channel, list[tuple[float | None, str]]] = {}  # None: the phrase takes the message's mood
    for clause in clauses:
        for m in rules.channels.find(clause):
            channel, fixed = m.tag
            if historical(clause, m.start, m.end, ctx):
                continue
            if channel == Channel.PURCHASE and fixed == "positive" and wished(clause, m.start, m.end, ctx):
                # "wants to add 50 seats" is no purchase yet; "wants to downgrade" is bad news already
                continue
            sign = {"positive": 1.0, "negative": -1.0, "neutral": 0.0}.get(fixed)
            if sign is not None and negated(clause, m.start, ctx):
                sign = -sign
            votes.setdefault(channel, []).append((sign, m.text))
    out = []
    whole = " ".join(clauses)
    for channel, found in votes.items():
        signs = [v for v, _ in found if v is not None]
        if signs:
            polarity = _polarity(sum(signs))
        elif channel == Channel.SAMPLING:
            polarity = survey(whole, lex) or mood
        elif channel == Channel.CHATTER:  # "a 2-star review on G2"
            polarity = rating(whole, lex) or mood
        else:
            polarity = mood
        out.append(SignalReading(channel, polarity, found[0][1]))
    if not out and interaction:
        out.append(SignalReading(Channel.ENGAGEMENT, mood, ""))
    return out


def read_touches(text: str, lex: Lexicon) -> list[TouchReading]:
    rules = lex.compiled("signals.rules", _build)
    seen: dict[str, TouchReading] = {}
    for m in rules.touches.find(text):
        seen.setdefault(m.tag, TouchReading(m.tag, m.text))
    return list(seen.values())
