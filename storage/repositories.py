"""SQL repositories, each opened for one workspace: every query is filtered by it, none can forget it."""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from sqlalchemy import bindparam, delete, func
from sqlalchemy import select as sa_select
from sqlalchemy.orm.util import identity_key
from sqlmodel import Session, SQLModel, col, select

from domain.buying import Stage, StageEvidence
from domain.customer import Account, AttitudeChange, Individual
from domain.errors import NotAllowed
from domain.goals import Goal
from domain.listening import Interaction, Signal, Touch
from domain.names import normalize_name
from domain.next_steps import NextStep
from domain.tenancy import Rep
from storage import mapping as m
from storage.batched import NewRows, batched
from storage.prepared import PreparedRead, Rows, Step, run_together
from storage.tables import (
    AccountRow,
    AttitudeEventRow,
    GoalRow,
    IndividualRow,
    InteractionRow,
    MessageMapRow,
    NextStepRow,
    RepRow,
    SignalRow,
    StageEventRow,
    TouchRow,
)

RowT = TypeVar("RowT", bound=SQLModel)
_QUEUE = "touchpoint.queued_writes"


class QueuedWrites:
    """New rows and updates held until `run` (or the unit of work's commit), then written in order in one round
    trip on PostgreSQL (psycopg's pipeline): a log's writes were one round trip each. Any other statement of a
    repository runs them first."""

    def __init__(self, session: Session) -> None:
        self._s = session
        self.steps: list[Step] = []

    def add(self, prepared: PreparedRead, params: dict[str, Any] | list[dict[str, Any]]) -> None:
        self.steps.append((prepared, params))

    def take(self) -> list[Step]:
        """The held writes, no longer held; on PostgreSQL each run of new rows as one statement (storage/batched.py)."""
        writes, self.steps = self.steps, []
        return batched(writes, self._s.get_bind().dialect.name)

    def run(self, read: Step | None = None) -> Rows | None:
        """Write what is held, then `read` (which sees it) in the same round trip; its rows."""
        writes = self.take()
        if not writes and not read:
            return None
        self._s.flush()  # anything the ORM holds (foreign keys) goes first, as for a direct write
        return run_together(self._s.connection(), [*writes, *([read] if read else [])])[-1]


@contextmanager
def queued_writes(session: Session, *, until_commit: bool = False) -> Iterator[QueuedWrites]:
    """Within the block, the repositories' log writes (new rows, attitude and stage moves) are held and then run
    together, at the block's end or before any other statement of a repository; on an error they are dropped with
    the transaction. `until_commit`: what is still held at the block's end is left for the unit of work's commit,
    which sends it with its COMMIT (one round trip on PostgreSQL; see `held_writes`); the caller commits next."""
    queue = session.info[_QUEUE] = QueuedWrites(session)
    try:
        yield queue
    except BaseException:
        session.info.pop(_QUEUE, None)
        raise
    if not until_commit:
        session.info.pop(_QUEUE, None)
        queue.run()


def held_writes(session: Session) -> list[Step]:
    """Take the writes a `queued_writes(until_commit=True)` block left held (the commit runs them)."""
    queue: QueuedWrites | None = session.info.pop(_QUEUE, None)
    return queue.take() if queue is not None else []


