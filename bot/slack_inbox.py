"""Slow work after the ack, without losing it: a request is recorded in the inbox table (durably), then
acknowledged at once, then processed by a worker thread here. A process killed after the ack leaves the
record behind, and a sweep in any process (at start, then every half minute) takes it over once its lease
has run out. Processing twice is harmless: the dispatcher's delivery ids never log a request twice."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol, runtime_checkable

from sqlalchemy.exc import SQLAlchemyError

from storage.slack_installations import InboxItem

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5  # a request that failed this often is dropped (and logged), not retried forever
FLUSH_AFTER = 0.05  # seconds idle before a worker marks its answered requests finished on their own
Processor = Callable[[InboxItem, str | None], None]  # (the request, its bot token when known in memory)


class InboxStore(Protocol):
    """Where requests are recorded: the inbox table (storage/slack_installations.SqlSlackInbox) or, for a server
    on a SQLite file with a worker process, a spool file of its own (storage/slack_spool.SpoolInbox)."""

    def record(self, key: str, *, workspace_id: str, kind: str, payload: dict[str, Any],
               leased: bool = True) -> bool: ...
    def claim_stale(self, limit: int = 50) -> list[InboxItem]: ...
    def done(self, key: str) -> None: ...


@runtime_checkable
class Deferring(Protocol):
    """A store whose worker marks requests finished with its next claim (storage/slack_spool.SpoolInbox)."""

    caught_up: bool  # the last claim saw nothing recorded after what it took: the doorbell says when to look

    def answered(self, key: str) -> None: ...
    def flush(self) -> None: ...


class Waker(Protocol):
    """threading.Event, or the worker process's Doorbell (bot/slack_worker.py)."""

    def set(self) -> None: ...
    def clear(self) -> None: ...
    def is_set(self) -> bool: ...
    def wait(self, timeout: float | None = None) -> bool: ...


class Inbox:
    def __init__(self, store: InboxStore, *, workers: int = 1, sweep_every: float = 30.0,
                 wake: Waker | None = None, wake_after_reply: bool = False) -> None:
        """With `wake`, requests are only recorded here and `wake` is set: a worker process runs them. With
        `wake_after_reply`, the server calls `release` once the ack is on the wire: the worker starts parsing
        then, not while the ack is still being sent (on two cores it took the CPU the ack needed)."""
        self._store = store
        self._wake = wake
        self._wake_after_reply = wake_after_reply
        self._pending = threading.Event()  # recorded, the worker not woken yet
        # One worker by default: the work is CPU-bound Python, so more threads would only take the GIL from the
        # threads that acknowledge requests; and one writer never conflicts with itself (two logs by one new
        # rep at once would race to create the rep's row, and one would be refused).
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="touchpoint-inbox")
        self._processors: dict[str, Processor] = {}
        self._mine: set[str] = set()  # keys queued or running here: a sweep must not queue them twice
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sweep_every = sweep_every
        self._sweeper: threading.Thread | None = None

    def on(self, kind: str, processor: Processor) -> None:
        self._processors[kind] = processor

    def accept(self, key: str, *, workspace_id: str, kind: str, payload: dict[str, Any],
               token: str | None = None) -> bool:
        """Records the request and queues it; False when it was recorded before (a retry of it)."""
        remote = self._wake is not None
        if not self._store.record(key, workspace_id=workspace_id, kind=kind, payload=payload, leased=not remote):
            return False
        if self._wake is not None:
            if self._wake_after_reply:
                self._pending.set()
            else:
                self._wake.set()
        else:
            self._queue(InboxItem(key, workspace_id, kind, payload, 1), token)
        return True

    def release(self) -> None:
        """The server's ack is sent: wake the worker for what was recorded meanwhile (if anything)."""
        if self._wake is not None and self._pending.is_set():
            self._pending.clear()  # before waking: a record after this sets it again and is released by its reply
            self._wake.set()

    def work(self, stop: Waker, wake: Waker, *, idle_wait: float = 1.0) -> None:
        """A worker process's loop: takes one recorded request at a time (so no other worker waits behind a
        long queue here) and runs it, until `stop` is set.

        With a deferring store, a request's answer is posted before anything else is written: the request is
        marked finished with the next claim (after the next ack, since the server rings only then), so at one
        request at a time the worker is idle, not committing, when the next request arrives."""
        deferring = self._store if isinstance(self._store, Deferring) else None
        unflushed = False  # answered requests not yet marked finished
        while not stop.is_set():
            # Caught up: nothing to look at until the doorbell rings (or a while has passed, see below).
            if deferring is not None and deferring.caught_up and not wake.wait(FLUSH_AFTER if unflushed
                                                                                 else idle_wait):
                if unflushed:
                    self._guarded(deferring.flush)
                    unflushed = False
                else:
                    deferring.caught_up = False  # look anyway: a failed request's lease may have run out
                continue
            wake.clear()  # before looking, so a request recorded meanwhile sets it again
            try:
                items = self._store.claim_stale(limit=1)
                unflushed = False  # the claim marked them
            except SQLAlchemyError as exc:
                log.warning("reading the Slack inbox failed: %s", exc)
                items = []
            if not items:
                if deferring is None:
                    wake.wait(idle_wait)
                continue  # a deferring store is caught up now: the loop waits for its doorbell
            item = items[0]
            if item.attempts > MAX_ATTEMPTS or item.kind not in self._processors:
                log.error("dropping Slack request %s after %s attempts", item.id, item.attempts - 1)
                self._store.done(item.id)
                continue
            unflushed = self._run(item, None, finish=deferring.answered if deferring is not None else None) \
                or unflushed
        if deferring is not None and unflushed:  # stopping: a restarted worker must not run these again
            self._guarded(deferring.flush)

    @staticmethod
    def _guarded(step: Callable[[], None]) -> None:
        try:
            step()
        except SQLAlchemyError as exc:  # kept: marked with the next claim instead
            log.warning("writing the Slack inbox failed: %s", exc)

    def _queue(self, item: InboxItem, token: str | None) -> None:
        with self._lock:
            if item.id in self._mine:
                return
            self._mine.add(item.id)
        self._pool.submit(self._run, item, token)

    def _run(self, item: InboxItem, token: str | None, finish: Callable[[str], None] | None = None) -> bool:
        """Runs a request and marks it done (or, with `finish`, hands it to that); True when it succeeded."""
        try:
            self._processors[item.kind](item, token)
            (finish or self._store.done)(item.id)
            return True
        except Exception:  # the record stays: its lease runs out and a sweep tries again
            log.exception("processing Slack request %s failed (attempt %s)", item.id, item.attempts)
            return False
        finally:
            with self._lock:
                self._mine.discard(item.id)

    def sweep(self) -> int:
        """Takes over the requests whose lease ran out; returns how many were queued."""
        queued = 0
        for item in self._store.claim_stale():
            if item.attempts > MAX_ATTEMPTS or item.kind not in self._processors:
                log.error("dropping Slack request %s after %s attempts", item.id, item.attempts - 1)
                self._store.done(item.id)
                continue
            self._queue(item, None)
            queued += 1
        return queued

    def start(self) -> Inbox:
        def loop() -> None:
            while True:
                try:
                    self.sweep()
                except SQLAlchemyError as exc:  # the database is away: try again at the next sweep
                    log.warning("sweeping the Slack inbox failed: %s", exc)
                if self._stop.wait(self._sweep_every):
                    return

        self._sweeper = threading.Thread(target=loop, name="touchpoint-inbox-sweep", daemon=True)
        self._sweeper.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def idle(self) -> bool:
        with self._lock:
            return not self._mine
