"""The per-deal aggregates on account (people, economic buyers, last touch) stay equal to what the people and
interactions say, whichever way they are written: the repositories, plain SQL, moves, role changes, deletes.
Runs on the test database (SQLite, or PostgreSQL under TOUCHPOINT_TEST_DATABASE_URL)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bot.bootstrap import App
from domain.buying import Stage
from domain.customer import Account, BuyingRole, Individual
from domain.listening import Interaction
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.tables import AccountRow
from tests.conftest import fresh_database

AT = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
EB = (BuyingRole.ECONOMIC_BUYER,)

STORED = text("SELECT id, people_count, economic_buyers, last_touch_at FROM account WHERE workspace_id = :ws")
PEOPLE = text("SELECT a.id, p.roles FROM account a JOIN individual p ON p.account_id = a.id WHERE a.workspace_id = :ws")
TOUCHES = text("SELECT a.id, i.occurred_at FROM account a JOIN interaction i ON i.account_id = a.id "
               "WHERE a.workspace_id = :ws")

Aggregates = dict[str, tuple[int, int, datetime | None]]


def aggregates(engine: Engine, ws: str) -> Aggregates:
    with engine.connect() as conn:
        return {r[0]: (r[1], r[2], _utc(r[3])) for r in conn.execute(STORED, {"ws": ws})}


def recounted(engine: Engine, ws: str) -> Aggregates:
    """The aggregates worked out here from the people and interactions themselves (roles parsed, not matched)."""
    found: dict[str, list[Any]] = {a: [0, 0, None] for a in aggregates(engine, ws)}
    with engine.connect() as conn:
        for account_id, roles in conn.execute(PEOPLE, {"ws": ws}):
            roles = json.loads(roles) if isinstance(roles, str) else roles
            found[account_id][0] += 1
            found[account_id][1] += "economic_buyer" in roles
        for account_id, at in conn.execute(TOUCHES, {"ws": ws}):
            at = _utc(at)
            if found[account_id][2] is None or at > found[account_id][2]:
                found[account_id][2] = at
    return {a: (n, eb, last) for a, (n, eb, last) in found.items()}


def _utc(value: datetime | str | None) -> datetime | None:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def assert_kept(engine: Engine, ws: str) -> Aggregates:
    stored = aggregates(engine, ws)
    assert stored == recounted(engine, ws)
    return stored


@pytest.fixture
def two(app: App, workspace: str) -> tuple[str, str]:
    x = workspace.split(":", 1)[1]
    with app.services.uow(workspace) as uow:
        uow.accounts.add(Account(f"{x}-a", "Acme", owner_id="U_A", stage=Stage.VALIDATION))
        uow.accounts.add(Account(f"{x}-b", "Beta", owner_id="U_A"))
        uow.commit()
    return f"{x}-a", f"{x}-b"


def test_new_accounts_start_with_nobody_and_no_touch(app: App, workspace: str, two: tuple[str, str]) -> None:
    a, b = two
    assert assert_kept(app.engine, workspace) == {a: (0, 0, None), b: (0, 0, None)}


def test_people_added_removed_moved_and_given_roles_are_counted(app: App, workspace: str,
                                                                two: tuple[str, str]) -> None:
    a, b = two
    with app.services.uow(workspace) as uow:
        uow.individuals.add(Individual(f"{a}-p1", a, "Eve Econ", roles=EB))
        uow.individuals.add_new([Individual(f"{a}-p2", a, "Carl Champ", roles=(BuyingRole.CHAMPION,)),
                                 Individual(f"{a}-p3", a, "Una User")])
        uow.commit()
    assert assert_kept(app.engine, workspace)[a] == (3, 1, None)
    with app.services.uow(workspace) as uow:
        uow.individuals.update(Individual(f"{a}-p1", b, "Eve Econ", roles=EB))  # moved to Beta
        uow.individuals.update(Individual(f"{a}-p2", a, "Carl Champ", roles=(BuyingRole.CHAMPION, *EB)))
        uow.commit()
    assert assert_kept(app.engine, workspace) == {a: (2, 1, None), b: (1, 1, None)}
    with app.services.uow(workspace) as uow:
        uow.individuals.update(Individual(f"{a}-p2", a, "Carl Champ", roles=()))  # no longer the buyer
        uow.individuals.remove(f"{a}-p3")
        uow.commit()
    assert assert_kept(app.engine, workspace) == {a: (1, 0, None), b: (1, 1, None)}


def test_plain_sql_writes_keep_the_people_counts(app: App, workspace: str, two: tuple[str, str]) -> None:
    a, b = two
    with app.engine.begin() as conn:
        conn.execute(text("INSERT INTO individual (id, workspace_id, account_id, name, normalized_name, roles, "
                          "attitude) VALUES (:id, :ws, :a, :n, :n, :r, 0)"),
                     [{"id": f"{a}-q{n}", "ws": workspace, "a": a, "n": f"q{n}",
                       "r": '["economic_buyer"]' if n % 2 else "[]"} for n in range(5)])
        conn.execute(text("UPDATE individual SET account_id = :b WHERE id IN (:p0, :p1)"),
                     {"b": b, "p0": f"{a}-q0", "p1": f"{a}-q1"})
        conn.execute(text("UPDATE individual SET attitude = 2 WHERE account_id = :a"), {"a": a})  # not counted
        conn.execute(text("DELETE FROM individual WHERE id = :p"), {"p": f"{a}-q3"})
    assert assert_kept(app.engine, workspace) == {a: (2, 0, None), b: (2, 1, None)}


def test_the_last_touch_is_the_newest_interaction_left(app: App, workspace: str, two: tuple[str, str]) -> None:
    a, b = two
    with app.services.uow(workspace) as uow:
        uow.interactions.add(Interaction(f"{a}-i1", a, "U_A", "met", AT - timedelta(days=3)))
        uow.interactions.add_new(Interaction(f"{a}-i2", a, "U_A", "met", AT))
        uow.interactions.add(Interaction(f"{a}-i3", a, "U_A", "older, logged late", AT - timedelta(days=9)))
        uow.commit()
    assert assert_kept(app.engine, workspace)[a][2] == AT
    with app.services.uow(workspace) as uow:
        uow.interactions.remove_with_effects(f"{a}-i2")  # undo of the newest
        uow.commit()
    assert assert_kept(app.engine, workspace)[a][2] == AT - timedelta(days=3)
    with app.engine.begin() as conn:
        conn.execute(text("UPDATE interaction SET account_id = :b WHERE id = :i"), {"b": b, "i": f"{a}-i1"})
    assert assert_kept(app.engine, workspace) == {a: (0, 0, AT - timedelta(days=9)),
                                                  b: (0, 0, AT - timedelta(days=3))}
    with app.engine.begin() as conn:
        conn.execute(text("UPDATE interaction SET occurred_at = :t WHERE id = :i"),
                     {"t": AT - timedelta(days=30), "i": f"{a}-i1"})
        conn.execute(text("DELETE FROM interaction WHERE id = :i"), {"i": f"{a}-i3"})
    assert assert_kept(app.engine, workspace) == {a: (0, 0, None), b: (0, 0, AT - timedelta(days=30))}


def test_writing_an_account_leaves_its_aggregates_alone(app: App, workspace: str, two: tuple[str, str]) -> None:
    a, _ = two
    with app.services.uow(workspace) as uow:
        uow.individuals.add(Individual(f"{a}-p1", a, "Eve Econ", roles=EB))
        uow.interactions.add(Interaction(f"{a}-i1", a, "U_A", "met", AT))
        uow.commit()
    with app.services.uow(workspace) as uow:
        account = uow.accounts.get(a)
        assert account is not None
        uow.accounts.update(Account(a, "Acme Corp", owner_id="U_B", stage=Stage.VENDOR_SELECTION))
        uow.accounts.set_stage(Account(a, "Acme Corp", owner_id="U_B", stage=Stage.VALIDATION))
        uow.commit()
    with app.services.uow(workspace) as uow:
        assert uow.session.get(AccountRow, a) is not None  # held by the ORM: the update merges an instance
        uow.accounts.update(Account(a, "Acme Corporation", owner_id="U_B", stage=Stage.VALIDATION))
        uow.commit()
    assert assert_kept(app.engine, workspace)[a] == (1, 1, AT)


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[str]:
    """A database of its own (the migration is run on it from the start)."""
    with fresh_database(tmp_path) as url:
        yield url


def test_the_migration_fills_in_the_aggregates_of_existing_accounts(empty_database: str) -> None:
    engine = make_engine(empty_database)
    upgrade(engine, "0004")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO workspace (id, name, change_counter) VALUES ('w', 'W', 0)"))
        conn.execute(text("INSERT INTO account (id, workspace_id, name, normalized_name, aliases, lifecycle) "
                          "VALUES (:id, 'w', :id, :id, '[]', 'prospect')"), [{"id": i} for i in "abc"])
        conn.execute(text("INSERT INTO individual (id, workspace_id, account_id, name, normalized_name, roles, "
                          "attitude) VALUES (:id, 'w', :a, :id, :id, :r, 0)"),
                     [{"id": "p1", "a": "a", "r": '["champion", "economic_buyer"]'},
                      {"id": "p2", "a": "a", "r": '["economic_buyer"]'}, {"id": "p3", "a": "b", "r": "[]"}])
        conn.execute(text("INSERT INTO interaction (id, workspace_id, account_id, rep_id, text, occurred_at, "
                          "individual_ids, undo) VALUES (:id, 'w', :a, 'U', 'met', :t, '[]', '{}')"),
                     [{"id": "i1", "a": "a", "t": AT}, {"id": "i2", "a": "a", "t": AT - timedelta(days=1)},
                      {"id": "i3", "a": "c", "t": AT - timedelta(days=5)}])
    engine.dispose()
    engine = make_engine(empty_database)  # a new engine: the columns are new to it
    upgrade(engine)
    try:
        assert assert_kept(engine, "w") == {"a": (2, 2, AT), "b": (1, 0, None), "c": (0, 0, AT - timedelta(days=5))}
    finally:
        engine.dispose()
