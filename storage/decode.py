"""Stored values back into domain values, for the reads that skip the ORM (storage/views.py,
storage/digest_reads.py): thousands a command or run, so enum members come from plain dicts (calling the enum
costs more) and JSON lists are parsed only when not empty."""

from __future__ import annotations

import json

from domain.buying import Stage
from domain.customer import BuyingRole, Lifecycle
from domain.listening import Channel, Polarity

STAGES: dict[str | None, Stage | None] = {None: None, "": None, **{s.value: s for s in Stage}}
LIFECYCLES = {x.value: x for x in Lifecycle}
CHANNELS = {x.value: x for x in Channel}
POLARITIES = {x.value: x for x in Polarity}
_ROLES = {x.value: x for x in BuyingRole}
_ROLE_LISTS: dict[str, tuple[BuyingRole, ...]] = {}  # the same few role lists, thousands of people


def roles(raw: str | list[str] | None) -> tuple[BuyingRole, ...]:
    """Buying roles as stored: a JSON list, as text (read raw) or already parsed (read through the JSON type)."""
    if raw is None:
        return ()
    if not isinstance(raw, str):
        return tuple(_ROLES[x] for x in raw)
    found = _ROLE_LISTS.get(raw)
    if found is None:
        found = tuple(_ROLES[x] for x in json.loads(raw) or ())
        if len(_ROLE_LISTS) < 4096:
            _ROLE_LISTS[raw] = found
    return found


def strings(raw: str | list[str] | None) -> tuple[str, ...]:
    """A stored JSON list of strings (the people a row names, an account's aliases, a person's roles), as text
    (SQLite, read raw) or already parsed (psycopg parses JSON itself): the usual empty list without the parser."""
    if raw is None or raw == "[]":
        return ()
    return tuple(json.loads(raw) if isinstance(raw, str) else raw)

