"""The parser's shortcuts find what the plain scans they skip would find (bench/parse_diff.py compares whole
Readings with main's; these pin the rules the shortcuts rest on)."""

from __future__ import annotations

import random
import re
from datetime import date

from domain.understanding import Directory, KnownAccount, KnownContact
from domain.understanding.dates import find_date
from domain.understanding.lexicon import Lexicon
from domain.understanding.mentions import find_mentions
from domain.understanding.patterns import PhraseMatch, PhraseSet, longest_first, matches_at, phrase_regex
from domain.understanding.people import find_by_name
from domain.understanding.text import compile_shorthand, expand_shorthand, tokenize
from domain.understanding.titles import title_rules


def _plain_find(groups: list[tuple[str, list[str]]], text: str) -> list[PhraseMatch[str]]:
    """PhraseSet.find as first written: every group's own scan of the whole text, longest matches kept (the
    choice among overlapping matches is shared: it is the scans this checks)."""
    found = []
    for tag, phrases in groups:
        sources = sorted({phrase_regex(p) for p in phrases if p.strip()}, key=len, reverse=True)
        found += [PhraseMatch(m.start(), m.end(), m.group(0), tag)
                  for m in re.finditer("|".join(sources), text) if m.end() > m.start()]
    return longest_first(found)


GROUPS = [
    ("price", ["pricing", "price*", "too expensive", "pric? hike", "re:\\bprices?\\s+up\\b", "p.o",
               "pilot (went|is) ~"]),
    ("pilot", ["pilot", "pilot went very well", "pilots", "poc", "p.o.", "(pilot|poc) program"]),
    ("people", ["po", "ops team", "operations", "re:(?:^|\\s)'(?=\\w)", "didn't reply", "#% off",
                "re:(?<!no )\\bpilot(?:\\s+program)?\\b", "oops", "(the|a|) deal", "(ops|team|) review"]),
]
WORDS = ["program", "pricing", "price", "prices", "up", "pilot", "went", "well", "is", "great", "no", "p.o", "po",
         "ops", "team", "'quoted'", "too", "expensive", "hike", "pric", "didnt", "didn't", "reply", "20%", "off", "poc",
         "x", "-", "the", "deal", "review"]


def test_phrase_sets_find_what_every_group_scanning_the_text_finds() -> None:
    phrases = PhraseSet(GROUPS)
    rng = random.Random(7)
    for _ in range(3000):
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 12)))
        assert phrases.find(text) == _plain_find(GROUPS, text), text
        if _plain_find(GROUPS, text):
            assert phrases.any(text), text


def test_the_first_phrase_of_a_group_that_matches_wins_whatever_its_first_letter() -> None:
    # "(pilot|poc) program" comes before the shorter "pilot" of its group, which starts with its first letter
    found = PhraseSet(GROUPS).find("the pilot program went very well, pricing is fine")
    assert [(m.text, m.tag) for m in found] == [("pilot program", "pilot"), ("pricing", "price")]
    found = PhraseSet(GROUPS).find("the pilot went very well")
    assert [(m.text, m.tag) for m in found] == [("pilot went very well", "pilot")]


def test_matches_at_is_finditer_tried_at_the_given_places() -> None:
    rng = random.Random(11)
    for pattern in [r"ab|a", r"(?<!\w)b\w*", r"a*|b", r"x?", r"(?<=a)b|ba"]:
        rx = re.compile(pattern)
        anywhere = re.compile(f"(?={pattern})")
        for _ in range(300):
            text = "".join(rng.choice("ab x") for _ in range(rng.randint(0, 10)))
            starts = [m.start() for m in anywhere.finditer(text)]
            assert [m.span() for m in matches_at(rx, text, starts)] == [m.span() for m in rx.finditer(text)], (
                pattern, text)


def test_dates_are_found_where_they_start_first() -> None:
    lex = Lexicon.default()
    today = date(2026, 11, 18)
    assert find_date("send it by friday, not next month", today, lex) == (date(2026, 11, 20), "by friday")
    assert find_date("in 2 weeks or by dec 2", today, lex) == (date(2026, 12, 2), "in 2 weeks")
    assert find_date("scored 3.1/5 on g2", today, lex) is None
    assert find_date("no date here", today, lex) is None


def test_an_account_added_after_the_build_is_found_by_all_its_words() -> None:
    directory = Directory([KnownAccount("a", "Acme Corporation")], [])
    names = [t.raw for t in tokenize("Met the team at Zephyr Blue Robotics today")]
    assert not find_mentions(tokenize("Met the team at Zephyr Blue Robotics today"), directory)
    directory.add_accounts([KnownAccount("z", "Zephyr Blue Robotics")])
    found = find_mentions(tokenize("Met the team at Zephyr Blue Robotics today"), directory)
    assert [(names[m.start], names[m.end - 1], list(m.scores)) for m in found] == [("Zephyr", "Robotics", ["z"])]
    assert directory.in_some_key("zephyr") and directory.in_some_key("zephyr blue")
    assert not directory.in_some_key("team")


def test_title_phrases_are_read_from_their_first_word() -> None:
    rules = title_rules(Lexicon.default())
    assert [w for w, _, _ in rules.stream(["our", "chief", "financial", "officer", "and", "vp", "sales"])] == [
        w for w, _, _ in rules.stream(["chief", "financial", "officer"])] + [
        w for w, _, _ in rules.stream(["vp", "sales"])]
    assert rules.canonical("Chief Financial Officer") == rules.canonical("CFO")


def test_tokens_know_possessives_and_sentence_starts() -> None:
    tokens = tokenize("Met ACME'S CFO. Then Jo's team - J. Doe said ok")
    assert [t.possessive for t in tokens] == [False, True, False, False, True, False, False, False, False, False]
    assert [t.raw for t in tokens if t.initial] == ["Met", "Then"]


def test_first_names_at_the_named_account_are_found() -> None:
    directory = Directory([KnownAccount("a", "Acme Corporation"), KnownAccount("b", "Globex")],
                          [KnownContact("p1", "Hiro Sato", "a"), KnownContact("p2", "Hiro Tanaka", "b")])
    found = find_by_name(tokenize("call with Hiro at Acme"), directory, {"a"}, {3})
    assert [(p.start, p.contact.id if p.contact else None) for p in found] == [(2, "p1")]
    found = find_by_name(tokenize("call with Sato"), directory, {"a"}, set())
    assert [(p.start, p.contact.id if p.contact else None) for p in found] == [(2, "p1")]


def test_shorthand_in_ascii_text_expands_as_the_case_blind_regex_expands_it() -> None:
    table = {"tmrw": "tomorrow", "w/": "with", "nächster schritt": "next step", "f/u": "follow up"}
    compiled = compile_shorthand(table)
    assert compiled is not None and compiled[2] is not None
    blind = (compiled[0], compiled[1], None)
    for text in ["TMRW w/ Bob", "Tmrw: F/U w/Ana", "tmrws w/o", "nachster Schritt: call", "Nächster Schritt: call",
                 "x-tmrw 'tmrw' /tmrw tmrw."]:
        assert expand_shorthand(text, compiled) == expand_shorthand(text, blind), text
    assert expand_shorthand("TMRW: F/U w/Ana", compiled) == "tomorrow: follow up with Ana"


def test_a_key_letter_the_case_blind_regex_takes_for_an_ascii_one_keeps_the_case_blind_regex() -> None:
    compiled = compile_shorthand({"bı/": "by"})  # a dotless i matches "i" and "I" when case is ignored
    assert compiled is not None and compiled[2] is None
    assert expand_shorthand("BI/x", compiled) == "BI/ x"  # matched: spaced from the word after it
