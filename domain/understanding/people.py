"""Which known contacts a message refers to: by full name, nickname, first name at the account, or title."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from domain.understanding.directory import Directory
from domain.understanding.lexicon import Lexicon
from domain.understanding.reading import KnownContact
from domain.understanding.text import Token, name_tokens
from domain.understanding.titles import stream_windows, title_rules, title_stream


@dataclass
class PersonMatch:
    start: int
    end: int
    contact: KnownContact | None
    candidates: list[KnownContact] = field(default_factory=list)
    title: str | None = None


def _nicknames(lex: Lexicon) -> dict[str, frozenset[str]]:
    table: dict[str, set[str]] = {}
    for group in lex.section("names", "nicknames") or []:
        names = {str(n).lower() for n in group}
        for name in names:
            table.setdefault(name, set()).update(names)
    return {k: frozenset(v) for k, v in table.items()}


def name_forms(word: str, lex: Lexicon) -> frozenset[str]:
    """A first name and its usual variants (Bob -> Robert, Kate -> Katherine)."""
    return lex.compiled("people.nicknames", _nicknames).get(word, frozenset()) | {word}


def _pick(found: list[KnownContact], accounts: Collection[str]) -> list[KnownContact]:
    """Prefer contacts at the accounts the message names."""
    inside = [c for c in found if c.account_id in accounts]
    return inside or ([] if accounts else found)


def find_by_name(
    tokens: list[Token], directory: Directory, accounts: Collection[str], taken: set[int]
) -> list[PersonMatch]:
    lex, common = directory.lexicon, directory.rules.common
    out: list[PersonMatch] = []
    used: set[int] = set()
    for i in range(len(tokens) - 1):  # first + last, or first + middle + last
        for j in (i + 1, i + 2):
            if j >= len(tokens) or not directory.is_last_name(tokens[j].bare):
                continue  # nobody's full name ends so
            if i in used or i in taken or j in taken:
                continue
            first, last = tokens[i], tokens[j]
            if (first.norm in common or last.bare in common) and not (first.capitalized and last.capitalized):
                continue
            found = {c.id: c for f in name_forms(first.norm, lex) for c in directory.contacts_named(f, last.bare)}
            if found:
                named = _pick(list(found.values()), accounts) or list(found.values())
                out.append(PersonMatch(i, j + 1, named[0] if len(named) == 1 else None, named))
                used.update(range(i, j + 1))
                break
    honorifics = lex.compiled("people.honorifics", _honorifics)
    named_at = _NamedAt(directory, accounts) if accounts else None
    for i, tok in enumerate(tokens):  # a first name alone, then a last name alone
        if i in used or i in taken or len(tok.bare) < 2 or not tok.bare.isalpha():
            continue
        if tok.bare in common and (not tok.capitalized or tok.initial):
            continue
        titled = i > 0 and tokens[i - 1].bare in honorifics
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if (
            not titled
            and nxt
            and nxt.start == tok.end + 1
            and nxt.capitalized
            and not nxt.upper
            and len(nxt.bare) > 1
            and nxt.bare not in common
            and i + 1 not in taken
        ):
            continue  # "Emily Watson" is another Emily, not the one we know
        within = accounts or None  # at the named accounts; anywhere only when none is named
        picked: list[KnownContact] = []
        if not titled:
            found = {
                c.id: c
                for f in name_forms(tok.bare, lex)
                for c in (named_at.first(f) if named_at else directory.contacts_first_named(f, within=within, limit=2))
            }
            picked = list(found.values())
        if not picked and tok.capitalized and tok.bare not in common and not _named_before(tokens, i, common, taken):
            picked = named_at.last(tok.bare) if named_at else directory.contacts_last_named(tok.bare, within=within,
                                                                                              limit=2)
        if picked:
            out.append(PersonMatch(i, i + 1, picked[0] if len(picked) == 1 else None, picked))
            used.add(i)
    return out


def _honorifics(lex: Lexicon) -> frozenset[str]:
    return frozenset(lex.words("names", "honorifics"))


class _NamedAt:
    """Directory.contacts_first_named and contacts_last_named within the named accounts, for one message: their
    contacts' names split into words once, not once per word of the message."""

    def __init__(self, directory: Directory, accounts: Collection[str]) -> None:
        self._names = [(c, name_tokens(c.name)) for a in accounts for c in directory.contacts_of(a)]

    def first(self, word: str) -> list[KnownContact]:
        return [c for c, words in self._names if words[:1] == [word]]

    def last(self, word: str) -> list[KnownContact]:
        return [c for c, words in self._names if words[-1:] == [word]]


_SOMEONE_ELSE = frozenset({"new", "former", "ex", "previous", "old", "outgoing", "interim"})


def find_by_title(
    tokens: list[Token], directory: Directory, accounts: Collection[str], taken: set[int]
) -> list[PersonMatch]:
    """ "their CFO", "Litware cfo", "the CIO": the one contact at the account whose title fits."""
    if not accounts or len(accounts) > 3:
        return []
    rules = title_rules(directory.lexicon)
    stream = title_stream(tokens, rules)
    by_title: dict[tuple[str, ...], list[KnownContact]] = {}
    for account_id in accounts:
        for contact in directory.contacts_of(account_id):
            if contact.title:
                by_title.setdefault(rules.canonical(contact.title), []).append(contact)
    out = []
    for size in sorted({len(k) for k in by_title if k}, reverse=True):
        for words, start, end in stream_windows(stream, size):
            fits = by_title.get(words)
            if not fits or len(fits) != 1 or set(range(start, end)) & taken:
                continue
            if start and tokens[start - 1].norm in _SOMEONE_ELSE:
                continue  # "their new VP", "their former CFO" is someone else
            span = tokens[start:end]
            if len(span) == 1 and span[0].bare in directory.rules.common and not span[0].upper:
                continue
            out.append(PersonMatch(start, end, fits[0], fits, title=fits[0].title))
            taken = taken | set(range(start, end))
    return out


def _named_before(tokens: list[Token], i: int, common: frozenset[str], taken: set[int]) -> bool:
    """A first name we do not know right before the surname: "Ingrid Lindqvist" is another Lindqvist."""
    if i == 0 or i - 1 in taken:
        return False
    before = tokens[i - 1]
    return (before.end + 1 == tokens[i].start and before.capitalized and not before.upper and len(before.bare) > 1
            and before.bare.isalpha() and before.bare not in common and not before.possessive)