class _Repo:
    def __init__(self, session: Session, workspace_id: str, on_change: Any = None) -> None:
        self._s = session
        self._ws = workspace_id
        self._on_change = on_change or (lambda: None)

    def _select(self, model: type[RowT]) -> Any:
        """Read as plain rows (Core), not ORM instances: building instances cost most of a list read."""
        table = model.__table__  # type: ignore[attr-defined]
        return sa_select(*table.c).where(table.c.workspace_id == self._ws)

    def _run(self, stmt: Any, **params: object) -> Any:
        """A prepared read in this workspace; rows map to domain objects by column name."""
        self._run_queued()
        return self._s.execute(stmt, {"ws": self._ws, **params})

    def _write(self, stmt: Any, params: Any) -> Any:
        """A Core statement on the transaction's connection, after anything the ORM still holds is flushed
        (foreign keys, and reads that must see it): the session's own execute costs as much again."""
        self._run_queued()
        self._s.flush()
        return self._s.connection().execute(stmt, params)

    def _queue(self) -> QueuedWrites | None:
        queue: QueuedWrites | None = self._s.info.get(_QUEUE)
        return queue

    def _run_queued(self) -> None:
        """Held writes go before any other statement: what runs next may read them."""
        queue = self._queue()
        if queue is not None and queue.steps:
            queue.run()

    def _own(self, model: type[RowT], row_id: object) -> RowT | None:
        row = self._s.get(model, row_id)
        if row is None or row.workspace_id != self._ws:  # type: ignore[attr-defined]
            return None  # another workspace's row is as good as absent
        return row

    def _save(self, model: type[RowT], row: RowT, indexed: tuple[str, ...] = ()) -> None:
        """Insert or update; the parser's index is told only when a field it reads (`indexed`) changed."""
        table = model.__table__  # type: ignore[attr-defined]
        self._upsert(model, {c.key: getattr(row, c.key) for c in table.c}, indexed)

    def _upsert(self, model: type[SQLModel], values: dict[str, Any], indexed: tuple[str, ...] = ()) -> None:
        """_save from the row's column values, as Core statements: building, merging and flushing an ORM
        instance cost most of a log. A row the session already holds as an instance stays with the ORM, so
        that instance never goes stale."""
        loaded = self._loaded(model, values["id"])
        if loaded is not None:
            self._merge(model, loaded, values, indexed)
            return
        table = model.__table__  # type: ignore[attr-defined]
        existing = self._write(_prepared(f"{table.name}.save.{','.join(indexed)}", lambda: sa_select(
            table.c.workspace_id, *(table.c[f] for f in indexed)).where(table.c.id == bindparam("id"))),
            {"id": values["id"]}).first()
        if existing is not None and existing.workspace_id != self._ws:
            raise NotAllowed("That record belongs to another workspace.")
        if indexed and (existing is None or any(existing._mapping[f] != values[f] for f in indexed)):
            self._on_change()  # a stage or attitude update must not make every process rebuild its index
        if existing is None:
            self._write(_insert(model), values)
        else:
            self._write(_prepared(f"{table.name}.update", lambda: table.update().where(
                table.c.id == bindparam("row_id"))), {"row_id": values["id"], **values})

    def _merge(self, model: type[SQLModel], loaded: Any, values: dict[str, Any], indexed: tuple[str, ...]) -> None:
        if loaded.workspace_id != self._ws:
            raise NotAllowed("That record belongs to another workspace.")
        if indexed and any(getattr(loaded, f) != values[f] for f in indexed):
            self._on_change()
        self._s.merge(model(**values))

    def _loaded(self, model: type[SQLModel], row_id: object) -> Any:
        """The session's instance of this row, if it holds one (loaded by a get, or added). Pending changes are
        flushed first, as the ORM's own get did: a row deleted in this transaction is gone, not held."""
        self._s.flush()
        return self._s.identity_map.get(identity_key(model, row_id))

    def _insert_new(self, model: type[SQLModel], rows: list[dict[str, Any]]) -> None:
        """New rows (fresh ids) in one driver call of a statement compiled once, after anything the ORM still
        holds (foreign keys): SQLAlchemy's per-execution cost was most of a log's writes."""
        if not rows:
            return
        queue = self._queue()
        if queue is not None:
            queue.add(_new_rows(model, tuple(rows[0])), rows)
            return
        self._s.flush()
        conn = self._s.connection()
        _new_rows(model, tuple(rows[0])).execute_many(conn.connection, conn.dialect, rows)


_NEW_ROWS: dict[tuple[str, tuple[str, ...]], NewRows] = {}


