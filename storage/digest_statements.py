"""The digest's statements (storage/digest_reads.py runs them): what every rep of a run needs, each one statement
for all reps, compiled once per dialect (storage/prepared.py).

The id lists are one parameter (a JSON array on SQLite, an array on PostgreSQL). Of the 36k steps due and 20k
deals of 1,000 reps only those a digest can show come back, in the domain's own order (domain/digest.py `key_of`,
`importance`): a window over each owner's active deals, and for the steps two short walks of the (owner, done,
due, id) index per owner; the counts say how many there are ("… and N more"). Columns SQLAlchemy would convert
value by value (dates, times, JSON) are read raw: the reader converts them.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import (
    ARRAY,
    Boolean,
    Integer,
    String,
    bindparam,
    case,
    column,
    false,
    func,
    literal,
    or_,
    select,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.types import TypeDecorator

from domain.customer import Lifecycle
from domain.digest import ACTIVE_STAGES, LISTENED, PER_KIND
from domain.listening import Polarity
from storage.prepared import PreparedRead, raw
from storage.tables import ACCOUNT, ATTITUDE_EVENT, DIGEST_SEND, INDIVIDUAL, INTERACTION, NEXT_STEP, SIGNAL, STAGE_EVENT

# short names for the tables the statements below read
_A, _P, _I, _S = ACCOUNT, INDIVIDUAL, INTERACTION, SIGNAL
_N, _E, _M, _D = NEXT_STEP, STAGE_EVENT, ATTITUDE_EVENT, DIGEST_SEND

_WS: Any = bindparam("ws", type_=String)


class _IdList(TypeDecorator[list[str]]):
    """A list of ids bound as one parameter: a JSON array on SQLite (read with json_each), an array on PostgreSQL.
    One statement whatever the number of ids (no IN list of hundreds of parameters, nothing to chunk)."""

    impl = String
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        return dialect.type_descriptor(ARRAY(String) if dialect.name == "postgresql" else String())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return list(value) if dialect.name == "postgresql" else json.dumps(list(value))


class _InIds(ColumnElement[bool]):
    inherit_cache = True
    type = Boolean()
    _is_implicitly_boolean = True  # a comparison: no "= 1" after it on SQLite

    def __init__(self, column: Any, name: str = "ids") -> None:
        self.column, self.param = column, bindparam(name, type_=_IdList())


class _AmongIds(_InIds):
    """_InIds for ids probed one by one in an index: told an array, PostgreSQL would rather scan all of next_step
    for the steps of the top accounts (60 ms against 30); as a set it plans a probe each. Measured read by read:
    the people and signals of the same accounts were no faster this way."""

    inherit_cache = True


@compiles(_InIds)
def _in_array(e: _InIds, compiler: Any, **kw: Any) -> str:
    return f"{compiler.process(e.column, **kw)} = ANY({compiler.process(e.param, **kw)})"


@compiles(_AmongIds, "postgresql")
def _in_unnest(e: _AmongIds, compiler: Any, **kw: Any) -> str:
    return f"{compiler.process(e.column, **kw)} IN (SELECT unnest({compiler.process(e.param, **kw)}))"


@compiles(_InIds, "sqlite")
def _in_json(e: _InIds, compiler: Any, **kw: Any) -> str:
    return f"{compiler.process(e.column, **kw)} IN (SELECT value FROM json_each({compiler.process(e.param, **kw)}))"


def _since(table: Any) -> Any:
    return bindparam("since", type_=table.c.occurred_at.type)


# The active deals, as the partial index of migration 0007 states them: SQLite uses a partial index only for a
# query that repeats its condition (constants, not parameters)
ACTIVE_DEAL = (f"lifecycle = '{Lifecycle.PROSPECT.value}' AND stage IN ("
               + ", ".join(f"'{s.value}'" for s in sorted(ACTIVE_STAGES, key=lambda s: s.value)) + ")")
_ACTIVE = (text(ACTIVE_DEAL),)


class _CodePoints(ColumnElement[str]):
    """A string compared by code point, as Python compares str (the digest's order): SQLite's default BINARY
    collation does (UTF-8 bytes), PostgreSQL needs the "C" collation (the database's may be a locale's)."""

    inherit_cache = True
    type = String()

    def __init__(self, value: Any) -> None:
        self.value = value


@compiles(_CodePoints)
def _c_collation(e: _CodePoints, compiler: Any, **kw: Any) -> str:
    return f'{compiler.process(e.value, **kw)} COLLATE "C"'


@compiles(_CodePoints, "sqlite")
def _binary(e: _CodePoints, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(e.value, **kw))


_DEAL_COLS = (_A.c.id, _A.c.name, _A.c.owner_id, _A.c.stage, _A.c.people_count, _A.c.economic_buyers,
              raw(_A.c.last_touch_at))


DEAL_INDEX = "ix_account_ws_owner_active"


def _deals_of_owners() -> PreparedRead:
    """The owners' active deals, by owner then name and id (code points: the digest's order, `key_of`), with what
    picks them: `gap` 0 (no economic buyer) or 1 (single-threaded), `quiet` 0, each None when the deal is not one
    (`gap_line`'s and `quiet_line`'s conditions). Read from the partial index alone (migration 0007), in its
    order: the reader picks each owner's first PER_KIND of a kind and the top deal in one pass. A window over the
    deals did the same in SQL at four times the cost on SQLite (two sorts of all deals and a table look-up each)."""
    gap = case((_A.c.economic_buyers == 0, 0), (_A.c.people_count == 1, 1))
    quiet = case((or_(_A.c.last_touch_at.is_(None), _A.c.last_touch_at < bindparam(
        "quiet_since", type_=_A.c.last_touch_at.type)), 0))
    return PreparedRead(select(*_DEAL_COLS, gap.label("gap"), quiet.label("quiet")).where(
        _A.c.workspace_id == _WS, *_ACTIVE, _InIds(_A.c.owner_id)).order_by(
        _A.c.owner_id, _CodePoints(_A.c.name), _CodePoints(_A.c.id)).with_hint(
        _A, f"INDEXED BY {DEAL_INDEX}", "sqlite"))  # no statistics for it (yet) must not make SQLite sort


# Each owner's first PER_KIND steps overdue and due today, in the digest's order (`key_of`: the oldest due date
# first, then the id): per owner, two short walks of the index on (owner, done, due, id) that stop at PER_KIND,
# instead of ranking every due step (36k for 1,000 reps: a sort of all of them, and a plan that hashed all of
# next_step on PostgreSQL). Only the steps kept are read, with their account: by rowid on SQLite (the index holds
# it), straight from the walks on PostgreSQL (no second look-up of each step by its id). The account's name shows
# when it is the owner's or the owner logged on it within the scope (bot/digest_content.py SCOPE_DAYS); else "?".
_STEP_PICK_COLUMNS = """s.id, s.account_id, s.owner_id, s.text, s.due, a.name, a.owner_id AS owns, a.lifecycle,
    a.stage, a.people_count, a.economic_buyers, a.last_touch_at,
    CASE WHEN a.owner_id = s.owner_id THEN true WHEN a.id IS NULL THEN false ELSE EXISTS (
        SELECT 1 FROM interaction AS i WHERE i.workspace_id = :ws AND i.account_id = s.account_id
        AND i.rep_id = s.owner_id AND i.occurred_at >= :since) END AS known"""
_STEP_PICKS_SQL = {
    # SQLite has no LATERAL: a correlated IN, each branch walking the index in order and stopping at the limit
    "sqlite": f"""SELECT {_STEP_PICK_COLUMNS}
