"""Folding, tokenising and clause splitting shared by the directory and the reader."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from domain.understanding.patterns import by_first_letter

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})
_WORD = re.compile(r"[^\W_](?:[^\W_]|['.&](?=[^\W_]))*")
_BREAK_BEFORE = re.compile(r"[.!?:;\n\r\u2022*]\W*$")
# Clause boundaries: sentence ends (not after an initial like "A." or "vs."), commas, colons, dashes, emoji, bullets.
# (The lookahead first: the lookbehinds are tested only where a sentence may end, not at every letter.)
_CLAUSE_SEP = re.compile(
    r"(?=[.!?])(?<!\b\w)(?<!\bvs)(?<!\bapprox)(?<!\bincl)[.!?]+(?=\s|$)|[;\n\r]+|,|:(?=\s|$)|\s[-\u2013\u2014]+\s|\s\+\s|[\u2022]"
    r"|(?P<emoji>[\u2600-\u27bf\U0001f000-\U0001faff]+)"
)


def fold(text: str) -> str:
    """Casefold and strip accents so that 'Société' and 'societe' compare equal."""
    s = text.casefold()
    if s.isascii():
        return s.replace("`", "'") if "`" in s else s
    s = s.translate(_APOSTROPHES)
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def _strip(word: str) -> str:
    return word.replace("'", "").replace(".", "") if "'" in word or "." in word else word


def norm_word(raw: str) -> str:
    """A token as compared: folded, without apostrophes or dots ("Margie's" -> "margies", "S.A." -> "sa")."""
    return _strip(fold(raw))


@dataclass(frozen=True, slots=True)
class Token:
    raw: str
    norm: str
    start: int
    end: int
    possessive: bool = False  # written "X's"
    initial: bool = False  # opens a sentence, so its capital letter says nothing

    @property
    def capitalized(self) -> bool:
        return self.raw[:1].isupper()

    @property
    def upper(self) -> bool:
        letters = [c for c in self.raw if c.isalpha()]
        return len(letters) > 1 and all(c.isupper() for c in letters)

    @property
    def bare(self) -> str:
        """The norm without a possessive 's."""
        return self.norm[:-1] if self.possessive and len(self.norm) > 1 else self.norm


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    last_end = 0
    for m in _WORD.finditer(text):
        start, end = m.span()
        raw = m.group(0)  # only letters, digits and ' . & (no other apostrophe to straighten)
        possessive = len(raw) > 2 and raw[-2:] in ("'s", "'S")
        gap = text[last_end:start]
        if not tokens:
            initial = True
        elif gap == " ":  # the common gap: no sentence ends in it
            initial = False
        else:
            after_initial = len(tokens[-1].raw) == 1 and gap.strip() == "."
            initial = bool(_BREAK_BEFORE.search(gap)) and not after_initial
        tokens.append(Token(raw, norm_word(raw), start, end, possessive, initial))
        last_end = end
    return tokens


def name_tokens(name: str) -> list[str]:
    """The words of a name, folded ("A. Datum Corporation" -> ["a", "datum", "corporation"])."""
    return [_strip(w) for w in _WORD.findall(fold(name))]


def clause_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the clauses of a message, in order, empty ones left out."""
    spans, start = [], 0
    for m in _CLAUSE_SEP.finditer(text):
        end = m.end() if m.group("emoji") else m.start()  # an emoji ends its clause but says how it went: kept
        if text[start:end].strip():
            spans.append((start, end))
        start = m.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


# the regex of all keys, the keys (folded) with what they stand for, and the same regex for ASCII text in lower case
Shorthand = tuple[re.Pattern[str], dict[str, str], re.Pattern[str] | None] | None


def compile_shorthand(table: dict[str, str]) -> Shorthand:
    """One regex for all mobile shorthand ("w/", "f/u", "tmrw"), matched as whole words."""
    items = {fold(k): v for k, v in table.items() if v}
    if not items:
        return None
    alts = []
    spellings = {k.casefold() for k, v in table.items() if v} | set(items)  # "nächster" as typed, "nachster" too
    for key in sorted(spellings, key=len, reverse=True):
        tail = "" if not key[-1].isalnum() else r"(?![\w'])"
        alts.append((key, re.escape(key) + tail))
    # every key starts at a word start: that lookbehind is tested once per position, not once per key
    rx = re.compile(r"(?<![\w/'])(?:" + "|".join(a for _, a in alts) + ")", re.IGNORECASE)
    return rx, items, _ascii_shorthand(alts)


def _ascii_shorthand(alts: list[tuple[str, str]]) -> re.Pattern[str] | None:
    """The keys' regex for ASCII text in lower case: without IGNORECASE, whose letters the regex engine cannot
    skip at a glance, and so several times faster. In ASCII text a letter matches a key's ASCII letter whatever
    the case exactly when it does in lower case, and no other letter of a key (none that the regex engine takes
    for an ASCII one in any case, which is checked) matches at all: the same matches, at the same places."""
    foreign = {ch for key, _ in alts for ch in key if not ch.isascii()}
    if any(re.fullmatch(re.escape(ch), a, re.IGNORECASE) for ch in foreign for a in map(chr, range(128))):
        return None
    return re.compile(r"(?<![\w/'])(?:" + by_first_letter([a for key, a in alts if key.isascii()]) + ")")


def expand_shorthand(text: str, compiled: Shorthand) -> str:
    if compiled is None:
        return text
    rx, items, ascii_rx = compiled
    found = ascii_rx.finditer(text.lower()) if ascii_rx is not None and text.isascii() else rx.finditer(text)
    out, done = [], 0
    for m in found:  # rx.sub(), with what the rep wrote
        start, end = m.span()
        written = text[start:end]
        following = text[end : end + 1]
        spaced = following and not following.isspace() and following.isalnum()
        out += [text[done:start], items.get(fold(written), written) + (" " if spaced else "")]
        done = end
    return "".join(out) + text[done:]
