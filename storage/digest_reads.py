"""Set-based reads for the daily digest: what every rep of a run needs, in a handful of statements.

The per-rep way (accounts by owner, people and last touch of the active deals, steps by owner...) costs about
ten statements a rep; these read the same facts for all reps of a run at once, only the columns the digest uses.
The per-deal aggregates (people, economic buyers, last touch) are columns of account the database keeps with
triggers (migration 0005), and of the 36k steps due and 20k deals of 1,000 reps only those a digest can show
come back: window functions pick each rep's first PER_KIND of a kind in the domain's own order (domain/digest.py
`key_of`, `importance`), and the counts say how many there are ("… and N more").

Each read is a PreparedRead (compiled once per dialect, plain tuples off the driver's cursor), the id lists are
one parameter (a JSON array on SQLite, an array on PostgreSQL), and the columns SQLAlchemy would convert value by
value (dates, times, JSON) are read raw and converted here.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    ARRAY,
    Boolean,
    Integer,
    String,
    and_,
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
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.types import TypeDecorator

from domain.buying import Stage, StageEvidence
from domain.customer import Account, AttitudeChange, Individual, Lifecycle
from domain.digest import ACTIVE_STAGES, LISTENED, PER_KIND, DealCoverage
from domain.listening import Polarity, Signal
from domain.next_steps import NextStep
from storage.decode import CHANNELS, LIFECYCLES, POLARITIES, STAGES, roles
from storage.prepared import PreparedRead, raw, read_together, utc
from storage.tables import (
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


_ACTIVE = _A.c.lifecycle == Lifecycle.PROSPECT.value, _A.c.stage.in_(
    [literal(s.value, String) for s in sorted(ACTIVE_STAGES, key=lambda s: s.value)])


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


def _deals(*columns: Any) -> Any:
    """The active deals of the owners, with what ranks them: `gap` 0 (no economic buyer) or 1 (single-threaded),
    `quiet` 0, each None when the deal is not one (`gap_line`'s and `quiet_line`'s conditions)."""
    gap = case((_A.c.economic_buyers == 0, 0), (_A.c.people_count == 1, 1))
    quiet = case((or_(_A.c.last_touch_at.is_(None), _A.c.last_touch_at < bindparam(
        "quiet_since", type_=_A.c.last_touch_at.type)), 0))
    return select(*columns, gap.label("gap"), quiet.label("quiet")).where(
        _A.c.workspace_id == _WS, *_ACTIVE, _InIds(_A.c.owner_id)).subquery("deal")


def _deal_picks() -> PreparedRead:
    """Of each owner's active deals, those that can show: the first PER_KIND DMU gaps and quiet deals in the
    digest's order (priority, name, id: domain/digest.py `key_of`) and the most important deal (`importance`).
    The gaps come with up to PER_KIND more (the first of each priority): the caller keeps the first PER_KIND."""
    rank = case({s.value: s.rank for s in Stage}, value=_A.c.stage, else_=-1)
    d = _deals(*_DEAL_COLS, rank.label("rank"), _A.c.last_touch_at.label("touched_at")).c
    by_name = (_CodePoints(d.name), _CodePoints(d.id))

    def so_far(f: Any) -> Any:  # over the owner's deals up to this one, by name
        return f.over(partition_by=d.owner_id, order_by=by_name, rows=(None, 0))

    # one pass in name order serves both kinds, with running counts; on the owner's last deal they are the
    # owner's totals (a total over a whole partition would buffer it on SQLite, a count statement read it again)
    ranked = select(
        *(d[c.name] for c in _DEAL_COLS), d.gap, d.quiet, so_far(func.count(case((d.gap == 0, 1)))).label("n0"),
        so_far(func.count(case((d.gap == 1, 1)))).label("n1"), so_far(func.count(d.quiet)).label("quiet_n"),
        so_far(func.lead(d.id)).label("next_id"),
        func.row_number().over(partition_by=d.owner_id, order_by=(
            d.rank.desc(), d.touched_at.desc().nulls_last(), *(c.desc() for c in by_name))).label("top_n"),
    ).subquery("ranked")
    r = ranked.c
    shown = (or_(and_(r.gap == 0, r.n0 <= PER_KIND), and_(r.gap == 1, r.n1 <= PER_KIND)),
             and_(r.quiet.isnot(None), r.quiet_n <= PER_KIND), r.top_n == 1, r.next_id.is_(None))
    return PreparedRead(select(*(r[c.name] for c in _DEAL_COLS), *shown, r.n0 + r.n1, r.quiet_n).where(or_(*shown)))


# Each owner's first PER_KIND steps overdue and due today, in the digest's order (`key_of`: the oldest due date
# first, then the id): per owner, two short walks of the index on (owner, done, due, id) that stop at PER_KIND,
# instead of ranking every due step (36k for 1,000 reps: a sort of all of them, and a plan that hashed all of
# next_step on PostgreSQL). Only the steps kept are read, with their account. The account's name shows when it is
# the owner's or the owner logged on it within the scope (bot/digest_content.py SCOPE_DAYS); else "?".
_STEP_PICK_COLUMNS = """s.id, s.account_id, s.owner_id, s.text, s.due, a.name, a.owner_id AS owns, a.lifecycle,
    a.stage, a.people_count, a.economic_buyers, a.last_touch_at,
    CASE WHEN a.owner_id = s.owner_id THEN true WHEN a.id IS NULL THEN false ELSE EXISTS (
        SELECT 1 FROM interaction AS i WHERE i.workspace_id = :ws AND i.account_id = s.account_id
        AND i.rep_id = s.owner_id AND i.occurred_at >= :since) END AS known"""
_STEP_PICKS_SQL = {
    # SQLite has no LATERAL: a correlated IN, each branch walking the index in order and stopping at the limit
    "sqlite": f"""SELECT {_STEP_PICK_COLUMNS}
