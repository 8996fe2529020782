"""Reps are recorded on first contact (with their time zone), so the digest scheduler knows whom to brief."""

from __future__ import annotations

import threading

from bot.context import Actor, Services
from domain.errors import Conflict
from domain.tenancy import Rep


class RepRegistry:
    """Writes only when a rep is new or their time zone changed; the cache keeps it off the hot path."""

    def __init__(self) -> None:
        self._seen: set[tuple[str, str, str]] = set()
        self._lock = threading.Lock()

    def ensure(self, services: Services, actor: Actor) -> None:
        key = (actor.workspace_id, actor.user_id, actor.tz)
        if key in self._seen:
            return
        try:
            with services.uow(actor.workspace_id) as uow:
                rep = uow.reps.get(actor.user_id)
                if rep is None:
                    uow.reps.upsert(Rep(actor.user_id, actor.name or actor.user_id, actor.tz))
                elif rep.tz != actor.tz and actor.tz != "UTC":  # "UTC": what an adapter says when it doesn't know
                    rep.tz = actor.tz
                    uow.reps.upsert(rep)
                uow.commit()
        except Conflict:  # the rep's other first message (another thread or process) recorded them a moment ago
            return  # not cached: the next message checks the time zone again
        with self._lock:
            self._seen.add(key)
