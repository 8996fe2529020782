"""An index over one workspace's accounts and contacts, built for 100k accounts and 500k contacts."""

from __future__ import annotations

import bisect
import gc
import math
from collections.abc import Collection, Iterable

from rapidfuzz import fuzz

from domain.names import normalize_name
from domain.understanding.fuzzy import FuzzyVocab
from domain.understanding.keys import SCORES, Kind, account_keys, name_rules
from domain.understanding.lexicon import Lexicon
from domain.understanding.reading import KnownAccount, KnownContact
from domain.understanding.text import name_tokens


class Directory:
    """Accounts by every key they may be written as, words by account, contacts by name and account."""

    def __init__(
        self,
        accounts: Iterable[KnownAccount],
        contacts: Iterable[KnownContact],
        *,
        lexicon: Lexicon | None = None,
    ) -> None:
        paused = gc.isenabled()
        gc.disable()  # millions of small objects: cyclic GC passes during the build only cost time
        try:
            self._build(accounts, contacts, lexicon)
        finally:
            if paused:
                gc.enable()

    def _build(
        self, accounts: Iterable[KnownAccount], contacts: Iterable[KnownContact], lexicon: Lexicon | None
    ) -> None:
        self.lexicon = lexicon or Lexicon.default()
        self.rules = name_rules(self.lexicon)
        self._accounts: list[KnownAccount] = []
        self._index_of: dict[str, int] = {}
        self._keys: dict[str, list[int]] = {}  # key -> packed hits (index << 4 | kind << 1 | weak)
        self._key_words: set[str] = set()  # the words of the keys of two words or more
        self._postings: dict[str, list[int]] = {}  # word -> accounts whose name or alias has it
        self._labels: list[tuple[str, ...]] = []  # folded name and aliases, for final scoring
        for account in accounts:
            self._add_account(account)
        self._vocab: FuzzyVocab | None = None
        self._contacts: list[KnownContact] = []
        self._full: dict[str, list[int]] = {}
        self._first: dict[str, list[int]] = {}
        self._last: dict[str, list[int]] = {}
        self._of_account: dict[str, list[int]] = {}
        for contact in contacts:
            self._add_contact(contact)

    def add_contacts(self, contacts: Iterable[KnownContact]) -> None:
        """Index contacts created since the build, in place, where a rebuild would put them: every list keeps
        the order the rows are read in, by account and normalised name. A parse running meanwhile in another
        thread sees each contact either not yet or whole."""
        for contact in contacts:
            if all(c.id != contact.id for c in self.contacts_of(contact.account_id)):  # a reload may have it
                self._insert_contact(contact)

    def add_accounts(self, accounts: Iterable[KnownAccount]) -> None:
        """Index accounts created since the build, in place, where a rebuild reading them last would put them. A
        parse running meanwhile in another thread sees each account either not yet or whole."""
        for account in accounts:
            if account.id in self._index_of:  # a reload may have it
                continue
            known = len(self._postings)
            self._add_account(account)
            if len(self._postings) != known:  # new words: typos of them are corrected too (rebuilt when needed)
                self._vocab = None

    def _add_account(self, account: KnownAccount) -> None:
        best: dict[str, tuple[Kind, bool]] = {}
        for key, kind, weak in account_keys(account, self.rules):
            if key not in best or kind < best[key][0]:  # a key written two ways counts as its best kind
                best[key] = (kind, weak)
        words: set[str] = set()
        labels = []
        for key, (kind, _weak) in best.items():
            if kind <= Kind.CORE:
                words.update(key.split())
                labels.append(key)
        # the account first, its keys and words last: a search reaches an account only through those
        idx = len(self._accounts)
        self._accounts.append(account)
        self._labels.append(tuple(labels))
        self._index_of[account.id] = idx
        for key in best:  # before the keys: a parse that meets a key may rely on its words
            if " " in key:
                self._key_words.update(key.split(" "))
        for key, (kind, weak) in best.items():
            self._keys.setdefault(key, []).append(idx << 4 | kind << 1 | weak)
        for word in words:
            self._postings.setdefault(word, []).append(idx)

    def _add_contact(self, contact: KnownContact) -> None:
        idx = len(self._contacts)
        self._contacts.append(contact)
        self._of_account.setdefault(contact.account_id, []).append(idx)
        words = name_tokens(contact.name)
        if not words:
            return
        self._first.setdefault(words[0], []).append(idx)
        if len(words) > 1:
            self._full.setdefault(f"{words[0]} {words[-1]}", []).append(idx)
            self._last.setdefault(words[-1], []).append(idx)

    def _insert_contact(self, contact: KnownContact) -> None:
        """_add_contact for a contact added after the build: into each list at its place in the load order."""
        idx = len(self._contacts)
        self._contacts.append(contact)
        self._insort(self._of_account.setdefault(contact.account_id, []), idx)
        words = name_tokens(contact.name)
        if not words:
            return
        self._insort(self._first.setdefault(words[0], []), idx)
        if len(words) > 1:
            self._insort(self._full.setdefault(f"{words[0]} {words[-1]}", []), idx)
            self._insort(self._last.setdefault(words[-1], []), idx)

    def _insort(self, indices: list[int], idx: int) -> None:
        bisect.insort(indices, idx, key=self._contact_order)

    def _contact_order(self, idx: int) -> tuple[str, str]:
        """The order contacts are loaded in (the database's index on account and normalised name)."""
        contact = self._contacts[idx]
        return contact.account_id, normalize_name(contact.name)

    # -- accounts -------------------------------------------------------------------------------------
    def account(self, account_id: str) -> KnownAccount | None:
        idx = self._index_of.get(account_id)
        return None if idx is None else self._accounts[idx]

    def contacts_of(self, account_id: str) -> list[KnownContact]:
        return [self._contacts[i] for i in self._of_account.get(account_id, [])]

    def exact(self, text: str) -> KnownAccount | None:
        """The one account whose full name or alias is exactly `text` (case, punctuation and legal suffix
        aside): lets a command that names an account skip the parser, the common case after a button."""
        words = self.rules.canon(name_tokens(text))
        if not words:
            return None
        hits = {a.id: a for a, kind, _weak in self.key_hits(" ".join(words)) if kind in (Kind.FULL, Kind.ALIAS)}
        return next(iter(hits.values())) if len(hits) == 1 else None

    def key_hits(self, key: str) -> list[tuple[KnownAccount, Kind, bool]]:
        return [(self._accounts[p >> 4], Kind(p >> 1 & 7), bool(p & 1)) for p in self._keys.get(key, ())]

    def in_some_key(self, form: str) -> bool:
        """`form` may be (a run of) the words of some key: a key of words not all in keys is no key."""
        return form in self._keys or all(w in self._key_words for w in form.split(" "))

    def knows_word(self, word: str) -> bool:
        return word in self._postings

    def _typos(self) -> FuzzyVocab:
        if self._vocab is None:  # account words as written and as compared ("brothers" and "bros")
            self._vocab = FuzzyVocab([*self._postings, *self.rules.equivalents])
        return self._vocab

    def corrections(self, word: str, *, limit: int = 2) -> list[tuple[str, float]]:
        """Account-name words a typo may stand for ("northwnd" -> "northwind"), in compared form."""
        fixed: dict[str, float] = {}
        for form, sim in self._typos().correct(word, limit=limit):
            canon = self.rules.equivalents.get(form, form)
            if canon in self._postings:
                fixed[canon] = max(fixed.get(canon, 0.0), sim)
        return list(fixed.items())

    def search_accounts(self, query: str, *, limit: int = 10) -> list[tuple[KnownAccount, float]]:
        """Fuzzy picker: accounts best matching `query`, with a 0..100 score, best first."""
        from domain.understanding.search import search  # the picker's ranking lives apart

        return search(self, query, limit=limit)

    # -- contacts -------------------------------------------------------------------------------------
    def contacts_named(self, first: str, last: str) -> list[KnownContact]:
        return [self._contacts[i] for i in self._full.get(f"{first} {last}", ())]

    def contacts_first_named(
        self, first: str, *, within: Collection[str] | None = None, limit: int | None = None
    ) -> list[KnownContact]:
        """Contacts with this first name: at the given accounts (small lists), or anywhere up to `limit`."""
        if within is not None:
            return [c for a in within for c in self.contacts_of(a) if name_tokens(c.name)[:1] == [first]]
        return [self._contacts[i] for i in self._first.get(first, [])[:limit]]

    def contacts_last_named(
        self, last: str, *, within: Collection[str] | None = None, limit: int | None = None
    ) -> list[KnownContact]:
        if within is not None:
            return [c for a in within for c in self.contacts_of(a) if name_tokens(c.name)[-1:] == [last]]
        return [self._contacts[i] for i in self._last.get(last, [])[:limit]]

    def is_first_name(self, word: str) -> bool:
        return word in self._first

    def is_last_name(self, word: str) -> bool:
        """The last word of the name of a contact of two words or more."""
        return word in self._last

    # -- for the picker (search.py) --------------------------------------------------------------------
    def retrieve(self, words: list[str], *, prefix_last: bool) -> tuple[dict[int, float], list[str]]:
        """Candidate accounts sharing (possibly corrected) words with the query, weighted by rarity; and the
        query with unknown words replaced by their best correction."""
        vocab = self._typos()
        total = max(1, len(self._accounts))
        scores: dict[int, float] = {}
        corrected = list(words)
        for pos, word in enumerate(words):
            known = word in self._postings
            forms = [(word, 1.0)] if known else []
            if not known or len(word) >= 5:  # a typo may land on another real word ("clusu" for "clousu")
                fixes = self.corrections(word, limit=8)
                forms += [(w, s / 100 * (0.8 if known else 1.0)) for w, s in fixes]
                if fixes and not known:
                    corrected[pos] = fixes[0][0]
            if prefix_last and pos == len(words) - 1 and len(word) >= 2:
                forms += [(w, 0.9) for w in vocab.prefixed(word, limit=8) if w != word and w in self._postings]
            for form, weight in forms:
                posting = self._postings.get(form, [])
                idf = math.log(1 + total / (1 + len(posting))) * weight
                for idx in posting:
                    scores[idx] = scores.get(idx, 0.0) + idf
        return scores, corrected

    def account_at(self, idx: int) -> KnownAccount:
        return self._accounts[idx]

    def label_score(self, idx: int, query: str) -> float:
        return max((fuzz.WRatio(query, label) for label in self._labels[idx]), default=0.0)

    def key_scores(self, key: str) -> dict[int, float]:
        return {p >> 4: SCORES[Kind(p >> 1 & 7)] for p in self._keys.get(key, ())}
