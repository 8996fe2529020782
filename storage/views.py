"""One account's screen in one round trip: the reads behind `dmu`, `stage`, `next` and `account`.

Those commands used to run 4-8 statements each, and on SQLite a command's time was mostly the cost per
statement, not the rows. So these reads join what one screen shows:
- the head: the account, its people and (for `dmu`) each person's newest attitude move, plus the time the
  workspace's message map last changed (the map is parsed once per change, not once per command);
- the timeline: the account's signals since a date and its newest interactions, in one UNION ALL;
- the stage evidence and the open next steps, each one indexed read;
- the workspace's change counter, so the caller can check the parser index it resolved the name with.
Each is a PreparedRead (compiled once per dialect), run together on the unit of work's connection (pipelined on
PostgreSQL), and only the columns a view shows are read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, Text, and_, bindparam, cast, literal_column, null, select, union_all
from sqlalchemy.engine import Connection

from domain.buying import Stage, StageEvidence
from domain.customer import Account, AttitudeChange, Individual
from domain.listening import Interaction, Signal
from domain.next_steps import NextStep
from storage.decode import CHANNELS, LIFECYCLES, POLARITIES, STAGES, roles, strings
from storage.prepared import PreparedRead, raw, read_together, utc
from storage.tables import (
    ACCOUNT,
    ATTITUDE_EVENT,
    INDIVIDUAL,
    INTERACTION,
    MESSAGE_MAP,
    NEXT_STEP,
    SIGNAL,
    STAGE_EVENT,
    WORKSPACE,
)

# short names for the tables the statements below read
_A, _P, _M, _S, _I = ACCOUNT, INDIVIDUAL, ATTITUDE_EVENT, SIGNAL, INTERACTION
_E, _N, _MAP, _WS = STAGE_EVENT, NEXT_STEP, MESSAGE_MAP, WORKSPACE

_WS_P, _ACC_P = bindparam("ws", type_=String), bindparam("acc", type_=String)


@dataclass(frozen=True)
class AccountHead:
    account: Account
    people: list[Individual]  # by name
    moves: dict[str, AttitudeChange]  # person id -> their newest attitude move (read only when asked)
    map_changed_at: datetime | None  # when marketing last loaded a message map; None: the shipped default


@dataclass(frozen=True)
class Timeline:
    signals: list[Signal]  # newest first
    interactions: list[Interaction]  # newest first; without their undo records (views never undo)


@dataclass(frozen=True)
class AccountScreen:
    """What one command shows of an account, read together (one round trip on PostgreSQL)."""

    directory_version: int  # the workspace's change counter, read with the rest
    head: AccountHead | None  # None: no such account in this workspace
    timeline: Timeline
    evidence: list[StageEvidence]  # oldest first
    steps: list[NextStep]  # open, by due date


class AccountViews:
    def __init__(self, connection: Callable[[], Connection], workspace_id: str) -> None:
        """`connection`: the transaction's connection (a unit of work's session's, or a read-only one)."""
        self._connection = connection
        self._ws = workspace_id

    def _read(self, *reads: tuple[PreparedRead, dict[str, Any]]) -> list[list[tuple[Any, ...]]]:
        return read_together(self._connection(), [(r, {"ws": self._ws, **p}) for r, p in reads])

    def screen(self, account_id: str, *, moves: bool = False, signals_since: datetime | None = None,
               interactions: int = 0, texts: bool = True, evidence: bool = False, steps: bool = False
               ) -> AccountScreen:
        """The parts a command asks for; the timeline when `signals_since` is given, without the words of
        its signals and logs when `texts` is False (notes run to thousands of characters)."""
        acc: dict[str, Any] = {"acc": account_id}
        reads: list[tuple[PreparedRead, dict[str, Any]]] = [(VERSION, {}), (_HEAD_WITH_MOVES if moves else _HEAD, acc)]
        if signals_since is not None:
            reads.append((_TIMELINE if texts else _TIMELINE_BRIEF, {**acc, "since": signals_since, "n": interactions}))
        if evidence:
            reads.append((_EVIDENCE, acc))
        if steps:
            reads.append((_OPEN_STEPS, acc))
        results = iter(self._read(*reads))
        version, head_rows = next(results), next(results)
        return AccountScreen(
            int(version[0][0] or 0) if version else 0,
            _head_of(account_id, head_rows, moves),
            _timeline_of(account_id, next(results)) if signals_since is not None else Timeline([], []),
            _evidence_of(next(results)) if evidence else [],
            _steps_of(account_id, next(results)) if steps else [],
        )

    def directory_version(self) -> int:
        rows = self._read((VERSION, {}))[0]
        return int(rows[0][0] or 0) if rows else 0


def _head_of(account_id: str, rows: list[tuple[Any, ...]], with_moves: bool) -> AccountHead | None:
    if not rows:
        return None
    people, moves = [], {}
    for r in rows:
        if r[9] is None:  # the outer join's row for an account with nobody known
            continue
        people.append(Individual(r[9], account_id, r[10], r[11], r[12], roles(r[13]),
                                 r[14], STAGES[r[15]]))
        if with_moves and r[16] is not None:
            moves[r[9]] = AttitudeChange(r[9], r[16], r[17], r[18], r[19], r[20], r[21])
    a = rows[0]
    account = Account(account_id, a[1], tuple(a[2] or ()), a[3], a[4], a[5], LIFECYCLES[a[6]], STAGES[a[7]])
    return AccountHead(account, people, moves, utc(a[8]))


