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
    )


def _commitment(clause: str, rules: StepRules) -> int | None:
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
    if rules.verbs.match(rest) or rules.noun_verbs.match(rest):
        return 0
    return None


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
            where = _commitment(clause, rules)
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
