"""A log's new rows of several tables go to PostgreSQL as one statement (storage/batched.py) and write exactly
what the statements they replace wrote; the tables with triggers and every other step stay where they were."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql

import storage.repositories as repositories_module
from bot.bootstrap import App
from bot.context import Actor
from bot.replies import Tone
from storage import tables as t
from storage.batched import NewRows, batched
from storage.prepared import PreparedRead, Step, run_counted
from tests.conftest import NOW
from tests.integration.helpers import load_world

# two signals, a touch, stage evidence, a next step and, with a positive tone, attitude moves
NOTE = "Great call with Frank at Globex today, he loved the demo, wants a pilot and the security pack by Friday"
_CHILDREN = (t.SignalRow, t.TouchRow, t.AttitudeEventRow, t.StageEventRow, t.NextStepRow)
_INTERACTION, _ACCOUNT = t.InteractionRow.__table__, t.AccountRow.__table__  # type: ignore[attr-defined]


def _step(model: Any, count: int) -> Step:
    keys = tuple(c.key for c in model.__table__.c)
    return NewRows(model.__table__, keys), [dict.fromkeys(keys) for _ in range(count)]


def test_runs_of_new_rows_of_unwatched_tables_become_one_step_in_place_on_postgresql_only() -> None:
    people, interaction = _step(t.IndividualRow, 1), _step(t.InteractionRow, 1)  # triggers watch them
    signals, touch, evidence, step = (_step(model, n) for model, n in (
        (t.SignalRow, 2), (t.TouchRow, 1), (t.StageEventRow, 1), (t.NextStepRow, 1)))
    counter: Step = (PreparedRead(select(t.WORKSPACE.c.change_counter)), {})
    steps = [people, signals, touch, interaction, evidence, step, counter]
    assert batched(steps, "sqlite") == steps
    merged = batched(steps, "postgresql")
    # the tables with triggers and the counter stay as they were, in their place
    assert len(merged) == 5 and [merged[i] for i in (0, 2, 4)] == [people, interaction, counter]
    assert all(not isinstance(s[0], NewRows) for s in (merged[1], merged[3]))
    assert "INSERT INTO touch" in str(merged[1][0].stmt.compile(dialect=postgresql.dialect()))
    assert batched([touch], "postgresql") == [touch]  # a single row is a statement already


def _written(conn: Any, interaction_id: str, account_id: str) -> dict[str, list[tuple[str, ...]]]:
    """The log's rows, its interaction and its account."""
    out = {name: [tuple(repr(v) for v in r) for r in conn.execute(select(table).where(table.c.id == key))]
           for name, table, key in (("interaction", _INTERACTION, interaction_id), ("account", _ACCOUNT, account_id))}
    for model in _CHILDREN:
        table = model.__table__  # type: ignore[attr-defined]
        cols = [c for c in table.c if c.name != "id" or model not in (t.StageEventRow, t.AttitudeEventRow)]
        rows = conn.execute(select(*cols).where(table.c.interaction_id == interaction_id)).all()
        out[table.name] = sorted(tuple(repr(v) for v in r) for r in rows)
    return out


def test_a_logs_merged_writes_leave_exactly_the_rows_its_separate_statements_leave(
        app: App, workspace: str, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("only PostgreSQL merges writes")
    load_world(app, workspace)
    sent: list[tuple[list[Step], list[Step]]] = []

    def recorded(steps: list[Step], dialect_name: str) -> list[Step]:
        merged = batched(steps, dialect_name)
        if steps:
            sent.append((list(steps), merged))
        return merged

    monkeypatch.setattr(repositories_module, "batched", recorded)
    reply = app.dispatcher.handle_text(NOTE, actor=Actor(workspace, "U_REP", tz="America/New_York"), now=NOW)
    assert reply.tone == Tone.SUCCESS
    (separate, merged), = sent
    assert len(merged) < len(separate)  # fewer statements than rows' INSERTs were
    with app.engine.connect() as conn:
        interaction, account = conn.execute(select(_INTERACTION.c.id, _INTERACTION.c.account_id).where(
            _INTERACTION.c.workspace_id == workspace, _INTERACTION.c.text == NOTE)).one()
        written = _written(conn, interaction, account)
        assert all(written[name] for name in ("signal", "touch", "stage_event", "next_step", "interaction"))
        # the same rows again, each table's INSERT on its own, in a transaction rolled back after
        for model in _CHILDREN:
            table = model.__table__  # type: ignore[attr-defined]
            conn.execute(delete(table).where(table.c.interaction_id == interaction))
        run_counted(conn, [s for s in separate if isinstance(s[0], NewRows) and s[0].mergeable])
        assert _written(conn, interaction, account) == written
        conn.rollback()


def test_no_trigger_watches_the_tables_whose_new_rows_are_merged(app: App, database_url: str) -> None:
    """batched.UNWATCHED is kept by hand: a trigger added to one of its tables later must take it off the list
    (in a merged statement the trigger would fire in an order of PostgreSQL's choosing)."""
    from sqlalchemy import text

    from storage.batched import UNWATCHED

    if not database_url.startswith("postgresql"):
        pytest.skip("only PostgreSQL merges writes")
    with app.engine.connect() as conn:
        watched = set(conn.execute(text(
            "SELECT DISTINCT c.relname FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid WHERE NOT g.tgisinternal"
        )).scalars())
    assert watched, "the 0005 triggers are missing: this check would see nothing"
    assert not watched & UNWATCHED
