"""A log's writes (Core statements, the stage from its newest evidence, the index learning the people a log
created) leave exactly what the ORM writes and full re-reads left, and undo still restores all of it."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.bootstrap import App, bootstrap
from bot.context import Actor
from bot.directory_cache import DirectoryCache
from bot.logbook import current_stage
from bot.replies import Choice, Reply, Tone
from bot.settings import Settings
from domain.buying import Stage, StageEvidence
from domain.stage_rules import infer_stage
from storage import tables as t
from tests.conftest import NOW
from tests.integration.helpers import load_world

_TABLES = (t.AccountRow, t.IndividualRow, t.InteractionRow, t.SignalRow, t.TouchRow, t.NextStepRow,
           t.StageEventRow, t.AttitudeEventRow)


def _snapshot(app: App, workspace: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the workspace a log may write, as plain tuples (autoincrement ids left out)."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with app.engine.connect() as conn:
        for model in _TABLES:
            table = model.__table__  # type: ignore[attr-defined]
            cols = [c for c in table.c if not (c.name == "id" and model in (t.StageEventRow, t.AttitudeEventRow))]
            rows = conn.execute(select(*cols).where(table.c.workspace_id == workspace)).all()
            out[table.name] = sorted(tuple(repr(v) for v in r) for r in rows)
    return out


def _contact_ids(directory: Any, account_name: str) -> list[str]:
    account = next(a for a in directory._accounts if a.name == account_name)
    return [c.id for c in directory.contacts_of(account.id)]


def _undo(app: App, reply: Reply, actor: Actor) -> Reply:
    undo = next(b for b in reply.actions if b.action == "log.undo")
    return app.dispatcher.handle_action(undo.action, undo.value, actor=actor, now=NOW)


@pytest.fixture
def world(app: App, workspace: str) -> str:
    load_world(app, workspace)
    return workspace


def test_a_log_that_creates_a_person_and_moves_everything_is_undone_to_the_row(app: App, world: str,
                                                                              actor: Actor) -> None:
    before = _snapshot(app, world)
    reply = app.dispatcher.handle_text(
        "Great call with Bill Lumbergh and Maria Lopez (VP Finance) at Initech Software, they loved the demo and "
        "next: send the invoice by Friday", actor=actor, now=NOW)
    assert reply.tone == Tone.SUCCESS, reply
    after = _snapshot(app, world)
    assert len(after["individual"]) == len(before["individual"]) + 1  # Maria is new
    assert len(after["attitude_event"]) > len(before["attitude_event"])
    assert len(after["stage_event"]) == len(before["stage_event"]) + 1
    assert after["account"] != before["account"]  # the stage moved
    assert _undo(app, reply, actor).tone == Tone.SUCCESS
    assert _snapshot(app, world) == before


def test_the_index_takes_in_the_people_a_log_created_without_a_reload_and_others_see_them(
        app: App, world: str, actor: Actor, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = app.services.directory
    assert isinstance(cache, DirectoryCache)
    app.dispatcher.handle_text("stage Globex", actor=actor, now=NOW)  # the index is built
    other = bootstrap(Settings(DATABASE_URL=database_url))  # a second process
    other.dispatcher.handle_text("stage Globex", actor=actor, now=NOW)
    loads: list[str] = []
    real = DirectoryCache._load
    monkeypatch.setattr(DirectoryCache, "_load", lambda self, ws: loads.append(ws) or real(self, ws))

    reply = app.dispatcher.handle_text("Call with Maria Lopez at Globex, she wants pricing", actor=actor, now=NOW)
    assert reply.tone == Tone.SUCCESS
    learned = cache(world)
    assert loads == []  # this process took Maria in without re-reading the directory
    assert _contact_ids(learned, "Globex Corporation") == _contact_ids(real(cache, world), "Globex Corporation")
    again = app.dispatcher.handle_text("Met Maria at Globex again, she is keen", actor=actor, now=NOW)
    assert "Maria Lopez" in str(again)
    assert "Maria Lopez" in str(other.dispatcher.handle_text("dmu Globex", actor=actor, now=NOW))
    other.engine.dispose()


def test_an_account_a_rep_creates_is_taken_into_the_index_without_a_reload_as_a_reload_would_hold_it(
        app: App, world: str, actor: Actor, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = app.services.directory
    assert isinstance(cache, DirectoryCache)
    app.dispatcher.handle_text("stage Globex", actor=actor, now=NOW)  # the index is built
    other = bootstrap(Settings(DATABASE_URL=database_url))  # a second process, its index built too
    other.dispatcher.handle_text("stage Globex", actor=actor, now=NOW)
    loads: list[str] = []
    real = DirectoryCache._load
    monkeypatch.setattr(DirectoryCache, "_load", lambda self, ws: loads.append(ws) or real(self, ws))

    asked = app.dispatcher.handle_text("Call with Maria Quorn at Vexillo Dynamics, wants pricing", actor=actor, now=NOW)
    create = next(b for block in asked.blocks if isinstance(block, Choice) for b in block.options
                  if b.action == "log.create_account")
    assert create.label == "Create Vexillo Dynamics"
    done = app.dispatcher.handle_action(create.action, create.value, actor=actor, now=NOW)
    assert done.tone == Tone.SUCCESS and "Vexillo Dynamics" in done.headline
    learned = cache(world)
    assert loads == []  # the account and its person were taken in, not re-read
    rebuilt = real(cache, world)
    for query in ("vexillo", "vexilo dynamics", "Vexillo Dynamics Inc"):  # a typo of a word only it has, too
        assert [(a.id, score) for a, score in learned.search_accounts(query)] == [
            (a.id, score) for a, score in rebuilt.search_accounts(query)]
    assert learned.search_accounts("vexilo dynamics")[0][0].name == "Vexillo Dynamics"
    assert sorted(learned._keys) == sorted(rebuilt._keys) and sorted(learned._postings) == sorted(rebuilt._postings)
    again = app.dispatcher.handle_text("Met Maria at Vexillo again, keen on a pilot", actor=actor, now=NOW)
    assert again.tone == Tone.SUCCESS and "Maria Quorn" in str(again)
    assert loads == []
    assert "Maria Quorn" in str(other.dispatcher.handle_text("dmu Vexillo Dynamics", actor=actor, now=NOW))
    assert loads == [world]  # the other process saw the counter move and reloaded
    other.engine.dispose()


def test_the_index_holds_every_account_and_person_as_stored(app: App, world: str) -> None:
    """Aliases and roles are read as raw JSON (text on SQLite, parsed by psycopg): the same values the ORM gives."""
    directory = DirectoryCache(app.engine)(world)
    with app.services.uow(world) as uow:
        accounts, people = uow.accounts.all(), uow.individuals.all()
    assert any(a.aliases for a in accounts) and any(p.roles for p in people)  # the world has both to compare
    assert sorted((a.id, a.name, a.aliases, a.domain) for a in directory._accounts) == sorted(
        (a.id, a.name, tuple(a.aliases), a.domain) for a in accounts)
    assert sorted((c.id, c.name, c.account_id, c.title, c.roles) for c in directory._contacts) == sorted(
        (p.id, p.name, p.account_id, p.title, tuple(r.value for r in p.roles)) for p in people)


def test_when_another_process_changed_the_directory_in_between_the_index_is_reloaded(
        app: App, world: str, actor: Actor, database_url: str) -> None:
    cache = app.services.directory
    assert isinstance(cache, DirectoryCache)
    cache(world)
    other = bootstrap(Settings(DATABASE_URL=database_url))
    other.dispatcher.handle_text("stage Globex", actor=actor, now=NOW)
    assert other.dispatcher.handle_text("Call with Omar Haddad at Globex", actor=actor, now=NOW).tone == Tone.SUCCESS
    assert app.dispatcher.handle_text("Call with Maria Lopez at Globex", actor=actor, now=NOW).tone == Tone.SUCCESS
    names = {c.name for c in cache(world).contacts_of(next(
        a.id for a in cache(world)._accounts if a.name == "Globex Corporation"))}
    assert {"Omar Haddad", "Maria Lopez"} <= names
    other.engine.dispose()


def test_the_stage_from_the_newest_evidence_per_stage_is_what_all_the_evidence_gives(app: App, world: str) -> None:
    rng = random.Random(7)
    stages = list(Stage)
    with app.services.uow(world) as uow:
        account = uow.accounts.by_name("Initech Software")
        assert account is not None
        for _round in range(60):
            when = NOW - timedelta(days=rng.randint(0, 90), seconds=rng.choice([0, 0, 1, 2]))
            source = rng.choice(["signal", "signal", "import", "override"])
            uow.stage_history.add(StageEvidence(rng.choice(stages), when, "w", source=source),
                                  account_id=account.id)
            uow.session.flush()
            full = infer_stage(uow.stage_history.of_account(account.id), person_weights={}, now=NOW).stage
            assert current_stage(uow, account.id, now=NOW) == full


@pytest.mark.parametrize("first,second", [(Stage.CUSTOMER, Stage.UNAWARE), (Stage.UNAWARE, Stage.CUSTOMER)])
def test_two_overrides_at_one_instant_are_decided_as_all_the_evidence_decides(app: App, world: str, first: Stage,
                                                                             second: Stage) -> None:
    """The earlier evidence (validation) is before both overrides and no longer counts."""
    with app.services.uow(world) as uow:
        account = uow.accounts.by_name("Initech Software")
        assert account is not None
        when = NOW - timedelta(days=3)
        uow.stage_history.add(StageEvidence(Stage.VALIDATION, when - timedelta(days=1), "w"), account_id=account.id)
        for stage in (first, second):
            uow.stage_history.add(StageEvidence(stage, when, "set", source="override"), account_id=account.id)
            uow.session.flush()
        full = infer_stage(uow.stage_history.of_account(account.id), person_weights={}, now=NOW).stage
        assert current_stage(uow, account.id, now=NOW) == full == Stage.CUSTOMER  # both count from that instant


def test_held_writes_run_before_any_other_statement_and_the_stage_read_sees_them(app: App, world: str) -> None:
    from domain.listening import Channel, Polarity, Signal
    from domain.names import new_id
    from storage.repositories import queued_writes

    with app.services.uow(world) as uow:
        account = uow.accounts.by_name("Initech Software")
        assert account is not None
        with queued_writes(uow.session) as queue:
            uow.signals.add_all([Signal(new_id(), account.id, Channel.ENGAGEMENT, Polarity.POSITIVE, NOW, "held")])
            uow.stage_history.add_all([StageEvidence(Stage.CUSTOMER, NOW, "held", source="override")],
                                      account_id=account.id)
            assert len(queue.steps) == 2  # held, not yet written
            assert (Stage.CUSTOMER, "override", NOW) in uow.stage_history.latest_by_stage(account.id)
            assert queue.steps == []  # written with that read, in one go
            uow.signals.add_all([Signal(new_id(), account.id, Channel.ENGAGEMENT, Polarity.POSITIVE, NOW, "later")])
            assert "later" in [s.text for s in uow.signals.of_account(account.id)]  # a read runs what is held first
            uow.signals.add_all([Signal(new_id(), account.id, Channel.ENGAGEMENT, Polarity.POSITIVE, NOW, "last")])
        assert "last" in [s.text for s in uow.signals.of_account(account.id)]  # the block's end runs the rest
        uow.commit()


def test_writes_held_when_the_log_fails_are_never_written(app: App, world: str) -> None:
    from domain.listening import Channel, Polarity, Signal
    from domain.names import new_id
    from storage.repositories import queued_writes

    with app.services.uow(world) as uow:
        account = uow.accounts.by_name("Initech Software")
        assert account is not None
        with pytest.raises(RuntimeError), queued_writes(uow.session):
            uow.signals.add_all([Signal(new_id(), account.id, Channel.ENGAGEMENT, Polarity.POSITIVE, NOW, "lost")])
            raise RuntimeError("the log failed half-way")
        assert "lost" not in [s.text for s in uow.signals.of_account(account.id)]
        uow.signals.add_all([Signal(new_id(), account.id, Channel.ENGAGEMENT, Polarity.POSITIVE, NOW, "direct")])
        assert "direct" in [s.text for s in uow.signals.of_account(account.id)]  # outside a block: written at once


@pytest.mark.parametrize("delivery", [None, "Ev-low"])
def test_a_log_whose_stage_another_process_moved_meanwhile_stores_the_stage_of_all_evidence(
        app: App, world: str, database_url: str, monkeypatch: pytest.MonkeyPatch, delivery: str | None) -> None:
    """Between a log's first reads and its writes another process commits stronger evidence for the same account:
    the stored stage counts it (with or without a delivery id, whose claim is what opens SQLite's write
    transaction; a console log has none)."""
    import threading

    import bot.handlers.log as handler

    other = bootstrap(Settings(DATABASE_URL=database_url))
    rep = Actor(world, "U_REP", tz="America/New_York")
    low = "Call with Bill Lumbergh at Initech Software, they are struggling with manual reporting and it costs them"
    high = "Call with Bill Lumbergh at Initech Software, they want a pilot next month"
    real = handler.write_log

    replies: list[Reply] = []
    second = threading.Thread(target=lambda: replies.append(other.dispatcher.handle_text(
        high, actor=rep, now=NOW, delivery_id="Ev-high")))

    def meanwhile(uow: Any, **kw: Any) -> Any:
        if kw["reading"].text == low:  # after the log's first reads, before its writes
            second.start()
            second.join(timeout=1)  # it commits now, or waits for what this log holds (its claim, its locks)
        return real(uow, **kw)

    monkeypatch.setattr(handler, "write_log", meanwhile)
    assert app.dispatcher.handle_text(low, actor=rep, now=NOW, delivery_id=delivery).tone == Tone.SUCCESS
    second.join(timeout=20)
    assert [r.tone for r in replies] == [Tone.SUCCESS]
    with app.services.uow(world) as uow:
        account = uow.accounts.by_name("Initech Software")
        assert account is not None
        assert account.stage == current_stage(uow, account.id, now=NOW) == Stage.VENDOR_SELECTION
    other.engine.dispose()
