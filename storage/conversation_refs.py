"""Conversation references in the database: proactive messages reach a rep from any bot process."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from storage.tables import ConversationRefRow
from storage.uow import ensure_workspace
from storage.upsert import merge_row


@dataclass(frozen=True)
class ConversationRef:
    workspace_id: str  # "teams:<tenant id>"
    user_id: str  # the rep's AAD object id (or Teams user id)
    conversation_id: str  # without a channel thread's ";messageid=…"
    conversation_type: str  # "personal", "groupChat" or "channel"
    service_url: str
    reference: dict[str, Any]  # the Bot Framework ConversationReference, as its JSON
    updated_at: datetime


def _from_row(r: ConversationRefRow) -> ConversationRef:
    return ConversationRef(r.workspace_id, r.user_id, r.conversation_id, r.conversation_type, r.service_url,
                           dict(r.reference or {}), r.updated_at)


class SqlConversationRefs:
    """Each call is its own short transaction: references are saved as activities arrive."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def save(self, ref: ConversationRef) -> None:
        """Upsert; when another process inserted the same reference first, the retry updates it."""
        ensure_workspace(self._engine, ref.workspace_id, ref.workspace_id)
        merge_row(self._engine, ConversationRefRow(
            workspace_id=ref.workspace_id, user_id=ref.user_id, conversation_id=ref.conversation_id,
            conversation_type=ref.conversation_type, service_url=ref.service_url, reference=ref.reference,
            updated_at=ref.updated_at))

    def get(self, workspace_id: str, user_id: str, conversation_id: str) -> ConversationRef | None:
        with Session(self._engine) as s:
            row = s.get(ConversationRefRow, (workspace_id, user_id, conversation_id))
            return _from_row(row) if row else None

    def of_user(self, workspace_id: str, user_id: str) -> list[ConversationRef]:
        """The rep's conversations, 1:1 chat first (where a digest belongs), newest first within each kind."""
        with Session(self._engine) as s:
            q = select(ConversationRefRow).where(
                col(ConversationRefRow.workspace_id) == workspace_id, col(ConversationRefRow.user_id) == user_id
            ).order_by(col(ConversationRefRow.updated_at).desc())
            refs = [_from_row(r) for r in s.exec(q)]
        return sorted(refs, key=lambda r: r.conversation_type != "personal")