FROM json_each(:ids) AS o JOIN next_step AS s ON s.rowid IN (
    SELECT rowid FROM (SELECT rowid FROM next_step WHERE workspace_id = :ws AND owner_id = o.value AND done = 0
                       AND due < :today ORDER BY due, id LIMIT :n)
    UNION ALL
    SELECT rowid FROM (SELECT rowid FROM next_step WHERE workspace_id = :ws AND owner_id = o.value AND done = 0
                       AND due = :today ORDER BY id LIMIT :n))
LEFT JOIN account AS a ON a.id = s.account_id""",
    "postgresql": f"""SELECT {_STEP_PICK_COLUMNS}
FROM unnest(:ids) AS o(owner) CROSS JOIN LATERAL (
    (SELECT id, account_id, owner_id, text, due FROM next_step WHERE workspace_id = :ws AND owner_id = o.owner
     AND done = false AND due < :today ORDER BY due, id COLLATE "C" LIMIT :n)
    UNION ALL
    (SELECT id, account_id, owner_id, text, due FROM next_step WHERE workspace_id = :ws AND owner_id = o.owner
     AND done = false AND due = :today ORDER BY id COLLATE "C" LIMIT :n)) AS s
LEFT JOIN account AS a ON a.id = s.account_id""",
}


def _step_picks(dialect: str) -> PreparedRead:
    return PreparedRead(text(_STEP_PICKS_SQL[dialect]).bindparams(
        _WS, bindparam("ids", type_=_IdList()), bindparam("today", type_=_N.c.due.type), _since(_I),
        bindparam("n", type_=Integer, value=PER_KIND)).columns(
        *(column(c.name, String) for c in (_N.c.id, _N.c.account_id, _N.c.owner_id, _N.c.text)),
        column("due", String), column("name", String), column("owns", String), column("lifecycle", String),
        column("stage", String), column("people_count", Integer), column("economic_buyers", Integer),
        column("last_touch_at", String), column("known", Boolean)))


def _step_counts() -> PreparedRead:
    """How many steps each owner has overdue and due (a total over a window would buffer every step on SQLite)."""
    today = bindparam("today", type_=_N.c.due.type)
    late = _N.c.due < today
    return PreparedRead(select(_N.c.owner_id, late, func.count()).where(
        _N.c.workspace_id == _WS, _InIds(_N.c.owner_id), _N.c.done.is_(false()), _N.c.due <= today).group_by(
        _N.c.owner_id, late))


DEALS_OF_OWNERS = _deals_of_owners()
STEP_PICKS = {dialect: _step_picks(dialect) for dialect in _STEP_PICKS_SQL}
STEP_COUNTS = _step_counts()
DEALS_BY_ID = PreparedRead(select(*_DEAL_COLS).where(_A.c.workspace_id == _WS, *_ACTIVE, _InIds(_A.c.id)))
HEADS = PreparedRead(select(_A.c.id, _A.c.name, _A.c.owner_id, _A.c.lifecycle, _A.c.stage, _A.c.people_count,
                             _A.c.economic_buyers, raw(_A.c.last_touch_at)).where(
    _A.c.workspace_id == _WS, _InIds(_A.c.id)))
TOUCHED = PreparedRead(select(_I.c.rep_id, _I.c.account_id).where(
    _I.c.workspace_id == _WS, _InIds(_I.c.rep_id), _I.c.occurred_at >= _since(_I)).distinct())
# only the columns the digest reads: no JSON lists to decode for the thousands of steps and signals
_STEP_COLS = (_N.c.id, _N.c.account_id, _N.c.owner_id, _N.c.text, _N.c.due)
_SIGNAL_COLS = (_S.c.id, _S.c.account_id, _S.c.channel, _S.c.polarity, raw(_S.c.occurred_at), _S.c.text)
# the top suggestion reads only overdue steps
STEPS_LATE = PreparedRead(select(_N.c.id, _N.c.account_id, _N.c.owner_id, _N.c.text, raw(_N.c.due)).where(
    _N.c.workspace_id == _WS, _AmongIds(_N.c.account_id), _N.c.done.is_(false()),
    _N.c.due < bindparam("before", type_=_N.c.due.type)).order_by(_N.c.due))
_PERSON_COLS = (_P.c.id, _P.c.account_id, _P.c.name, _P.c.title, _P.c.persona, raw(_P.c.roles), _P.c.attitude,
                _P.c.stage)
PEOPLE = PreparedRead(select(*_PERSON_COLS).where(_P.c.workspace_id == _WS, _InIds(_P.c.account_id)).order_by(
    _P.c.name, _P.c.id))
PEOPLE_BY_ID = PreparedRead(select(*_PERSON_COLS).where(_P.c.workspace_id == _WS, _InIds(_P.c.id)))
# the top suggestion reads only negative signals (a renewal at risk, a price objection)
NEGATIVE_OF = PreparedRead(select(*_SIGNAL_COLS).where(
    _S.c.workspace_id == _WS, _InIds(_S.c.account_id), _S.c.occurred_at >= _since(_S),
    _S.c.polarity == Polarity.NEGATIVE.value).order_by(_S.c.occurred_at.desc()))
NEGATIVE_SINCE = PreparedRead(select(*_SIGNAL_COLS).where(
    _S.c.workspace_id == _WS, _S.c.occurred_at >= _since(_S), _S.c.polarity == Polarity.NEGATIVE.value,
    _S.c.channel.in_(
    [literal(c.value, String) for c in sorted(LISTENED, key=lambda c: c.value)])).order_by(_S.c.occurred_at, _S.c.id))
STAGE_CHANGES = PreparedRead(select(
    _E.c.account_id, _E.c.stage, raw(_E.c.occurred_at), _E.c.words, _E.c.source, _E.c.individual_id, _E.c.rep_id,
    _E.c.interaction_id, _E.c.reason).where(
    _E.c.workspace_id == _WS, _E.c.occurred_at >= _since(_E), _E.c.source != "import").order_by(
    _E.c.occurred_at, _E.c.id))
_D2 = _D.alias("newer")
LAST_SENT = PreparedRead(select(_D.c.rep_id, _D.c.sent_at).where(
    _D.c.workspace_id == _WS, _InIds(_D.c.rep_id), _D.c.status == "sent",
    _D.c.local_date == select(func.max(_D2.c.local_date)).where(
        _D2.c.workspace_id == _D.c.workspace_id, _D2.c.rep_id == _D.c.rep_id, _D2.c.status == "sent")
    .scalar_subquery()))
DETRACTOR_MOVES = PreparedRead(select(
    _M.c.individual_id, _M.c.before, _M.c.after, raw(_M.c.occurred_at), _M.c.reason, _M.c.rep_id,
    _M.c.interaction_id).where(
    _M.c.workspace_id == _WS, _M.c.occurred_at >= _since(_M), _M.c.after < 0, _M.c.before >= 0).order_by(
    _M.c.occurred_at, _M.c.id))
