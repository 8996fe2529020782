"""What we committed to ("send ROI calc by Friday") and when it is due, as opposed to dates that are not ours."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from domain.understanding.dates import find_date
from domain.understanding.lexicon import Lexicon
from domain.understanding.reading import NextStepReading
from domain.understanding.text import fold


@dataclass(frozen=True)
class StepRules:
    verbs: re.Pattern[str]
    noun_verbs: re.Pattern[str]
    first_person: re.Pattern[str]
    first_person_inside: re.Pattern[str]
    softeners: re.Pattern[str]
    markers: frozenset[str]
    lead: re.Pattern[str]
    report: re.Pattern[str]
    not_ours: frozenset[str]  # words before a date that make it somebody else's ("decision end of Feb")
    date_first: re.Pattern[str]  # a day opening the clause before our verb


def _alt(words: list[str]) -> str:
    return "|".join(re.escape(fold(w)) for w in sorted(words, key=len, reverse=True))


def _build(lex: Lexicon) -> StepRules:
    t = lex.section("next_steps")
    followers = _alt(t.get("noun_followers", []))
    first = _alt(t.get("first_person", []))
    return StepRules(
        verbs=re.compile(rf"(?:{_alt(t.get('verbs', []))})\s+\S"),
        noun_verbs=re.compile(rf"(?:{_alt(t.get('noun_verbs', []))})\s+(?!(?:{followers})\b)\S"),
        first_person=re.compile(rf"(?:{first})\s+\S"),
        first_person_inside=re.compile(rf"\b(?:and|but|so|then)\s+((?:{first})\s+\S)"),
        softeners=re.compile(rf"(?:(?:{_alt(t.get('softeners', []))})\s+)+"),
        markers=frozenset(fold(m) for m in t.get("markers", [])),
        lead=re.compile(rf"(?:{_alt(t.get('lead_markers', []))})\b\s*(?:[:=-]\s*|(?:is|are|will be|would be)\s+"
                        rf"(?:to\s+)?)?(?=\w)"),
        report=re.compile(rf"\b(?:{_alt(t.get('report_words', []))})\b"),
        not_ours=frozenset(fold(w) for w in t.get("deadline_not_ours", [])),
        date_first=re.compile(rf"(?:{_alt(t.get('day_openers', []))})\b[\s,:-]*"),
    )


_DEADLINE_GLUE = frozenset({"by", "on", "due", "before", "until", "for", "back", "in", "at"})
_ANY_DAY = date(2000, 1, 3)  # where a date phrase is, not when: any day will do
_WHEN_NOT_DUE = ("this", "today", "tonight", "yesterday", "later")


def _deadline(rest: str, rules: StepRules, lex: Lexicon) -> bool:
    """A thing and a date, and nothing else: "comparison grid by Friday", "QBR prep by end of next week", "deck +
    2-pager next Tue". Nobody's name (names are masked as x's) and no pronoun: "Tyrell decides by Dec 15" and "they
    go live in March" are not ours."""
    when = find_date(rest, _ANY_DAY, lex)
    if when is None or "?" in rest:
        return False
    words = re.findall(r"[\w'+&/-]+", rest[: rest.find(when[1])])
    if words == ["due"]:  # "due jan 15": the date of what was just said
        return True
    due = bool(words) and words[-1] in {"by", "due", "before", "until"}
    if not due and when[1].startswith(_WHEN_NOT_DUE):  # "third voicemail this week" says when, not by when
        return False
    while words and words[-1] in _DEADLINE_GLUE:
        words.pop()
    return 1 <= len(words) <= 4 and not any(w in rules.not_ours or set(w) <= {"x"} for w in words)


def _commitment(clause: str, rules: StepRules, lex: Lexicon) -> int | None:
    """Where in the folded clause our commitment starts, or None."""
    if rules.first_person.match(clause):
        return 0
    lead = rules.lead.match(clause)  # "next step is a contract redline by Dec 1"
    if lead:
        return lead.end()
    inside = rules.first_person_inside.search(clause)
    if inside:
        return inside.start(1)
    soft = rules.softeners.match(clause)
    rest = clause[soft.end() :] if soft else clause
    if rules.report.search(rest):
        return None
    if _verb_first(rest, rules) or _deadline(rest, rules, lex):
        return 0
    dated = rules.date_first.match(rest)  # "tmrw send list", "monday: call Hiro"
    if dated and _verb_first(rest[dated.end() :], rules):
        return 0
    return None


def _verb_first(text: str, rules: StepRules) -> bool:
    return bool(rules.verbs.match(text) or rules.noun_verbs.match(text))


def commitment_clauses(clauses: list[str], lex: Lexicon) -> dict[int, int]:
    """Clause index -> offset where our commitment starts; label clauses ("Next:") map to -1."""
    rules: StepRules = lex.compiled("next_steps.rules", _build)
    out: dict[int, int] = {}
    for i, clause in enumerate(clauses):
        if clause.strip(" *-") in rules.markers:
            out[i] = -1
            if i + 1 < len(clauses):
                out[i + 1] = 0
            continue
        if i not in out:
            where = _commitment(clause, rules, lex)
            if where is not None:
                out[i] = where
    return out


def read_next_step(
    clauses: list[str], raw: list[str], found: dict[int, int], today: date, lex: Lexicon
) -> NextStepReading | None:
    """The first dated commitment, else the first undated one."""
    first: NextStepReading | None = None
    for i, offset in sorted(found.items()):
        if offset < 0:
            continue
        when = find_date(clauses[i][offset:], today, lex)
        step = NextStepReading(raw[i].strip(), when[0] if when else None)
        if when:
            return step
        first = first or step
    return first
