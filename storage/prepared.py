"""Hot reads compiled once per dialect and run on the DBAPI cursor of the caller's transaction.

SQLAlchemy computes a cache key for every statement it executes by walking the whole statement: 40-80 µs for
a join or a UNION, more than SQLite takes to answer it, and the execution context and row objects cost as much
again. The reads behind a command a rep waits for are fixed statements, so they are compiled once per dialect
here. Values still go through SQLAlchemy's own type processors (UTC datetimes, JSON), so a row reads exactly as
it would through Core; the tests run every view on SQLite and PostgreSQL.

`read_together` runs several reads in one network round trip on PostgreSQL (psycopg's pipeline mode): there,
the round trips, not the rows, were most of a command's time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, overload

from sqlalchemy import String, type_coerce
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError

Processor = Callable[[Any], Any] | None
Rows = list[tuple[Any, ...]]


@dataclass
class _Compiled:
    sql: str
    order: tuple[str, ...] | None  # parameter names in order for positional drivers (sqlite3); None: by name
    binds: dict[str, tuple[Processor, bool, Any]]  # name -> (bind processor, required, a literal's value)
    results: tuple[Processor, ...] | None = None  # known after the first run: drivers' type codes pick them


class PreparedRead:
    """A Core select (or insert/update), compiled once per dialect; `rows()` returns plain tuples in the
    select's column order, `execute()` runs a write and returns the number of rows it touched."""

    def __init__(self, stmt: Any) -> None:
        self.stmt = stmt
        # the columns its rows have: a select's, or a write's RETURNING (none: a write returns no rows)
        self.columns = list(stmt.selected_columns if stmt.is_select else stmt.exported_columns)
        self.returns_rows = bool(stmt.is_select or self.columns)
        self._compiled: dict[str, _Compiled] = {}
        self._lock = threading.Lock()

    def rows(self, conn: Connection, **params: Any) -> Rows:
        return read_together(conn, [(self, params)])[0]

    def execute(self, dbapi_connection: Any, dialect: Dialect, **params: Any) -> int:
        """A write on a DBAPI connection the caller commits (the hot path of an ack has no time for more)."""
        c, args = self._prepare(dialect, params)
        cursor = dbapi_connection.cursor()
        try:
            with _as_sqlalchemy_errors(dialect, c.sql):
                cursor.execute(c.sql, args)
            return int(cursor.rowcount)
        finally:
            cursor.close()

    def execute_many(self, dbapi_connection: Any, dialect: Dialect, rows: Sequence[dict[str, Any]]) -> None:
        """One write per row (an INSERT of several rows), in one driver call."""
        prepared = [self._prepare(dialect, row) for row in rows]
        if not prepared:
            return
        c = prepared[0][0]
        cursor = dbapi_connection.cursor()
        try:
            with _as_sqlalchemy_errors(dialect, c.sql):
                cursor.executemany(c.sql, [args for _c, args in prepared])
        finally:
            cursor.close()

    def _prepare(self, dialect: Dialect, params: dict[str, Any]) -> tuple[_Compiled, Any]:
        c = self._compiled.get(dialect.name) or self._compile(dialect)
        values = {}
        for name, (process, required, literal) in c.binds.items():
            value = params[name] if required or name in params else literal  # a missing parameter raises
            values[name] = process(value) if process is not None else value
        return c, tuple(values[n] for n in c.order) if c.order is not None else values

    def _prepare_all(self, dialect: Dialect, params: dict[str, Any] | Sequence[dict[str, Any]]
                     ) -> tuple[_Compiled, Any, bool]:
        """(compiled, driver arguments, many): one parameter set, or a list of them for an executemany."""
        if isinstance(params, dict):
            return (*self._prepare(dialect, params), False)
        prepared = [self._prepare(dialect, row) for row in params]
        return prepared[0][0], [args for _c, args in prepared], True

    def _decode(self, c: _Compiled, dialect: Dialect, cursor: Any, raw: Sequence[Any]) -> Rows:
        procs = c.results
        if procs is None:
            codes = [d[1] for d in cursor.description]
            procs = c.results = tuple(col.type.dialect_impl(dialect).result_processor(dialect, code)
                                      for col, code in zip(self.columns, codes, strict=True))
        convert = [(i, p) for i, p in enumerate(procs) if p is not None]  # only the columns that need it
        if not convert:
            return [tuple(r) for r in raw]
        rows = []
        for r in raw:
            row = list(r)
            for i, p in convert:
                if row[i] is not None:
                    row[i] = p(row[i])
            rows.append(tuple(row))
        return rows

    def _compile(self, dialect: Dialect) -> _Compiled:
        with self._lock:
            compiled = self.stmt.compile(dialect=dialect)
            binds = {name: (b.type.dialect_impl(dialect).bind_processor(dialect), b.required, b.effective_value)
                     for b, name in compiled.bind_names.items()}
            order = tuple(compiled.positiontup) if compiled.positional else None
            done = _Compiled(compiled.string, order, binds)
            self._compiled[dialect.name] = done
            return done


def raw(column: Any) -> Any:
    """A column read as the driver gives it, without SQLAlchemy's processing: for the many timestamps of a long
    history (SQLite gives ISO text, PostgreSQL a datetime), turned into UTC datetimes by `utc`."""
    return type_coerce(column, String).label(column.name)


