"""What we committed to ("send ROI calc by Friday") and when it is due, as opposed to dates that are not ours."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from domain.understanding.dates import find_date
from domain.understanding.lexicon import Lexicon
from domain.understanding.patterns import by_first_letter
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
    need: re.Pattern[str]  # "need internal approval by Thu", "but need to check w/ Ingrid": no subject, so ours
    request: re.Pattern[str]  # the buyer asking for a thing: with a deadline it is our deliverable
    deadline: re.Pattern[str]  # the word that makes a date a deadline: "by", "before", "no later than"
    moved: re.Pattern[str]  # a meeting moved to a day: "move the review call to monday"
    passive: re.Pattern[str]  # "success criteria to be agreed by end of month"
    their_side: re.Pattern[str]  # "... Felix owns it on their side": a deadline that is theirs
    milestones: frozenset[str]  # the buyer's own events, never our deliverable ("wants a decision by Friday")
    deadline_fillers: frozenset[str]  # words a clause of a deadline alone may have besides its date ("all by")
    later: re.Pattern[str]  # "readout after the holidays": a meeting of ours, undated


def _alt(words: list[str]) -> str:
    """The words as one alternation, longest first (branched by first letter: see patterns.by_first_letter)."""
    return by_first_letter([re.escape(fold(w)) for w in sorted(words, key=len, reverse=True)])


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
        need=re.compile(rf"(?:^|\b(?:and|but|so|then|also)\s+)((?:{_alt(t.get('bare_needs', []))})\s+(?!to\s+be\b)\S)"),
        request=re.compile(rf"\b(?:{_alt(t.get('request_words', []))})\s+(?!to\b)\S"),
        deadline=re.compile(rf"\b(?:{_alt(t.get('deadline_words', []))})\s+\S"),
        moved=re.compile(rf"\b(?:{_alt(t.get('move_verbs', []))})\s+(?:\S+\s+){{0,5}}?(?:to|until|till|for)\s+\S"),
        passive=re.compile(r"\bto be (?:\w+ )?\w+(?:ed|en|t|ne)\b(?:\s+\S+){0,4}?\s+"
                           r"(?=(?:by|before|until|on|no later)\b)"),
        their_side=re.compile(rf"\b(?:{_alt(t.get('their_side', []))})\b"),
        milestones=frozenset(fold(w) for w in t.get("buyer_milestones", [])),
        deadline_fillers=frozenset(fold(w) for w in t.get("deadline_fillers", [])),
        later=re.compile(rf"^(?:\S+\s+){{0,2}}?(?:{_alt(t.get('later_events', []))})\s+(?:\S+\s+){{0,3}}?"
                         rf"(?:{_alt(t.get('vague_later', []))})$"),
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
    return 1 <= len(words) <= 4 and not any(_not_ours(w, rules) for w in words)


def _not_ours(word: str, rules: StepRules) -> bool:
    """A pronoun (also "they're"), a buyer's milestone or a name (masked as x's)."""
    return word in rules.not_ours or word.split("'")[0] in rules.not_ours or set(word) <= {"x"}


def _dated_at(text: str, lex: Lexicon) -> bool:
    return find_date(text, _ANY_DAY, lex) is not None


def _requested_by(clause: str, rules: StepRules, lex: Lexicon) -> int | None:
    """The buyer's ask with a deadline is our deliverable: "wants a TCO comparison by EOM", "wants it by the 15th";
    where the deadline starts, so that the ask still tells how it went. Their own plans ("wants to run a pilot in
    January") and a date that only says when ("exec briefing next month") are not."""
    ask = rules.request.search(clause)
    if ask is None:
        return None
    due = next((d for d in rules.deadline.finditer(clause, ask.end() - 1) if _dated_at(clause[d.start():], lex)), None)
    if due is None:
        return None
    return None if _names_a_milestone(clause[ask.end() - 1 : due.start()], rules) else due.start()


def _asked_before(clauses: list[str], i: int, rules: StepRules) -> bool:
    return any(rules.request.search(c) for c in clauses[:i])


def _bare_deadline(clause: str, rules: StepRules, lex: Lexicon) -> bool:
    """A clause that is nothing but a deadline ("all by 10th", "EOD"): the date of the ask before it."""
    when = find_date(clause, _ANY_DAY, lex)
    if when is None:
        return False
    words = re.findall(r"[\w'-]+", clause[: clause.find(when[1])])
    return all(w in rules.deadline_fillers for w in words)


def _moved(clause: str, rules: StepRules, lex: Lexicon) -> int | None:
    """A meeting moved to a day is one we hold then, whoever asked: "want to move the review call to monday"; a
    milestone of theirs moved ("pushed the decision to March") is not."""
    for m in rules.moved.finditer(clause):
        when = find_date(clause[m.start() :], _ANY_DAY, lex)  # from the verb: "moved to 12.1." needs it
        right_after = when is not None and clause.find(when[1], m.start()) == m.end() - 1  # not "pushing to get X"
        if right_after and not _names_a_milestone(clause[: m.end()], rules):  # "go-live pushed to Feb 1"
            return m.start()
    return None


def _commitment(clauses: list[str], i: int, rules: StepRules, lex: Lexicon) -> int | None:
    """Where in the folded clause i our commitment starts, or None."""
    clause = clauses[i]
    if rules.first_person.match(clause):
        return 0
    lead = rules.lead.match(clause)  # "next step is a contract redline by Dec 1"
    if lead:
        return lead.end()
    inside = rules.first_person_inside.search(clause)
    if inside:
        return inside.start(1)
    need = rules.need.search(clause)
    if need:
        return need.start(1)
    soft = rules.softeners.match(clause)
    rest = clause[soft.end() :] if soft else clause
    if rules.report.search(rest):
        return None
    if _verb_first(rest, rules) or _deadline(rest, rules, lex):
        return 0
    dated = rules.date_first.match(rest)  # "tmrw send list", "monday: call Hiro"
    if dated and _verb_first(rest[dated.end() :], rules):
        return 0
    if _asked_before(clauses, i, rules) and _bare_deadline(clause, rules, lex):
        return 0
    found = _requested_by(clause, rules, lex)
    found = found if found is not None else _moved(clause, rules, lex)
    found = found if found is not None else _passive(clauses, i, rules, lex)
    return 0 if found is None and rules.later.search(clause) else found


def _passive(clauses: list[str], i: int, rules: StepRules, lex: Lexicon) -> int | None:
    """A deadline with nobody named is ours: "success criteria to be agreed by end of month", unless the note
    gives it to them ("security review to be completed by the 15th, Felix owns it on their side")."""
    m = rules.passive.search(clauses[i])
    if m is None or not _dated_at(clauses[i][m.end() :], lex):
        return None
    if _names_a_milestone(clauses[i][: m.end()], rules):  # "the migration needs to be finished by June"
        return None
    return None if any(rules.their_side.search(c) for c in clauses[i : i + 2]) else m.start()


def _names_a_milestone(text: str, rules: StepRules) -> bool:
    return any(w in rules.milestones for w in re.findall(r"[\w'-]+", text))


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
            where = _commitment(clauses, i, rules, lex)
            if where is not None:
                out[i] = where
    return out


def read_next_step(
    clauses: list[str], raw: list[str], found: dict[int, int], today: date, lex: Lexicon, order: str | None = None
) -> NextStepReading | None:
    """The first dated commitment, else the first undated one; `order` reads numeric dates (see dates)."""
    first: NextStepReading | None = None
    for i, offset in sorted(found.items()):
        if offset < 0:
            continue
        when = find_date(clauses[i][offset:], today, lex, order)
        step = NextStepReading(raw[i].strip(), when[0] if when else None)
        if when:
            return step
        first = first or step
    return first
