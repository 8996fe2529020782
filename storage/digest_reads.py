"""Set-based reads for the daily digest: what every rep of a run needs, in a handful of statements.

The per-rep way (accounts by owner, people and last touch of the active deals, steps by owner...) costs about
ten statements a rep; these read the same facts for all reps of a run at once, only the columns the digest uses,
with the per-deal aggregates (people, economic buyer, last touch) computed by the database.

A run reads tens of thousands of rows (36k steps due and 20k deals for 1,000 reps), so each read is a PreparedRead
(compiled once per dialect, plain tuples off the driver's cursor), the id lists are one parameter (a JSON array
on SQLite, an array on PostgreSQL), and the columns SQLAlchemy would convert value by value (dates, times, JSON)
are read raw and converted here. Steps and deals come back as named tuples: the caller keeps the five a kind a
digest can show and counts the rest (domain/digest.py `shortlist`).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import ARRAY, Boolean, Integer, String, bindparam, false, func, literal, select, text, type_coerce
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.types import TypeDecorator

from domain.buying import Stage, StageEvidence
from domain.customer import Account, AttitudeChange, Individual, Lifecycle
from domain.digest import ACTIVE_STAGES, LISTENED, DealCoverage
from domain.listening import Polarity, Signal
from domain.next_steps import NextStep
from storage.decode import CHANNELS, LIFECYCLES, POLARITIES, STAGES, roles
from storage.prepared import PreparedRead, raw, read_together, utc
from storage.tables import (
    ECONOMIC_BUYER_ROLE,
    AccountRow,
    AttitudeEventRow,
    DigestSendRow,
    IndividualRow,
    InteractionRow,
    NextStepRow,
    SignalRow,
    StageEventRow,
)

CHUNK = 900  # IN lists in pieces: SQLite builds before 3.32 allow 999 parameters a statement

_A = AccountRow.__table__  # type: ignore[attr-defined]
_P = IndividualRow.__table__  # type: ignore[attr-defined]
_I = InteractionRow.__table__  # type: ignore[attr-defined]
_S = SignalRow.__table__  # type: ignore[attr-defined]
_N = NextStepRow.__table__  # type: ignore[attr-defined]
_E = StageEventRow.__table__  # type: ignore[attr-defined]
_M = AttitudeEventRow.__table__  # type: ignore[attr-defined]
_D = DigestSendRow.__table__  # type: ignore[attr-defined]

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


@compiles(_InIds)
def _in_array(e: _InIds, compiler: Any, **kw: Any) -> str:
    return f"{compiler.process(e.column, **kw)} = ANY({compiler.process(e.param, **kw)})"


@compiles(_InIds, "sqlite")
def _in_json(e: _InIds, compiler: Any, **kw: Any) -> str:
    return f"{compiler.process(e.column, **kw)} IN (SELECT value FROM json_each({compiler.process(e.param, **kw)}))"


def _since(table: Any) -> Any:
    return bindparam("since", type_=table.c.occurred_at.type)


_ACTIVE = _A.c.lifecycle == Lifecycle.PROSPECT.value, _A.c.stage.in_(
    [literal(s.value, String) for s in sorted(ACTIVE_STAGES, key=lambda s: s.value)])


class _HasEconomicBuyer(ColumnElement[bool]):
    """Whether the account (the outer query's) has an economic buyer, through the partial index of economic buyers:
    its condition word for word. SQLite is told to use it (without statistics it would read everyone's roles)."""

    inherit_cache = True
    type = Boolean()

    def __init__(self) -> None:
        self.anywhere = select(_P.c.id).where(_P.c.workspace_id == _WS, _P.c.account_id == _A.c.id,
                                              text(ECONOMIC_BUYER_ROLE)).exists()
        self.sqlite = text(f"EXISTS (SELECT 1 FROM individual INDEXED BY ix_individual_ws_account_eb WHERE "
                           f"individual.workspace_id = :ws AND individual.account_id = account.id "
                           f"AND {ECONOMIC_BUYER_ROLE})").bindparams(_WS)


@compiles(_HasEconomicBuyer)
def _eb_anywhere(e: _HasEconomicBuyer, compiler: Any, **kw: Any) -> str:
    return compiler.process(e.anywhere, **kw)


@compiles(_HasEconomicBuyer, "sqlite")
def _eb_sqlite(e: _HasEconomicBuyer, compiler: Any, **kw: Any) -> str:
    return compiler.process(e.sqlite, **kw)


def _deals(key: Any) -> PreparedRead:
    """Active deals with what the digest asks of each: people, an economic buyer, the newest interaction."""
    people = select(func.count()).where(_P.c.workspace_id == _WS, _P.c.account_id == _A.c.id)
    has_eb = _HasEconomicBuyer()
    last = select(func.max(_I.c.occurred_at)).where(_I.c.workspace_id == _WS, _I.c.account_id == _A.c.id)
    return PreparedRead(select(
        _A.c.id, _A.c.name, _A.c.owner_id, _A.c.stage, people.scalar_subquery().label("people"),
        type_coerce(has_eb, Integer).label("has_eb"), raw(last.scalar_subquery().label("last_touch"))).where(
        _A.c.workspace_id == _WS, *_ACTIVE, _InIds(key)))


_DEALS_OF_OWNERS = _deals(_A.c.owner_id)
_DEALS_BY_ID = _deals(_A.c.id)
_HEADS = PreparedRead(select(_A.c.id, _A.c.name, _A.c.owner_id, _A.c.lifecycle, _A.c.stage).where(
    _A.c.workspace_id == _WS, _InIds(_A.c.id)))
_TOUCHED = PreparedRead(select(_I.c.rep_id, _I.c.account_id).where(
    _I.c.workspace_id == _WS, _InIds(_I.c.rep_id), _I.c.occurred_at >= _since(_I)).distinct())
# only the columns the digest reads: no JSON lists to decode for the thousands of steps and signals
_STEP_COLS = (_N.c.id, _N.c.account_id, _N.c.owner_id, _N.c.text, _N.c.due)
_SIGNAL_COLS = (_S.c.id, _S.c.account_id, _S.c.channel, _S.c.polarity, raw(_S.c.occurred_at), _S.c.text)
_STEPS_DUE = PreparedRead(select(
    _N.c.id, _N.c.account_id, _N.c.owner_id, _N.c.text, raw(_N.c.due), _A.c.name, _A.c.owner_id, _A.c.lifecycle,
    _A.c.stage).outerjoin_from(
    _N, _A, _A.c.id == _N.c.account_id).where(
    _N.c.workspace_id == _WS, _InIds(_N.c.owner_id), _N.c.done.is_(false()),
    _N.c.due <= bindparam("due_by", type_=_N.c.due.type)))
# the top suggestion reads only overdue steps
_STEPS_LATE = PreparedRead(select(_N.c.id, _N.c.account_id, _N.c.owner_id, _N.c.text, raw(_N.c.due)).where(
    _N.c.workspace_id == _WS, _InIds(_N.c.account_id), _N.c.done.is_(false()),
    _N.c.due < bindparam("before", type_=_N.c.due.type)).order_by(_N.c.due))
_PERSON_COLS = (_P.c.id, _P.c.account_id, _P.c.name, _P.c.title, _P.c.persona, raw(_P.c.roles), _P.c.attitude,
                _P.c.stage)
_PEOPLE = PreparedRead(select(*_PERSON_COLS).where(_P.c.workspace_id == _WS, _InIds(_P.c.account_id)).order_by(
    _P.c.name, _P.c.id))
_PEOPLE_BY_ID = PreparedRead(select(*_PERSON_COLS).where(_P.c.workspace_id == _WS, _InIds(_P.c.id)))
# the top suggestion reads only negative signals (a renewal at risk, a price objection)
_NEGATIVE_OF = PreparedRead(select(*_SIGNAL_COLS).where(
    _S.c.workspace_id == _WS, _InIds(_S.c.account_id), _S.c.occurred_at >= _since(_S),
    _S.c.polarity == Polarity.NEGATIVE.value).order_by(_S.c.occurred_at.desc()))
_NEGATIVE_SINCE = PreparedRead(select(*_SIGNAL_COLS).where(
    _S.c.workspace_id == _WS, _S.c.occurred_at >= _since(_S), _S.c.polarity == Polarity.NEGATIVE.value,
    _S.c.channel.in_(
    [literal(c.value, String) for c in sorted(LISTENED, key=lambda c: c.value)])).order_by(_S.c.occurred_at, _S.c.id))
_STAGE_CHANGES = PreparedRead(select(
    _E.c.account_id, _E.c.stage, raw(_E.c.occurred_at), _E.c.words, _E.c.source, _E.c.individual_id, _E.c.rep_id,
    _E.c.interaction_id, _E.c.reason).where(
    _E.c.workspace_id == _WS, _E.c.occurred_at >= _since(_E), _E.c.source != "import").order_by(
    _E.c.occurred_at, _E.c.id))
_D2 = _D.alias("newer")
_LAST_SENT = PreparedRead(select(_D.c.rep_id, _D.c.sent_at).where(
    _D.c.workspace_id == _WS, _InIds(_D.c.rep_id), _D.c.status == "sent",
    _D.c.local_date == select(func.max(_D2.c.local_date)).where(
        _D2.c.workspace_id == _D.c.workspace_id, _D2.c.rep_id == _D.c.rep_id, _D2.c.status == "sent")
    .scalar_subquery()))
_DETRACTOR_MOVES = PreparedRead(select(
    _M.c.individual_id, _M.c.before, _M.c.after, raw(_M.c.occurred_at), _M.c.reason, _M.c.rep_id,
    _M.c.interaction_id).where(
    _M.c.workspace_id == _WS, _M.c.occurred_at >= _since(_M), _M.c.after < 0, _M.c.before >= 0).order_by(
    _M.c.occurred_at, _M.c.id))

Row = tuple[Any, ...]


class DealRow(NamedTuple):
    """An active deal as the digest sees it, as read (plain values: tens of thousands a run)."""

    id: str
    name: str
    owner_id: str | None
    stage: Stage | None
    people: int
    has_economic_buyer: bool
    last_touch: datetime | None

    @property
    def account(self) -> Account:
        return Account(self.id, self.name, owner_id=self.owner_id, lifecycle=Lifecycle.PROSPECT, stage=self.stage)

    @property
    def coverage(self) -> DealCoverage:
        return DealCoverage(self.people, self.has_economic_buyer)


class StepRow(NamedTuple):
    """An open step due, with its account's name, owner, lifecycle and stage (all None: no such account)."""

    id: str
    account_id: str
    owner_id: str
    text: str
    due: date | None
    name: str | None
    account_owner_id: str | None
    lifecycle: str | None
    stage: str | None

    def account(self) -> Account:
        return _account(self.account_id, self.name or "?", self.account_owner_id, self.lifecycle or "prospect",
                        self.stage)


class DigestReads:
    """The digest's reads in one workspace, for many reps at once: each one statement, compiled once per dialect
    (storage/prepared.py) and read as plain tuples, whatever the number of reps or accounts."""

    def __init__(self, session: Session, workspace_id: str) -> None:
        self._s = session
        self._ws = workspace_id

    def _rows(self, read: PreparedRead, ids: Iterable[str] | None = None, **params: Any) -> list[Row]:
        if ids is not None:
            params["ids"] = sorted(set(ids))
            if not params["ids"]:
                return []
        return read_together(self._s.connection(), [(read, {"ws": self._ws, **params})])[0]

    def last_sent(self, rep_ids: Iterable[str]) -> dict[str, datetime]:
        """When each rep's latest sent digest went out (reps never sent to are left out)."""
        return {rep_id: sent_at for rep_id, sent_at in self._rows(_LAST_SENT, rep_ids) if sent_at is not None}

    def touched(self, rep_ids: Iterable[str], *, since: datetime) -> dict[str, set[str]]:
        """The accounts each rep logged an interaction on since then."""
        found: dict[str, set[str]] = defaultdict(set)
        for rep_id, account_id in self._rows(_TOUCHED, rep_ids, since=since):
            found[rep_id].add(account_id)
        return found

    def deals_of_owners(self, owner_ids: Iterable[str]) -> list[DealRow]:
        self._no_jit()
        return [_deal(r) for r in self._rows(_DEALS_OF_OWNERS, owner_ids)]

    def _no_jit(self) -> None:
        """PostgreSQL compiles the deals read (three sub-plans a row, a high cost estimate) with JIT: 0.7 s of
        compiling for a 0.1 s read. Off until the end of this transaction."""
        conn = self._s.connection()
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET LOCAL jit = off")

    def deals_by_id(self, account_ids: Iterable[str]) -> list[DealRow]:
        """Those of these accounts that are active deals."""
        return [_deal(r) for r in self._rows(_DEALS_BY_ID, account_ids)]

    def heads(self, account_ids: Iterable[str]) -> dict[str, Account]:
        """Name, owner, lifecycle and stage of these accounts (what the digest shows of an account)."""
        return {r[0]: _account(*r) for r in self._rows(_HEADS, account_ids)}

    def steps_due(self, owner_ids: Iterable[str], *, due_by: date) -> list[StepRow]:
        """Open steps of these owners due by then, each with its account's name and owner."""
        return [StepRow(r[0], r[1], r[2], r[3], _day(r[4]), r[5], r[6], r[7], r[8])
                for r in self._rows(_STEPS_DUE, owner_ids, due_by=due_by)]

    def late_steps(self, account_ids: Iterable[str], *, before: date) -> dict[str, list[NextStep]]:
        """Open steps of these accounts due before then, by due date."""
        found: dict[str, list[NextStep]] = defaultdict(list)
        for r in self._rows(_STEPS_LATE, account_ids, before=before):
            found[r[1]].append(NextStep(r[0], r[1], r[2], r[3], _day(r[4])))
        return found

    def people(self, account_ids: Iterable[str]) -> dict[str, list[Individual]]:
        """The people of these accounts, by name."""
        found: dict[str, list[Individual]] = defaultdict(list)
        for r in self._rows(_PEOPLE, account_ids):
            found[r[1]].append(_person(r))
        return found

    def people_by_id(self, individual_ids: Iterable[str]) -> dict[str, Individual]:
        return {r[0]: _person(r) for r in self._rows(_PEOPLE_BY_ID, individual_ids)}

    def negative_signals_of(self, account_ids: Iterable[str], *, since: datetime) -> dict[str, list[Signal]]:
        """Negative signals of these accounts since then, newest first."""
        found: dict[str, list[Signal]] = defaultdict(list)
        for r in self._rows(_NEGATIVE_OF, account_ids, since=since):
            found[r[1]].append(_signal(r))
        return found

    def negative_signals(self, since: datetime) -> list[Signal]:
        """The workspace's negative listening signals since then (the only signals the digest reports)."""
        return [_signal(r) for r in self._rows(_NEGATIVE_SINCE, since=since)]

    def stage_changes(self, since: datetime) -> list[tuple[str, StageEvidence]]:
        """Stage evidence since then, imports left out (an import is not a change)."""
        return [(r[0], StageEvidence(Stage(r[1]), utc(r[2]), *r[3:]))  # type: ignore[arg-type]
                for r in self._rows(_STAGE_CHANGES, since=since)]

    def detractor_moves(self, since: datetime) -> list[AttitudeChange]:
        """Attitude moves since then that turned someone into a detractor."""
        return [AttitudeChange(r[0], r[1], r[2], utc(r[3]), *r[4:])  # type: ignore[arg-type]
                for r in self._rows(_DETRACTOR_MOVES, since=since)]


def _signal(r: Row) -> Signal:
    return Signal(r[0], r[1], CHANNELS[r[2]], POLARITIES[r[3]], utc(r[4]), r[5])  # type: ignore[arg-type]


def _person(r: Row) -> Individual:
    return Individual(r[0], r[1], r[2], r[3], r[4], roles(r[5]), r[6], STAGES[r[7]])


def _account(account_id: str, name: str, owner_id: str | None, lifecycle: str, stage: str | None) -> Account:
    return Account(account_id, name, owner_id=owner_id, lifecycle=LIFECYCLES[lifecycle], stage=STAGES[stage])


def _deal(r: Row) -> DealRow:
    return DealRow(r[0], r[1], r[2], STAGES[r[3]], int(r[4] or 0), bool(r[5]), utc(r[6]))


def _day(d: date | str | None) -> date | None:
    return date.fromisoformat(d) if isinstance(d, str) else d


