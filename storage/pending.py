"""Pending logs (waiting for the rep's answer) and processed deliveries (retries never log twice)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from domain.names import new_id
from storage.prepared import PreparedRead, Step
from storage.tables import DeliveryRow, PendingLogRow


@dataclass
class PendingLog:
    id: str
    user_id: str
    text: str
    said_at: datetime
    expires_at: datetime
    question: dict[str, Any]


class SqlPendingLogs:
    def __init__(self, session: Session, workspace_id: str) -> None:
        self._s = session
        self._ws = workspace_id

    def add(self, *, user_id: str, text: str, said_at: datetime, expires_at: datetime,
            question: dict[str, Any], delivery_key: str | None = None) -> PendingLog:
        if delivery_key:  # a retry of the delivery that asked finds its question again (asked_by)
            question = {**question, DELIVERY: delivery_key}
        row = PendingLogRow(id=new_id(), workspace_id=self._ws, user_id=user_id, text=text, said_at=said_at,
                            expires_at=expires_at, question=question)
        self._s.add(row)
        return PendingLog(row.id, user_id, text, said_at, expires_at, question)

    def get(self, pending_id: str) -> PendingLog | None:
        row = self._s.get(PendingLogRow, pending_id)
        if row is None or row.workspace_id != self._ws:
            return None
        return _pending(row)

    def latest_for(self, user_id: str, *, now: datetime) -> PendingLog | None:
        q = select(PendingLogRow).where(
            PendingLogRow.workspace_id == self._ws, PendingLogRow.user_id == user_id, PendingLogRow.expires_at > now
        ).order_by(col(PendingLogRow.said_at).desc())
        row = self._s.exec(q).first()
        return _pending(row) if row else None

    def asked_by(self, user_id: str, delivery_key: str, *, now: datetime) -> PendingLog | None:
        """The question the delivery `delivery_key` asked, still waiting for its answer (None: answered, expired,
        or never asked). A rep has a few pending notes at most: they are read and matched here."""
        q = select(PendingLogRow).where(
            PendingLogRow.workspace_id == self._ws, PendingLogRow.user_id == user_id, PendingLogRow.expires_at > now)
        row = next((r for r in self._s.exec(q) if r.question.get(DELIVERY) == delivery_key), None)
        return _pending(row) if row else None

    def take(self, pending_id: str) -> PendingLog | None:
        """Delete the pending note and return it: the claim of an answer. None when no row was deleted (another
        answer took it, or it never existed): that answer must write nothing. The DELETE is the transaction's
        first write, so a concurrent answer waits for it (PostgreSQL's row lock, SQLite's write lock) and then
        deletes nothing."""
        row = self._s.execute(delete(_PENDING).where(
            _PENDING.c.workspace_id == self._ws, _PENDING.c.id == pending_id).returning(*_PENDING.c)).first()
        return _pending(row) if row else None


def mark_delivery(session: Session, workspace_id: str, key: str, *, now: datetime) -> bool:
    """Record a delivery key in this transaction; True when it was already processed (a retry).

    One INSERT ... ON CONFLICT DO NOTHING: no read first, and a retry racing its original waits for it on the
    key's unique index, then finds it (on PostgreSQL and SQLite alike)."""
    conn = session.connection()
    record = _RECORD_DELIVERY[conn.dialect.name]
    inserted = record.execute(conn.connection, conn.dialect, workspace_id=workspace_id, key=key, seen_at=now)
    return inserted == 0


def delivery_claim(dialect: str, workspace_id: str, key: str, *, now: datetime) -> Step:
    """mark_delivery as a step to run together with the reads that follow it (storage.prepared.run_counted): it
    touched no row when the delivery was processed before."""
    return _RECORD_DELIVERY[dialect], {"workspace_id": workspace_id, "key": key, "seen_at": now}


def _pending(row: Any) -> PendingLog:
    """A pending row (ORM instance or Core row: the same attribute names) as a PendingLog."""
    return PendingLog(row.id, row.user_id, row.text, row.said_at, row.expires_at, dict(row.question))


DELIVERY = "delivery"  # the question's key holding the delivery id that asked it
_PENDING = PendingLogRow.__table__  # type: ignore[attr-defined]
_DELIVERY = DeliveryRow.__table__  # type: ignore[attr-defined]
_RECORD_DELIVERY = {
    "sqlite": PreparedRead(sqlite_insert(_DELIVERY).on_conflict_do_nothing()),
    "postgresql": PreparedRead(postgresql_insert(_DELIVERY).on_conflict_do_nothing()),
}
