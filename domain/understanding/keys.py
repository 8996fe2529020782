"""The keys an account is found by: name, core name (no legal suffix), aliases, prefixes, acronym, domain."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import IntEnum

from domain.understanding.lexicon import Lexicon
from domain.understanding.reading import KnownAccount
from domain.understanding.text import fold, name_tokens


class Kind(IntEnum):
    FULL = 0
    ALIAS = 1
    CORE = 2
    CONCAT = 3
    DOMAIN = 4
    HEAD = 5
    ACRONYM = 6


SCORES = {
    Kind.FULL: 100.0,
    Kind.ALIAS: 100.0,
    Kind.CORE: 97.0,
    Kind.CONCAT: 94.0,
    Kind.DOMAIN: 93.0,
    Kind.HEAD: 88.0,
    Kind.ACRONYM: 90.0,
}
DECISIVE = frozenset({Kind.FULL, Kind.ALIAS})  # a mention written exactly so settles ambiguity
_ACRONYM_SKIP = frozenset({"and", "of", "the", "&", "for", "de", "du", "la", "le", "y", "und"})


@dataclass(frozen=True)
class NameRules:
    """What the lexicon says about company names, compiled once."""

    legal: frozenset[str]
    equivalents: dict[str, str]
    common: frozenset[str]
    org: frozenset[str]
    title_words: frozenset[str]
    first_names: frozenset[str]
    particles: frozenset[str] = frozenset()  # inside a person's name: "de" in "Fenna de Vries"
    openers: frozenset[str] = frozenset()  # words that open a note, never a company's first word

    def canon(self, words: list[str]) -> list[str]:
        return [self.equivalents.get(w, w) for w in words]

    def core(self, words: list[str]) -> list[str]:
        """Without a leading 'the' and trailing legal forms ("Fabrikam, Inc." -> "fabrikam")."""
        out = words[1:] if len(words) > 1 and words[0] == "the" else list(words)
        while len(out) > 1 and out[-1] in self.legal:
            out.pop()
        return out

    def is_weak(self, words: list[str]) -> bool:
        """A one-word key that is an everyday word or very short needs a capital letter to count."""
        return len(words) == 1 and (words[0] in self.common or len(words[0]) <= 2)


def _build_rules(lex: Lexicon) -> NameRules:
    equivalents: dict[str, str] = {}
    for group in lex.section("names", "equivalents") or []:
        forms = [fold(str(g)).replace("'", "").replace(".", "") for g in group]
        for form in forms[1:]:
            equivalents.setdefault(form, forms[0])
    common = set(lex.words("words", "common_words")) | set(lex.words("names", "calendar_words"))
    return NameRules(
        legal=frozenset(lex.words("names", "legal_suffixes")),
        equivalents=equivalents,
        common=frozenset(common),
        org=frozenset(lex.words("names", "org_words")),
        title_words=frozenset(lex.words("names", "title_words")),
        first_names=frozenset(lex.words("words", "first_names")),
        particles=frozenset(lex.words("names", "name_particles")),
        openers=frozenset(lex.words("names", "note_openers")),
    )


def name_rules(lex: Lexicon) -> NameRules:
    return lex.compiled("keys.rules", _build_rules)


def account_keys(account: KnownAccount, rules: NameRules) -> Iterator[tuple[str, Kind, bool]]:
    """(key, kind, weak) for every way the account may be written."""
    words = name_tokens(account.name)
    if not words:
        return
    canon = rules.canon(words)
    core = rules.core(canon)
    yield " ".join(canon), Kind.FULL, rules.is_weak(canon)
    yield " ".join(core), Kind.CORE, rules.is_weak(core)
    for alias in account.aliases:
        alias_words = rules.canon(name_tokens(alias))
        if alias_words:
            yield " ".join(alias_words), Kind.ALIAS, rules.is_weak(alias_words)
            alias_core = rules.core(alias_words)
            yield " ".join(alias_core), Kind.ALIAS, rules.is_weak(alias_core)
    if len(core) > 1:
        yield "".join(core), Kind.CONCAT, False
        for n in range(1, len(core)):
            head = core[:n]
            if n == 1 and (len(head[0]) < 3 or head[0] in rules.org or head[0] in rules.legal
                           or head[0] in rules.particles):  # "Van" alone is no name for "Van der Berg Zorg"
                continue
            yield " ".join(head), Kind.HEAD, rules.is_weak(head)
    initials = [w for w in rules.core(words) if w not in _ACRONYM_SKIP]
    if len(initials) >= 3:
        yield "".join(w[0] for w in initials), Kind.ACRONYM, True
    if account.domain:
        label = fold(account.domain).removeprefix("www.").split(".")[0]
        stem = re.sub(r"[^\w]", "", label)
        if len(stem) >= 4:
            yield stem, Kind.DOMAIN, stem in rules.common