def _new_rows(model: type[SQLModel], keys: tuple[str, ...]) -> NewRows:
    """INSERT of exactly these columns (generated ids are left to the database), compiled once per dialect."""
    table = model.__table__  # type: ignore[attr-defined]
    found = _NEW_ROWS.get((table.name, keys))
    if found is None:
        found = _NEW_ROWS[(table.name, keys)] = NewRows(table, keys)
    return found


def _insert(model: type[SQLModel]) -> Any:
    return _prepared(f"{model.__tablename__}.insert", lambda: model.__table__.insert())  # type: ignore[attr-defined]


_PREPARED: dict[str, Any] = {}


def _prepared(key: str, build: Callable[[], Any]) -> Any:
    """Hot reads are built once per process with bound parameters: building a statement cost as much as
    running it on SQLite."""
    stmt = _PREPARED.get(key)
    if stmt is None:
        stmt = _PREPARED[key] = build()
    return stmt


def _rows_of(model: type[SQLModel], *where: Any) -> Any:
    t = model.__table__  # type: ignore[attr-defined]
    return sa_select(*t.c).where(t.c.workspace_id == bindparam("ws"), *where)


def _c(model: type[SQLModel], name: str) -> Any:
    return model.__table__.c[name]  # type: ignore[attr-defined]


class SqlAccounts(_Repo):
    def add(self, account: Account) -> None:
        # the lifecycle too: the parser reads a customer's renewal talk as loyalty, a prospect's as selection
        self._upsert(AccountRow, m.account_values(account, self._ws), ("name", "aliases", "domain", "lifecycle"))

    update = add

    def set_stage(self, account: Account, *, converted: bool = False) -> None:
        """Write the account's stage and lifecycle only (after its evidence was re-read): one UPDATE. `converted`:
        its lifecycle changed, which the parser's index holds."""
        if converted:
            self._on_change()
        stage = account.stage.value if account.stage else None
        loaded = self._loaded(AccountRow, account.id)
        if loaded is not None:
            loaded.stage, loaded.lifecycle = stage, account.lifecycle.value
            return
        t = AccountRow.__table__  # type: ignore[attr-defined]
        stmt = _prepared("account.set_stage", lambda: PreparedRead(t.update().where(
            t.c.id == bindparam("row_id"), t.c.workspace_id == bindparam("ws")).values(
            stage=bindparam("stage"), lifecycle=bindparam("lifecycle"))))
        params = {"ws": self._ws, "row_id": account.id, "stage": stage, "lifecycle": account.lifecycle.value}
        queue = self._queue()
        if queue is not None:
            queue.add(stmt, params)
        else:
            self._write(stmt.stmt, params)

    def get(self, account_id: str) -> Account | None:
        stmt = _prepared("account.get", lambda: _rows_of(AccountRow, _c(AccountRow, "id") == bindparam("id")))
        row = self._run(stmt, id=account_id).first()
        return m.account_from_row(row) if row else None

    def get_read(self, account_id: str, *, lock: bool = False) -> tuple[Step, Callable[[Rows], Account | None]]:
        """`get` as a step to run together with other reads (storage.prepared.run_counted), and what makes the
        account of its rows. `lock`: the row is locked as an UPDATE of it would (FOR NO KEY UPDATE on
        PostgreSQL), read once a writer holding it has committed."""
        read, row = _rows_read(f"account.get_read.{lock}", AccountRow, lambda table: table.c.id == bindparam("id0"),
                               lock=lock)

        def account(rows: Rows) -> Account | None:
            return m.account_from_row(row(*rows[0])) if rows else None
        return (read, {"ws": self._ws, "id0": account_id}), account

    def by_name(self, name: str) -> Account | None:
        q = self._select(AccountRow).where(AccountRow.normalized_name == normalize_name(name))
        row = self._s.exec(q).first()
        return m.account_from_row(row) if row else None

    def all(self, *, owner_id: str | None = None) -> list[Account]:
        q = self._select(AccountRow)
        if owner_id is not None:
            q = q.where(AccountRow.owner_id == owner_id)
        return [m.account_from_row(r) for r in self._s.exec(q.order_by(AccountRow.name))]

    def count(self) -> int:
        q = select(func.count()).select_from(AccountRow).where(AccountRow.workspace_id == self._ws)
        return int(self._s.exec(q).one())

    def remove(self, account_id: str) -> None:
        row = self._own(AccountRow, account_id)
        if row is not None:
            self._s.delete(row)
            self._on_change()


