"""The account picker: exact keys first, then rare shared words narrow, then rapidfuzz ranks the few."""

from __future__ import annotations

import heapq
from operator import itemgetter
from typing import TYPE_CHECKING

from domain.understanding.reading import KnownAccount
from domain.understanding.text import tokenize

if TYPE_CHECKING:
    from domain.understanding.directory import Directory

_RERANK = 40  # candidates scored with rapidfuzz per query


def search(directory: Directory, query: str, *, limit: int = 10) -> list[tuple[KnownAccount, float]]:
    rules = directory.rules
    tokens = tokenize(query[:500])
    if not tokens or limit <= 0:
        return []
    words = rules.canon([t.norm for t in tokens])
    bare = rules.canon([t.bare for t in tokens])
    core, core_bare = rules.core(words), rules.core(bare)
    exact: dict[int, float] = {}
    for key in {" ".join(words), " ".join(bare), " ".join(core), " ".join(core_bare), "".join(core)}:
        for idx, score in directory.key_scores(key).items():
            exact[idx] = max(exact.get(idx, 0.0), score)
    retrieved, corrected = directory.retrieve(core_bare, prefix_last=True)
    best = max(retrieved.values(), default=1.0) or 1.0
    shortlist = heapq.nlargest(_RERANK, retrieved.items(), key=itemgetter(1))
    texts = {" ".join(core), " ".join(corrected)}
    final: dict[int, float] = {}
    for idx, score in exact.items():
        final[idx] = score + 5.0 * retrieved.get(idx, 0.0) / best
    for idx, weight in shortlist:
        fuzzy = max(directory.label_score(idx, t) for t in texts) + 5.0 * weight / best
        final[idx] = max(final.get(idx, 0.0), fuzzy)
    ranked = heapq.nlargest(limit, final.items(), key=itemgetter(1))
    return [(directory.account_at(idx), round(min(100.0, score), 1)) for idx, score in ranked]
