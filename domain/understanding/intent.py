"""What the rep asks for: a query (dmu, stage, next, digest, goals, account, help) or a log of what happened."""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.understanding.lexicon import Lexicon
from domain.understanding.patterns import PhraseSet
from domain.understanding.reading import Intent
from domain.understanding.text import fold

_CLEAN = re.compile(r"[^\w\s'?&-]+")
_OPENING_WORDS = 3  # a phrase starting within these words opens the message


@dataclass(frozen=True)
class IntentRules:
    order: list[tuple[Intent, frozenset[str], frozenset[str], PhraseSet[Intent]]]
    openings: list[tuple[Intent, PhraseSet[Intent]]]  # count only when the message opens with them
    openers: frozenset[str]
    short_words: int
    any_phrase: PhraseSet[Intent]  # every phrase of `order` and of `openings`: most messages have none of them


def _build(lex: Lexicon) -> IntentRules:
    order, openings, every = [], [], []
    for entry in lex.section("intents", "intent") or []:
        intent = Intent(entry["name"])
        whole = frozenset(fold(w).strip() for w in entry.get("whole", []))
        commands = frozenset(fold(w).strip() for w in entry.get("commands", []))
        order.append((intent, whole, commands, PhraseSet([(intent, entry.get("phrases", []))])))
        openings.append((intent, PhraseSet([(intent, entry.get("openings", []))])))
        every += [(intent, entry.get("phrases", [])), (intent, entry.get("openings", []))]
    question = lex.section("intents", "question") or {}
    return IntentRules(
        order, openings, frozenset(fold(w) for w in question.get("openers", [])), int(question.get("short_words", 6)),
        PhraseSet(every),
    )


def read_intent(text: str, lex: Lexicon) -> Intent:
    rules: IntentRules = lex.compiled("intent.rules", _build)
    folded = " ".join(_CLEAN.sub(" ", fold(text)).split())
    bare = folded.rstrip("?!. ").strip()
    words = bare.split()
    if not words:
        return Intent.HELP if folded.startswith("?") else Intent.LOG
    first = words[0].lstrip("/")
    if first == "log" or text.lstrip().lower().startswith(("next:", "next step:", "next steps:")):
        return Intent.LOG
    asks = folded.endswith("?") or first in rules.openers or text.lstrip().startswith("/")
    short = len(words) <= rules.short_words
    opening = len(" ".join(words[:_OPENING_WORDS])) + 1
    for intent, whole, commands, _ in rules.order:
        if bare in whole or (first in commands and (len(words) == 1 or text.lstrip().startswith("/") or short)):
            return intent
    if not rules.any_phrase.any(bare):
        return Intent.LOG
    for intent, _, _, phrases in rules.order:
        for m in phrases.find(bare):
            if asks or short or m.start < opening:
                return intent
    for intent, starts in rules.openings:  # "has Tyrell moved past validation yet?": a question opening the message
        if any(m.start == 0 for m in starts.find(bare)):
            return intent
    return Intent.LOG