class SqlIndividuals(_Repo):
    def add(self, person: Individual) -> None:
        self._upsert(IndividualRow, m.individual_values(person, self._ws), ("name", "title", "roles", "account_id"))

    update = add

    def add_new(self, people: Sequence[Individual]) -> None:
        """People just created (fresh ids): inserted in one statement; the parser's index is told."""
        if people:
            self._insert_new(IndividualRow, [m.individual_values(p, self._ws) for p in people])
            self._on_change()

    def with_ids(self, individual_ids: list[str]) -> list[Individual]:
        """by_ids as one prepared statement (a log names a few people; building the query cost more than it)."""
        if not individual_ids:
            return []
        few = self.with_ids_read(individual_ids)
        if few is not None:  # a log's people: on the driver's cursor, compiled once per count
            self._run_queued()
            self._s.flush()
            step, people = few
            return people(run_together(self._s.connection(), [step])[0] or [])
        stmt = _prepared("individual.with_ids", lambda: _rows_of(
            IndividualRow, _c(IndividualRow, "id").in_(bindparam("ids", expanding=True))))
        return [m.individual_from_row(r) for part in _chunks(individual_ids)
                for r in self._write(stmt, {"ws": self._ws, "ids": part})]

    def with_ids_read(self, individual_ids: list[str], *, lock: bool = False
                      ) -> tuple[Step, Callable[[Rows], list[Individual]]] | None:
        """`with_ids` of a log's few people as a step to run together with other reads, and what makes the people
        of its rows; None for none or for more than a log names. `lock`: as for SqlAccounts.get_read."""
        if not individual_ids or len(individual_ids) > _FEW_IDS:
            return None
        read, row = _people_with_ids(len(individual_ids), lock=lock)

        def people(rows: Rows) -> list[Individual]:
            return [m.individual_from_row(row(*r)) for r in rows]
        return (read, {"ws": self._ws, **{f"id{i}": v for i, v in enumerate(individual_ids)}}), people

    def set_attitude(self, individual_id: str, attitude: int) -> None:
        """Move one person's attitude (not a field the parser's index reads): one UPDATE."""
        loaded = self._loaded(IndividualRow, individual_id)
        if loaded is not None:
            if loaded.workspace_id == self._ws:
                loaded.attitude = attitude
            return
        t = IndividualRow.__table__  # type: ignore[attr-defined]
        stmt = _prepared("individual.set_attitude", lambda: PreparedRead(t.update().where(
            t.c.id == bindparam("row_id"), t.c.workspace_id == bindparam("ws")).values(attitude=bindparam("attitude"))))
        params = {"ws": self._ws, "row_id": individual_id, "attitude": attitude}
        queue = self._queue()
        if queue is not None:
            queue.add(stmt, params)
        else:
            self._write(stmt.stmt, params)

    def get(self, individual_id: str) -> Individual | None:
        row = self._own(IndividualRow, individual_id)
        return m.individual_from_row(row) if row else None

    def of_account(self, account_id: str) -> list[Individual]:
        stmt = _prepared("individual.of_account", lambda: _rows_of(
            IndividualRow, _c(IndividualRow, "account_id") == bindparam("acc")).order_by(_c(IndividualRow, "name")))
        return [m.individual_from_row(r) for r in self._run(stmt, acc=account_id)]

    def by_ids(self, individual_ids: list[str]) -> list[Individual]:
        found: list[Individual] = []
        for part in _chunks(individual_ids):
            q = self._select(IndividualRow).where(col(IndividualRow.id).in_(part))
            found += [m.individual_from_row(r) for r in self._s.exec(q)]
        return found

    def of_accounts(self, account_ids: list[str]) -> dict[str, list[Individual]]:
        found: dict[str, list[Individual]] = {a: [] for a in account_ids}
        if account_ids:
            q = self._select(IndividualRow).where(col(IndividualRow.account_id).in_(account_ids))
            for r in self._s.exec(q.order_by(IndividualRow.name)):
                found[r.account_id].append(m.individual_from_row(r))
        return found

    def by_name(self, account_id: str, name: str) -> Individual | None:
        q = self._select(IndividualRow).where(
            IndividualRow.account_id == account_id, IndividualRow.normalized_name == normalize_name(name)
        )
        row = self._s.exec(q).first()
        return m.individual_from_row(row) if row else None

    def all(self) -> list[Individual]:
        q = self._select(IndividualRow).order_by(IndividualRow.account_id, IndividualRow.name, IndividualRow.id)
        return [m.individual_from_row(r) for r in self._s.exec(q)]

    def remove(self, individual_id: str) -> None:
        row = self._own(IndividualRow, individual_id)
        if row is not None:
            self._s.delete(row)
            self._on_change()


