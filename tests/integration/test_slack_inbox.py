"""Slash commands are recorded, acknowledged at once, then processed: nothing a rep sent is lost when the
process dies after the ack, and any process finishes what another left behind."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session

from bot.bootstrap import App
from bot.slack_inbox import MAX_ATTEMPTS, Inbox
from storage.slack_installations import FINISHED, InboxItem, SlackInboxRow, SqlSlackInbox
from tests.integration.slack_fakes import (
    FORM,
    REP,
    SAMPLES,
    Slack,
    eventually,
    interactions,
    post,
    running_slack,
    slash_body,
    world_team,
)

pytestmark = pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"Slack samples not at {SAMPLES}")


def inbox_row(app: App, key: str) -> SlackInboxRow | None:
    with Session(app.engine) as s:
        return s.get(SlackInboxRow, key)


def finished(app: App, key: str) -> bool:
    """Done and kept, payload dropped, so that a late retry of the same id is still recognised."""
    row = inbox_row(app, key)
    return row is not None and row.lease_until == FINISHED and row.payload == {}


def log_payload(slack: Slack, team: str, note: str, hook: str) -> dict[str, Any]:
    return {"words": f"log {note}", "user_id": REP, "user_name": "rep", "response_url": hook,
            "delivery_id": f"slack:{uuid.uuid4()}", "said_at": datetime.now(UTC).isoformat(), "team_id": team,
            "enterprise_id": None, "is_enterprise_install": False}


def test_the_ack_comes_before_the_work_and_the_request_is_on_record_meanwhile(
        slack: Slack, monkeypatch: pytest.MonkeyPatch) -> None:
    team, hook = world_team(slack), slack.hook()
    gate, original = threading.Event(), slack.app.dispatcher.handle_text
    monkeypatch.setattr(slack.app.dispatcher, "handle_text",
                        lambda *a, **k: original(*a, **k) if gate.wait(10) else None)
    body = slash_body(command="/log", text="call with Frank at Globex, wants a trial", team=team, user=REP,
                      response_url=hook)
    trigger = dict(p.split("=", 1) for p in body.split("&"))["trigger_id"]
    started = time.monotonic()
    assert post(slack.url, body, content_type=FORM) == (200, "")  # acknowledged while the work is blocked
    assert time.monotonic() - started < 1
    row = inbox_row(slack.app, f"command:{trigger}")
    assert row is not None and row.payload["words"] == "log call with Frank at Globex, wants a trial"
    assert "xoxb" not in str(row.payload)  # no token is ever written to the inbox
    gate.set()
    (answer,) = slack.api.wait_for(hook.rsplit("/", 1)[-1])
    assert "Logged for Globex Corporation" in answer.params["text"]
    assert "call with Frank at Globex, wants a trial" in interactions(slack.app, team, "Globex Corporation")
    eventually(lambda: finished(slack.app, f"command:{trigger}"))  # answered: never claimed again


def test_a_request_left_by_a_dead_process_is_finished_by_the_next_one(slack: Slack) -> None:
    team, hook = world_team(slack), slack.hook()
    past = datetime.now(UTC) - timedelta(minutes=5)
    key = f"command:{uuid.uuid4()}"
    # what a process killed right after its ack leaves: the record, with a lease nobody renews
    SqlSlackInbox(slack.app.engine, clock=lambda: past).record(
        key, workspace_id=f"slack:{team}", kind="command",
        payload=log_payload(slack, team, "call with Frank at Globex, budget approved", hook))
    with running_slack(slack.app):  # a new process sweeps the inbox as it starts
        (answer,) = slack.api.wait_for(hook.rsplit("/", 1)[-1])  # the recorded response_url
    assert "Logged for Globex Corporation" in answer.params["text"]
    assert "call with Frank at Globex, budget approved" in interactions(slack.app, team, "Globex Corporation")
    eventually(lambda: finished(slack.app, key))


def test_a_request_another_process_is_working_on_is_left_to_it(slack: Slack) -> None:
    team, hook = world_team(slack), slack.hook()
    key = f"command:{uuid.uuid4()}"
    SqlSlackInbox(slack.app.engine).record(key, workspace_id=f"slack:{team}", kind="command",
                                           payload=log_payload(slack, team, "call at Globex, all good", hook))
    with running_slack(slack.app):
        time.sleep(0.5)
    assert not slack.api.of(hook.rsplit("/", 1)[-1])
    assert inbox_row(slack.app, key) is not None
    assert "call at Globex, all good" not in interactions(slack.app, team, "Globex Corporation")
    SqlSlackInbox(slack.app.engine).done(key)


def test_a_failing_request_is_retried_then_dropped(app: App) -> None:
    store = SqlSlackInbox(app.engine, lease_seconds=0)  # every lease has run out at once
    inbox = Inbox(store, workers=1, sweep_every=3600)
    seen: list[int] = []

    def fail(item: InboxItem, _token: str | None) -> None:
        seen.append(item.attempts)
        raise RuntimeError("Slack is down")

    inbox.on("command", fail)
    key = f"command:{uuid.uuid4()}"
    assert inbox.accept(key, workspace_id="slack:T0", kind="command", payload={}) is True
    assert inbox.accept(key, workspace_id="slack:T0", kind="command", payload={}) is False  # a retry of it
    for _ in range(MAX_ATTEMPTS + 1):
        eventually(inbox.idle)
        inbox.sweep()
    eventually(inbox.idle)
    inbox.stop()
    assert seen == list(range(1, MAX_ATTEMPTS + 1))
    assert finished(app, key)  # given up after the last attempt: never claimed again


def test_two_processes_sweeping_at_once_take_each_request_once(app: App) -> None:
    past = datetime.now(UTC) - timedelta(minutes=5)
    keys = [f"command:{uuid.uuid4()}" for _ in range(20)]
    for key in keys:
        SqlSlackInbox(app.engine, clock=lambda: past).record(key, workspace_id="slack:T0", kind="x", payload={})
    taken: list[list[str]] = [[], []]
    start = threading.Barrier(2)

    def sweep(i: int) -> None:
        start.wait()
        store = SqlSlackInbox(app.engine)
        for _ in range(3):
            taken[i] += [item.id for item in store.claim_stale(limit=100) if item.id in keys]

    threads = [threading.Thread(target=sweep, args=(i,)) for i in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(30)
    assert sorted(taken[0] + taken[1]) == sorted(keys)
    for key in keys:
        SqlSlackInbox(app.engine).done(key)


def test_the_server_is_unhealthy_without_its_worker_process_or_until_it_is_ready(slack: Slack) -> None:
    from types import SimpleNamespace

    from slack_sdk import WebClient

    from bot.slack_app import build_slack_app
    from bot.slack_server import make_web_app
    from tests.integration.slack_fakes import SECRET, LoopbackServer

    alive, ready = [True], [False]
    worker = SimpleNamespace(alive=lambda: alive[0], ready=lambda: ready[0], start=lambda: None, stop=lambda: None)
    bolt = build_slack_app(slack.app, signing_secret=SECRET, token="xoxb-test",
                           client=WebClient(token="xoxb-test", base_url=slack.api_url + "/api/"))
    server = LoopbackServer(make_web_app(slack.app, bolt, signing_secret=SECRET, worker=worker)).start()  # type: ignore[arg-type]
    try:
        assert get_status(server.url + "/healthz") == 503  # starting: the worker is still building its indexes
        ready[0] = True
        assert get_status(server.url + "/healthz") == 200
        alive[0] = False
        assert get_status(server.url + "/healthz") == 503
    finally:
        server.stop()


def get_status(url: str) -> int:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as err:
        return err.code


def test_a_dm_is_acked_before_the_work_and_answered_after(slack: Slack, monkeypatch: pytest.MonkeyPatch) -> None:
    team, event_id = world_team(slack), f"Ev{uuid.uuid4().hex[:10].upper()}"
    gate, original = threading.Event(), slack.app.dispatcher.handle_text
    monkeypatch.setattr(slack.app.dispatcher, "handle_text",
                        lambda *a, **k: original(*a, **k) if gate.wait(10) else None)
    before = len(slack.api.of("chat.postMessage"))
    started = time.monotonic()
    assert slack.event(team, "call with Frank at Globex, they signed", event_id=event_id) == 200
    assert time.monotonic() - started < 1 and inbox_row(slack.app, f"event:{event_id}") is not None
    gate.set()
    reply = slack.api.wait_for("chat.postMessage", before + 1)[before]
    assert reply.token == "xoxb-test" and "Logged for Globex Corporation" in reply.params["text"]
    eventually(lambda: finished(slack.app, f"event:{event_id}"))


def test_the_worker_builds_each_slack_workspaces_index_before_taking_requests(app: App) -> None:
    from bot.slack_worker import warm
    from tests.integration.helpers import load_world

    slack_ws, other = f"slack:T{uuid.uuid4().hex[:8]}", f"teams:{uuid.uuid4().hex[:8]}"
    for ws in (slack_ws, other):
        app.ensure_workspace(ws, ws)
    load_world(app, slack_ws)
    assert app.services.directory.cached(slack_ws) is None
    assert warm(app) >= 1
    held = app.services.directory.cached(slack_ws)
    assert held is not None and held[1].search_accounts("Globex", limit=1)  # built, with the world's accounts
    assert app.services.directory.cached(other) is None  # only Slack's workspaces: Teams runs elsewhere


def _holding_sqlite_write_lock(app: App, seconds: float) -> threading.Thread:
    """Another process's writer, as the worker is: holds SQLite's write lock for `seconds`."""
    import sqlite3

    held = threading.Event()

    def hold() -> None:
        conn = sqlite3.connect(str(app.engine.url.database), timeout=5, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        held.set()
        time.sleep(seconds)
        conn.execute("ROLLBACK")
        conn.close()

    thread = threading.Thread(target=hold)
    thread.start()
    held.wait(5)
    return thread


def test_a_record_waits_for_another_writer_and_then_goes_in(app: App) -> None:
    if app.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's single writer only")
    store = SqlSlackInbox(app.engine)
    thread = _holding_sqlite_write_lock(app, 0.3)
    key = f"command:{uuid.uuid4()}"
    assert store.record(key, workspace_id="slack:TWAIT", kind="command", payload={"n": 1}) is True
    thread.join()
    assert store.record(key, workspace_id="slack:TWAIT", kind="command", payload={"n": 1}) is False  # on record


def test_a_record_gives_up_when_the_writer_never_lets_go(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    if app.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's single writer only")
    from sqlalchemy.exc import OperationalError

    from storage import slack_installations

    monkeypatch.setattr(slack_installations, "RECORD_PATIENCE", 0.05)
    store = SqlSlackInbox(app.engine)
    thread = _holding_sqlite_write_lock(app, 0.5)
    key = f"command:{uuid.uuid4()}"
    with pytest.raises(OperationalError):
        store.record(key, workspace_id="slack:TWAIT", kind="command", payload={})
    thread.join()
    assert store.record(key, workspace_id="slack:TWAIT", kind="command", payload={}) is True  # nothing half-written


def test_the_worker_is_woken_once_the_ack_is_on_its_way_not_while_it_is_sent(slack: Slack) -> None:
    """Over HTTP the worker is woken after the reply is written: on two cores, a worker parsing at once took the
    CPU the ack needed. Nothing recorded is left unwoken."""
    from slack_sdk import WebClient

    from bot.slack_app import build_slack_app
    from bot.slack_server import EVENTS_PATH, make_web_app
    from tests.integration.slack_fakes import SECRET, LoopbackServer

    prepared: list[object] = []  # replies whose headers were written

    class Wake(threading.Event):
        def __init__(self) -> None:
            super().__init__()
            self.woken_after: list[int] = []

        def set(self) -> None:
            self.woken_after.append(len(prepared))
            super().set()

    wake = Wake()
    inbox = Inbox(SqlSlackInbox(slack.app.engine), wake=wake, wake_after_reply=True)
    bolt = build_slack_app(slack.app, signing_secret=SECRET, token="xoxb-test",
                           client=WebClient(token="xoxb-test", base_url=slack.api_url + "/api/"), inbox=inbox)
    web_app = make_web_app(slack.app, bolt, signing_secret=SECRET, inbox=inbox)

    async def on_prepare(_request: object, response: object) -> None:
        prepared.append(response)

    web_app.on_response_prepare.append(on_prepare)
    server = LoopbackServer(web_app).start()
    try:
        body = slash_body(command="/log", text="call with Frank at Globex", team=world_team(slack), user=REP,
                          response_url=slack.hook())
        assert post(server.url + EVENTS_PATH, body, content_type=FORM) == (200, "")
        eventually(wake.is_set)
        assert wake.woken_after == [1]  # once, after the ack's reply was prepared
        trigger = dict(p.split("=", 1) for p in body.split("&"))["trigger_id"]
        assert inbox_row(slack.app, f"command:{trigger}") is not None  # on record, for the worker
    finally:
        server.stop()
