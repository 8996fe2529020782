"""Set-based reads for the daily digest: what every rep of a run needs, in a handful of statements.

The per-rep way (accounts by owner, people and last touch of the active deals, steps by owner...) costs about
ten statements a rep; these read the same facts for all reps of a run at once, only the columns the digest uses,
with the per-deal aggregates (people, economic buyer, last touch) computed by the database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Text, bindparam, cast, exists, false, func, select
from sqlalchemy.orm import Session

from domain.buying import Stage, StageEvidence
from domain.customer import Account, AttitudeChange, BuyingRole, Individual, Lifecycle
from domain.digest import ACTIVE_STAGES, LISTENED, DealCoverage
from domain.listening import Channel, Polarity, Signal
from domain.next_steps import NextStep
from storage import mapping as m
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

_WS: Any = bindparam("ws")
_IDS: Any = bindparam("ids", expanding=True)


def _since(table: Any) -> Any:
    return bindparam("since", type_=table.c.occurred_at.type)


_ACTIVE = _A.c.lifecycle == Lifecycle.PROSPECT.value, _A.c.stage.in_(sorted(s.value for s in ACTIVE_STAGES))
_EB = '"' + BuyingRole.ECONOMIC_BUYER.value + '"'  # roles are a JSON list of role values


def _deals(key: Any) -> Any:
    """Active deals with what the digest asks of each: people, an economic buyer, the newest interaction."""
    people = select(func.count()).where(_P.c.workspace_id == _WS, _P.c.account_id == _A.c.id)
    has_eb = exists().where(_P.c.workspace_id == _WS, _P.c.account_id == _A.c.id,
                            cast(_P.c.roles, Text).contains(_EB, autoescape=True))
    last = select(func.max(_I.c.occurred_at)).where(_I.c.workspace_id == _WS, _I.c.account_id == _A.c.id)
    return select(_A.c.id, _A.c.name, _A.c.owner_id, _A.c.lifecycle, _A.c.stage,
                  people.scalar_subquery().label("people"), has_eb.label("has_eb"),
                  last.scalar_subquery().label("last_touch")).where(
        _A.c.workspace_id == _WS, *_ACTIVE, key.in_(_IDS))


_DEALS_OF_OWNERS = _deals(_A.c.owner_id)
_DEALS_BY_ID = _deals(_A.c.id)
_HEADS = select(_A.c.id, _A.c.name, _A.c.owner_id, _A.c.lifecycle, _A.c.stage).where(
    _A.c.workspace_id == _WS, _A.c.id.in_(_IDS))
_TOUCHED = select(_I.c.rep_id, _I.c.account_id).where(
    _I.c.workspace_id == _WS, _I.c.rep_id.in_(_IDS), _I.c.occurred_at >= _since(_I)).distinct()
# only the columns the digest reads: no JSON lists to decode for the thousands of steps and signals
_STEP_COLS = (_N.c.id, _N.c.account_id, _N.c.owner_id, _N.c.text, _N.c.due, _N.c.done)
_SIGNAL_COLS = (_S.c.id, _S.c.account_id, _S.c.channel, _S.c.polarity, _S.c.occurred_at, _S.c.text)
_STEPS_DUE = select(*_STEP_COLS, _A.c.name, _A.c.owner_id.label("account_owner_id"), _A.c.lifecycle,
                    _A.c.stage).join_from(_N, _A, _A.c.id == _N.c.account_id).where(
    _N.c.workspace_id == _WS, _N.c.owner_id.in_(_IDS), _N.c.done.is_(false()),
    _N.c.due <= bindparam("due_by", type_=_N.c.due.type))
_STEPS_OPEN = select(*_STEP_COLS).where(
    _N.c.workspace_id == _WS, _N.c.account_id.in_(_IDS), _N.c.done.is_(false())).order_by(_N.c.due)
_PEOPLE = select(*_P.c).where(_P.c.workspace_id == _WS, _P.c.account_id.in_(_IDS)).order_by(_P.c.name, _P.c.id)
_PEOPLE_BY_ID = select(*_P.c).where(_P.c.workspace_id == _WS, _P.c.id.in_(_IDS))
# the top suggestion reads only negative signals (a renewal at risk, a price objection)
_NEGATIVE_OF = select(*_SIGNAL_COLS).where(
    _S.c.workspace_id == _WS, _S.c.account_id.in_(_IDS), _S.c.occurred_at >= _since(_S),
    _S.c.polarity == Polarity.NEGATIVE.value).order_by(_S.c.occurred_at.desc())
_NEGATIVE_SINCE = select(*_SIGNAL_COLS).where(
    _S.c.workspace_id == _WS, _S.c.occurred_at >= _since(_S), _S.c.polarity == Polarity.NEGATIVE.value,
    _S.c.channel.in_(sorted(c.value for c in LISTENED))).order_by(_S.c.occurred_at, _S.c.id)
_STAGE_CHANGES = select(*_E.c).where(
    _E.c.workspace_id == _WS, _E.c.occurred_at >= _since(_E), _E.c.source != "import").order_by(
    _E.c.occurred_at, _E.c.id)
_D = DigestSendRow.__table__  # type: ignore[attr-defined]
_D2 = _D.alias("newer")
_LAST_SENT = select(_D.c.rep_id, _D.c.sent_at).where(
    _D.c.workspace_id == _WS, _D.c.rep_id.in_(_IDS), _D.c.status == "sent",
    _D.c.local_date == select(func.max(_D2.c.local_date)).where(
        _D2.c.workspace_id == _D.c.workspace_id, _D2.c.rep_id == _D.c.rep_id, _D2.c.status == "sent")
    .scalar_subquery())
_DETRACTOR_MOVES = select(*_M.c).where(
    _M.c.workspace_id == _WS, _M.c.occurred_at >= _since(_M), _M.c.after < 0, _M.c.before >= 0).order_by(
    _M.c.occurred_at, _M.c.id)


@dataclass(frozen=True)
class Deal:
    """An active deal as the digest sees it."""

    account: Account
    coverage: DealCoverage
    last_touch: datetime | None


class DigestReads:
    """The digest's reads in one workspace, for many reps at once."""

    def __init__(self, session: Session, workspace_id: str) -> None:
        self._s = session
        self._ws = workspace_id

    def _rows(self, stmt: Any, ids: Iterable[str] | None = None, **params: object) -> list[Any]:
        if ids is None:
            return list(self._s.execute(stmt, {"ws": self._ws, **params}).all())
        keys = sorted(set(ids))
        found: list[Any] = []
        for i in range(0, len(keys), CHUNK):
            found += self._s.execute(stmt, {"ws": self._ws, "ids": keys[i:i + CHUNK], **params}).all()
        return found

    def last_sent(self, rep_ids: Iterable[str]) -> dict[str, datetime]:
        """When each rep's latest sent digest went out (reps never sent to are left out)."""
        return {r.rep_id: r.sent_at for r in self._rows(_LAST_SENT, rep_ids) if r.sent_at is not None}

    def touched(self, rep_ids: Iterable[str], *, since: datetime) -> dict[str, set[str]]:
        """The accounts each rep logged an interaction on since then."""
        found: dict[str, set[str]] = defaultdict(set)
        for rep_id, account_id in self._rows(_TOUCHED, rep_ids, since=since):
            found[rep_id].add(account_id)
        return found

    def deals_of_owners(self, owner_ids: Iterable[str]) -> list[Deal]:
        return [_deal(r) for r in self._rows(_DEALS_OF_OWNERS, owner_ids)]

    def deals_by_id(self, account_ids: Iterable[str]) -> list[Deal]:
        """Those of these accounts that are active deals."""
        return [_deal(r) for r in self._rows(_DEALS_BY_ID, account_ids)]

    def heads(self, account_ids: Iterable[str]) -> dict[str, Account]:
        """Name, owner, lifecycle and stage of these accounts (what the digest shows of an account)."""
        return {r.id: _head(r) for r in self._rows(_HEADS, account_ids)}

    def steps_due(self, owner_ids: Iterable[str], *, due_by: date) -> list[tuple[NextStep, Account]]:
        """Open steps of these owners due by then, each with its account."""
        return [(_step(r), _account(r.account_id, r.name, r.account_owner_id, r.lifecycle, r.stage))
                for r in self._rows(_STEPS_DUE, owner_ids, due_by=due_by)]

    def open_steps(self, account_ids: Iterable[str]) -> dict[str, list[NextStep]]:
        return _grouped((_step(r) for r in self._rows(_STEPS_OPEN, account_ids)),
                        lambda s: s.account_id)

    def people(self, account_ids: Iterable[str]) -> dict[str, list[Individual]]:
        """The people of these accounts, by name."""
        return _grouped((m.individual_from_row(r) for r in self._rows(_PEOPLE, account_ids)),
                        lambda p: p.account_id)

    def people_by_id(self, individual_ids: Iterable[str]) -> dict[str, Individual]:
        return {r.id: m.individual_from_row(r) for r in self._rows(_PEOPLE_BY_ID, individual_ids)}

    def negative_signals_of(self, account_ids: Iterable[str], *, since: datetime) -> dict[str, list[Signal]]:
        """Negative signals of these accounts since then, newest first."""
        return _grouped((_signal(r) for r in self._rows(_NEGATIVE_OF, account_ids, since=since)),
                        lambda s: s.account_id)

    def negative_signals(self, since: datetime) -> list[Signal]:
        """The workspace's negative listening signals since then (the only signals the digest reports)."""
        return [_signal(r) for r in self._rows(_NEGATIVE_SINCE, since=since)]

    def stage_changes(self, since: datetime) -> list[tuple[str, StageEvidence]]:
        """Stage evidence since then, imports left out (an import is not a change)."""
        return [(r.account_id, m.evidence_from_row(r)) for r in self._rows(_STAGE_CHANGES, since=since)]

    def detractor_moves(self, since: datetime) -> list[AttitudeChange]:
        """Attitude moves since then that turned someone into a detractor."""
        return [AttitudeChange(r.individual_id, r.before, r.after, r.occurred_at, r.reason, r.rep_id,
                               r.interaction_id) for r in self._rows(_DETRACTOR_MOVES, since=since)]