_FEW_IDS = 8


def _people_with_ids(count: int, *, lock: bool = False) -> tuple[PreparedRead, Any]:
    """The individuals with `count` given ids (bound as id0, id1...), and a row type reading them by name."""
    return _rows_read(f"individual.with_ids.{count}.{lock}", IndividualRow,
                      lambda table: table.c.id.in_([bindparam(f"id{i}") for i in range(count)]), lock=lock)


def _rows_read(key: str, model: type[SQLModel], where: Callable[[Any], Any], *, lock: bool = False
               ) -> tuple[PreparedRead, Any]:
    """The workspace's rows of `model` that meet `where` (given the table), compiled once, and a row type reading
    them by column name. `lock`: FOR NO KEY UPDATE (PostgreSQL; SQLite's one writer at a time needs none)."""
    def build() -> tuple[PreparedRead, Any]:
        table = model.__table__  # type: ignore[attr-defined]
        stmt = _rows_of(model, where(table))
        if lock:  # rows are locked as they are read: by id, the order every log's updates take (bot/logbook.py)
            stmt = stmt.order_by(table.c.id).with_for_update(key_share=True)
        return (PreparedRead(stmt),
                namedtuple(f"{model.__name__}Tuple", [c.name for c in table.c]))  # type: ignore[misc]
    found: tuple[PreparedRead, Any] = _prepared(key, build)
    return found


