"""Set-based reads for the daily digest: what every rep of a run needs, in a handful of statements
(storage/digest_statements.py), as domain values and plain rows.

The per-rep way (accounts by owner, people and last touch of the active deals, steps by owner...) costs about
ten statements a rep; these read the same facts for all reps of a run at once, only the columns the digest uses.
The per-deal aggregates (people, economic buyers, last touch) are columns of account the database keeps with
triggers (migration 0005), and only the steps and deals a digest can show come back, with the counts of the rest.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from itertools import groupby
from operator import itemgetter
from typing import Any, NamedTuple

from sqlalchemy.orm import Session

from domain.buying import Stage, StageEvidence
from domain.customer import Account, AttitudeChange, Individual, Lifecycle
from domain.digest import ACTIVE_STAGES, PER_KIND, DealCoverage
from domain.listening import Signal
from domain.next_steps import NextStep
from storage import digest_statements as sql
from storage.decode import CHANNELS, LIFECYCLES, POLARITIES, STAGES, roles
from storage.prepared import PreparedRead, read_together, utc

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
        self._jit_off = False

    def _rows(self, read: PreparedRead, ids: Iterable[str] | None = None, **params: Any) -> list[Row]:
        if ids is not None:
            params["ids"] = sorted(set(ids))
            if not params["ids"]:
                return []
        return read_together(self._s.connection(), [(read, {"ws": self._ws, **params})])[0]

    def last_sent(self, rep_ids: Iterable[str]) -> dict[str, datetime]:
        """When each rep's latest sent digest went out (reps never sent to are left out)."""
        return {rep_id: sent_at for rep_id, sent_at in self._rows(sql.LAST_SENT, rep_ids) if sent_at is not None}

    def touched(self, rep_ids: Iterable[str], *, since: datetime) -> dict[str, set[str]]:
        """The accounts each rep logged an interaction on since then."""
        found: dict[str, set[str]] = defaultdict(set)
        for rep_id, account_id in self._rows(sql.TOUCHED, rep_ids, since=since):
            found[rep_id].add(account_id)
        return found

    def deal_picks(self, owner_ids: Iterable[str], *, quiet_since: datetime) -> tuple[list[DealPick], Counts]:
        """The deals of these owners that can show in their digests (gone quiet: no touch since then), and how
        many DMU gaps ("gap") and quiet deals ("quiet") each owner has."""
        self._no_jit()
        picks: list[DealPick] = []
        counts: Counts = {}
        for owner_id, deals in groupby(self._rows(sql.DEALS_OF_OWNERS, owner_ids, quiet_since=quiet_since),
                                       key=itemgetter(2)):
            counts[owner_id] = _pick_deals(deals, picks)
        return picks, counts

    def _no_jit(self) -> None:
        """PostgreSQL would compile the deal and step reads with JIT (a high cost estimate): more time compiling than
        reading. Off until the end of this transaction (set once)."""
        conn = self._s.connection()
        if conn.dialect.name == "postgresql" and not self._jit_off:
            conn.exec_driver_sql("SET LOCAL jit = off")
            self._jit_off = True

    def deals_by_id(self, account_ids: Iterable[str]) -> list[DealRow]:
        """Those of these accounts that are active deals."""
        return [_deal(r) for r in self._rows(sql.DEALS_BY_ID, account_ids)]

    def heads(self, account_ids: Iterable[str]) -> tuple[dict[str, Account], dict[str, DealRow]]:
        """Name, owner, lifecycle and stage of these accounts (what the digest shows of an account), and those of
        them that are active deals as deals."""
        accounts, deals = {}, {}
        for r in self._rows(sql.HEADS, account_ids):
            account = accounts[r[0]] = _account(*r[:5])
            if account.lifecycle == Lifecycle.PROSPECT and account.stage in ACTIVE_STAGES:
                deals[r[0]] = DealRow(r[0], r[1], r[2], account.stage, r[5], r[6] > 0, utc(r[7]))
        return accounts, deals

    def step_picks(self, owner_ids: Iterable[str], *, today: date,
                   scope_since: datetime) -> tuple[list[StepPick], Counts]:
        """The open steps of these owners that can show in their digests on that local date (the accounts each
        logged on since `scope_since` are theirs too), and how many each has "overdue" and "due"."""
        self._no_jit()
        picks, counts = self._together((sql.STEP_PICKS[self._s.connection().dialect.name], sql.STEP_COUNTS), owner_ids,
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
        for r in self._rows(sql.STEPS_LATE, account_ids, before=before):
            found[r[1]].append(NextStep(r[0], r[1], r[2], r[3], _day(r[4])))
        return found

    def people(self, account_ids: Iterable[str]) -> dict[str, list[Individual]]:
        """The people of these accounts, by name."""
        found: dict[str, list[Individual]] = defaultdict(list)
        for r in self._rows(sql.PEOPLE, account_ids):
            found[r[1]].append(_person(r))
        return found

    def people_by_id(self, individual_ids: Iterable[str]) -> dict[str, Individual]:
        return {r[0]: _person(r) for r in self._rows(sql.PEOPLE_BY_ID, individual_ids)}

    def negative_signals_of(self, account_ids: Iterable[str], *, since: datetime) -> dict[str, list[Signal]]:
        """Negative signals of these accounts since then, newest first."""
        found: dict[str, list[Signal]] = defaultdict(list)
        for r in self._rows(sql.NEGATIVE_OF, account_ids, since=since):
            found[r[1]].append(_signal(r))
        return found

    def negative_signals(self, since: datetime) -> list[Signal]:
        """The workspace's negative listening signals since then (the only signals the digest reports)."""
        return [_signal(r) for r in self._rows(sql.NEGATIVE_SINCE, since=since)]

    def stage_changes(self, since: datetime) -> list[tuple[str, StageEvidence]]:
        """Stage evidence since then, imports left out (an import is not a change)."""
        return [(r[0], StageEvidence(Stage(r[1]), utc(r[2]), *r[3:]))  # type: ignore[arg-type]
                for r in self._rows(sql.STAGE_CHANGES, since=since)]

    def detractor_moves(self, since: datetime) -> list[AttitudeChange]:
        """Attitude moves since then that turned someone into a detractor."""
        return [AttitudeChange(r[0], r[1], r[2], utc(r[3]), *r[4:])  # type: ignore[arg-type]
                for r in self._rows(sql.DETRACTOR_MOVES, since=since)]


def _pick_deals(deals: Iterable[Row], picks: list[DealPick]) -> dict[str, int]:
    """One owner's active deals in name order (`DEALS_OF_OWNERS`): adds those that can show to `picks` (the first
    PER_KIND DMU gaps of each priority, the caller keeps the first PER_KIND; the first PER_KIND quiet deals; the
    most important deal) and returns how many gaps and quiet deals there are."""
    seen = [0, 0, 0]  # deals with no economic buyer, single-threaded, quiet
    shown: dict[str, list[Any]] = {}  # deal id -> [row, gap, quiet]
    top: Row | None = None
    top_key: tuple[Any, ...] | None = None
    for r in deals:
        gap, quiet = r[7], r[8]
        if gap is not None:
            seen[gap] += 1
            if seen[gap] <= PER_KIND:
                shown[r[0]] = [r, True, False]
        if quiet is not None:
            seen[2] += 1
            if seen[2] <= PER_KIND:
                shown.setdefault(r[0], [r, False, False])[2] = True
        # `importance` on the values as read (a stored time's text sorts as the time: one format); its last terms,
        # the name and id, grow row by row: on a tie of the first three the later deal wins
        key = (_RANKS[r[3]], r[6] is not None, r[6])
        if top_key is None or key >= top_key:
            top, top_key = r, key
    if top is not None and top[0] not in shown:
        shown[top[0]] = [top, False, False]
    for deal_id, (r, gap_shown, quiet_shown) in shown.items():
        picks.append(DealPick(_deal(r), gap_shown, quiet_shown, top is not None and deal_id == top[0]))
    return {"gap": seen[0] + seen[1], "quiet": seen[2]}


_RANKS = {s.value: s.rank for s in Stage}


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


