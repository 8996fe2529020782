"""Claims on digest sends: one per rep per local day, however many sender processes run at once.

A claim is the row's primary key, inserted before anything is sent. A sender that crashes after claiming
leaves the row "claimed" until its lease ends; a later run takes it over with a conditional UPDATE that only
one process can win. Transient failures are retried with backoff; unreachable reps are recorded, not retried.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import and_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from domain.tenancy import Rep
from storage.mapping import rep_from_row
from storage.tables import DigestSendRow, RepRow

LEASE = timedelta(minutes=10)  # longer than any send takes, including Retry-After waits
MAX_ATTEMPTS = 5
OPEN = ("claimed", "retry")


class DigestSends:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def due_reps(self) -> list[tuple[str, Rep]]:
        """Every rep with the digest on, in every workspace."""
        with Session(self._engine) as s:
            rows = s.execute(select(RepRow).where(col(RepRow.digest_enabled).is_(True))).scalars()
            return [(r.workspace_id, rep_from_row(r)) for r in rows]

    def claim(self, workspace_id: str, rep_id: str, day: date, *, now: datetime) -> bool:
        """True when this process may send the rep's digest for `day` now."""
        with Session(self._engine) as s:
            s.add(DigestSendRow(workspace_id=workspace_id, rep_id=rep_id, local_date=day, status="claimed",
                                claimed_at=now, next_try_at=now + LEASE, attempts=1))
            try:
                s.commit()
                return True
            except IntegrityError:
                s.rollback()
        key = _key(workspace_id, rep_id, day)
        with self._engine.begin() as conn:
            taken = conn.execute(
                update(DigestSendRow).where(key, col(DigestSendRow.status).in_(OPEN),
                                            col(DigestSendRow.next_try_at) <= now,
                                            col(DigestSendRow.attempts) < MAX_ATTEMPTS)
                .values(status="claimed", claimed_at=now, next_try_at=now + LEASE,
                        attempts=DigestSendRow.attempts + 1)
            )
            return taken.rowcount == 1

    def finish(self, workspace_id: str, rep_id: str, day: date, *, status: str, now: datetime,
               detail: str | None = None) -> None:
        """Record the outcome: sent, skipped or unreachable (final), or retry (after a backoff)."""
        values: dict[str, object] = {"status": status, "detail": detail}
        if status == "sent":
            values["sent_at"] = now
        if status == "retry":
            attempts = self._attempts(workspace_id, rep_id, day)
            values["next_try_at"] = now + timedelta(minutes=2**attempts)  # 2, 4, 8, 16 minutes
            if attempts >= MAX_ATTEMPTS:
                values["status"] = "failed"
        with self._engine.begin() as conn:
            conn.execute(update(DigestSendRow).where(_key(workspace_id, rep_id, day)).values(**values))

    def _attempts(self, workspace_id: str, rep_id: str, day: date) -> int:
        with Session(self._engine) as s:
            row = s.get(DigestSendRow, (workspace_id, rep_id, day))
            return row.attempts if row else 0

    def status(self, workspace_id: str, rep_id: str, day: date) -> str | None:
        with Session(self._engine) as s:
            row = s.get(DigestSendRow, (workspace_id, rep_id, day))
            return row.status if row else None

    def last_sent_at(self, workspace_id: str, rep_id: str) -> datetime | None:
        with Session(self._engine) as s:
            q = select(col(DigestSendRow.sent_at)).where(
                _key(workspace_id, rep_id), col(DigestSendRow.status) == "sent"
            ).order_by(col(DigestSendRow.local_date).desc()).limit(1)
            return s.execute(q).scalars().first()


def _key(workspace_id: str, rep_id: str, day: date | None = None):  # type: ignore[no-untyped-def]
    parts = [col(DigestSendRow.workspace_id) == workspace_id, col(DigestSendRow.rep_id) == rep_id]
    if day is not None:
        parts.append(col(DigestSendRow.local_date) == day)
    return and_(*parts)