class SqlInteractions(_Repo):
    def add(self, interaction: Interaction) -> None:
        self._upsert(InteractionRow, m.interaction_values(interaction, self._ws))

    def add_new(self, interaction: Interaction) -> None:
        """A new interaction (fresh id): one INSERT, no look-up first."""
        self._insert_new(InteractionRow, [m.interaction_values(interaction, self._ws)])

    def get(self, interaction_id: str) -> Interaction | None:
        row = self._own(InteractionRow, interaction_id)
        return m.interaction_from_row(row) if row else None

    def of_account(self, account_id: str, *, limit: int = 5) -> list[Interaction]:
        stmt = _prepared(f"interaction.of_account.{limit}", lambda: _rows_of(
            InteractionRow, _c(InteractionRow, "account_id") == bindparam("acc"))
            .order_by(_c(InteractionRow, "occurred_at").desc()).limit(limit))
        return [m.interaction_from_row(r) for r in self._run(stmt, acc=account_id)]

    def latest_logged_by(self, rep_id: str, *, since: datetime) -> Interaction | None:
        """The rep's newest log made in chat (imported history carries no undo record and is not undoable)."""
        q = self._select(InteractionRow).where(InteractionRow.rep_id == rep_id, InteractionRow.occurred_at >= since)
        for row in self._s.exec(q.order_by(col(InteractionRow.occurred_at).desc()).limit(50)):
            if row.undo:
                return m.interaction_from_row(row)
        return None

    def accounts_of_rep(self, rep_id: str, *, since: datetime) -> set[str]:
        q = select(InteractionRow.account_id).where(
            InteractionRow.workspace_id == self._ws, InteractionRow.rep_id == rep_id,
            InteractionRow.occurred_at >= since).distinct()
        return set(self._s.exec(q))

    def last_touch(self, account_ids: list[str]) -> dict[str, datetime]:
        """Newest interaction per account, in one grouped query."""
        if not account_ids:
            return {}
        q = select(InteractionRow.account_id, func.max(InteractionRow.occurred_at)).where(
            InteractionRow.workspace_id == self._ws, col(InteractionRow.account_id).in_(account_ids)
        ).group_by(InteractionRow.account_id)
        return {a: _aware(t) for a, t in self._s.exec(q) if t is not None}

    def count_for_account(self, account_id: str) -> int:
        q = select(func.count()).select_from(InteractionRow).where(
            InteractionRow.workspace_id == self._ws, InteractionRow.account_id == account_id
        )
        return int(self._s.exec(q).one())

    def remove_with_effects(self, interaction_id: str) -> None:
        for model in (SignalRow, TouchRow, NextStepRow, StageEventRow, AttitudeEventRow):
            self._s.exec(  # type: ignore[call-overload]
                delete(model).where(
                    col(model.workspace_id) == self._ws,  # type: ignore[attr-defined]
                    col(model.interaction_id) == interaction_id,  # type: ignore[attr-defined]
                )
            )
        row = self._own(InteractionRow, interaction_id)
        if row is not None:
            self._s.delete(row)
        self._s.flush()


class SqlSignals(_Repo):
    def add(self, signal: Signal) -> None:
        self._s.add(m.signal_to_row(signal, self._ws))

    def add_all(self, signals: Sequence[Signal]) -> None:
        """New signals in one INSERT."""
        self._insert_new(SignalRow, [m.signal_values(s, self._ws) for s in signals])

    def of_account(self, account_id: str, *, since: datetime | None = None) -> list[Signal]:
        stmt = _prepared("signal.of_account", lambda: _rows_of(
            SignalRow, _c(SignalRow, "account_id") == bindparam("acc"),
            _c(SignalRow, "occurred_at") >= bindparam("since", type_=_c(SignalRow, "occurred_at").type))
            .order_by(_c(SignalRow, "occurred_at").desc()))
        return [m.signal_from_row(r) for r in self._run(stmt, acc=account_id,
                                                          since=since or datetime(1970, 1, 1, tzinfo=UTC))]

    def since(self, since: datetime) -> list[Signal]:
        q = self._select(SignalRow).where(SignalRow.occurred_at >= since).order_by(col(SignalRow.occurred_at))
        return [m.signal_from_row(r) for r in self._s.exec(q)]


class SqlTouches(_Repo):
    def add(self, touch: Touch) -> None:
        self._s.add(m.touch_to_row(touch, self._ws))

    def add_all(self, touches: Sequence[Touch]) -> None:
        """New touches in one INSERT."""
        self._insert_new(TouchRow, [m.touch_values(t, self._ws) for t in touches])

    def of_account(self, account_id: str, *, limit: int = 5) -> list[Touch]:
        q = self._select(TouchRow).where(TouchRow.account_id == account_id)
        q = q.order_by(col(TouchRow.occurred_at).desc()).limit(limit)
        return [m.touch_from_row(r) for r in self._s.exec(q)]


