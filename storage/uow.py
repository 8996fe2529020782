"""The unit of work: one transaction over one workspace, rolled back unless committed."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType

from sqlalchemy import bindparam, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlmodel import Session

from domain.buying import Stage
from domain.customer import Account, Individual
from domain.errors import Conflict, StorageUnavailable
from storage import repositories as r
from storage.pending import SqlPendingLogs, delivery_claim, mark_delivery
from storage.prepared import PreparedRead, Step, run_counted
from storage.tables import WORKSPACE, DeliveryRow, WorkspaceRow
from storage.views import VERSION, AccountViews


class DuplicateDelivery(Conflict):
    """Another process committed the same delivery first; this one wrote nothing (a retry raced its original)."""

    def __init__(self, key: str) -> None:
        super().__init__("Already logged that one.")
        self.key = key


@dataclass
class LogStart:
    """What a log reads before it writes (SqlUnitOfWork.open_log)."""

    repeated: bool  # the delivery was processed before: the log must write nothing
    directory_version: int  # the workspace's change counter, read in the log's transaction
    account: Account | None = None  # the account asked for, None when it is not in this workspace
    people: list[Individual] = field(default_factory=list)  # the contacts asked for that are in this workspace
    # the account's evidence as StageHistory.latest_by_stage reads it, when asked for (`stage_of`)
    stage_latest: list[tuple[Stage, str, datetime]] | None = None


class SqlUnitOfWork:
    def __init__(self, engine: Engine, workspace_id: str) -> None:
        self._engine = engine
        self.workspace_id = workspace_id
        self._directory_changed = False
        self._delivery_key: str | None = None
        self.committed_version: int | None = None  # the change counter this unit's commit moved it to

    def __enter__(self) -> SqlUnitOfWork:
        self.session = Session(self._engine, expire_on_commit=False)
        s, ws = self.session, self.workspace_id
        self.accounts = r.SqlAccounts(s, ws, self._touch_directory)
        self.individuals = r.SqlIndividuals(s, ws, self._touch_directory)
        self.interactions = r.SqlInteractions(s, ws)
        self.signals = r.SqlSignals(s, ws)
        self.touches = r.SqlTouches(s, ws)
        self.next_steps = r.SqlNextSteps(s, ws)
        self.stage_history = r.SqlStageHistory(s, ws)
        self.goals = r.SqlGoals(s, ws)
        self.reps = r.SqlReps(s, ws)
        self.attitudes = r.SqlAttitudes(s, ws)
        self.message_maps = r.SqlMessageMaps(s, ws)
        self.pending = SqlPendingLogs(s, ws)
        self.views = AccountViews(s.connection, ws)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            self.rollback()
            self.session.close()
        except SQLAlchemyError:
            pass  # the connection is already gone; nothing was committed
        if isinstance(exc, OperationalError):
            raise StorageUnavailable(_storage_message(exc)) from exc
        if isinstance(exc, IntegrityError):  # a concurrent writer took the same key first (seen at a flush)
            raise Conflict(_CONFLICT) from exc

    def _touch_directory(self) -> None:
        self._directory_changed = True

    def directory_version(self) -> int:
        """The workspace's change counter, read on this transaction's connection (no second checkout)."""
        return self.views.directory_version()

    def seen_delivery(self, key: str) -> bool:
        """True when this platform delivery was processed before; otherwise claims it in this transaction."""
        self._delivery_key = key
        return mark_delivery(self.session, self.workspace_id, key, now=datetime.now(UTC))

    def mark_asked(self, key: str) -> None:
        """Record, with the pending note it keeps, that the delivery `key` only asked a question: its retry can
        tell a note that was asked about (and answered since) from one that was logged."""
        mark_delivery(self.session, self.workspace_id, _asked(key), now=datetime.now(UTC))

    def asked_before(self, key: str) -> bool:
        return self.session.get(DeliveryRow, (self.workspace_id, _asked(key))) is not None

    def open_log(self, *, delivery_key: str | None, account_id: str | None, contact_ids: list[str],
                 stage_of: str | None = None, moving: bool = False) -> LogStart:
        """Claim the delivery, then read the change counter, the log's known contacts, the account and (with
        `stage_of`, the account whose stage the log will re-infer) the newest evidence per stage: one round trip on
        PostgreSQL, the transaction's BEGIN included, where each was one. The claim comes first, before anything
        is written, so a retried delivery writes nothing; the contacts go to `write_log` (`known`), which need not
        read them again, and so does the evidence (`stage_latest`): the log's own is added to it in memory.

        With `stage_of`, the rows the log's writes would lock are locked first, in the order every log's writes
        lock them: the contacts by id when the log may move their attitude (`moving`), then the account (which the
        new interaction's trigger updates). So a concurrent log of the same account has committed before the
        evidence is read, as when it was read after the writes, and its evidence counts."""
        conn, ws = self.session.connection(), self.workspace_id
        steps: list[Step] = []
        if delivery_key:
            self._delivery_key = delivery_key
            steps.append(delivery_claim(conn.dialect.name, ws, delivery_key, now=datetime.now(UTC)))
        steps.append((VERSION, {"ws": ws}))
        people_read = self.individuals.with_ids_read(contact_ids, lock=bool(stage_of) and moving)
        if people_read is not None:
            steps.append(people_read[0])
        account_read = self.accounts.get_read(account_id, lock=stage_of == account_id) if account_id else None
        if account_read is not None:
            steps.append(account_read[0])
        # Read before the writes only inside the write transaction: on SQLite, only the claim's INSERT opens it
        # (without one, another writer could commit evidence before this log's commit); the log then reads after.
        in_write = bool(delivery_key) or conn.dialect.name != "sqlite"
        stage_read = self.stage_history.latest_by_stage_read(stage_of) if stage_of and in_write else None
        if stage_read is not None:
            steps.append(stage_read[0])
        results = iter(run_counted(conn, steps, begin=True))
        repeated = bool(delivery_key) and next(results)[1] == 0
        version = next(results)[0]
        start = LogStart(repeated, int(version[0][0] or 0) if version else 0)
        if people_read is not None:
            start.people = people_read[1](next(results)[0] or [])
        if account_read is not None:
            start.account = account_read[1](next(results)[0] or [])
        if stage_read is not None:
            start.stage_latest = stage_read[1](next(results)[0] or [])
        return start

    def commit(self) -> None:
        """Commit what the unit did. Writes a log left held (repositories.queued_writes) and the move of the change
        counter go with the COMMIT: one round trip on PostgreSQL. Nothing is committed when any of them fails."""
        self.session.flush()  # what the ORM holds goes first (and the session's own commit has nothing to flush)
        steps = r.held_writes(self.session)
        if self._directory_changed:
            steps.append((_MOVE_COUNTER, {"ws": self.workspace_id}))
        try:
            results = run_counted(self.session.connection(), steps, commit=True) if steps else []
            self.session.commit()
        except IntegrityError as exc:
            self.session.rollback()
            if self._delivery_key and "delivery" in str(exc.orig).lower():
                raise DuplicateDelivery(self._delivery_key) from exc
            raise Conflict(_CONFLICT) from exc
        except OperationalError as exc:
            self.session.rollback()
            raise StorageUnavailable(_storage_message(exc)) from exc
        counter = results[-1][0] if self._directory_changed else None
        self._directory_changed = False
        self.committed_version = int(counter[0][0]) if counter else None

    def rollback(self) -> None:
        r.held_writes(self.session)  # dropped: never written
        self.session.rollback()


def _asked(key: str) -> str:
    return f"asked:{key}"[:200]  # the delivery table's key width


_MOVE_COUNTER = PreparedRead(  # a commit that changed what the parser's index reads: the counter's new value
    update(WORKSPACE).where(WORKSPACE.c.id == bindparam("ws"))
    .values(change_counter=WORKSPACE.c.change_counter + 1).returning(WORKSPACE.c.change_counter))
_CONFLICT = "Someone changed the same records at the same moment; nothing was saved. Please try again."


def _storage_message(exc: OperationalError) -> str:
    text = str(exc.orig).lower()
    if "readonly" in text or "read-only" in text:
        return "I can't save right now: the database is read-only. Nothing was saved; please tell your admin."
    return "I can't reach the database right now. Nothing was saved; please try again in a minute."


def ensure_workspace(engine: Engine, workspace_id: str, name: str) -> None:
    """Create the workspace row if missing (safe when two processes race to create it)."""
    with Session(engine) as s:
        if s.get(WorkspaceRow, workspace_id) is not None:
            return
        s.add(WorkspaceRow(id=workspace_id, name=name))
        try:
            s.commit()
        except IntegrityError:
            s.rollback()


def directory_version(engine: Engine, workspace_id: str) -> int:
    """Read on every message, so kept to one compiled statement (no ORM session)."""
    with engine.connect() as conn:
        rows = VERSION.rows(conn, ws=workspace_id)
    return int(rows[0][0] or 0) if rows else 0


class SqlReadWork:
    """A read-only unit for the commands that only show (dmu, stage, next, account): one pooled connection and
    its transaction, no ORM session (whose set-up and tear-down cost as much as the reads of a small account).
    Nothing written through it exists; it rolls back when it ends."""

    def __init__(self, engine: Engine, workspace_id: str) -> None:
        self._engine = engine
        self.workspace_id = workspace_id

    def __enter__(self) -> SqlReadWork:
        self._conn: Connection | None = None  # connected at the first read, inside the caller's block
        self.views = AccountViews(self._connection, self.workspace_id)
        return self

    def _connection(self) -> Connection:
        if self._conn is None:
            self._conn = self._engine.connect()
        return self._conn

    @property
    def message_maps(self) -> r.SqlMessageMaps:
        return r.SqlMessageMaps(self._connection(), self.workspace_id)  # type: ignore[arg-type]  # Core reads only

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._conn is not None:
            with contextlib.suppress(SQLAlchemyError):  # the connection is already gone
                self._conn.close()  # rolls back: nothing read-only stays open
        if isinstance(exc, OperationalError):
            raise StorageUnavailable(_storage_message(exc)) from exc

    def directory_version(self) -> int:
        return self.views.directory_version()