FROM json_each(:ids) AS o JOIN next_step AS s ON s.id IN (
    SELECT id FROM (SELECT id FROM next_step WHERE workspace_id = :ws AND owner_id = o.value AND done = 0
                    AND due < :today ORDER BY due, id LIMIT :n)
    UNION ALL
    SELECT id FROM (SELECT id FROM next_step WHERE workspace_id = :ws AND owner_id = o.value AND done = 0
                    AND due = :today ORDER BY id LIMIT :n))
LEFT JOIN account AS a ON a.id = s.account_id""",
    "postgresql": f"""SELECT {_STEP_PICK_COLUMNS}
FROM unnest(:ids) AS o(owner) CROSS JOIN LATERAL (
    (SELECT id FROM next_step WHERE workspace_id = :ws AND owner_id = o.owner AND done = false
     AND due < :today ORDER BY due, id COLLATE "C" LIMIT :n)
    UNION ALL
    (SELECT id FROM next_step WHERE workspace_id = :ws AND owner_id = o.owner AND done = false
     AND due = :today ORDER BY id COLLATE "C" LIMIT :n)) AS picked
JOIN next_step AS s ON s.id = picked.id
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


_DEAL_PICKS = _deal_picks()
_STEP_PICKS = {dialect: _step_picks(dialect) for dialect in _STEP_PICKS_SQL}
_STEP_COUNTS = _step_counts()
_DEALS_BY_ID = PreparedRead(select(*_DEAL_COLS).where(_A.c.workspace_id == _WS, *_ACTIVE, _InIds(_A.c.id)))
_HEADS = PreparedRead(select(_A.c.id, _A.c.name, _A.c.owner_id, _A.c.lifecycle, _A.c.stage, _A.c.people_count,
                             _A.c.economic_buyers, raw(_A.c.last_touch_at)).where(
    _A.c.workspace_id == _WS, _InIds(_A.c.id)))
_TOUCHED = PreparedRead(select(_I.c.rep_id, _I.c.account_id).where(
    _I.c.workspace_id == _WS, _InIds(_I.c.rep_id), _I.c.occurred_at >= _since(_I)).distinct())