class SqlNextSteps(_Repo):
    def add(self, step: NextStep) -> None:
        self._upsert(NextStepRow, m.step_values(step, self._ws))

    update = add

    def add_new(self, step: NextStep) -> None:
        """A new step (fresh id): one INSERT, no look-up first."""
        self._insert_new(NextStepRow, [m.step_values(step, self._ws)])

    def get(self, step_id: str) -> NextStep | None:
        row = self._own(NextStepRow, step_id)
        return m.step_from_row(row) if row else None

    def all(self) -> list[NextStep]:
        return [m.step_from_row(r) for r in self._s.exec(self._select(NextStepRow))]

    def open_for_account(self, account_id: str) -> list[NextStep]:
        stmt = _prepared("next_step.open_for_account", lambda: _rows_of(
            NextStepRow, _c(NextStepRow, "account_id") == bindparam("acc"), _c(NextStepRow, "done").is_(False))
            .order_by(_c(NextStepRow, "due")))
        return [m.step_from_row(r) for r in self._run(stmt, acc=account_id)]

    def open_for_owner(self, owner_id: str, *, due_by: date | None = None) -> list[NextStep]:
        q = self._select(NextStepRow).where(NextStepRow.owner_id == owner_id, col(NextStepRow.done).is_(False))
        if due_by is not None:
            q = q.where(NextStepRow.due <= due_by)  # type: ignore[operator]
        return [m.step_from_row(r) for r in self._s.exec(q.order_by(NextStepRow.due))]


class SqlStageHistory(_Repo):
    def add(self, evidence: StageEvidence, *, account_id: str) -> None:
        self._s.add(m.evidence_to_row(evidence, self._ws, account_id))

    def add_all(self, evidence: Sequence[StageEvidence], *, account_id: str) -> None:
        """New evidence in one INSERT."""
        self._insert_new(StageEventRow, [m.evidence_values(e, self._ws, account_id) for e in evidence])

    def latest_by_stage(self, account_id: str) -> list[tuple[Stage, str, datetime]]:
        """Per stage and source of the account's evidence, the newest time: enough to
        re-infer the account's stage without reading every piece of its evidence (which grows with every log)."""
        step, latest = self.latest_by_stage_read(account_id)
        queue = self._queue()
        if queue is not None:  # the evidence just queued is written in the same round trip, then read
            rows = queue.run(step) or []
        else:
            self._s.flush()
            rows = run_together(self._s.connection(), [step])[0] or []
        return latest(rows)

    def latest_by_stage_read(self, account_id: str
                             ) -> tuple[Step, Callable[[Rows], list[tuple[Stage, str, datetime]]]]:
        """`latest_by_stage` as a step to run together with other reads (storage.prepared.run_counted), and what
        makes the (stage, source, newest time) of its rows."""
        t = StageEventRow.__table__  # type: ignore[attr-defined]
        latest = _prepared("stage_event.latest", lambda: PreparedRead(sa_select(
            t.c.stage, t.c.source, func.max(t.c.occurred_at).label("latest")).where(
            t.c.workspace_id == bindparam("ws"), t.c.account_id == bindparam("acc")).group_by(t.c.stage, t.c.source)))

        def rows_of(rows: Rows) -> list[tuple[Stage, str, datetime]]:
            return [(Stage(r[0]), str(r[1]), _aware(r[2])) for r in rows]
        return (latest, {"ws": self._ws, "acc": account_id}), rows_of

    def of_account(self, account_id: str) -> list[StageEvidence]:
        stmt = _prepared("stage_event.of_account", lambda: _rows_of(
            StageEventRow, _c(StageEventRow, "account_id") == bindparam("acc"))
            .order_by(_c(StageEventRow, "occurred_at"), _c(StageEventRow, "id")))
        return [m.evidence_from_row(r) for r in self._run(stmt, acc=account_id)]

    def changes_since(self, since: datetime) -> list[tuple[str, StageEvidence]]:
        q = self._select(StageEventRow).where(StageEventRow.occurred_at >= since)
        return [(r.account_id, m.evidence_from_row(r)) for r in self._s.exec(q.order_by(StageEventRow.occurred_at))]


