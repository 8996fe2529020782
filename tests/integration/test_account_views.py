"""The joined, prepared account views read exactly what the plain repositories read, on both databases."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import bindparam, select

from bot.bootstrap import App, bootstrap
from bot.context import Actor
from bot.message_maps import load_into
from bot.messagemap_file import default_message_map, dump_message_map
from bot.settings import Settings
from domain.customer import Account, AttitudeChange, Individual
from domain.errors import StorageUnavailable
from storage.prepared import PreparedRead
from storage.tables import AccountRow
from tests.conftest import NOW
from tests.integration.helpers import load_world


@pytest.fixture
def world(app: App, workspace: str) -> str:
    load_world(app, workspace)
    # history the views must read back: logs with people, signals, a step, stage evidence, attitude moves
    actor = Actor(workspace, "U_REP", "console", "Rep", "America/New_York")
    for n, text in enumerate([
        "Met Hank at Globex, he loved the demo. next: send the security pack by Friday",
        "Call with Hank at Globex, worried about price",
        "Globex asked for a quote",
    ]):
        reply = app.dispatcher.handle_text(text, actor=actor, now=NOW + timedelta(minutes=n))
        assert "Logged" in reply.headline, reply.headline
    return workspace


def _accounts(app: App, ws: str) -> list[Account]:
    with app.services.uow(ws) as uow:
        return uow.accounts.all()


def test_the_head_is_the_account_its_people_and_each_persons_newest_move(app: App, world: str) -> None:
    moved = 0
    for account in _accounts(app, world):
        with app.services.uow(world) as uow:
            head = uow.views.screen(account.id, moves=True).head
            people = uow.individuals.of_account(account.id)
            history = uow.attitudes.of_people([p.id for p in people])
        assert head is not None
        assert head.account == account
        assert head.people == people
        newest: dict[str, AttitudeChange] = {c.individual_id: c for c in history}  # oldest first: last wins
        assert head.moves == newest
        assert head.map_changed_at is None  # no map loaded: the shipped default
        moved += len(head.moves)
    assert moved >= 1  # the fixture's logs moved an attitude, so the join was exercised


def test_the_head_of_an_account_with_nobody_known_has_no_people(app: App, world: str) -> None:
    lonely = Account(uuid.uuid4().hex, "Lonely Ltd")
    with app.services.uow(world) as uow:
        uow.accounts.add(lonely)
        uow.commit()
    with app.services.uow(world) as uow:
        head = uow.views.screen(lonely.id, moves=True).head
    assert head is not None and head.account == lonely and head.people == [] and head.moves == {}


def test_the_timeline_reads_the_signals_since_and_the_newest_interactions(app: App, world: str) -> None:
    globex = next(a for a in _accounts(app, world) if a.name.startswith("Globex"))
    since = NOW - timedelta(days=365)
    with app.services.uow(world) as uow:
        seen = uow.views.screen(globex.id, signals_since=since, interactions=2).timeline
        signals = uow.signals.of_account(globex.id, since=since)
        logs = uow.interactions.of_account(globex.id, limit=2)
        brief = uow.views.screen(globex.id, signals_since=since, interactions=2, texts=False).timeline
    assert len(seen.signals) >= 3 and len(seen.interactions) == 2
    assert sorted(seen.signals, key=lambda s: s.id) == sorted(signals, key=lambda s: s.id)
    assert [s.occurred_at for s in seen.signals] == sorted((s.occurred_at for s in signals), reverse=True)
    assert seen.interactions == [replace(i, undo={}) for i in logs]
    assert all(s.occurred_at.tzinfo is not None for s in seen.signals)  # UTC-aware, as through Core
    assert brief.signals == [replace(s, text="") for s in seen.signals]  # the same, without the words
    assert brief.interactions == [replace(i, text="") for i in seen.interactions]


def test_evidence_and_open_steps_read_as_the_repositories_do(app: App, world: str) -> None:
    for account in _accounts(app, world):
        with app.services.uow(world) as uow:
            screen = uow.views.screen(account.id, evidence=True, steps=True)
            assert screen.evidence == uow.stage_history.of_account(account.id)
            assert screen.steps == uow.next_steps.open_for_account(account.id)


def test_a_view_never_reads_another_workspaces_account(app: App, world: str, workspace: str) -> None:
    other = f"test:{uuid.uuid4().hex[:10]}"
    app.ensure_workspace(other, "Another company")
    for account in _accounts(app, world):
        with app.services.uow(other) as uow:
            screen = uow.views.screen(account.id, signals_since=NOW - timedelta(days=999), interactions=9,
                                      evidence=True, steps=True)
            assert screen.head is None and screen.timeline.signals == [] and screen.timeline.interactions == []
            assert screen.evidence == [] and screen.steps == []


def test_the_directory_version_moves_when_a_person_is_added(app: App, world: str) -> None:
    globex = next(a for a in _accounts(app, world) if a.name.startswith("Globex"))
    with app.services.uow(world) as uow:
        before = uow.directory_version()
        uow.individuals.add(Individual(uuid.uuid4().hex, globex.id, "Newt Person"))
        uow.commit()
    with app.services.uow(world) as uow:
        assert uow.directory_version() == before + 1


def test_a_prepared_read_refuses_a_missing_parameter(app: App, workspace: str) -> None:
    t = AccountRow.__table__  # type: ignore[attr-defined]
    read = PreparedRead(select(t.c.id).where(t.c.workspace_id == bindparam("ws")))
    with app.engine.connect() as conn:
        assert read.rows(conn, ws=workspace) == []
        with pytest.raises(KeyError):
            read.rows(conn)


def test_next_follows_each_message_map_marketing_loads(app: App, world: str, tmp_path: Path) -> None:
    actor = Actor(world, "U_REP", "console", "Rep", "America/New_York")
    first = app.dispatcher.handle_text("next globex", actor=actor, now=NOW)
    source = yaml.safe_load(dump_message_map(default_message_map()))
    texts = set(_strings(source))
    shown = [b.lines[0].split(" \u2014 ")[0] for b in first.blocks]  # type: ignore[union-attr]
    at, message = next((n, line) for n, line in enumerate(shown) if line in texts)  # the core message
    for n, custom in enumerate(["Custom message one", "Custom message two"]):
        path = tmp_path / f"map{n}.yaml"
        path.write_text(yaml.safe_dump(_replaced(source, message, custom)), encoding="utf-8")
        with app.services.uow(world) as uow:
            load_into(uow, path, now=NOW + timedelta(minutes=n))
            uow.commit()
        reply = app.dispatcher.handle_text("next globex", actor=actor, now=NOW)
        assert reply.blocks[at].lines[0].startswith(custom + " \u2014 ")  # type: ignore[union-attr]


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for v in node.values():
            yield from _strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from _strings(v)


def _replaced(node: Any, old: str, new: str) -> Any:
    if isinstance(node, dict):
        return {k: _replaced(v, old, new) for k, v in node.items()}
    if isinstance(node, list):
        return [_replaced(v, old, new) for v in node]
    return new if node == old else node


def test_a_name_another_process_gave_to_a_new_account_reads_the_new_account(
        app: App, world: str, database_url: str) -> None:
    other = bootstrap(Settings(DATABASE_URL=database_url))  # a second process, holding its own parser index
    rep = Actor(world, "U_REP", tz="America/New_York")
    assert other.dispatcher.handle_text("dmu Globex Corporation", actor=rep, now=NOW).headline.startswith(
        "Globex Corporation: 2 in the buying group")  # the index is built, with the name on the old account
    with app.services.uow(world) as uow:  # meanwhile: the old account is renamed, a new one takes the name
        globex = next(a for a in uow.accounts.all() if a.name == "Globex Corporation")
        uow.accounts.update(replace(globex, name="Globex Holdings"))
        uow.accounts.add(Account(uuid.uuid4().hex, "Globex Corporation"))
        uow.commit()
    reply = other.dispatcher.handle_text("dmu Globex Corporation", actor=rep, now=NOW)
    assert reply.headline.startswith("Globex Corporation: 0 in the buying group"), reply.headline
    other.engine.dispose()


def test_a_driver_error_surfaces_as_sqlalchemys_so_the_rep_hears_nothing_was_saved(app: App) -> None:
    from sqlalchemy import Column, MetaData, String, Table
    from sqlalchemy.exc import DBAPIError

    missing = Table("no_such_table", MetaData(), Column("id", String))
    with app.engine.connect() as conn, pytest.raises(DBAPIError):
        PreparedRead(select(missing.c.id)).rows(conn)


def test_a_view_when_the_database_is_away_says_nothing_was_saved_and_to_try_again(app: App, workspace: str) -> None:
    from bot.bootstrap import bootstrap as boot

    away = boot(Settings(DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:1/none"), migrate=False)
    actor = Actor(workspace, "U_REP", "console", "Rep", "America/New_York")
    for command in ("dmu #id:x", "stage #id:x", "next #id:x", "account #id:x"):
        reply = away.dispatcher.handle_text(command, actor=actor, now=NOW)
        assert "can't reach the database" in reply.headline, (command, reply.headline)
    with pytest.raises(StorageUnavailable), away.services.read(workspace) as unit:  # the read-only unit itself
        unit.views.screen("x")
