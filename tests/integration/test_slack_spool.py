"""A server on a SQLite file records requests in a spool file that only it writes (storage/slack_spool.py): an
ack never waits for the worker's writes, nothing recorded is lost or run twice, a restarted worker resumes."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.bootstrap import App, bootstrap
from bot.settings import Settings
from bot.slack_inbox import MAX_ATTEMPTS, Inbox
from bot.slack_server import inbox_store
from storage.slack_installations import SqlSlackInbox
from storage.slack_spool import SpoolInbox, spool_engine, spool_path
from tests.integration.slack_fakes import SAMPLES, FakeSlackApi, LoopbackServer
from tests.integration.test_serve import free_port, stopped, wait_healthy

pytestmark = pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"Slack samples not at {SAMPLES}")
ROOT = Path(__file__).resolve().parents[2]


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def sqlite_app(tmp_path: Path) -> App:
    """The spool is for a server on a SQLite file, whatever database the rest of the suite runs on."""
    return bootstrap(Settings(DATABASE_URL=f"sqlite:///{tmp_path / 'touchpoint.db'}"))  # type: ignore[call-arg]


def spool_of(app: App, clock: Clock | None = None) -> SpoolInbox:
    """What a process opens: the server to record, the worker to take (each its own, as in two processes)."""
    path = spool_path(Path(str(app.engine.url.database)))
    return SpoolInbox(spool_engine(path), app.engine, **({"clock": clock} if clock else {}))  # type: ignore[arg-type]


def record(spool: SpoolInbox, key: str, n: int = 0) -> bool:
    return spool.record(key, workspace_id="slack:T1", kind="command", payload={"n": n})


def test_a_server_on_a_sqlite_file_records_in_its_spool_and_postgresql_in_the_table(sqlite_app: App,
                                                                                    app: App) -> None:
    store, path = inbox_store(sqlite_app)
    assert isinstance(store, SpoolInbox) and path == str(spool_path(Path(str(sqlite_app.engine.url.database))))
    assert Path(path).name == "touchpoint.slack-inbox.db" and Path(path).exists()
    if app.engine.dialect.name == "postgresql":
        other, none = inbox_store(app)
        assert isinstance(other, SqlSlackInbox) and none is None


def test_a_record_does_not_wait_while_the_worker_holds_the_databases_write_lock(sqlite_app: App) -> None:
    server, worker = spool_of(sqlite_app), spool_of(sqlite_app)
    held, release = threading.Event(), threading.Event()

    def hold() -> None:  # the worker process saving a note: SQLite's one write lock on the main file
        conn = sqlite3.connect(str(sqlite_app.engine.url.database), timeout=5, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        held.set()
        release.wait(30)
        conn.execute("ROLLBACK")
        conn.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(5)
        key = f"command:{uuid.uuid4()}"
        assert record(server, key) is True  # recorded while the lock is still held (the table inbox would wait)
        assert holder.is_alive() and not release.is_set()
    finally:
        release.set()
        holder.join()
    (item,) = worker.claim_stale(limit=1)
    assert item.id == key and item.payload == {"n": 0} and item.attempts == 1


def test_a_retry_is_recorded_once_and_requests_run_in_order_each_once_across_restarts(sqlite_app: App) -> None:
    server = spool_of(sqlite_app)
    keys = [f"command:{n}-{uuid.uuid4()}" for n in range(3)]
    assert [record(server, k, n) for n, k in enumerate(keys)] == [True, True, True]
    assert record(server, keys[1], 1) is False  # Slack's retry of the same request

    worker = spool_of(sqlite_app)
    (first,) = worker.claim_stale(limit=1)
    assert first.id == keys[0]
    worker.done(first.id)
    (second,) = worker.claim_stale(limit=1)
    assert second.id == keys[1] and second.payload == {"n": 1}
    worker.done(second.id)

    restarted = spool_of(sqlite_app)  # a new worker process: what was finished is not run again
    (third,) = restarted.claim_stale(limit=5)
    assert third.id == keys[2]
    restarted.done(third.id)
    assert restarted.claim_stale(limit=5) == [] and spool_of(sqlite_app).claim_stale(limit=5) == []


def test_a_request_the_worker_died_on_is_tried_again_once_its_lease_runs_out(sqlite_app: App) -> None:
    clock = Clock()
    server = spool_of(sqlite_app, clock)
    key = f"command:{uuid.uuid4()}"
    record(server, key)
    (item,) = spool_of(sqlite_app, clock).claim_stale(limit=1)  # taken, then the worker is killed mid-way
    later = f"command:{uuid.uuid4()}"
    record(server, later)
    restarted = spool_of(sqlite_app, clock)
    (next_item,) = restarted.claim_stale(limit=1)  # the one on lease waits; later ones do not wait behind it
    assert next_item.id == later
    restarted.done(later)
    assert restarted.claim_stale(limit=1) == []
    clock.now += timedelta(minutes=3)
    (again,) = restarted.claim_stale(limit=1)
    assert again.id == key and again.attempts == item.attempts + 1
    restarted.done(key)
    assert restarted.claim_stale(limit=1) == []


def test_a_request_that_always_fails_is_dropped_after_the_last_attempt(sqlite_app: App) -> None:
    clock = Clock()
    key = f"command:{uuid.uuid4()}"
    record(spool_of(sqlite_app, clock), key)
    runs: list[int] = []

    def fail(item: object, _token: object) -> None:
        runs.append(1)
        raise RuntimeError("Slack is down")

    for _ in range(MAX_ATTEMPTS + 1):  # each try in a new worker process, after the lease ran out
        inbox = Inbox(spool_of(sqlite_app, clock))
        inbox.on("command", fail)
        stop = threading.Event()
        waker = threading.Event()
        threading.Timer(0.3, stop.set).start()
        inbox.work(stop, waker, idle_wait=0.05)
        clock.now += timedelta(minutes=3)
    assert len(runs) == MAX_ATTEMPTS  # then dropped, not retried forever
    assert spool_of(sqlite_app, clock).claim_stale(limit=1) == []


def test_a_days_old_record_is_purged_so_the_spool_stays_small(sqlite_app: App) -> None:
    clock = Clock()
    server = spool_of(sqlite_app, clock)
    old = f"command:{uuid.uuid4()}"
    record(server, old)
    worker = spool_of(sqlite_app, clock)
    worker.done(worker.claim_stale(limit=1)[0].id)
    clock.now += timedelta(days=2)
    restarted_server = spool_of(sqlite_app, clock)
    assert record(restarted_server, f"command:{uuid.uuid4()}") is True  # purges what is older than a day
    path = spool_path(Path(str(sqlite_app.engine.url.database)))
    with sqlite3.connect(path) as conn:
        assert [r[0] for r in conn.execute("SELECT id FROM slack_spool")] != [old]
        assert old not in {r[0] for r in conn.execute("SELECT id FROM slack_spool")}


@pytest.fixture
def fake_api() -> Iterator[tuple[FakeSlackApi, str]]:
    api = FakeSlackApi()
    server = LoopbackServer(api.web_app()).start()
    yield api, server.url
    server.stop()


def test_serve_slack_answers_what_a_killed_server_left_in_its_spool(sqlite_app: App, tmp_path: Path,
                                                                   fake_api: tuple[FakeSlackApi, str]) -> None:
    api, api_url = fake_api
    hook = f"hook{uuid.uuid4().hex[:8]}"
    team = f"T{uuid.uuid4().hex[:8].upper()}"
    # what a server killed right after its ack leaves: the request in the spool, no one working on it
    spool_of(sqlite_app).record(f"command:{uuid.uuid4()}", workspace_id=f"slack:{team}", kind="command", payload={
        "words": "help", "user_id": "U0REP", "user_name": "rep", "response_url": f"{api_url}/webhook/{hook}",
        "delivery_id": f"slack:{uuid.uuid4()}", "said_at": datetime.now(UTC).isoformat(), "team_id": team,
        "enterprise_id": None, "is_enterprise_install": False})
    port = free_port()
    env = {**os.environ, "DATABASE_URL": str(sqlite_app.engine.url), "HOME": str(tmp_path),
           "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "s3cret", "SLACK_API_URL": api_url + "/api/"}
    code = f"from bot.bootstrap import bootstrap; from bot.slack_server import serve_slack; " \
           f"serve_slack(bootstrap(), host='127.0.0.1', port={port})"
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_healthy(f"http://127.0.0.1:{port}/healthz", proc)
        (answer,) = api.wait_for(hook)
        assert "Touchpoint" in answer.params["text"]
    finally:
        err = stopped(proc)
    assert "Traceback" not in err, err


def test_the_spool_is_checkpointed_by_the_recording_process_off_the_ack_path(sqlite_app: App) -> None:
    from tests.integration.slack_fakes import eventually

    server = spool_of(sqlite_app)
    path = spool_path(Path(str(sqlite_app.engine.url.database)))
    before = path.stat().st_size
    for n in range(200):
        record(server, f"command:{n}-{uuid.uuid4()}", n)
    with server._spool.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0  # a record never checkpoints...
    eventually(lambda: path.stat().st_size > before)  # ...a thread of its process copies the log into the file
    assert len(spool_of(sqlite_app).claim_stale(limit=200)) == 200


def _wait_and_report(doorbell: object, heard: object) -> None:
    if doorbell.wait(10):  # type: ignore[attr-defined]
        heard.set()  # type: ignore[attr-defined]


def test_the_doorbell_wakes_the_worker_process_and_each_ring_counts_once() -> None:
    import multiprocessing

    from bot.slack_worker import Doorbell

    ctx = multiprocessing.get_context("spawn")
    doorbell, heard = Doorbell(ctx), ctx.Event()
    assert not doorbell.is_set()
    doorbell.set()
    doorbell.set()
    assert doorbell.is_set()
    doorbell.clear()  # the worker looks at the spool after clearing: every ring before is heard at once
    assert not doorbell.is_set() and doorbell.wait(0.01) is False
    listener = ctx.Process(target=_wait_and_report, args=(doorbell, heard))
    listener.start()
    try:
        doorbell.set()
        assert heard.wait(30)  # another process heard it
    finally:
        listener.join(30)
    assert not doorbell.is_set()  # its ring was taken by the one who heard it


def finished(app: App, key: str) -> bool:
    """The worker's progress in the main database says the request is done."""
    with sqlite3.connect(str(app.engine.url.database)) as conn:
        row = conn.execute("SELECT lease_until FROM slack_inbox WHERE id = ?", (key,)).fetchone()
    return row is not None and str(row[0]).startswith("9999")