def _timeline_of(account_id: str, rows: list[tuple[Any, ...]]) -> Timeline:
    signals: list[Signal] = []
    logs: list[Interaction] = []
    for r in rows:
        people, at = strings(r[4]), utc(r[2])
        if r[0] == "s":
            signals.append(Signal(r[1], account_id, CHANNELS[r[5]], POLARITIES[r[6]], at, r[3], r[7], people, r[8],
                                  r[9]))
        else:
            logs.append(Interaction(r[1], account_id, r[8], r[3], at, people))
    return Timeline(signals, logs)


def _evidence_of(rows: list[tuple[Any, ...]]) -> list[StageEvidence]:
    return [StageEvidence(Stage(r[0]), r[1], r[2], r[3], r[4], r[5], r[6], r[7]) for r in rows]


def _steps_of(account_id: str, rows: list[tuple[Any, ...]]) -> list[NextStep]:
    return [NextStep(r[0], account_id, r[1], r[2], r[3], False, tuple(r[4] or ()), r[5]) for r in rows]


def _head(with_moves: bool) -> Any:
    map_changed = select(_MAP.c.updated_at).where(_MAP.c.workspace_id == _WS_P).scalar_subquery()
    columns: list[Any] = [_A.c.id, _A.c.name, _A.c.aliases, _A.c.domain, _A.c.segment, _A.c.owner_id,
                          _A.c.lifecycle, _A.c.stage, map_changed.label("map_changed_at"),  # 0-8
                          _P.c.id.label("p_id"), _P.c.name.label("p_name"), _P.c.title, _P.c.persona, _P.c.roles,
                          _P.c.attitude, _P.c.stage.label("p_stage")]  # 9-15
    joined = _A.outerjoin(_P, and_(_P.c.workspace_id == _A.c.workspace_id, _P.c.account_id == _A.c.id))
    if with_moves:  # each person's newest move, found through the (person, time) index
        inner = _M.alias("newest")
        newest = (select(inner.c.id).where(inner.c.workspace_id == _WS_P, inner.c.individual_id == _P.c.id)
                  .order_by(inner.c.occurred_at.desc(), inner.c.id.desc()).limit(1)
                  .correlate(_P).scalar_subquery())
        columns += [_M.c.before, _M.c.after, _M.c.occurred_at, _M.c.reason, _M.c.rep_id,
                    _M.c.interaction_id]  # 16-21
        joined = joined.outerjoin(_M, _M.c.id == newest)
    return PreparedRead(select(*columns).select_from(joined).where(_A.c.workspace_id == _WS_P, _A.c.id == _ACC_P)
                        .order_by(_P.c.name, _P.c.id))


def _null(like: Any) -> Any:
    """A NULL typed like a column of the other arm: PostgreSQL types an untyped NULL in a subquery as text."""
    return cast(null(), like.type).label(like.name)


def _ids_text(table: Any) -> Any:
    """The people a row names, as the JSON text: decoded by decode.ids, which skips the parser for the usual
    empty list (thousands of rows in a long history, the largest cost of reading them)."""
    return cast(table.c.individual_ids, Text).label("individual_ids")


def _timeline(texts: bool) -> PreparedRead:
    signal_text, log_text = (_S.c.text, _I.c.text) if texts else (literal_column("''", String).label("text"),) * 2
    signals = (select(literal_column("'s'", String).label("kind"), _S.c.id, raw(_S.c.occurred_at), signal_text,
                      _ids_text(_S), _S.c.channel, _S.c.polarity, _S.c.strength, _S.c.rep_id,
                      _S.c.interaction_id)
               .where(_S.c.workspace_id == _WS_P, _S.c.account_id == _ACC_P,
                      _S.c.occurred_at >= bindparam("since", type_=_S.c.occurred_at.type))
               .order_by(_S.c.occurred_at.desc()).subquery())
    logs = (select(literal_column("'i'", String).label("kind"), _I.c.id, raw(_I.c.occurred_at), log_text,
                   _ids_text(_I), _null(_S.c.channel), _null(_S.c.polarity), _null(_S.c.strength),
                   _I.c.rep_id, _null(_S.c.interaction_id))
            .where(_I.c.workspace_id == _WS_P, _I.c.account_id == _ACC_P)
            .order_by(_I.c.occurred_at.desc()).limit(bindparam("n", type_=Integer)).subquery())
    both = union_all(select(*signals.c), select(*logs.c)).subquery()
    return PreparedRead(select(*both.c).order_by(both.c.occurred_at.desc()))


VERSION = PreparedRead(select(_WS.c.change_counter).where(_WS.c.id == _WS_P))  # the workspace's change counter
_HEAD = _head(with_moves=False)
_HEAD_WITH_MOVES = _head(with_moves=True)
_TIMELINE = _timeline(texts=True)
_TIMELINE_BRIEF = _timeline(texts=False)
_EVIDENCE = PreparedRead(
    select(_E.c.stage, _E.c.occurred_at, _E.c.words, _E.c.source, _E.c.individual_id, _E.c.rep_id,
           _E.c.interaction_id, _E.c.reason)
    .where(_E.c.workspace_id == _WS_P, _E.c.account_id == _ACC_P).order_by(_E.c.occurred_at, _E.c.id))
_OPEN_STEPS = PreparedRead(
    select(_N.c.id, _N.c.owner_id, _N.c.text, _N.c.due, _N.c.individual_ids, _N.c.interaction_id)
    .where(_N.c.workspace_id == _WS_P, _N.c.account_id == _ACC_P, _N.c.done.is_(False)).order_by(_N.c.due))