class SqlGoals(_Repo):
    def upsert(self, goal: Goal) -> None:
        q = select(GoalRow).where(GoalRow.workspace_id == self._ws, GoalRow.metric == goal.metric,
                                  GoalRow.period == goal.period)
        row = self._s.exec(q).first()
        if row is None:
            self._s.add(GoalRow(id=goal.id, workspace_id=self._ws, metric=goal.metric, period=goal.period,
                                target=goal.target))
        else:
            row.target = goal.target
            self._s.add(row)

    def all(self) -> list[Goal]:
        q = self._select(GoalRow).order_by(GoalRow.period, GoalRow.metric)
        return [m.goal_from_row(r) for r in self._s.exec(q)]


class SqlReps(_Repo):
    def get(self, rep_id: str) -> Rep | None:
        row = self._s.get(RepRow, (self._ws, rep_id))
        return m.rep_from_row(row) if row else None

    def upsert(self, rep: Rep) -> None:
        self._s.merge(m.rep_to_row(rep, self._ws))

    def all(self) -> list[Rep]:
        return [m.rep_from_row(r) for r in self._s.exec(self._select(RepRow))]


class SqlAttitudes(_Repo):
    def add(self, change: AttitudeChange) -> None:
        self._s.add(AttitudeEventRow(**m.attitude_values(change, self._ws)))

    def add_all(self, changes: Sequence[AttitudeChange]) -> None:
        """New attitude moves in one INSERT."""
        self._insert_new(AttitudeEventRow, [m.attitude_values(c, self._ws) for c in changes])

    def since(self, since: datetime) -> list[AttitudeChange]:
        q = self._select(AttitudeEventRow).where(AttitudeEventRow.occurred_at >= since)
        return [_change(r) for r in self._s.exec(q.order_by(AttitudeEventRow.occurred_at, AttitudeEventRow.id))]

    def of_people(self, individual_ids: list[str]) -> list[AttitudeChange]:
        """Changes for these people, oldest first."""
        if not individual_ids:
            return []
        stmt = _prepared("attitude.of_people", lambda: _rows_of(
            AttitudeEventRow, _c(AttitudeEventRow, "individual_id").in_(bindparam("ids", expanding=True)))
            .order_by(_c(AttitudeEventRow, "occurred_at"), _c(AttitudeEventRow, "id")))
        return [_change(r) for part in _chunks(individual_ids) for r in self._run(stmt, ids=part)]


class SqlMessageMaps(_Repo):
    """The workspace's message-map source (YAML); None means the shipped default."""

    def source(self) -> str | None:
        stmt = _prepared("message_map.source", lambda: sa_select(_c(MessageMapRow, "source")).where(
            _c(MessageMapRow, "workspace_id") == bindparam("ws")))
        value = self._run(stmt).scalar()
        return str(value) if value is not None else None

    def replace(self, source: str, *, now: datetime) -> None:
        self._s.merge(MessageMapRow(workspace_id=self._ws, source=source, updated_at=now))


def _change(r: AttitudeEventRow) -> AttitudeChange:
    return AttitudeChange(r.individual_id, r.before, r.after, r.occurred_at, r.reason, r.rep_id, r.interaction_id)


def _aware(t: datetime) -> datetime:
    """Aggregates bypass the column type: SQLite hands back a naive UTC datetime (or text)."""
    if isinstance(t, str):
        t = datetime.fromisoformat(t)
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def _chunks(ids: list[str], size: int = 900) -> list[list[str]]:
    """IN lists in pieces: SQLite builds before 3.32 allow 999 parameters a statement."""
    return [ids[i:i + size] for i in range(0, len(ids), size)]