# only the columns the digest reads: no JSON lists to decode for the thousands of steps and signals
_STEP_COLS = (_N.c.id, _N.c.account_id, _N.c.owner_id, _N.c.text, _N.c.due)
_SIGNAL_COLS = (_S.c.id, _S.c.account_id, _S.c.channel, _S.c.polarity, raw(_S.c.occurred_at), _S.c.text)
# the top suggestion reads only overdue steps
_STEPS_LATE = PreparedRead(select(_N.c.id, _N.c.account_id, _N.c.owner_id, _N.c.text, raw(_N.c.due)).where(
    _N.c.workspace_id == _WS, _AmongIds(_N.c.account_id), _N.c.done.is_(false()),
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
Counts = dict[str, dict[str, int]]  # owner id -> kind -> how many


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


class DealPick(NamedTuple):
    """An owner's active deal that can show in their digest (`deal_picks`)."""

    deal: DealRow
    gap: bool  # may be one of the owner's first PER_KIND DMU gaps
    quiet: bool  # one of the owner's first PER_KIND quiet deals
    top: bool  # the owner's most important deal


class StepPick(NamedTuple):
    """An open step that can show in its owner's digest (`step_picks`), with what the digest names of its account
    (None: not the owner's, the line shows "?")."""

    step: NextStep
    account: Account | None
    deal: DealRow | None  # the account, when it is the owner's and an active deal

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

    def deal_picks(self, owner_ids: Iterable[str], *, quiet_since: datetime) -> tuple[list[DealPick], Counts]:
        """The deals of these owners that can show in their digests (gone quiet: no touch since then), and how
        many DMU gaps ("gap") and quiet deals ("quiet") each owner has."""
        self._no_jit()
        picks, counts = [], {}
        for r in self._rows(_DEAL_PICKS, owner_ids, quiet_since=quiet_since):
            if r[10]:  # the owner's last deal by name: its running counts are the owner's
                counts[r[2]] = {"gap": r[11], "quiet": r[12]}
            if r[7] or r[8] or r[9]:
                picks.append(DealPick(_deal(r), bool(r[7]), bool(r[8]), bool(r[9])))
        return picks, counts

    def _no_jit(self) -> None:
        """PostgreSQL would compile the window reads with JIT (a high cost estimate): more time compiling than
        reading. Off until the end of this transaction."""
        conn = self._s.connection()
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET LOCAL jit = off")

    def deals_by_id(self, account_ids: Iterable[str]) -> list[DealRow]:
        """Those of these accounts that are active deals."""
        return [_deal(r) for r in self._rows(_DEALS_BY_ID, account_ids)]

    def heads(self, account_ids: Iterable[str]) -> tuple[dict[str, Account], dict[str, DealRow]]:
        """Name, owner, lifecycle and stage of these accounts (what the digest shows of an account), and those of
        them that are active deals as deals."""
        accounts, deals = {}, {}
        for r in self._rows(_HEADS, account_ids):
            account = accounts[r[0]] = _account(*r[:5])
            if account.lifecycle == Lifecycle.PROSPECT and account.stage in ACTIVE_STAGES:
                deals[r[0]] = DealRow(r[0], r[1], r[2], account.stage, r[5], r[6] > 0, utc(r[7]))
        return accounts, deals

    def step_picks(self, owner_ids: Iterable[str], *, today: date,
                   scope_since: datetime) -> tuple[list[StepPick], Counts]:
        """The open steps of these owners that can show in their digests on that local date (the accounts each
        logged on since `scope_since` are theirs too), and how many each has "overdue" and "due"."""
        self._no_jit()
        picks, counts = self._together((_STEP_PICKS[self._s.connection().dialect.name], _STEP_COUNTS), owner_ids,
                                       today=today, since=scope_since)
        found: Counts = defaultdict(dict)
        for owner_id, late, n in counts:
            found[owner_id]["overdue" if late else "due"] = n
        return [_step_pick(r) for r in picks], found

    def _together(self, reads: Sequence[PreparedRead], ids: Iterable[str], **params: Any) -> list[list[Row]]:
        """Reads with the same parameters, in one round trip on PostgreSQL."""
        params.update(ws=self._ws, ids=sorted(set(ids)))
        if not params["ids"]:
            return [[] for _ in reads]
        return read_together(self._s.connection(), [(read, params) for read in reads])

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
    return DealRow(r[0], r[1], r[2], STAGES[r[3]], r[4], r[5] > 0, utc(r[6]))


def _step_pick(r: Row) -> StepPick:
    step = NextStep(r[0], r[1], r[2], r[3], _day(r[4]))
    account = _account(r[1], r[5], r[6], r[7], r[8]) if r[12] else None
    deal = None
    if account is not None and account.lifecycle == Lifecycle.PROSPECT and account.stage in ACTIVE_STAGES:
        deal = DealRow(r[1], r[5], r[6], account.stage, r[9], r[10] > 0, utc(r[11]))
    return StepPick(step, account, deal)


def _day(d: date | str | None) -> date | None:
    return date.fromisoformat(d) if isinstance(d, str) else d


