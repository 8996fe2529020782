"""The phrase matcher's regexes (one boundary test per run of plain phrases) find exactly what one alternation
of whole phrases finds, on every phrase set of the shipped lexicon, over the corpora and the lexicon's own words."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from domain.understanding import context, intent, patterns, signals, stages
from domain.understanding.lexicon import Lexicon
from domain.understanding.patterns import PhraseMatch, PhraseSet, longest_first
from domain.understanding.text import compile_shorthand, expand_shorthand

ROOT = Path(__file__).resolve().parents[2]
CORPORA = [ROOT.parent / "shared" / "corpus" / "dev" / "cases.jsonl",
           *sorted((ROOT / "tests" / "unit" / "understanding" / "heldout").glob("cases*.jsonl"))]


def _sets(lex: Lexicon) -> list[PhraseSet[object]]:
    sig = lex.compiled("signals.rules", signals._build)
    stg = lex.compiled("stages.rules", stages._build)
    ctx = lex.compiled("context.rules", context._build)
    its = lex.compiled("intent.rules", intent._build)
    return [sig.channels, sig.sentiment, sig.touches, stg.evidence, stg.presupposed, stg.lost,
            ctx.history_after, ctx.history_before, *(entry[3] for entry in its.order)]


def _phrases(lex: Lexicon) -> list[str]:
    """Every phrase string in the lexicon files, as words a rep could type (wildcards dropped)."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, str) and not node.startswith("re:"):
            found.append(re.sub(r"[()|~*?#]", " ", node).lower())

    walk(lex._data)
    return found


def _texts() -> list[str]:
    texts = [json.loads(line)["text"].lower() for path in CORPORA if path.exists()
             for line in path.read_text().splitlines() if line.strip()]
    phrases = _phrases(Lexicon.default())
    texts += [f"we {a} and {b}, then {c}" for a, b, c in zip(phrases, phrases[1:], phrases[2:], strict=False)]
    return texts


def test_a_run_of_plain_phrases_shares_one_boundary_test() -> None:
    rx = PhraseSet([("x", ["renew*", "signed (the|a) contract", "re:\\bnps\\b"])])._groups[0][1].pattern
    assert rx.count("(?<![\\w])") == 1


def test_every_phrase_set_finds_what_one_alternation_of_whole_phrases_finds(monkeypatch: pytest.MonkeyPatch
                                                                           ) -> None:
    fast = _sets(Lexicon.load())
    monkeypatch.setattr(patterns, "_alternation", "|".join)  # the matcher as it was: each phrase its own test
    plain = _sets(Lexicon.load())
    assert len(fast) == len(plain)
    texts = _texts()
    assert len(texts) > 500
    for quick, reference in zip(fast, plain, strict=True):
        for text in texts:  # the reference: each group scanned on its own, without the any-phrase pre-scan
            scanned = [PhraseMatch(m.start(), m.end(), m.group(0), tag) for tag, rx in reference._groups
                       for m in rx.finditer(text) if m.end() > m.start()]
            assert quick.find(text) == longest_first(scanned), text
            assert quick.any(text) == any(rx.search(text) for _, rx in reference._groups), text


def test_shorthand_expands_as_with_one_lookbehind_per_key() -> None:
    table = Lexicon.default().section("text", "shorthand") or {}
    compiled = compile_shorthand(table)
    assert compiled is not None
    items = compiled[1]
    alts = [r"(?<![\w/'])" + re.escape(k) + ("" if not k[-1].isalnum() else r"(?![\w'])")
            for k in sorted(items, key=len, reverse=True)]
    reference = (re.compile("|".join(alts), re.IGNORECASE), items, None)
    texts = _texts() + [f"mtg w/ {k} re {k}. f/u {k}/{k}" for k in items]
    for text in texts:
        assert expand_shorthand(text, compiled) == expand_shorthand(text, reference), text
