"""What a score says about us: a trend ("NPS 62, up from 41"), stars or x/5, x/10, an NPS, a percentage."""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.listening import Polarity
from domain.understanding.lexicon import Lexicon
from domain.understanding.patterns import PhraseSet

_NUM = r"(-?\d{1,3}(?:\.\d)?)"
_OUT_OF_TEN = re.compile(
    r"(?<![\d.])(\d{1,2}(?:\.\d)?)\s*(?:/|out of)\s*10\b|\b(?:nps|csat|score|rated us|gave us|scored us|rating)"
    r"(?:\W+[a-z]+){0,4}?\W+(\d{1,2}(?:\.\d)?)(?![\d%/]|\.\d)"
)
_OUT_OF_FIVE = re.compile(r"(?<![\d.])(\d(?:\.\d)?)\s*(?:/|out of)\s*5\b|(?<![\d.])(\d(?:\.\d)?)[\s-]*stars?\b")
_NPS = re.compile(r"\bnps\b(?:\W+[a-z]+){0,4}?[^\w-]+" + _NUM + r"(?![\d%/]|\.\d)")  # "NPS -12" is below zero
_PERCENT = re.compile(r"(\d{1,3}(?:\.\d)?)\s*%")
# "from 41 to 62", "28 (was 45)", "62 vs 41 last year": the later figure first or last
_FROM_TO = re.compile(r"\bfrom\s+" + _NUM + r"\s*%?\s+to\s+" + _NUM)
_WAS = re.compile(_NUM + r"\s*%?\s*[(,]?\s*(?:was|vs\.?|versus|compared to|compared with)\s+" + _NUM)


@dataclass(frozen=True)
class ScoreRules:
    up: PhraseSet[bool]
    down: PhraseSet[bool]
    limits: dict[str, float]


def _build(lex: Lexicon) -> ScoreRules:
    trend = lex.section("signals", "trend") or {}
    limits = {k: float(v) for k, v in (lex.section("signals", "scores") or {}).items()}
    return ScoreRules(PhraseSet([(True, trend.get("up", []))]), PhraseSet([(True, trend.get("down", []))]), limits)


def trend(text: str, lex: Lexicon) -> Polarity | None:
    """Which way a score went: compared figures first, then the words ("up from", "dropped")."""
    rules: ScoreRules = lex.compiled("scores.rules", _build)
    pair = _FROM_TO.search(text)
    later, earlier = (pair.group(2), pair.group(1)) if pair else (None, None)
    was = _WAS.search(text)
    if pair is None and was:
        later, earlier = was.group(1), was.group(2)
    if later is not None and earlier is not None and float(later) != float(earlier):
        return Polarity.POSITIVE if float(later) > float(earlier) else Polarity.NEGATIVE
    ups, downs = len(rules.up.find(text)), len(rules.down.find(text))
    if ups != downs:
        return Polarity.POSITIVE if ups > downs else Polarity.NEGATIVE
    return None


def rating(text: str, lex: Lexicon) -> Polarity | None:
    """Stars or a score out of five (a review, a CSAT)."""
    m = _OUT_OF_FIVE.search(text)
    if not m or float(m.group(1) or m.group(2)) > 5:
        return None
    limits = lex.compiled("scores.rules", _build).limits
    value = float(m.group(1) or m.group(2))
    return _band(value, limits.get("five_positive_min", 4), limits.get("five_neutral_min", 3))


def survey(text: str, lex: Lexicon) -> Polarity | None:
    """A survey's polarity: its trend, else its level (x/5, x/10, an NPS of the account, a percentage)."""
    limits = lex.compiled("scores.rules", _build).limits
    found = trend(text, lex) or rating(text, lex)
    if found:
        return found
    m = _OUT_OF_TEN.search(text)
    if m and float(m.group(1) or m.group(2)) <= 10:
        return _band(float(m.group(1) or m.group(2)), limits.get("promoter_min", 9), limits.get("passive_min", 7))
    nps = _NPS.search(text)  # an account's NPS runs from -100 to 100
    if nps and abs(float(nps.group(1))) <= 100:
        return _band(float(nps.group(1)), limits.get("nps_positive_min", 30), limits.get("nps_neutral_min", 0))
    p = _PERCENT.search(text)
    if p:
        value = float(p.group(1))
        return _band(value, limits.get("percent_positive_min", 80), limits.get("percent_neutral_min", 60))
    return None


def _band(value: float, positive_min: float, neutral_min: float) -> Polarity:
    if value >= positive_min:
        return Polarity.POSITIVE
    return Polarity.NEUTRAL if value >= neutral_min else Polarity.NEGATIVE
