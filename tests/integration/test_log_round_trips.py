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
from bot.logbook import current_stage
from bot.replies import Tone
from bot.settings import Settings
from domain.buying import Stage
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


def _round_trips(sent: list[str]) -> list[str]:
    return [m for m in sent if m == "Sync" or m.startswith("Query")]


def test_a_log_of_known_people_takes_two_round_trips_and_no_connection_of_its_own_for_the_counter(
        app: App, world: str, rep: Actor, traced: _Traced) -> None:
    for i in range(3):  # the index held, statements prepared, the people known
        assert traced.app.dispatcher.handle_text(LOG, actor=rep, now=NOW, delivery_id=f"warm-{i}").tone == Tone.SUCCESS
    replies = []
    sent = traced.messages(lambda: replies.append(
        traced.app.dispatcher.handle_text(LOG, actor=rep, now=NOW, delivery_id="Ev-counted")))
    assert replies[0].tone == Tone.SUCCESS
    # BEGIN with the claim, the counter, account, people and stage reads; the writes with COMMIT. No ping of a
    # connection back from the previous message moments ago (storage/engine.py), no BEGIN or COMMIT on its own.
    assert len(_round_trips(sent)) == 2, sent
    assert sent.count("Sync") == 2 and not any(m.startswith("Query") for m in sent), sent


def test_a_log_that_moves_the_stage_takes_two_round_trips_too(app: App, world: str, rep: Actor,
                                                             traced: _Traced) -> None:
    assert traced.app.dispatcher.handle_text(LOG, actor=rep, now=NOW).tone == Tone.SUCCESS  # statements prepared
    with app.services.uow(world) as uow:
        initech = uow.accounts.by_name("Initech Software")
        assert initech is not None and initech.stage is None
    sent = traced.messages(lambda: traced.app.dispatcher.handle_text(
        "Call with Bill Lumbergh at Initech Software, they want a pilot next month", actor=rep, now=NOW,
        delivery_id="Ev-moves"))
    with app.services.uow(world) as uow:
        moved = uow.accounts.get(initech.id)
        assert moved is not None and moved.stage == Stage.VENDOR_SELECTION  # worked out before the writes
        assert current_stage(uow, initech.id, now=NOW) == moved.stage  # as all its evidence, read now, gives
    assert len(_round_trips(sent)) == 2, sent


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


def _log_rows(app: App, workspace: str) -> dict[str, list[Any]]:
    """Every row of the workspace a log writes, and the delivery claims."""
    from sqlalchemy import select

    from storage import tables as t

    out: dict[str, list[Any]] = {}
    with app.engine.connect() as conn:
        for model in (t.AccountRow, t.IndividualRow, t.InteractionRow, t.SignalRow, t.TouchRow, t.NextStepRow,
                      t.StageEventRow, t.AttitudeEventRow, t.DeliveryRow):
            table = model.__table__  # type: ignore[attr-defined]
            rows = conn.execute(select(table).where(table.c.workspace_id == workspace)).all()
            out[table.name] = sorted(repr(tuple(r)) for r in rows)
    return out


