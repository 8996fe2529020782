"""Where a message names accounts: word n-grams looked up among the directory's keys, typos corrected."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import islice, product

from domain.understanding.directory import Directory
from domain.understanding.keys import DECISIVE, SCORES, Kind
from domain.understanding.reading import KnownAccount
from domain.understanding.text import Token, fold

_MAX_WORDS = 6  # longest key looked up
_MAX_COMBOS = 12  # spellings tried per n-gram


@dataclass
class AccountMention:
    start: int  # token index
    end: int  # token index, exclusive
    scores: dict[str, float] = field(default_factory=dict)  # account id -> 0..100
    accounts: dict[str, KnownAccount] = field(default_factory=dict)
    decisive: bool = False

    @property
    def candidates(self) -> list[KnownAccount]:
        return sorted(self.accounts.values(), key=lambda a: -self.scores[a.id])


def _spellings(tokens: list[Token], directory: Directory) -> list[list[tuple[str, float]]]:
    """Each token's forms: as written, without a possessive 's, and typo corrections for unknown words."""
    rules = directory.rules
    out = []
    for tok in tokens:
        forms = {rules.equivalents.get(tok.norm, tok.norm): 1.0}
        if tok.possessive:
            forms.setdefault(rules.equivalents.get(tok.bare, tok.bare), 1.0)
        word = tok.bare
        if (
            len(word) >= 5
            and word.isalpha()
            and word not in rules.common
            and not directory.knows_word(word)
            and not directory.is_first_name(word)
        ):
            for fixed, sim in directory.corrections(word):
                forms.setdefault(fixed, sim / 100)
        out.append(list(forms.items()))
    return out


def _allowed(kind: Kind, weak: bool, span: list[Token]) -> bool:
    """Everyday words and acronyms name an account only when written like a name."""
    if kind == Kind.ACRONYM:
        return all(t.upper for t in span)
    if weak:
        return (all(t.capitalized for t in span) and not span[0].initial) or all(t.upper for t in span)
    return True


def find_mentions(tokens: list[Token], directory: Directory) -> list[AccountMention]:
    spellings = _spellings(tokens, directory)
    # a span with a word no form of which is in any key is looked up in vain: spans stop before such words
    keyed = [any(directory.in_some_key(form) for form, _ in forms) for forms in spellings]
    found: list[AccountMention] = []
    for i in range(len(tokens)):
        longest = 0
        while longest < _MAX_WORDS and i + longest < len(tokens) and keyed[i + longest]:
            longest += 1
        for n in range(longest, 0, -1):
            mention = _lookup(tokens[i : i + n], spellings[i : i + n], i, directory)
            if mention:
                found.append(mention)
                break
    found.sort(key=lambda m: (m.start - m.end, -max(m.scores.values())))
    kept: list[AccountMention] = []
    for m in found:
        if all(m.end <= k.start or m.start >= k.end for k in kept):
            kept.append(m)
    return sorted(kept, key=lambda m: m.start)


def _lookup(
    span: list[Token], spellings: list[list[tuple[str, float]]], start: int, directory: Directory
) -> AccountMention | None:
    mention: AccountMention | None = None  # made on the first hit: most spans name no account
    for combo in islice(product(*spellings), _MAX_COMBOS):
        key = " ".join(form for form, _ in combo)
        hits = directory.key_hits(key)
        if not hits:
            continue
        if mention is None:
            mention = AccountMention(start, start + len(span))
        sim = 1.0
        for _, s in combo:
            sim *= s
        for account, kind, weak in hits:
            if not _allowed(kind, weak, span):
                continue
            score = SCORES[kind] * sim
            decisive = kind in DECISIVE and sim == 1.0
            if decisive and not mention.decisive:  # an exact name or alias overrides looser readings
                mention.scores, mention.accounts, mention.decisive = {}, {}, True
            if mention.decisive and not decisive:
                continue
            if score > mention.scores.get(account.id, 0.0):
                mention.scores[account.id] = score
                mention.accounts[account.id] = account
    return mention if mention is not None and mention.scores else None


def names_an_asset(mention: AccountMention, tokens: list[Token], asset_words: list[str]) -> bool:
    """ "the Fourth Coffee case study" names a story we send, not the account the message is about."""
    after = " ".join(fold(t.raw) for t in tokens[mention.end : mention.end + 3])
    return any(after == w or after.startswith(w + " ") for w in asset_words)