@overload
def utc(value: None) -> None: ...
@overload
def utc(value: datetime | str) -> datetime: ...
def utc(value: datetime | str | None) -> datetime | None:
    """A stored timestamp (UTC, maybe naive, maybe ISO text) as an aware UTC datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def read_together(conn: Connection, reads: Sequence[tuple[PreparedRead, dict[str, Any]]]) -> list[Rows]:
    """Run the reads in order on the connection's transaction; on psycopg, all in one round trip."""
    dialect = conn.dialect
    prepared = [(read, *read._prepare(dialect, params)) for read, params in reads]
    dbapi = conn.connection
    cursors = [dbapi.cursor() for _ in prepared]
    try:
        with _as_sqlalchemy_errors(dialect, prepared[0][1].sql):
            return _run_together(dialect, dbapi, cursors, prepared)
    finally:
        for cursor in cursors:
            cursor.close()


def _run_together(dialect: Dialect, dbapi: Any, cursors: list[Any], prepared: list[Any]) -> list[Rows]:
    if dialect.driver == "psycopg" and len(prepared) > 1:
        with dbapi.driver_connection.pipeline():
            for cursor, (_read, c, args) in zip(cursors, prepared, strict=True):
                cursor.execute(c.sql, args)
    else:
        for cursor, (_read, c, args) in zip(cursors, prepared, strict=True):
            cursor.execute(c.sql, args)  # sqlite3: one result set per cursor, fetched below
    return [read._decode(c, dialect, cursor, cursor.fetchall())
            for cursor, (read, c, _args) in zip(cursors, prepared, strict=True)]


Step = tuple["PreparedRead", dict[str, Any] | Sequence[dict[str, Any]]]


def run_together(conn: Connection, steps: Sequence[Step]) -> list[Rows | None]:
    """Writes and reads in order on the connection's transaction; on psycopg, all in one round trip (writes of
    a log, then the read that must see them). A step with a list of parameter sets is one executemany; a select
    step returns its rows, a write step None."""
    return [rows for rows, _count in run_counted(conn, steps)]


def _execute_all(dialect: Dialect, dbapi: Any, cursors: list[Any], prepared: list[Any], *, begin: bool = False,
                 commit: bool = False) -> None:
    if dialect.driver != "psycopg" or (len(prepared) < 2 and not begin and not commit):
        _execute_each(cursors, prepared)  # sqlite3: one result set per cursor, fetched after
        return
    pg = dbapi.driver_connection
    begin = begin and _begins_here(pg)
    with pg.cursor() as ends:
        with pg.pipeline():
            if begin:
                ends.execute(b"BEGIN", prepare=False)
            _execute_each(cursors, prepared)
            if commit:
                ends.execute(b"COMMIT", prepare=False)
        if commit and ends.statusmessage != "COMMIT":  # the server rolled the transaction back instead
            raise dialect.loaded_dbapi.OperationalError("the transaction was rolled back, not committed")


def _begins_here(pg: Any) -> bool:
    """Whether the BEGIN of the transaction these statements open can go with them, in their round trip: when
    psycopg opens a transaction in a pipeline it sends its BEGIN and waits for it, a round trip of its own.
    So while no transaction is open, the connection goes to autocommit mode (psycopg then sends no BEGIN of its
    own) and the caller sends BEGIN first: the transaction is the same one, open until its COMMIT or ROLLBACK.
    The pool turns autocommit off again when the connection comes back (storage/engine.py), after that COMMIT
    or ROLLBACK. False when a transaction is open already (the pool's ping opened it, say): it goes on."""
    from psycopg.pq import TransactionStatus

    if pg.info.transaction_status != TransactionStatus.IDLE:
        return False
    if not pg.autocommit:
        pg.autocommit = True
    return True  # in autocommit mode and no transaction open: only the BEGIN sent now makes one


def _execute_each(cursors: list[Any], prepared: list[Any]) -> None:
    for cursor, (_read, c, args, many) in zip(cursors, prepared, strict=True):
        if many:
            cursor.executemany(c.sql, args)
        else:
            cursor.execute(c.sql, args)


@contextmanager
def _as_sqlalchemy_errors(dialect: Dialect, sql: str) -> Iterator[None]:
    """The driver's errors as SQLAlchemy's (OperationalError, IntegrityError...), as Core would raise them: the
    unit of work turns those into the rep's "nothing was saved" messages."""
    try:
        yield
    except dialect.loaded_dbapi.Error as exc:
        raise DBAPIError.instance(sql, None, exc, dialect.loaded_dbapi.Error, dialect=dialect) from exc


def run_counted(conn: Connection, steps: Sequence[Step], *, begin: bool = False, commit: bool = False
                ) -> list[tuple[Rows | None, int]]:
    """As `run_together` (one round trip on psycopg), with each step's row count: what a write touched (an
    INSERT ... ON CONFLICT DO NOTHING that met its key touched none) or how many rows a select read.

    On psycopg, `begin`: the steps open the connection's transaction, and its BEGIN goes in their round trip
    (when none is open yet); `commit`: the transaction's COMMIT goes after them, in the same round trip, and an
    error in any step means nothing was committed (the caller still commits its session after, which then has
    nothing left to send, or rolls it back). Elsewhere both are left to the driver and the caller."""
    if not steps and not commit:
        return []
    dialect, dbapi = conn.dialect, conn.connection
    prepared = [(read, *read._prepare_all(dialect, params)) for read, params in steps]
    cursors = [dbapi.cursor() for _ in prepared]
    try:
        with _as_sqlalchemy_errors(dialect, prepared[0][1].sql if prepared else "COMMIT"):
            _execute_all(dialect, dbapi, cursors, prepared, begin=begin, commit=commit)
            return [(read._decode(c, dialect, cursor, cursor.fetchall()) if read.returns_rows else None,
                     int(cursor.rowcount)) for cursor, (read, c, _args, _many) in zip(cursors, prepared, strict=True)]
    finally:
        for cursor in cursors:
            cursor.close()