def test_a_write_failing_among_those_sent_with_the_commit_leaves_nothing_and_the_retry_is_logged_once(
        app: App, world: str, rep: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    from storage import mapping
    from storage.repositories import SqlTouches
    from storage.tables import TouchRow

    assert app.dispatcher.handle_text(LOG, actor=rep, now=NOW).tone == Tone.SUCCESS  # the people known, the stage
    before = _log_rows(app, world)
    add_all = SqlTouches.add_all

    def twice(self: SqlTouches, touches: Any) -> None:  # a second row with the first one's key: the server refuses
        add_all(self, touches)
        self._insert_new(TouchRow, [mapping.touch_values(touches[0], self._ws)])

    monkeypatch.setattr(SqlTouches, "add_all", twice)
    failed = app.dispatcher.handle_text(LOG + " and a pilot", actor=rep, now=NOW, delivery_id="Ev-mid")
    assert failed.tone == Tone.ERROR and "nothing was saved" in failed.headline
    # the signals before the failing row, the evidence, interaction and stage after it, and the claim: all gone
    assert _log_rows(app, world) == before
    monkeypatch.undo()
    assert app.dispatcher.handle_text(LOG + " and a pilot", actor=rep, now=NOW, delivery_id="Ev-mid").tone == (
        Tone.SUCCESS)
    again = app.dispatcher.handle_text(LOG + " and a pilot", actor=rep, now=NOW, delivery_id="Ev-mid")
    assert again.tone == Tone.INFO and "Already logged" in again.headline
    assert _globex_logs(app, world) == 3  # the imported one, the first log and the retried one


def test_a_unit_that_claimed_a_delivery_and_ends_without_committing_keeps_nothing(app: App, world: str) -> None:
    """The claim goes with the transaction's BEGIN: it is in the transaction, not committed on its own."""
    with app.services.uow(world) as uow:
        assert not uow.open_log(delivery_key="Ev-dropped", account_id=None, contact_ids=[]).repeated
        assert uow.open_log(delivery_key="Ev-dropped", account_id=None, contact_ids=[]).repeated  # claimed
    with app.services.uow(world) as uow:
        assert not uow.open_log(delivery_key="Ev-dropped", account_id=None, contact_ids=[]).repeated


def _pooled_autocommit(app: App, count: int = 3) -> list[bool]:
    """Whether each of `count` connections checked out of the pool at once is in autocommit mode."""
    conns = [app.engine.connect() for _ in range(count)]
    try:
        return [bool(c.connection.driver_connection.autocommit) for c in conns]  # type: ignore[union-attr]
    finally:
        for c in conns:
            c.close()


def test_connections_come_back_to_the_pool_out_of_autocommit_after_a_log_a_failure_or_a_retry(
        app: App, world: str, rep: Actor, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("autocommit mode is how a PostgreSQL log sends its BEGIN")
    assert app.dispatcher.handle_text(LOG, actor=rep, now=NOW, delivery_id="Ev-pool").tone == Tone.SUCCESS
    assert _pooled_autocommit(app) == [False] * 3
    assert app.dispatcher.handle_text(LOG, actor=rep, now=NOW, delivery_id="Ev-pool").tone == Tone.INFO  # rolled back
    assert _pooled_autocommit(app) == [False] * 3

    def failing(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the log failed after its reads")

    monkeypatch.setattr(log_handler, "write_log", failing)
    assert app.dispatcher.handle_text(LOG, actor=rep, now=NOW, delivery_id="Ev-pool-2").tone == Tone.ERROR
    assert _pooled_autocommit(app) == [False] * 3


def test_a_connection_left_in_autocommit_inside_a_transaction_comes_back_rolled_back_and_out_of_it(
        app: App, world: str, database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's pool")
    from sqlalchemy import text

    with app.engine.connect() as conn:
        pg = conn.connection.driver_connection
        assert pg is not None
        conn.rollback()
        pg.autocommit = True
        pg.execute("BEGIN")
        pg.execute("INSERT INTO delivery (workspace_id, key, seen_at) VALUES (%s, 'Ev-left', now())", (world,))
    assert _pooled_autocommit(app) == [False] * 3
    with app.engine.connect() as conn:
        left = conn.execute(text("SELECT count(*) FROM delivery WHERE workspace_id = :ws AND key = 'Ev-left'"),
                            {"ws": world}).scalar_one()
    assert left == 0


def test_a_log_of_an_account_another_log_holds_reads_its_evidence_after_that_log_committed(
        app: App, world: str) -> None:
    """The stage is read before the writes: a concurrent log of the same account must have committed first, so
    that its evidence counts (as when the stage was read after the writes, behind the interaction's trigger)."""
    import threading
    from datetime import timedelta

    from domain.buying import StageEvidence

    with app.services.uow(world) as uow:
        initech = uow.accounts.by_name("Initech Software")
        assert initech is not None
    later = NOW + timedelta(minutes=1)
    with app.services.uow(world) as first:
        start = first.open_log(delivery_key="Ev-first", account_id=initech.id, contact_ids=[], stage_of=initech.id)
        assert (Stage.CUSTOMER, "signal", later) not in (start.stage_latest or [])
        first.stage_history.add_all([StageEvidence(Stage.CUSTOMER, later, "signed")], account_id=initech.id)
        seen: list[Any] = []

        def second() -> None:
            with app.services.uow(world) as uow:
                seen.append(uow.open_log(delivery_key="Ev-second", account_id=initech.id, contact_ids=[],
                                         stage_of=initech.id).stage_latest)

        thread = threading.Thread(target=second)
        thread.start()
        thread.join(0.5)
        assert thread.is_alive()  # waiting for the first log's transaction
        first.commit()
    thread.join(10)
    assert not thread.is_alive()
    assert (Stage.CUSTOMER, "signal", later) in seen[0]
