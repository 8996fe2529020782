"""A plain-words log reads what it needs in its own transaction, in few round trips, and keeps its guarantees:
the delivery claim first, everything in one transaction or nothing, only the rep's workspace."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

import bot.handlers.log as log_handler
from bot.bootstrap import App, bootstrap
from bot.context import Actor
from bot.replies import Tone
from bot.settings import Settings
from domain.customer import Account
from tests.conftest import NOW
from tests.integration.helpers import load_world

_FRONTEND = re.compile(r"F\t\d+\t(\w+)(?:\t(.*))?$")  # a message the client sent, in libpq's trace
LOG = "Good call with Frank at Globex today, he wants the security pack by Friday"


@pytest.fixture
def world(app: App, workspace: str) -> str:
    load_world(app, workspace)
    return workspace


@pytest.fixture
def rep(world: str) -> Actor:
    return Actor(world, "U_REP", tz="America/New_York")


def _globex_logs(app: App, workspace: str) -> int:
    with app.services.uow(workspace) as uow:
        globex = uow.accounts.by_name("Globex Corporation")
        assert globex is not None
        return uow.interactions.count_for_account(globex.id)


class _Traced:
    """A second process whose PostgreSQL connections write libpq's protocol trace to one file."""

    def __init__(self, database_url: str, path: Path) -> None:
        from psycopg import pq

        self.app = bootstrap(Settings(DATABASE_URL=database_url))
        self._file = path.open("w+")

        @event.listens_for(self.app.engine, "connect")
        def _trace(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.pgconn.trace(self._file.fileno())
            dbapi_connection.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)

        self.app.engine.dispose()  # bootstrap's connections were made before the listener: trace only new ones

    def messages(self, work: Any) -> list[str]:
        """What the client sent while `work` ran: each Sync or simple Query is one round trip."""
        self._file.flush()
        start = self._file.seek(0, 2)
        work()
        self._file.flush()
        self._file.seek(start)
        sent = [_FRONTEND.match(line) for line in self._file.read().splitlines()]  # an SQL text's lines go on
        return [m[1] + (m[2] or "")[:12] if m[1] == "Query" else m[1] for m in sent if m]

    def close(self) -> None:
        self.app.engine.dispose()
        self._file.close()


@pytest.fixture
def traced(database_url: str, tmp_path: Path) -> Iterator[_Traced]:
    if not database_url.startswith("postgresql"):
        pytest.skip("round trips are PostgreSQL's")
    found = _Traced(database_url, tmp_path / "libpq.trace")
    yield found
    found.close()


def test_a_log_of_known_people_takes_four_round_trips_and_no_connection_of_its_own_for_the_counter(
        app: App, world: str, rep: Actor, traced: _Traced) -> None:
    for i in range(3):  # the index held, statements prepared, the people known
        assert traced.app.dispatcher.handle_text(LOG, actor=rep, now=NOW, delivery_id=f"warm-{i}").tone == Tone.SUCCESS
    replies = []
    sent = traced.messages(lambda: replies.append(
        traced.app.dispatcher.handle_text(LOG, actor=rep, now=NOW, delivery_id="Ev-counted")))
    assert replies[0].tone == Tone.SUCCESS
    trips = [m for m in sent if m == "Sync" or m.startswith("Query")]
    # BEGIN, the claim with the counter, account and people, the writes with the stage read, COMMIT; no ping of a
    # connection back from the previous message moments ago (storage/engine.py)
    assert 0 < len(trips) <= 4, sent
    assert not any(re.match(r'Query\s*"ROLLBACK', m) for m in sent), sent  # no read of the counter on its own


def test_a_log_that_creates_a_person_does_not_read_the_counter_again_after_its_commit(
        app: App, world: str, rep: Actor, traced: _Traced) -> None:
    assert traced.app.dispatcher.handle_text(LOG, actor=rep, now=NOW).tone == Tone.SUCCESS
    sent = traced.messages(lambda: traced.app.dispatcher.handle_text(
        "Met Yusuf Okafor (CTO) at Globex, keen on a pilot", actor=rep, now=NOW))
    assert not any(re.match(r'Query\s*"ROLLBACK', m) for m in sent), sent
    directory = traced.app.services.directory.cached(world)
    assert directory is not None and directory[1].contacts_named("yusuf", "okafor")  # learned in place


def test_a_retried_plain_words_delivery_is_logged_once(app: App, world: str, rep: Actor) -> None:
    before = _globex_logs(app, world)
    assert app.dispatcher.handle_text(LOG, actor=rep, now=NOW, delivery_id="Ev-retried").tone == Tone.SUCCESS
    again = app.dispatcher.handle_text(LOG, actor=rep, now=NOW, delivery_id="Ev-retried")
    assert again.tone == Tone.INFO and "Already logged" in again.headline
    assert _globex_logs(app, world) == before + 1


def test_a_log_that_fails_part_way_writes_nothing_and_its_retry_is_logged(
        app: App, world: str, rep: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    before = _globex_logs(app, world)
    write_log = log_handler.write_log

    def written_then_failing(*args: Any, **kwargs: Any) -> Any:
        write_log(*args, **kwargs)
        raise RuntimeError("the process died after the writes, before the commit")

    monkeypatch.setattr(log_handler, "write_log", written_then_failing)
    failed = app.dispatcher.handle_text(LOG, actor=rep, now=NOW, delivery_id="Ev-failed")
    assert failed.tone == Tone.ERROR and "nothing was saved" in failed.headline
    assert _globex_logs(app, world) == before
    monkeypatch.undo()
    retried = app.dispatcher.handle_text(LOG, actor=rep, now=NOW, delivery_id="Ev-failed")
    assert retried.tone == Tone.SUCCESS  # the claim went with the failed transaction
    assert _globex_logs(app, world) == before + 1


def _globex_elsewhere(app: App, world: str) -> tuple[str, Account]:
    """Another workspace with the same world loaded, and its Globex."""
    other = f"{world}-other"
    app.ensure_workspace(other, "Other")
    load_world(app, other)
    with app.services.uow(other) as uow:
        theirs = uow.accounts.by_name("Globex Corporation")
    assert theirs is not None
    return other, theirs


def test_a_log_for_an_account_picked_from_another_workspace_is_refused_and_writes_nothing(
        app: App, world: str, rep: Actor) -> None:
    other, theirs = _globex_elsewhere(app, world)
    reply = app.dispatcher.handle_log("call with Frank, fine", account_id=theirs.id, actor=rep, now=NOW,
                                      delivery_id="Ev-cross")
    assert reply.tone == Tone.ERROR and "doesn't exist in this workspace" in reply.headline
    assert _globex_logs(app, other) == 1  # only the imported one
    assert app.dispatcher.handle_text(LOG, actor=rep, now=NOW, delivery_id="Ev-cross").tone == Tone.SUCCESS


def test_the_reads_a_log_starts_with_find_nothing_of_another_workspace(app: App, world: str, rep: Actor) -> None:
    other, theirs = _globex_elsewhere(app, world)
    with app.services.uow(other) as uow:
        their_people = [p.id for p in uow.individuals.of_account(theirs.id)]
    with app.services.uow(world) as uow:
        start = uow.open_log(delivery_key=None, account_id=theirs.id, contact_ids=their_people)
        assert start.account is None and start.people == [] and not start.repeated
        mine = uow.accounts.by_name("Globex Corporation")
        assert mine is not None
        my_people = [p.id for p in uow.individuals.of_account(mine.id)]
        start = uow.open_log(delivery_key=None, account_id=mine.id, contact_ids=my_people)
        assert start.account == mine and sorted(p.id for p in start.people) == sorted(my_people)
