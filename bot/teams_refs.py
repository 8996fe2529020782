"""Conversation references: where the bot can write to a rep later (the digest) without being spoken to.

storage.conversation_refs.SqlConversationRefs is the durable implementation; InMemoryRefs serves unit tests.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime, timedelta
from typing import Protocol

from storage.conversation_refs import ConversationRef

StoredRef = ConversationRef  # the row shape lives with the other platform bookkeeping in storage/


class ConversationRefs(Protocol):
    def save(self, ref: StoredRef) -> None: ...

    def get(self, workspace_id: str, user_id: str, conversation_id: str) -> StoredRef | None: ...

    def of_user(self, workspace_id: str, user_id: str) -> list[StoredRef]: ...


class InMemoryRefs:
    """Thread-safe: turns run on the event loop, the digest may read from a worker thread."""

    def __init__(self) -> None:
        self._refs: dict[tuple[str, str, str], StoredRef] = {}
        self._lock = threading.Lock()

    def save(self, ref: StoredRef) -> None:
        with self._lock:
            self._refs[(ref.workspace_id, ref.user_id, ref.conversation_id)] = ref

    def get(self, workspace_id: str, user_id: str, conversation_id: str) -> StoredRef | None:
        with self._lock:
            return self._refs.get((workspace_id, user_id, conversation_id))

    def of_user(self, workspace_id: str, user_id: str) -> list[StoredRef]:
        """The rep's conversations, 1:1 chat first (where a digest belongs), newest first within each kind."""
        with self._lock:
            mine = [r for (ws, user, _), r in self._refs.items() if ws == workspace_id and user == user_id]
        mine.sort(key=lambda r: r.updated_at, reverse=True)
        return sorted(mine, key=lambda r: r.conversation_type != "personal")


REF_REFRESH = timedelta(hours=1)  # a reference's updated_at may lag this much: it only orders a rep's chats
_Key = tuple[str, str, str]  # (workspace, user, conversation)


class SavedRefs:
    """What this process stored last per conversation, so an unchanged reference is not written per message."""

    def __init__(self, refresh: timedelta = REF_REFRESH, limit: int = 100_000) -> None:
        self.refresh, self.limit = refresh, limit
        self._last: OrderedDict[_Key, tuple[object, datetime]] = OrderedDict()
        self._lock = threading.Lock()  # turns run in worker threads

    def due(self, key: _Key, reference: object, now: datetime) -> bool:
        """True when the reference is new here, changed (Teams may move a serviceUrl), or REF_REFRESH old."""
        with self._lock:
            last = self._last.get(key)
        return last is None or last[0] != reference or now - last[1] >= self.refresh

    def stored(self, key: _Key, reference: object, now: datetime) -> None:
        """Record a successful save (only then: a failed one is tried again on the next message)."""
        with self._lock:
            self._last[key] = (reference, now)
            self._last.move_to_end(key)
            while len(self._last) > self.limit:
                self._last.popitem(last=False)
