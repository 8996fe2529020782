"""Evidence of the buying stage in a message; the latest stage shown wins, a lost deal shows none."""

from __future__ import annotations

from dataclasses import dataclass

from domain.buying import Stage
from domain.understanding.context import awaited, context_rules, historical, negated
from domain.understanding.lexicon import Lexicon
from domain.understanding.patterns import PhraseMatch, PhraseSet
from domain.understanding.reading import StageReading


@dataclass(frozen=True)
class StageRules:
    evidence: PhraseSet[Stage]  # negation cancels it
    presupposed: PhraseSet[Stage]  # holds even negated ("won't renew" is still a customer)
    lost: PhraseSet[bool]
    ours: PhraseSet[bool]  # trouble with our product: the pain phrases inside are no evidence
    content: PhraseSet[bool]  # a whitepaper, a webinar: the topic words of its title are no evidence
    customer_only: PhraseSet[Stage]  # a customer's expansion ("pricing for 6 more schools"), read only at one


def _build(lex: Lexicon) -> StageRules:
    table = lex.section("stages")
    return StageRules(
        PhraseSet([(Stage(k), v) for k, v in (table.get("stage") or {}).items()]),
        PhraseSet([(Stage(k), v) for k, v in (table.get("presupposed") or {}).items()]),
        PhraseSet([(True, table.get("lost", []))]),
        PhraseSet([(True, table.get("ours", []))]),
        PhraseSet([(True, table.get("content", []))]),
        PhraseSet([(Stage.CUSTOMER, table.get("customer_only", []))]),
    )


def _in_a_title(clause: str, start: int, end: int, rules: StageRules) -> bool:
    """ "the GxP validation whitepaper", "webinar on pen testing": the phrase names the content's topic."""
    if rules.content.find(" ".join(clause[end:].split()[:3])):
        return True
    before = clause[:start].split()[-4:]
    return len(before) > 1 and before[-1] in ("on", "about") and bool(rules.content.find(" ".join(before[:-1])))


def read_stage(clauses: list[str], lex: Lexicon, *, customer: bool = False) -> StageReading | None:
    rules: StageRules = lex.compiled("stages.rules", _build)
    ctx = context_rules(lex)
    best: StageReading | None = None
    for clause in clauses:
        if any(not historical(clause, m.start, m.end, ctx) for m in rules.lost.find(clause)):
            return None
        found = [(m, False) for m in rules.evidence.find(clause)] + [(m, True) for m in rules.presupposed.find(clause)]
        if customer:
            found += [(m, False) for m in rules.customer_only.find(clause)]
        ours: list[PhraseMatch[bool]] | None = None  # read at the first pain found: most clauses have none
        for m, holds_negated in found:
            if m.tag == Stage.PAIN_RECOGNITION:
                ours = rules.ours.find(clause) if ours is None else ours
                if any(o.start < m.end and m.start < o.end for o in ours):
                    continue
            if m.tag != Stage.SOLUTION_UNDERSTANDING and _in_a_title(clause, m.start, m.end, rules):
                continue
            if m.tag == Stage.CUSTOMER and not holds_negated and awaited(clause, m.start, m.end, ctx):
                m = m._replace(tag=Stage.VALIDATION)  # "PO expected next week": decided, not a customer yet
            if historical(clause, m.start, m.end, ctx) or (not holds_negated and negated(clause, m.start, ctx)):
                continue
            if best is None or m.tag.rank > best.stage.rank:
                best = StageReading(m.tag, m.text)
    return best
