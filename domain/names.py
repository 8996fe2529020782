"""Name normalisation shared by storage look-ups and imports (exact matching; fuzzy matching is the parser's)."""

from __future__ import annotations

import re
import unicodedata
import uuid

_PUNCT = re.compile(r"[^\w\s]", re.UNICODE)
_SPACE = re.compile(r"\s+")


def normalize_name(name: str) -> str:
    """Case-, accent-, punctuation- and spacing-insensitive key: "Fabrikam, Inc." -> "fabrikam inc"."""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACE.sub(" ", _PUNCT.sub(" ", bare.casefold())).strip()


def new_id() -> str:
    return uuid.uuid4().hex
