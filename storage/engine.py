"""Engine factory: a SQLite file (WAL, foreign keys on) by default, PostgreSQL through DATABASE_URL."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.engine import Engine
from sqlmodel import create_engine

# A pooled PostgreSQL connection back within this many seconds of its last use is trusted without a ping: the
# ping is a round trip of its own on every checkout, and a busy bot checks out a connection per message.
# After an idle spell (a restarted server, a firewall that dropped it) it is pinged and replaced if dead, as
# with pool_pre_ping: the trade HikariCP makes with its aliveBypassWindowMs (500 ms, as here).
TRUSTED_FOR = 0.5
_LAST_USED = "touchpoint.last_used"


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def make_engine(url: str, *, echo: bool = False, busy_timeout: float = 15) -> Engine:
    """An engine for url; SQLite gets WAL and foreign keys, PostgreSQL a pool that survives restarts.
    `busy_timeout`: how long SQLite's own handler waits for another writer (0: fail at once, the caller retries)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False, "timeout": busy_timeout})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = create_engine(url, echo=echo, pool_size=5, max_overflow=5)
    event.listen(engine, "connect", _used)
    event.listen(engine, "checkin", _used)
    event.listen(engine, "checkin", _transactions_implicit)
    event.listen(engine, "checkout", _ping_when_idle(engine))
    return engine


def _used(_dbapi_connection: Any, record: Any, *_: Any) -> None:
    if record is not None:
        record.info[_LAST_USED] = time.monotonic()


def _transactions_implicit(dbapi_connection: Any, record: Any) -> None:
    """A connection back in the pool leaves autocommit mode, where a unit of work may have put it to send its
    transaction's BEGIN together with its first statements (storage/prepared.py): the next user's statements are
    in a transaction, as always. By now that transaction has ended (its COMMIT, or the pool's reset ROLLBACK); a
    connection that cannot leave autocommit is not trusted again."""
    import psycopg

    if dbapi_connection is None or not dbapi_connection.autocommit:
        return
    try:
        dbapi_connection.rollback()  # nothing to do after the unit's COMMIT or ROLLBACK
        dbapi_connection.autocommit = False
    except psycopg.Error as error:
        record.invalidate(error)  # closed, and replaced at its next checkout


def _ping_when_idle(engine: Engine) -> Any:
    """A checkout listener: ping a connection unused for TRUSTED_FOR seconds; a dead one makes the pool
    reconnect (and drop the connections made before it), as its own pre-ping does."""
    dialect = engine.dialect

    def checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        last = record.info.get(_LAST_USED)
        if last is not None and time.monotonic() - last < TRUSTED_FOR:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                raise exc.InvalidatePoolError(str(error)) from error
            raise

    return checkout


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # a read-only file cannot switch journal mode; reads still work
    with contextlib.suppress(sqlite3.OperationalError):
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
