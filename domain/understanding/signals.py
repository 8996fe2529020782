"""What we heard back, per listening channel with polarity, and the outbound touches the message mentions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from domain.listening import TOUCH_KINDS, Channel, Polarity
from domain.understanding.context import conditioned, context_rules, historical, negated, wished
from domain.understanding.lexicon import Lexicon
from domain.understanding.patterns import PhraseMatch, PhraseSet
from domain.understanding.reading import SignalReading, TouchReading
from domain.understanding.scores import rating, survey


@dataclass(frozen=True)
class SignalRules:
    channels: PhraseSet[tuple[Channel, str]]
    customer_channels: PhraseSet[tuple[Channel, str]]  # read only at an account that already buys from us
    customer_news: PhraseSet[tuple[Channel, str]]  # the same, and news besides any conversation it was heard in
    sentiment: PhraseSet[float]
    touches: PhraseSet[str]
    contact: PhraseSet[bool]  # the rep heard it from them: a conversation besides what it revealed
    direct: PhraseSet[bool]  # a message sent through a social network, not a post on it
    news: PhraseSet[bool]  # a leadership change relayed as news: no conversation by itself
    hedges: PhraseSet[bool]  # "maybe", "hard to say": mild good words said with a hedge are no good news
    hedge_up_to: float
    overall: PhraseSet[bool]  # "overall positive", "I think": the rep's own read of a mixed conversation


def _channel_rows(rows: list[dict[str, Any]]) -> list[tuple[tuple[Channel, str], list[str]]]:
    return [((Channel(e["channel"]), str(e.get("polarity", "inherit"))), list(e.get("phrases", []))) for e in rows]


def _build(lex: Lexicon) -> SignalRules:
    channels = _channel_rows(lex.section("signals", "channel") or [])
    customer = _channel_rows(lex.section("signals", "customer_channel") or [])
    customer_news = _channel_rows(lex.section("signals", "customer_news") or [])
    sentiment = [(float(e.get("weight", 1)), e.get("phrases", [])) for e in lex.section("signals", "sentiment") or []]
    touches = [(k, v) for k, v in (lex.section("touches", "touch") or {}).items() if k in TOUCH_KINDS]
    heard = lex.section("signals", "heard_from") or {}
    hedge = lex.section("signals", "hedge") or {}
    overall = lex.section("signals", "overall") or {}
    return SignalRules(PhraseSet(channels), PhraseSet(customer), PhraseSet(customer_news), PhraseSet(sentiment),
                       PhraseSet(touches),
                       PhraseSet([(True, heard.get("contact", []))]), PhraseSet([(True, heard.get("direct", []))]),
                       PhraseSet([(True, heard.get("news", []))]),
                       PhraseSet([(True, hedge.get("phrases", []))]), float(hedge.get("up_to", 0)),
                       PhraseSet([(True, overall.get("phrases", []))]))


def _polarity(value: float) -> Polarity:
    return Polarity.POSITIVE if value > 0 else Polarity.NEGATIVE if value < 0 else Polarity.NEUTRAL


def sentiment(clauses: list[str], lex: Lexicon) -> float:
    """How it went for us: weighted phrases, a negated positive counting against; the rep's own overall read
    decides a mixed note, and a hedge leaves mild good words no good news."""
    rules = lex.compiled("signals.rules", _build)
    read = [_weigh(c[m[0].start :], lex) for c in clauses if (m := rules.overall.find(c))]  # from the read on
    if any(read):
        return sum(read)
    total = sum(_weigh(c, lex) for c in clauses)
    if 0 < total < rules.hedge_up_to and any(rules.hedges.find(c) for c in clauses):
        return 0.0
    return total


def _weigh(clause: str, lex: Lexicon) -> float:
    rules, ctx = lex.compiled("signals.rules", _build), context_rules(lex)
    total = 0.0
    for m in rules.sentiment.find(clause):
        if negated(clause, m.start, ctx):
            total += -m.tag if m.tag > 0 else 0.0
        else:
            total += m.tag
    return total


def read_signals(
    clauses: list[str], lex: Lexicon, *, interaction: bool, customer: bool = False
) -> list[SignalReading]:
    """Channel signals in the clauses; an interaction with no other signal is one engagement signal, and one
    the rep reports hearing ("Ana says", "emailed back") is an engagement signal besides the others."""
    rules, ctx = lex.compiled("signals.rules", _build), context_rules(lex)
    mood = _polarity(sentiment(clauses, lex))
    votes: dict[Channel, list[tuple[float | None, str]]] = {}  # None: the phrase takes the message's mood
    news = [rules.news.find(c) for c in clauses]  # "heads up: they have a new CIO": relayed, not heard
    said = any(_heard(c, n, rules) for c, n in zip(clauses, news, strict=True))
    for clause in clauses:
        matches = rules.channels.find(clause)
        if customer:  # a wish to add more voiced on a call is how the call went, not news of its own
            matches += [m for m in rules.customer_channels.find(clause) if not (said and m.tag[1] == "positive")]
            matches += rules.customer_news.find(clause)
        direct: bool | None = None  # read at the first post found: most clauses have none
        for m in matches:
            channel, fixed = m.tag
            if channel == Channel.CHATTER:
                direct = bool(rules.direct.find(clause)) if direct is None else direct
                if direct:
                    continue  # "pinged her on LinkedIn": a message to us, not a post
            if historical(clause, m.start, m.end, ctx):
                continue
            if channel == Channel.PURCHASE and fixed == "positive" and wished(clause, m.start, m.end, ctx):
                # "wants to add 50 seats" is no purchase yet; "wants to downgrade" is bad news already
                continue
            sign = {"positive": 1.0, "negative": -1.0, "neutral": 0.0}.get(fixed)
            if sign is not None and negated(clause, m.start, ctx):
                sign = -sign
            elif channel == Channel.LOYALTY and sign == 1.0 and conditioned(clause, m.start, m.end, ctx):
                sign = -1.0  # a renewal on a condition is a risk
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
    # "said on LinkedIn", "a review says", "said 9 in the NPS survey": the post or the survey said it
    said = said and not votes.keys() & {Channel.CHATTER, Channel.SAMPLING}
    relayed = not said and any(news)
    talked = _says_anything(clauses) and not relayed
    if interaction and talked and (not out or said) and Channel.ENGAGEMENT not in votes:
        out.append(SignalReading(Channel.ENGAGEMENT, _how_it_went(mood, out), ""))
    return out


def _heard(clause: str, news: list[PhraseMatch[bool]], rules: SignalRules) -> bool:
    """A conversation reported in the clause: "joined" in "a new COO joined" is the news, not a call joined."""
    return any(all(m.end <= n.start or m.start >= n.end for n in news) for m in rules.contact.find(clause))


def _how_it_went(mood: Polarity, news: list[SignalReading]) -> Polarity:
    """A conversation that brought news and no words of mood went as the news did ("Ana says they'll renew")."""
    heard = {s.polarity for s in news}
    return heard.pop() if mood == Polarity.NEUTRAL and len(heard) == 1 else mood


def _says_anything(clauses: list[str]) -> bool:
    """Something heard besides names (masked as x's): a note that is only our to-do reports no conversation."""
    return any(re.search(r"[^\Wx_]", c) for c in clauses)


def read_touches(text: str, lex: Lexicon) -> list[TouchReading]:
    rules = lex.compiled("signals.rules", _build)
    seen: dict[str, TouchReading] = {}
    for m in rules.touches.find(text):
        seen.setdefault(m.tag, TouchReading(m.tag, m.text))
    return list(seen.values())