def _grouped(items: Iterable[Any], key: Callable[[Any], str]) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = defaultdict(list)
    for item in items:
        found[key(item)].append(item)
    return found


# thousands of rows a run: enum members by plain dict look-up, objects built positionally
_STAGES: dict[str | None, Stage | None] = {None: None, "": None, **{s.value: s for s in Stage}}
_LIFECYCLES = {x.value: x for x in Lifecycle}
_CHANNELS = {x.value: x for x in Channel}
_POLARITIES = {x.value: x for x in Polarity}


def _step(r: Any) -> NextStep:
    return NextStep(r.id, r.account_id, r.owner_id, r.text, r.due, r.done)


def _signal(r: Any) -> Signal:
    return Signal(r.id, r.account_id, _CHANNELS[r.channel], _POLARITIES[r.polarity], r.occurred_at, r.text)


def _head(r: Any) -> Account:
    return _account(r.id, r.name, r.owner_id, r.lifecycle, r.stage)


def _account(account_id: str, name: str, owner_id: str | None, lifecycle: str, stage: str | None) -> Account:
    return Account(account_id, name, owner_id=owner_id, lifecycle=_LIFECYCLES[lifecycle], stage=_STAGES[stage])


def _deal(r: Any) -> Deal:
    return Deal(_head(r), DealCoverage(int(r.people or 0), bool(r.has_eb)), _aware(r.last_touch))


def _aware(t: datetime | str | None) -> datetime | None:
    """Aggregates may bypass the column type: SQLite can hand back a naive UTC datetime (or text)."""
    if t is None:
        return None
    if isinstance(t, str):
        t = datetime.fromisoformat(t)
    return t if t.tzinfo else t.replace(tzinfo=UTC)