def test_an_answered_request_is_marked_finished_with_the_next_claim_or_by_a_flush(sqlite_app: App) -> None:
    server, worker = spool_of(sqlite_app), spool_of(sqlite_app)
    first, second = f"command:1-{uuid.uuid4()}", f"command:2-{uuid.uuid4()}"
    record(server, first)
    record(server, second)
    (item,) = worker.claim_stale(limit=1)
    assert item.id == first and not worker.caught_up  # the second is waiting: look again without the doorbell
    worker.answered(first)  # its answer is posted; nothing written yet
    assert not finished(sqlite_app, first)
    (item,) = worker.claim_stale(limit=1)
    assert item.id == second and worker.caught_up
    assert finished(sqlite_app, first) and not finished(sqlite_app, second)  # in the claim's own transaction
    worker.answered(second)
    worker.flush()
    assert finished(sqlite_app, second) and worker.claim_stale(limit=1) == []


def test_a_worker_killed_after_the_answer_but_before_marking_it_runs_the_request_again(sqlite_app: App) -> None:
    """Never lost: at worst a second answer (the delivery id keeps the note from being logged twice)."""
    clock = Clock()
    key = f"command:{uuid.uuid4()}"
    record(spool_of(sqlite_app, clock), key)
    killed = spool_of(sqlite_app, clock)
    (item,) = killed.claim_stale(limit=1)
    killed.answered(item.id)  # ...and the process dies here
    restarted = spool_of(sqlite_app, clock)
    assert restarted.claim_stale(limit=1) == []  # still on its lease
    clock.now += timedelta(minutes=3)
    (again,) = restarted.claim_stale(limit=1)
    assert again.id == key and again.attempts == item.attempts + 1
    restarted.answered(key)
    restarted.flush()
    clock.now += timedelta(minutes=3)
    assert finished(sqlite_app, key) and spool_of(sqlite_app, clock).claim_stale(limit=1) == []


