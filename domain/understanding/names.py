"""Names the workspace does not know yet: a new company ("Intro call with Zephyr Robotics") or a new person
("Kofi Mensah, plant manager")."""

from __future__ import annotations

from dataclasses import dataclass

from domain.understanding.directory import Directory
from domain.understanding.text import Token

_COMPANY_CUES = frozenset({"with", "at", "from", "for", "to", "about", "visited", "joined", "and", "vs", "versus"})
_PERSON_CUES = frozenset({"met", "meeting", "spoke", "called", "emailed", "cc", "introduced", "intro", "ping", "new"})
_TITLE_GLUE = frozenset({"of", "the", "and", "&", "new", "our", "their", "a", "an", "for"})
_AFFILIATION = frozenset({"at", "from"})  # "with Zed Quorn at Vexillo": a person, then where they work


@dataclass(frozen=True)
class NewName:
    start: int
    end: int
    name: str
    company: bool
    title: str | None = None


def _nameish(tok: Token, directory: Directory) -> bool:
    """Written like a name and not an everyday word (org words such as 'Robotics' may end a name)."""
    rules = directory.rules
    if not tok.capitalized or tok.upper or not tok.bare.isalpha() or len(tok.bare) < 2:
        return False
    word = tok.bare
    return word not in rules.common or word in rules.org or word in rules.legal


def _runs(tokens: list[Token], taken: set[int], directory: Directory) -> list[tuple[int, int]]:
    runs, i = [], 0
    while i < len(tokens):
        if i in taken or not _nameish(tokens[i], directory) or tokens[i].bare in directory.rules.org:
            end = _org_run(tokens, i, taken, directory)
            if end is not None:
                runs.append((i, end))
            i = end or i + 1
            continue
        j, parts = i + 1, 1
        while parts < 4 and j < len(tokens) and not tokens[j - 1].possessive:
            k = _past_particles(tokens, j, taken, directory)
            if k in taken or not _adjacent(tokens, k) or not _nameish(tokens[k], directory):
                break
            j, parts = k + 1, parts + 1
        j = max(j, _org_run(tokens, i, taken, directory) or j)  # "Nordvik AB": its legal form is part of it
        runs.append((i, j))
        i = j
    return runs


def _adjacent(tokens: list[Token], j: int) -> bool:
    """Token j follows the one before it with at most a space between (a comma or "/" ends a name)."""
    return 0 < j < len(tokens) and tokens[j].start - tokens[j - 1].end <= 1


def _past_particles(tokens: list[Token], j: int, taken: set[int], directory: Directory) -> int:
    """Where a name goes on after up to two particles at j ("de", "van der"), or j itself if there are none or no
    capitalised part follows them."""
    k = j
    while k - j < 2 and k < len(tokens) and k not in taken and _adjacent(tokens, k) and not tokens[k].capitalized \
            and tokens[k].bare in directory.rules.particles:
        k += 1
    return k if k < len(tokens) and tokens[k].capitalized else j


def _org_run(tokens: list[Token], start: int, taken: set[int], directory: Directory) -> int | None:
    """Capitalised words ending in an organisation word or legal form ("Blue Harbor Logistics", "Summit Health
    Partners"): a company's name even when its other words are everyday ones. The end of the longest such run
    starting here, or None. A sentence's first word that opens notes starts one only when the run without it is
    no name ("Harbor Logistics wants a demo", but "Called Harbor Logistics")."""
    first = tokens[start]
    if first.initial and first.bare in directory.rules.openers and _org_end(tokens, start + 1, taken,
                                                                            directory) is not None:
        return None
    return _org_end(tokens, start, taken, directory)


def _org_end(tokens: list[Token], start: int, taken: set[int], directory: Directory) -> int | None:
    rules = directory.rules
    end, j = None, start
    while j < len(tokens) and (j - start < 4 or tokens[j].bare in rules.legal) and j - start < 6 and j not in taken:
        tok = tokens[j]
        if j > start and (not _adjacent(tokens, j) or tokens[j - 1].possessive):
            break
        if not tok.capitalized or not tok.bare.isalpha():  # acronyms too ("IBM Global Services")
            break
        j += 1
        if j - start > 1 and (tok.bare in rules.org or tok.bare in rules.legal):
            end = j
    return end


