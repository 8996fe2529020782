"""Storage on a real database (SQLite file, or PostgreSQL under TOUCHPOINT_TEST_DATABASE_URL)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from sqlalchemy.engine import Engine

from domain.buying import Stage, StageEvidence
from domain.customer import Account, BuyingRole, Individual, Lifecycle
from domain.listening import Channel, Interaction, Polarity, Signal
from domain.names import new_id
from domain.next_steps import NextStep
from storage.engine import make_engine
from storage.migrate import current_revision, head_revision, upgrade
from storage.uow import SqlUnitOfWork, directory_version, ensure_workspace

AT = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def engine(database_url: str) -> Engine:
    engine = make_engine(database_url)
    upgrade(engine)
    return engine


@pytest.fixture
def ws(engine: Engine) -> str:
    ws = f"t:{uuid.uuid4().hex[:8]}"
    ensure_workspace(engine, ws, "T")
    return ws


def _acme(uow: SqlUnitOfWork) -> Account:
    account = Account(new_id(), "Acme, Inc.", aliases=("Acme",), domain="acme.com", lifecycle=Lifecycle.PROSPECT)
    uow.accounts.add(account)
    return account


def test_the_schema_is_at_the_latest_migration(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()


def test_an_account_and_its_people_round_trip(engine: Engine, ws: str) -> None:
    with SqlUnitOfWork(engine, ws) as uow:
        account = _acme(uow)
        uow.individuals.add(Individual(new_id(), account.id, "Jane Doe", "CFO", "finance_leader",
                                       (BuyingRole.ECONOMIC_BUYER,), attitude=-1, stage=Stage.VALIDATION))
        uow.commit()
    with SqlUnitOfWork(engine, ws) as uow:
        found = uow.accounts.by_name("acme inc")
        assert found is not None and found.aliases == ("Acme",) and found.domain == "acme.com"
        (jane,) = uow.individuals.of_account(found.id)
        assert (jane.title, jane.roles, jane.attitude, jane.stage) == (
            "CFO", (BuyingRole.ECONOMIC_BUYER,), -1, Stage.VALIDATION)


def test_uncommitted_work_is_rolled_back_by_default(engine: Engine, ws: str) -> None:
    with SqlUnitOfWork(engine, ws) as uow:
        _acme(uow)
    with SqlUnitOfWork(engine, ws) as uow:
        assert uow.accounts.all() == []


def test_an_error_inside_the_unit_of_work_writes_nothing(engine: Engine, ws: str) -> None:
    with pytest.raises(RuntimeError), SqlUnitOfWork(engine, ws) as uow:
        _acme(uow)
        uow.session.flush()
        raise RuntimeError("crash mid-command")
    with SqlUnitOfWork(engine, ws) as uow:
        assert uow.accounts.count() == 0


def test_one_workspace_never_sees_another_workspaces_rows(engine: Engine, ws: str) -> None:
    other = f"t:{uuid.uuid4().hex[:8]}"
    ensure_workspace(engine, other, "Other")
    with SqlUnitOfWork(engine, ws) as uow:
        account_id = _acme(uow).id
        uow.commit()
    with SqlUnitOfWork(engine, other) as uow:
        assert uow.accounts.get(account_id) is None
        assert uow.accounts.by_name("Acme, Inc.") is None
        assert uow.accounts.all() == []


def test_signals_steps_and_stage_history_round_trip_and_undo_removes_them(engine: Engine, ws: str) -> None:
    with SqlUnitOfWork(engine, ws) as uow:
        account = _acme(uow)
        interaction = Interaction(new_id(), account.id, "U1", "call went well", AT)
        uow.interactions.add(interaction)
        uow.signals.add(Signal(new_id(), account.id, Channel.ENGAGEMENT, Polarity.POSITIVE, AT, "went well",
                               interaction_id=interaction.id))
        uow.next_steps.add(NextStep(new_id(), account.id, "U1", "send deck", date(2026, 11, 20),
                                    interaction_id=interaction.id))
        uow.stage_history.add(StageEvidence(Stage.VENDOR_SELECTION, AT, "demo", interaction_id=interaction.id),
                              account_id=account.id)
        uow.commit()
    with SqlUnitOfWork(engine, ws) as uow:
        (signal,) = uow.signals.of_account(account.id)
        assert (signal.channel, signal.polarity, signal.occurred_at) == (Channel.ENGAGEMENT, Polarity.POSITIVE, AT)
        assert [s.text for s in uow.next_steps.open_for_owner("U1", due_by=date(2026, 11, 30))] == ["send deck"]
        assert [e.stage for e in uow.stage_history.of_account(account.id)] == [Stage.VENDOR_SELECTION]
        uow.interactions.remove_with_effects(interaction.id)
        uow.commit()
    with SqlUnitOfWork(engine, ws) as uow:
        assert uow.signals.of_account(account.id) == []
        assert uow.next_steps.open_for_account(account.id) == []
        assert uow.stage_history.of_account(account.id) == []


def test_a_retried_delivery_is_recognised(engine: Engine, ws: str) -> None:
    with SqlUnitOfWork(engine, ws) as uow:
        assert uow.seen_delivery("Ev123") is False
        uow.commit()
    with SqlUnitOfWork(engine, ws) as uow:
        assert uow.seen_delivery("Ev123") is True


def test_a_retry_racing_its_original_waits_for_it_and_is_recognised(engine: Engine, ws: str) -> None:
    import threading

    seen: list[bool] = []

    def retry() -> None:
        with SqlUnitOfWork(engine, ws) as other:
            seen.append(other.seen_delivery("EvRace"))  # waits on the key until the original commits

    with SqlUnitOfWork(engine, ws) as original:
        assert original.seen_delivery("EvRace") is False
        racer = threading.Thread(target=retry)
        racer.start()
        racer.join(0.3)  # most likely still waiting: the original has not committed yet
        original.commit()
    racer.join(20)
    assert seen == [True]


def test_changing_accounts_moves_the_directory_version(engine: Engine, ws: str) -> None:
    before = directory_version(engine, ws)
    with SqlUnitOfWork(engine, ws) as uow:
        _acme(uow)
        uow.commit()
    assert directory_version(engine, ws) == before + 1


def test_conversation_references_are_kept_per_user_with_the_personal_chat_first(engine: Engine, ws: str) -> None:
    from datetime import timedelta

    from storage.conversation_refs import ConversationRef, SqlConversationRefs

    refs = SqlConversationRefs(engine)
    channel = ConversationRef(ws, "U1", "19:chan", "channel", "https://smba.example/", {"a": 1}, AT)
    personal = ConversationRef(ws, "U1", "a:1on1", "personal", "https://smba.example/", {"b": 2}, AT)
    refs.save(channel)
    refs.save(personal)
    refs.save(ConversationRef(ws, "U1", "19:chan", "channel", "https://smba.example/", {"a": 3},
                              AT + timedelta(hours=1)))
    assert [r.conversation_id for r in refs.of_user(ws, "U1")] == ["a:1on1", "19:chan"]
    assert refs.get(ws, "U1", "19:chan") is not None and refs.get(ws, "U1", "19:chan").reference == {"a": 3}
    assert refs.of_user(ws + "x", "U1") == []


def test_only_changes_the_parser_reads_move_the_directory_version(engine: Engine, ws: str) -> None:
    with SqlUnitOfWork(engine, ws) as uow:
        account = _acme(uow)
        person = Individual(new_id(), account.id, "Jane Doe", "CFO")
        uow.individuals.add(person)
        uow.commit()
    before = directory_version(engine, ws)
    with SqlUnitOfWork(engine, ws) as uow:
        account.stage, person.attitude = Stage.VALIDATION, 2  # what every log does: no rebuild
        uow.accounts.update(account)
        uow.individuals.update(person)
        uow.commit()
    assert directory_version(engine, ws) == before
    with SqlUnitOfWork(engine, ws) as uow:
        person.title = "Chief Financial Officer"
        uow.individuals.update(person)
        uow.commit()
    assert directory_version(engine, ws) == before + 1
