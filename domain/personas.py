"""Buyer personas and the job-title matcher that derives an individual's persona from their title."""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DEFAULT_PERSONAS_PATH = Path(__file__).parent / "data" / "personas.toml"


@dataclass(frozen=True)
class Persona:
    key: str
    label: str
    title_patterns: tuple[str, ...]
    priorities: tuple[str, ...]


class PersonaFileError(ValueError):
    """The personas file is malformed; the message says where."""


@lru_cache(maxsize=8)
def _load(path: Path) -> tuple[Persona, ...]:
    with path.open("rb") as f:
        data = tomllib.load(f)
    table = data.get("personas")
    if not isinstance(table, dict) or not table:
        raise PersonaFileError(f"{path}: no [personas.<key>] tables")
    personas = []
    for key, body in table.items():
        if not re.fullmatch(r"[a-z][a-z0-9_]*", key) or not isinstance(body, dict):
            raise PersonaFileError(f"{path}: bad persona key {key!r}")
        label = body.get("label")
        if not isinstance(label, str) or not label.strip():
            raise PersonaFileError(f"{path}: personas.{key}: label must be a non-empty string")
        where = f"{path}: personas.{key}"
        patterns = _strings(body.get("title_patterns"), f"{where}: title_patterns")
        personas.append(Persona(key, label, patterns, _strings(body.get("priorities", []), f"{where}: priorities")))
    return tuple(personas)


def _strings(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise PersonaFileError(f"{where} must be a list of non-empty strings")
    return tuple(value)


def load_personas(path: Path | None = None) -> tuple[Persona, ...]:
    """The personas of a file (the shipped default when None); cached per path."""
    return _load((path or DEFAULT_PERSONAS_PATH).resolve())


# --- title normalisation: both patterns and titles go through it, so they meet in the middle ---

_ABBREVIATIONS: dict[str, str] = {
    "ceo": "chief executive officer", "cfo": "chief financial officer",
    "cio": "chief information officer", "cto": "chief technology officer",
    "coo": "chief operating officer", "ciso": "chief information security officer",
    "cmo": "chief marketing officer", "cro": "chief revenue officer",
    "chro": "chief human resources officer", "cdo": "chief data officer",
    "cco": "chief commercial officer", "dpo": "data protection officer",
    "vp": "vp", "svp": "senior vp", "evp": "vp", "avp": "vp", "vicepresident": "vp",
    "sr": "senior", "snr": "senior", "jr": "junior", "mgr": "manager", "mngr": "manager",
    "dir": "director", "ops": "operations", "hr": "human resources", "eng": "engineering",
    "engr": "engineer", "mktg": "marketing", "fin": "finance", "acct": "accounting",
    "md": "managing director", "gm": "general manager", "admin": "administrator",
    "sysadmin": "systems administrator", "infosec": "information security",
    "cybersecurity": "security", "secops": "security operations", "revops": "revenue operations",
    "financial": "finance", "technical": "technology", "tech": "technology",
    "purchase": "purchasing", "procure": "procurement",
}
# Multi-word spellings folded before single-word expansion ("Vice President" is a VP, not a President).
_PHRASES: dict[str, str] = {
    "vice president": "vp", "information technology": "it", "i t": "it",
    "co founder": "founder", "human resource": "human resources",
}
_PHRASE_RE = re.compile(r"\b(?:" + "|".join(map(re.escape, _PHRASES)) + r")\b")
_STOPWORDS = frozenset({"of", "and", "the", "for", "to", "in", "at", "a", "an", "on", "with"})
_NON_WORD = re.compile(r"[^a-z0-9]+")


def _expand(word: str) -> list[str]:
    # Expansions go through the table again so "CFO" and "Chief Financial Officer" give the same words.
    return [x for w in _ABBREVIATIONS.get(word, word).split() for x in _ABBREVIATIONS.get(w, w).split()]


_EXPANSIONS: dict[str, tuple[str, ...]] = {w: tuple(_expand(w)) for w in _ABBREVIATIONS}


def normalise_title(title: str) -> tuple[str, ...]:
    """Lower-case words of a title, abbreviations expanded and filler dropped, in order."""
    text = _NON_WORD.sub(" ", title.lower().replace("&", " and ").replace("'", "").replace(".", ""))
    text = _PHRASE_RE.sub(lambda m: _PHRASES[m.group(0)], text)
    words: list[str] = []
    for word in text.split():
        if word in _EXPANSIONS:
            words.extend(_EXPANSIONS[word])
        elif word not in _STOPWORDS:
            words.append(word)
    return tuple(words)


@dataclass(frozen=True)
class _Pattern:
    persona: Persona
    words: frozenset[str]
    weight: float
    order: int
    anchors: frozenset[str]  # its most telling words, for the "named first" tie-break


class _Matcher:
    """Precompiled patterns, indexed by each pattern's rarest word so a title checks only a handful."""

    def __init__(self, personas: Sequence[Persona]) -> None:
        compiled = [(p, frozenset(normalise_title(t))) for p in personas for t in p.title_patterns]
        users: dict[str, set[str]] = {}
        for persona, words in compiled:
            for w in words:
                users.setdefault(w, set()).add(persona.key)
        n = max(len(personas), 1)
        # A word shared by many personas ("director") says little; one owned by a single persona says a lot.
        self._weight = {w: math.log(n / len(keys)) + 0.1 for w, keys in users.items()}
        self._index: dict[str, list[_Pattern]] = {}
        for order, (persona, words) in enumerate(compiled):
            if not words:
                continue
            top = max(self._weight[w] for w in words)
            anchors = frozenset(w for w in words if self._weight[w] == top)
            pattern = _Pattern(persona, words, round(sum(self._weight[w] for w in words), 6), order, anchors)
            self._index.setdefault(min(anchors), []).append(pattern)
        self._by_title: dict[str, Persona | None] = {}
        self._by_words: dict[tuple[str, ...], Persona | None] = {}

    def match(self, title: str) -> Persona | None:
        try:
            return self._by_title[title]
        except KeyError:
            pass
        words = normalise_title(title)
        found = self._by_words[words] if words in self._by_words else self._best(words)
        if len(self._by_title) > 200_000:  # bound memory on odd imports with unique titles
            self._by_title.clear()
            self._by_words.clear()
        self._by_title[title] = self._by_words[words] = found
        return found

    def _best(self, words: tuple[str, ...]) -> Persona | None:
        present = set(words)
        matches = [p for w in present for p in self._index.get(w, ()) if p.words <= present]
        if not matches:
            return None
        # Heavier, then longer, then the function named first ("VP Sales and Marketing"), then file order.
        return max(
            matches,
            key=lambda p: (p.weight, len(p.words), -min(words.index(w) for w in p.anchors), -p.order),
        ).persona


@lru_cache(maxsize=16)
def _matcher(personas: tuple[Persona, ...]) -> _Matcher:
    return _Matcher(personas)


@lru_cache(maxsize=1)
def _default_matcher() -> _Matcher:
    # Separate from _matcher so the hot path (bulk import) does not re-hash the persona tuple per call.
    return _matcher(load_personas())


def persona_for_title(title: str | None, personas: Sequence[Persona] | None = None) -> Persona | None:
    """The persona a job title identifies, the most specific match winning; None when nothing fits."""
    if not title or not title.strip():
        return None
    matcher = _default_matcher() if personas is None else _matcher(tuple(personas))
    return matcher.match(title)
