"""Reach of negation, wishes and past history over a phrase found in a clause."""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.understanding.lexicon import Lexicon
from domain.understanding.patterns import PhraseSet

_WORDS = re.compile(r"[\w']+|[,;:.!?()\-]")


@dataclass(frozen=True)
class ContextRules:
    negation: frozenset[str]
    negation_reach: int
    scope_stops: frozenset[str]
    irrealis: frozenset[str]
    irrealis_reach: int
    still_awaited: frozenset[str]  # words just after a purchase that make it not done yet ("PO is pending")
    awaited_before: frozenset[str]  # ... and just before it ("waiting on their PO")
    awaited_next: tuple[str, ...]  # ... and as the very next words ("the PO will come through in January")
    history_after: PhraseSet[bool]
    history_before: PhraseSet[bool]
    history_reach: int
    condition_before: frozenset[str]
    condition_after: PhraseSet[bool]
    condition_reach: int


def _build(lex: Lexicon) -> ContextRules:
    neg = lex.section("signals", "negation") or {}
    irr = lex.section("signals", "irrealis") or {}
    hist = lex.section("signals", "history") or {}
    cond = lex.section("signals", "condition") or {}
    return ContextRules(
        negation=frozenset(neg.get("words", [])),
        negation_reach=int(neg.get("reach", 3)),
        scope_stops=frozenset(neg.get("stop_words", [])),
        irrealis=frozenset(irr.get("words", [])),
        irrealis_reach=int(irr.get("reach", 4)),
        still_awaited=frozenset(irr.get("after", [])),
        awaited_before=frozenset(irr.get("before", [])),
        awaited_next=tuple(irr.get("next_after", [])),
        history_after=PhraseSet([(True, hist.get("after", []))]),
        history_before=PhraseSet([(True, hist.get("before", []))]),
        history_reach=int(hist.get("reach", 3)),
        condition_before=frozenset(cond.get("before", [])),
        condition_after=PhraseSet([(True, cond.get("after", []))]),
        condition_reach=int(cond.get("reach", 3)),
    )


def context_rules(lex: Lexicon) -> ContextRules:
    return lex.compiled("context.rules", _build)


def _before(text: str, start: int, reach: int, stops: frozenset[str]) -> list[str]:
    """The words before `start`, nearest last, cut at punctuation and at contrast words."""
    out: list[str] = []
    for word in reversed(_WORDS.findall(text[max(0, start - 120) : start])):
        if not word[0].isalnum() or word in stops or len(out) >= reach:
            break
        out.append(word)
    return out


def negated(text: str, start: int, rules: ContextRules) -> bool:
    return any(w in rules.negation for w in _before(text, start, rules.negation_reach, rules.scope_stops))


def wished(text: str, start: int, end: int, rules: ContextRules) -> bool:
    """ "wants to add 50 seats" is a wish and "the PO is pending" a hope, not a purchase."""
    if any(w in rules.irrealis for w in _before(text, start, rules.irrealis_reach, rules.scope_stops)):
        return True
    return awaited(text, start, end, rules)


def awaited(text: str, start: int, end: int, rules: ContextRules) -> bool:
    """ "the PO is pending", "PO expected next week", "waiting on their PO": announced, not done."""
    if any(w in rules.awaited_before for w in _before(text, start, rules.irrealis_reach, rules.scope_stops)):
        return True
    after = _WORDS.findall(text[end : end + 60])
    if any(" ".join(after[: len(w.split())]) == w for w in rules.awaited_next):
        return True
    return any(w in rules.still_awaited for w in after[:3])


def historical(text: str, start: int, end: int, rules: ContextRules) -> bool:
    """ "churned last quarter" is background, not news."""
    after = " ".join(text[end : end + 60].split()[: rules.history_reach])
    if any(m.start == 0 for m in rules.history_after.find(after)):
        return True
    before = " ".join(_before(text, start, rules.history_reach, frozenset())[::-1])
    return any(m.end == len(before) for m in rules.history_before.find(before))


def conditioned(text: str, start: int, end: int, rules: ContextRules) -> bool:
    """ "they'll only renew if we match the price", "will renew provided X ships": said with a condition."""
    if any(w in rules.condition_before for w in _before(text, start, 1, rules.scope_stops)):
        return True
    words = text[end : end + 80].split()
    reach = len(" ".join(words[: rules.condition_reach]))  # a condition starting within reach, maybe ending after
    return any(m.start <= reach for m in rules.condition_after.find(" ".join(words[: rules.condition_reach + 2])))
