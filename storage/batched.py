"""A log's new rows of several tables in one statement on PostgreSQL, where each was a statement of its own.

A log's writes go to the server in one round trip (a psycopg pipeline), but psycopg still handles every statement
on its own: a cursor's execute, its parameters, its send and its poll, about as much client CPU as the statement
costs the server. The INSERTs of a log's signals, touches, attitude moves, stage evidence and next step are
sent one after the other; here each such run becomes one statement: the first ones as data-modifying CTEs
(`WITH w0 AS (INSERT ...), w1 AS (INSERT ...) INSERT ...`), several rows of a table as one multi-row VALUES.

Why that writes the same rows with the same guarantees: these INSERTs carry fresh ids and their values only (no
SELECT, no ON CONFLICT), so the one snapshot the sub-statements share and the order they run in change nothing
they write; no trigger watches these tables (migration 0005 puts triggers on individual and interaction, whose
INSERTs stay statements of their own, as does every UPDATE, in their place); the foreign-key checks, deferred to
the end of the statement, lock the same account and workspace rows (FOR KEY SHARE, which no log's lock conflicts
with) as before. The statement is in the same transaction and pipeline, in the same place: one failing row fails
it, and the transaction with it, as before. SQLite has no data-modifying CTEs: its steps are left as they are.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import bindparam
from sqlalchemy.sql.schema import Table

from storage.prepared import PreparedRead, Step

# What the log inserts into and no trigger watches (storage/migrations/versions/0005_account_deal_aggregates.py).
UNWATCHED = frozenset({"signal", "touch", "attitude_event", "stage_event", "next_step"})
_MAX_SHAPES = 256  # statements kept (one per shape: tables, columns and rows); past that, steps are left as they are
_MAX_ROWS = 64  # a larger batch (an import) is left to executemany


class NewRows(PreparedRead):
    """An INSERT of exactly `keys` into `table`, each row's values bound (repositories._new_rows)."""

    def __init__(self, table: Table, keys: tuple[str, ...]) -> None:
        super().__init__(table.insert().values({k: bindparam(k, type_=table.c[k].type) for k in keys}))
        self.table = table
        self.keys = keys
        # merged only where nothing but the given values is written: no trigger, no client-side default to fill in
        self.mergeable = table.name in UNWATCHED and all(c.default is None or c.key in keys for c in table.c)


Shape = tuple[tuple[str, tuple[str, ...], int], ...]
_STATEMENTS: dict[Shape, PreparedRead] = {}
_LOCK = threading.Lock()


def batched(steps: Sequence[Step], dialect_name: str) -> list[Step]:
    """The steps with each run of consecutive new-row INSERTs into unwatched tables as one step (PostgreSQL)."""
    if dialect_name != "postgresql":
        return list(steps)
    out: list[Step] = []
    run: list[Step] = []
    for step in steps:
        prepared = step[0]
        if isinstance(prepared, NewRows) and prepared.mergeable:
            run.append(step)
        else:
            out += _one_step(run)
            run = []
            out.append(step)
    out += _one_step(run)
    return out


def _one_step(steps: list[Step]) -> list[Step]:
    """The steps (new rows, NewRows all) as one, or as they are."""
    run = [(cast(NewRows, p), [params] if isinstance(params, dict) else list(params)) for p, params in steps]
    rows = sum(len(r) for _p, r in run)
    if rows < 2 or rows > _MAX_ROWS:  # one row is a statement already; a bulk load keeps its executemany
        return list(steps)
    shape = tuple((prepared.table.name, prepared.keys, len(r)) for prepared, r in run)
    statement = _STATEMENTS.get(shape) or _new_statement(shape, run)
    if statement is None:
        return list(steps)
    params = {f"w{i}_{j}_{k}": row[k] for i, (prepared, r) in enumerate(run) for j, row in enumerate(r)
              for k in prepared.keys}  # a missing column raises, as the step's own statement would
    return [(statement, params)]


def _new_statement(shape: Shape, run: list[tuple[NewRows, list[dict[str, Any]]]]) -> PreparedRead | None:
    with _LOCK:
        if len(_STATEMENTS) >= _MAX_SHAPES:
            return None
        inserts = [prepared.table.insert().values([
            {k: bindparam(f"w{i}_{j}_{k}", type_=prepared.table.c[k].type) for k in prepared.keys}
            for j in range(len(r))]) for i, (prepared, r) in enumerate(run)]
        stmt = inserts[-1].add_cte(*(insert.cte(f"w{i}") for i, insert in enumerate(inserts[:-1])))
        found = _STATEMENTS[shape] = PreparedRead(stmt)
        return found