def test_the_worker_loop_answers_everything_then_waits_for_the_doorbell_and_marks_its_work_finished(
        sqlite_app: App) -> None:
    from tests.integration.slack_fakes import eventually

    server = spool_of(sqlite_app)
    keys = [f"command:{n}-{uuid.uuid4()}" for n in range(3)]
    for n, key in enumerate(keys[:2]):  # recorded before the worker starts: both run without a ring
        record(server, key, n)
    inbox = Inbox(spool_of(sqlite_app))
    ran: list[str] = []
    inbox.on("command", lambda item, _token: ran.append(item.id))
    stop, doorbell = threading.Event(), threading.Event()
    worker = threading.Thread(target=inbox.work, args=(stop, doorbell), kwargs={"idle_wait": 30})
    worker.start()
    try:
        eventually(lambda: ran == keys[:2])
        eventually(lambda: all(finished(sqlite_app, k) for k in keys[:2]))  # marked once idle
        record(server, keys[2], 2)
        doorbell.set()  # what the server does once the ack is written
        eventually(lambda: ran == keys and finished(sqlite_app, keys[2]))
    finally:
        stop.set()
        doorbell.set()
        worker.join(10)
    assert not worker.is_alive()


def test_a_worker_told_to_stop_marks_what_it_answered_before_it_exits(sqlite_app: App) -> None:
    key = f"command:{uuid.uuid4()}"
    record(spool_of(sqlite_app), key)
    inbox = Inbox(spool_of(sqlite_app))
    stop, doorbell = threading.Event(), threading.Event()
    inbox.on("command", lambda _item, _token: stop.set())  # answered, and the server stops at that moment
    inbox.work(stop, doorbell, idle_wait=30)
    assert finished(sqlite_app, key)


def test_a_record_that_fails_leaves_nothing_behind_and_the_next_one_goes_in(sqlite_app: App,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy.exc import OperationalError

    import storage.slack_spool as spool_module

    server = spool_of(sqlite_app)
    first, second = f"command:1-{uuid.uuid4()}", f"command:2-{uuid.uuid4()}"
    assert record(server, first) is True

    def disk_full(*_args: object, **_kw: object) -> int:
        raise OperationalError("INSERT", {}, sqlite3.OperationalError("database or disk is full"))

    with monkeypatch.context() as patched:
        patched.setattr(spool_module._RECORD, "execute", disk_full)
        with pytest.raises(OperationalError):
            record(server, second)  # the rep hears "try again"; nothing was acked
    assert record(server, second) is True and record(server, first) is False  # a fresh connection, same spool
    assert [i.id for i in spool_of(sqlite_app).claim_stale(limit=5)] == [first, second]