def _title_near(tokens: list[Token], start: int, end: int, text: str, directory: Directory,
                taken: set[int]) -> str | None:
    """A job title right before the name ("plant manager Kofi Mensah") or after a comma ("..., new Head of X")."""
    words = directory.rules.title_words
    if start and tokens[start - 1].bare in words and tokens[start - 1].end + 1 == tokens[start].start:
        first = start - 1
        while (
            first > 0
            and start - first < 3
            and tokens[first - 1].end + 1 == tokens[first].start
            and not tokens[first - 1].possessive
            and tokens[first - 1].bare not in _TITLE_GLUE
        ):
            first -= 1
        return text[tokens[first].start : tokens[start - 1].end]
    if end < len(tokens) and text[tokens[end - 1].end : tokens[end].start].strip() in {",", "(", "-"}:
        stop = end
        while stop < len(tokens) and stop - end < 6 and tokens[stop].bare not in {"at", "from", "with"}:
            if tokens[stop].bare == "of" and _company_at(tokens, stop + 1, taken, directory):
                break  # "CTO of Orchid Data Systems": the title ends where the company's name begins
            if stop > end and tokens[stop].start - tokens[stop - 1].end > 1:
                break
            stop += 1
        span = [t for t in tokens[end:stop] if t.bare not in _TITLE_GLUE]
        if span and any(t.bare in words for t in span):
            return text[span[0].start : span[-1].end]
    return None


def find_new_names(tokens: list[Token], taken: set[int], text: str, directory: Directory) -> list[NewName]:
    rules = directory.rules
    out = []
    runs = _runs(tokens, taken, directory)
    starts = {start for start, _end in runs}
    for start, end in runs:
        span = tokens[start:end]
        cue = tokens[start - 1].bare if start else ""
        title = _title_near(tokens, start, end, text, directory, taken)
        last = span[-1].bare
        first_name = span[0].bare in rules.first_names or directory.is_first_name(span[0].bare)
        name = text[span[0].start : span[-1].end]
        if len(span) > 1 and (last in rules.org or last in rules.legal):
            out.append(NewName(start, end, name, True))
        elif 2 <= _parts(span, rules.particles) <= 3 and (first_name or title or cue in _PERSON_CUES
                                      or _works_at(tokens, end, taken | starts)):
            out.append(NewName(start, end, name, False, title))
        elif cue in _COMPANY_CUES and not first_name and not span[0].initial:
            out.append(NewName(start, end, name, True))
    return out


def _works_at(tokens: list[Token], end: int, names: set[int]) -> bool:
    """The name is followed by "at" or "from" and another name (an account's, or one not known yet): the
    name of a person and then of their company, whatever the first names the lexicon knows."""
    return end + 1 < len(tokens) and tokens[end].bare in _AFFILIATION and end + 1 in names


def _company_at(tokens: list[Token], start: int, taken: set[int], directory: Directory) -> bool:
    """A company's name starts here: an account's (its words taken by a mention) or a new one's."""
    return start < len(tokens) and (start in taken or _org_end(tokens, start, taken, directory) is not None)


def _parts(span: list[Token], particles: frozenset[str]) -> int:
    """A name's capitalised parts: "Jan van der Berg" has two."""
    return sum(1 for t in span if t.capitalized or t.bare not in particles)


def another_company(tokens: list[Token], start: int, end: int, directory: Directory) -> bool:
    """The one-word account name at start:end opens a longer company name with words of its own: "Blue" of a
    known "Blue Yonder Airlines" in "Blue Harbor Logistics" is no mention of it (an organisation word or legal
    form after it is: "Globex Holdings GmbH")."""
    if end - start != 1:
        return False
    run = _org_end(tokens, start, set(), directory)
    rules = directory.rules
    return run is not None and any(t.bare not in rules.org and t.bare not in rules.legal for t in tokens[end:run])
