"""Lexicon phrases ("signed (the|a) contract", "renew*", "re:...") compiled into regexes over folded text."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Generic, NamedTuple, TypeVar

T = TypeVar("T")
_NUMBER = r"\d+(?:[.,]\d+)?"
_BOUNDARY = r"(?<![\w])"  # every plain phrase starts here: never inside a longer word


def _word(word: str) -> str:
    """One word of a phrase: '*' is any ending, '?' makes the previous character optional, '#' a number; the
    apostrophe of "n't" is optional."""
    if word == "#":
        return _NUMBER
    out = []
    word = word.replace("n't", "n\0t")  # reps drop the apostrophe: "didnt", "cant"
    for ch in word:
        if ch == "*":
            out.append(r"[\w'-]*")
        elif ch == "?":
            out.append("?")
        elif ch == "\0":
            out.append("'?")
        else:
            out.append(re.escape(ch))
    return "".join(out)


def _group(body: str) -> str:
    options = [" ".join(o.split()) for o in body.split("|")]
    parts = [r"\s+".join(_word(w) for w in o.split()) for o in options if o]
    empty = any(not o for o in options)
    return "(?:" + "|".join(parts) + ")" + ("?" if empty else "")


def phrase_regex(phrase: str) -> str:
    """Regex source for one phrase, bounded so that it never matches inside a longer word."""
    phrase = phrase.strip()
    if phrase.startswith("re:"):
        return "(?:" + phrase[3:] + ")"
    items = re.findall(r"\([^)]*\)|\S+", phrase)
    while items and items[-1] == "~":  # a gap that ends the phrase needs no word after it ("went with the ~")
        items.pop()
    out, pending_sep = "", False
    for item in items:
        if item == "~":
            out += (r"\s+" if pending_sep else "") + r"(?:[^\s]+\s+){0,3}?"
            pending_sep = False  # the gap ends on whitespace
            continue
        piece = _group(item[1:-1]) if item.startswith("(") else _word(item)
        if item.startswith("(") and piece.endswith(")?"):  # an optional group carries its own separator
            core = piece[:-1]
            out += r"(?:\s+" + core + ")?" if pending_sep else "(?:" + core + r"\s+)?"
            continue
        out += (r"\s+" if pending_sep else "") + piece
        pending_sep = True
    return _BOUNDARY + out + r"(?![\w]|'[a-z])"


class PhraseMatch(NamedTuple, Generic[T]):
    start: int
    end: int
    text: str
    tag: T


class PhraseSet(Generic[T]):
    """Tagged phrase groups; find() returns the longest non-overlapping matches in text order."""

    def __init__(self, groups: Iterable[tuple[T, Iterable[str]]]) -> None:
        self._groups: list[tuple[T, re.Pattern[str]]] = []
        every: list[str] = []
        for tag, phrases in groups:
            sources = sorted({phrase_regex(p) for p in phrases if p.strip()}, key=len, reverse=True)
            if sources:
                self._groups.append((tag, re.compile(_alternation(sources))))
                every += sources
        # One scan for "where does any phrase of any group match at all": most notes match no phrase of most
        # sets, and then the groups' own scans (17 for the touches) are skipped; when some phrase matches, each
        # group tries only those places instead of scanning the whole text (see matches_at). Which phrase matches
        # first does not matter here, so the scan is one the regex engine runs fast (see _anywhere).
        self._starts = re.compile("(?=" + _anywhere(every) + ")") if self._groups else None

    def find(self, text: str) -> list[PhraseMatch[T]]:
        starts = [m.start() for m in self._starts.finditer(text)] if self._starts is not None else []
        if not starts:
            return []
        return longest_first([PhraseMatch(m.start(), m.end(), m.group(0), tag) for tag, rx in self._groups
                              for m in matches_at(rx, text, starts) if m.end() > m.start()])

    def any(self, text: str) -> bool:
        return self._starts is not None and self._starts.search(text) is not None


def longest_first(found: list[PhraseMatch[T]]) -> list[PhraseMatch[T]]:
    """The longest of the matches that overlap (the earlier of two as long), in text order."""
    if len(found) < 2:
        return found
    found.sort(key=lambda m: (m.start - m.end, m.start))
    kept: list[PhraseMatch[T]] = []
    for m in found:
        if all(m.end <= k.start or m.start >= k.end for k in kept):
            kept.append(m)
    return sorted(kept, key=lambda m: m.start)


def matches_at(rx: re.Pattern[str], text: str, starts: list[int]) -> Iterator[re.Match[str]]:
    """rx.finditer(text), tried only at `starts` (ascending), the places where rx may match (the only ones): the
    leftmost match at or after the end of the last one, as finditer finds it. Lookbehinds see the text before a
    start. After an empty match finditer goes on by rules of its own (a longer match at the same place): from
    there on it runs itself."""
    end = 0
    for start in starts:
        if start < end:
            continue
        m = rx.match(text, start)
        if m is None:
            continue
        if m.end() == start:
            yield from rx.finditer(text, start)
            return
        yield m
        end = m.end()


def _anywhere(sources: list[str]) -> str:
    """A regex that matches where one of the sources does, whichever: the plain phrases under one word-boundary
    test, each opening group of words spelled out ("(?:saved|saves) us" as "saved us", "saves us"), and those
    that start with a known letter before the others, so that they all branch by letter (by_first_letter)."""
    plain: list[str] = []
    for source in dict.fromkeys(sources):
        if source.startswith(_BOUNDARY):
            plain += _spelled_out(source[len(_BOUNDARY):])
    lettered = [body for body in plain if _first_letter(body)]
    others = [body for body in plain if not _first_letter(body)]
    runs = [_BOUNDARY + "(?:" + by_first_letter(lettered + others) + ")"] if plain else []
    runs += [source for source in dict.fromkeys(sources) if not source.startswith(_BOUNDARY)]
    return "|".join(runs)


def _spelled_out(body: str) -> list[str]:
    """ "(?:a|b)rest" as ["arest", "brest"], matching at the same places; the body itself when it opens otherwise
    or its group holds more than words (a group, a class, an empty option, a quantifier after it)."""
    if not body.startswith("(?:"):
        return [body]
    options, current, i = [], "", 3
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            current += body[i : i + 2]
            i += 2
            continue
        if ch in "([":
            return [body]
        if ch == "|":
            options.append(current)
            current = ""
        elif ch == ")":
            options.append(current)
            rest = body[i + 1 :]
            if rest[:1] in ("?", "*", "+", "{") or not all(options):
                return [body]
            return [option + rest for option in options]
        else:
            current += ch
        i += 1
    return [body]


def _first_letter(body: str) -> bool:
    return body[:1].isalnum() and body[1:2] not in ("?", "*", "+", "{")


def _alternation(sources: list[str]) -> str:
    """The sources as one alternation, in order, with the word-boundary lookbehind of each run of plain phrases
    tested once: `(?<!\\w)(?:a|b|c)` matches exactly what `(?<!\\w)a|(?<!\\w)b|(?<!\\w)c` does, but the regex
    engine no longer tries every phrase's lookbehind at every position of the text (10x faster on a note)."""
    runs: list[str] = []
    plain: list[str] = []
    for source in sources:
        if source.startswith(_BOUNDARY):
            plain.append(source[len(_BOUNDARY):])
            continue
        if plain:
            runs.append(_BOUNDARY + "(?:" + by_first_letter(plain) + ")")
            plain = []
        runs.append(source)
    if plain:
        runs.append(_BOUNDARY + "(?:" + by_first_letter(plain) + ")")
    return "|".join(runs)


def by_first_letter(bodies: list[str]) -> str:
    """The bodies as one alternation, those that start with the same letter under one branch ("a(?:dd|sk)"):
    the regex engine skips a branch whose first letter is not the text's at once, so each word of the text costs
    a try per letter instead of one per phrase. The first alternative that matches still wins: two bodies with
    different first letters never match at the same place, and one that starts otherwise (a group, a wildcard)
    keeps its place between the branches before it and those after it."""
    out: list[str | list[str]] = []  # a body as it is, or a branch: its first letter, then its bodies' rests
    branches: dict[str, list[str]] = {}
    for body in bodies:
        if _first_letter(body):
            if body[0] not in branches:
                branches[body[0]] = [body[0]]
                out.append(branches[body[0]])  # the branch stands where its first body stood
            branches[body[0]].append(body[1:])
        else:
            out.append(body)
            branches = {}  # a later body of a known letter may not jump ahead of this one
    return "|".join(b if isinstance(b, str) else b[0] + "(?:" + "|".join(b[1:]) + ")" for b in out)
