"""Job titles compared as word sets: "the CIO" ~ "Chief Information Officer", "finance director" ~ "Director of
Finance"."""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.understanding.lexicon import Lexicon
from domain.understanding.text import Token, fold, name_tokens

_LONGEST = 5  # words in the longest multi-word title phrase
_MEMO = 20000  # titles whose canonical words are kept (the rules are shared by every workspace)


@dataclass(frozen=True)
class TitleRules:
    phrases: dict[tuple[str, ...], str]  # ("chief", "financial", "officer") -> "cfo"
    words: dict[str, str]  # "mgr" -> "manager"
    stop: frozenset[str]
    starts: frozenset[str]  # the first words of the phrases
    _canonical: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False, repr=False)

    def stream(self, words: list[str]) -> list[tuple[str, int, int]]:
        """Canonical title words with the span of words each came from, stop words left out."""
        out, i = [], 0
        while i < len(words):
            longest = min(_LONGEST, len(words) - i) if words[i] in self.starts else 1  # no phrase starts so: none
            for n in range(longest, 1, -1):
                abbr = self.phrases.get(tuple(words[i : i + n]))
                if abbr:
                    out.append((abbr, i, i + n))
                    i += n
                    break
            else:
                if words[i] not in self.stop:
                    out.append((self.words.get(words[i], words[i]), i, i + 1))
                i += 1
        return out

    def canonical(self, title: str) -> tuple[str, ...]:
        found = self._canonical.get(title)
        if found is None:  # every message that names an account reads its contacts' titles: each read once
            if len(self._canonical) >= _MEMO:
                self._canonical.clear()
            found = self._canonical[title] = tuple(sorted(w for w, _, _ in self.stream(name_tokens(title))))
        return found


def _build(lex: Lexicon) -> TitleRules:
    phrases: dict[tuple[str, ...], str] = {}
    for abbr, forms in (lex.section("names", "title_abbreviations") or {}).items():
        for form in forms:
            phrases[tuple(name_tokens(form))] = fold(abbr)
    words: dict[str, str] = {}
    for canon, forms in (lex.section("names", "title_equivalents") or {}).items():
        for form in forms:
            words[fold(form)] = fold(canon)
    return TitleRules(phrases, words, frozenset(lex.words("names", "title_stopwords")),
                      frozenset(phrase[0] for phrase in phrases if phrase))


def title_rules(lex: Lexicon) -> TitleRules:
    return lex.compiled("titles.rules", _build)


def title_stream(tokens: list[Token], rules: TitleRules) -> list[tuple[str, int, int]]:
    """The message's canonical title words, each with its span of tokens."""
    return rules.stream([t.bare for t in tokens])


def stream_windows(stream: list[tuple[str, int, int]], size: int) -> list[tuple[tuple[str, ...], int, int]]:
    """Every run of `size` canonical title words of the stream: (sorted words, first token, end token)."""
    out = []
    for i in range(len(stream) - size + 1):
        run = stream[i : i + size]
        out.append((tuple(sorted(w for w, _, _ in run)), run[0][1], run[-1][2]))
    return out
