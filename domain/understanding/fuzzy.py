"""Typo-tolerant lookup of single words in a vocabulary: one-edit typos through a deletion index (which also
catches swapped letters), two-edit typos in long words through a character-trigram index."""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable

from rapidfuzz.distance import OSA

_MAX_POSTING = 20000  # trigrams shared by that many words narrow nothing
_LONG = 9  # words this long may carry two typos


def _trigrams(word: str) -> set[str]:
    padded = f"^{word}$"
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def allowed_edits(word: str) -> int:
    """Edits a typo may make: none in a short word, one in a medium one, two in a long one."""
    return 0 if len(word) < 4 else 1 if len(word) < _LONG else 2


class FuzzyVocab:
    def __init__(self, words: Iterable[str]) -> None:
        self._words = sorted(set(words))
        self._index: dict[str, list[int]] | None = None  # built on the first typo, not before
        self._grams: dict[str, list[int]] | None = None

    def __contains__(self, word: object) -> bool:
        i = bisect_left(self._words, word) if isinstance(word, str) else len(self._words)
        return i < len(self._words) and self._words[i] == word

    def _one_edit(self, word: str) -> set[int]:
        if self._index is None:
            index: dict[str, list[int]] = {}
            for i, w in enumerate(self._words):
                if len(w) >= 3:
                    for variant in _deletes(w) | {w}:
                        index.setdefault(variant, []).append(i)
            self._index = index
        found: set[int] = set()
        for variant in _deletes(word) | {word}:
            found.update(self._index.get(variant, ()))
        return found

    def _two_edits(self, word: str) -> set[int]:
        if self._grams is None:
            grams: dict[str, list[int]] = {}
            for i, w in enumerate(self._words):
                if len(w) >= _LONG - 2:
                    for gram in _trigrams(w):
                        grams.setdefault(gram, []).append(i)
            self._grams = grams
        counts: Counter[int] = Counter()
        wanted = _trigrams(word)
        for gram in wanted:
            posting = self._grams.get(gram)
            if posting and len(posting) <= _MAX_POSTING:
                counts.update(posting)
        need = max(2, len(wanted) - 6)
        return {i for i, shared in counts.most_common(80) if shared >= need}

    def correct(self, word: str, *, limit: int = 2) -> list[tuple[str, float]]:
        """Known words within a few edits of `word` (not `word` itself), best first, with a 0..100 similarity."""
        edits = allowed_edits(word)
        if not edits:
            return []
        candidates = self._one_edit(word) | (self._two_edits(word) if edits > 1 else set())
        found = []
        for i in candidates:
            cand = self._words[i]
            if cand == word or abs(len(cand) - len(word)) > edits:
                continue
            dist = OSA.distance(word, cand, score_cutoff=edits)
            if dist <= edits:
                found.append((cand, 100.0 * (1 - dist / max(len(word), len(cand)))))
        found.sort(key=lambda f: (-f[1], f[0]))
        return found[:limit]

    def prefixed(self, prefix: str, *, limit: int = 30) -> list[str]:
        """Known words starting with `prefix`, for a picker query typed halfway."""
        i = bisect_left(self._words, prefix)
        out: list[str] = []
        while i < len(self._words) and self._words[i].startswith(prefix) and len(out) < limit:
            out.append(self._words[i])
            i += 1
        return out
