"""The Slack inbox of a server on a SQLite file: requests recorded before their ack in a file of their own.

SQLite has one writer per file. With the inbox in the main database, a record before an ack waited whenever the
worker process held the write lock to save a note (1% of acks waited 7-10 ms at 16 requests at once). Here the
acknowledging process is the only one that ever writes the spool file, so a record never waits for the worker:
the worker only reads the spool (in WAL mode readers never block the writer) and keeps its progress in the main
database's inbox table (a row per request: attempts while it runs, finished when done).

On PostgreSQL, rows are locked one by one and the inbox table does both jobs (storage/slack_installations.py).
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, Text, bindparam, delete, event, insert, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import PoolProxiedConnection

from storage.engine import make_engine, sqlite_url
from storage.prepared import PreparedRead, utc
from storage.slack_installations import FINISHED, KEEP_FINISHED, InboxItem, SlackInboxRow
from storage.tables import core

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
CHECKPOINT_EVERY = 0.5  # seconds
PURGE_EVERY = timedelta(minutes=1)
BATCH = 100  # spooled requests the worker looks at a time

_meta = MetaData()
# `seq` gives the worker its order and its place; `id` is Slack's id for the request, so a retry collides.
_SPOOL = Table("slack_spool", _meta,
               Column("seq", Integer, primary_key=True, autoincrement=True),
               Column("id", String(200), nullable=False, unique=True),
               Column("workspace_id", String(120), nullable=False),
               Column("kind", String(16), nullable=False),
               Column("payload", Text, nullable=False),  # JSON, never a token
               Column("received_at", String(32), nullable=False, index=True),  # ISO UTC: sorts as it reads
               sqlite_autoincrement=True)  # a purged seq is never handed out again: the worker's place stays true
_RECORD = PreparedRead(insert(_SPOOL).values(
    {name: bindparam(name) for name in ("id", "workspace_id", "kind", "payload", "received_at")}).prefix_with(
    "OR IGNORE", dialect="sqlite"))
_PURGE = PreparedRead(delete(_SPOOL).where(_SPOOL.c.received_at < bindparam("before", type_=String)))
_AFTER = PreparedRead(select(_SPOOL.c.seq, _SPOOL.c.id, _SPOOL.c.workspace_id, _SPOOL.c.kind, _SPOOL.c.payload).where(
    _SPOOL.c.seq > bindparam("after", type_=Integer)).order_by(_SPOOL.c.seq).limit(BATCH))
_INBOX = core(SlackInboxRow)
_PROGRESS = select(_INBOX.c.id, _INBOX.c.lease_until, _INBOX.c.attempts).where(
    _INBOX.c.id.in_(bindparam("ids", expanding=True)))  # the worker's, off the ack path: plain Core
# The worker's writes, compiled once: SQLAlchemy building, caching and executing a Core statement took more than
# half of each claim. (A spool exists only beside a SQLite database, so the worker's main database is SQLite.)
_FINISH = PreparedRead(update(_INBOX).where(_INBOX.c.id == bindparam("key", type_=String)).values(
    lease_until=FINISHED, payload={}))
_STARTED = sqlite_insert(_INBOX).values(
    {name: bindparam(name) for name in ("id", "workspace_id", "kind", "payload", "received_at", "lease_until",
                                        "attempts")})
_BEGIN = PreparedRead(_STARTED.on_conflict_do_update(index_elements=[_INBOX.c.id], set_={
    "lease_until": _STARTED.excluded.lease_until, "attempts": _STARTED.excluded.attempts}))
_PURGE_FINISHED = delete(_INBOX).where(_INBOX.c.lease_until == FINISHED,
                                       _INBOX.c.received_at < bindparam("before", type_=_INBOX.c.received_at.type))


def spool_path(database: Path) -> Path:
    """Beside the database: touchpoint.db -> touchpoint.slack-inbox.db."""
    return database.with_name(f"{database.stem}.slack-inbox{database.suffix or '.db'}")


def spool_engine(path: Path) -> Engine:
    engine = make_engine(sqlite_url(path))
    # No checkpoint inside a record: SQLite's automatic one (every 1,000 pages, about every 150 records here)
    # syncs both files to disk and held that record's ack 4-12 ms. SpoolInbox checkpoints in a thread instead.
    event.listen(engine, "connect", lambda dbapi, _record: dbapi.execute("PRAGMA wal_autocheckpoint=0"))
    _meta.create_all(engine)  # a queue of its own, not part of the migrated schema: nothing else reads it
    return engine


class SpoolInbox:
    """The inbox on a spool file. The acknowledging process only calls `record` (it is the spool's only writer);
    the worker takes the requests in order with `claim_stale` and `done`, the table inbox's own calls (so
    bot/slack_inbox.Inbox runs either), and keeps its progress in the main database: a restarted worker finishes
    what was recorded and never redoes what it finished."""

    def __init__(self, spool: Engine, main: Engine, *, lease_seconds: float = 120,
                 clock: Clock = lambda: datetime.now(UTC)) -> None:
        self._spool = spool
        self._main = main
        self._clock = clock
        self._writing = threading.Lock()  # this process's threads take turns at once, not in SQLite's busy handler
        self._purged_at = datetime.min.replace(tzinfo=UTC)
        self._place = 0  # every spooled request up to this seq is finished
        self._checkpoints: threading.Thread | None = None
        self._recorder: PoolProxiedConnection | None = None  # the records' own connection, opened by the first
        self._lease = timedelta(seconds=lease_seconds)
        self._finished_purged_at = datetime.min.replace(tzinfo=UTC)
        self._answered: list[str] = []  # finished, not yet marked so in the main database (see `answered`)
        self.caught_up = False  # the last claim saw nothing recorded after what it took

    def record(self, key: str, *, workspace_id: str, kind: str, payload: dict[str, Any], leased: bool = False) -> bool:
        """Durably records a request for the worker; False when it was recorded before (a retry). (`leased` is
        the table inbox's: a spooled request is always the worker's.)"""
        if self._checkpoints is None:
            self._start_checkpoints()
        now = self._clock()
        row = {"id": key, "workspace_id": workspace_id, "kind": kind, "payload": json.dumps(payload),
               "received_at": now.isoformat()}
        with self._writing:
            # One connection kept for records, under the lock: a pool checkout and check-in (its reset) cost as
            # much as the insert itself.
            if self._recorder is None:
                self._recorder = self._spool.raw_connection()
            dbapi = self._recorder
            try:
                added = _RECORD.execute(dbapi, self._spool.dialect, **row) == 1
                if now - self._purged_at >= PURGE_EVERY:  # retries come within minutes: a day's ids are ample
                    self._purged_at = now
                    _PURGE.execute(dbapi, self._spool.dialect, before=(now - KEEP_FINISHED).isoformat())
                dbapi.commit()
            except BaseException:
                self._recorder = None  # whatever went wrong, the next record starts on a fresh connection
                with contextlib.suppress(Exception):
                    dbapi.rollback()
                dbapi.invalidate()
                raise
        return added

    def _start_checkpoints(self) -> None:
        """The recording process copies the spool's log into the file every half second, off the ack path (a
        passive checkpoint never blocks a record; the worker's reads may hold part of it back until next time)."""
        def run() -> None:
            while True:
                time.sleep(CHECKPOINT_EVERY)
                try:
                    with self._spool.connect() as conn:
                        conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
                except SQLAlchemyError as exc:  # the disk is full or the file went away: records will say so
                    log.warning("checkpointing the Slack spool failed: %s", exc)

        with self._writing:
            if self._checkpoints is None:
                self._checkpoints = threading.Thread(target=run, name="touchpoint-spool-checkpoints", daemon=True)
                self._checkpoints.start()

    def claim_stale(self, limit: int = 1) -> list[InboxItem]:
        """The next requests neither finished nor being tried again later, oldest first, each with its attempt
        counted in the main database before it runs (so one that kills the worker every time is dropped after a
        few tries). A failed request waits for its lease to run out, as in the table inbox, while later ones run.
        Requests `answered` since the last claim are marked finished in the same transaction."""
        claimed: list[InboxItem] = []
        scan, settled = self._place, True  # settled: everything up to `scan` is finished
        answered = set(self._answered)
        now = self._clock()
        self.caught_up = True
        while len(claimed) < limit:
            with self._spool.connect() as conn:
                spooled = _AFTER.rows(conn, after=scan)
            if not spooled:
                break
            with self._main.connect() as conn:
                progress = {r[0]: (utc(r[1]), r[2]) for r in conn.execute(_PROGRESS, {"ids": [r[1] for r in spooled]})}
            for i, (seq, key, workspace_id, kind, payload) in enumerate(spooled):
                scan = seq
                lease_until, attempts = progress.get(key, (None, 0))
                if lease_until == FINISHED or key in answered:
                    if settled:
                        self._place = seq
                    continue
                settled = False
                if lease_until is not None and lease_until > now:  # failed a moment ago: tried again later
                    continue
                claimed.append(InboxItem(key, workspace_id, kind, json.loads(payload), attempts + 1))
                if len(claimed) == limit:
                    # nothing after it in this read (and a full read may have more behind it)
                    self.caught_up = i == len(spooled) - 1 and len(spooled) < BATCH
                    break
        self._begin(claimed, now)
        return claimed

    def _begin(self, items: list[InboxItem], now: datetime) -> None:
        """One transaction: what was answered is finished, and each claimed request's attempt is counted."""
        if not items and not self._answered:
            return
        with self._main.begin() as conn:
            dbapi, dialect = conn.connection, self._main.dialect
            if self._answered:
                _FINISH.execute_many(dbapi, dialect, [{"key": key} for key in self._answered])
            for item in items:  # its first attempt adds its row; a later one moves its lease and count
                _BEGIN.execute(dbapi, dialect, id=item.id, workspace_id=item.workspace_id, kind=item.kind, payload={},
                               received_at=now, lease_until=now + self._lease, attempts=item.attempts)
            if self._answered and now - self._finished_purged_at >= PURGE_EVERY:  # as SqlSlackInbox.done does
                self._finished_purged_at = now
                conn.execute(_PURGE_FINISHED, {"before": now - KEEP_FINISHED})
        self._answered.clear()

    def answered(self, key: str) -> None:
        """Finished, answer posted: marked so with the next claim's write (one transaction fewer per request,
        and none while the next request is acknowledged) or by `flush`. A worker killed before that runs the
        request again; its delivery id keeps the note from being logged twice."""
        self._answered.append(key)

    def flush(self) -> None:
        """Marks what was `answered` finished now (the worker is idle)."""
        self._begin([], self._clock())

    def done(self, key: str) -> None:
        """Finished now (a request dropped after its last attempt): the same write as the answered ones'."""
        self._answered.append(key)
        self.flush()
