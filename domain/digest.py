"""The daily digest's content: what changed and what is due for one rep, ranked and short."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TypeVar

from domain.buying import Stage, StageEvidence
from domain.customer import Account, AttitudeChange, BuyingRole, Individual, Lifecycle
from domain.listening import Channel, Polarity, Signal
from domain.measurement import Measured
from domain.next_steps import NextStep
from domain.suggestions import Suggestion

ACTIVE_STAGES = frozenset({Stage.SOLUTION_UNDERSTANDING, Stage.VENDOR_SELECTION, Stage.VALIDATION})
LISTENED = frozenset({Channel.CHATTER, Channel.LOYALTY, Channel.SAMPLING})  # what reps miss without a digest
PER_KIND = 5  # at most this many items of one kind: the digest stays readable on a phone
GOALS_WEEKDAY = 1  # goal progress comes on Mondays
QUIET_DAYS = 14  # an active deal nobody touched for this long has gone quiet
LATE_CAP = 9  # steps this many days late or more share the first place


@dataclass(frozen=True)
class DigestItem:
    kind: str  # overdue, due, stage, negative, detractor, gap, quiet, goal, suggestion
    text: str
    priority: int  # lower comes first
    account_id: str | None = None
    step_id: str | None = None
    # what it sorts by after priority and kind (`key_of`): a step's due date (the oldest first), a deal's account
    # name; None: its text. Values a database has, not lines, so that it can give the first items of a kind
    order: tuple[str, str] | None = None


@dataclass(frozen=True)
class DealCoverage:
    """How well an active deal's buying group is covered: all the DMU-gap rule asks of it."""

    people: int
    has_economic_buyer: bool

    @classmethod
    def of(cls, members: Sequence[Individual]) -> DealCoverage:
        return cls(len(members), any(BuyingRole.ECONOMIC_BUYER in p.roles for p in members))


@dataclass(frozen=True)
class DigestFacts:
    """Everything the digest reads for one rep, gathered by the caller."""

    today: date
    now: datetime
    accounts: Sequence[Account]  # the rep's accounts: at least its active deals and every one the facts name
    steps: Sequence[NextStep]  # the rep's open steps due today or earlier
    stage_events: Sequence[tuple[str, StageEvidence]]  # since the last digest
    signals: Sequence[Signal]  # since the last digest
    attitude_moves: Sequence[AttitudeChange]  # since the last digest
    members: Mapping[str, Sequence[Individual]]  # DMUs of the rep's accounts (people named by the facts at least)
    last_touch: Mapping[str, datetime]  # account id -> newest interaction (active deals at least)
    goals: Sequence[Measured] = ()
    top_suggestion: tuple[Account, Suggestion] | None = None
    quiet_days: int = QUIET_DAYS
    coverage: Mapping[str, DealCoverage] | None = None  # per active deal; None: counted from `members`
    # A reader may give only a shortlist of a kind's items: at least its PER_KIND first by `rank_key` (e.g. the
    # steps and deals found by `shortlist`), with how many items of that kind there are in all.
    totals: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Digest:
    items: tuple[DigestItem, ...] = field(default_factory=tuple)
    cut: int = 0  # items left out to keep it short

    @property
    def is_quiet(self) -> bool:
        return not self.items


def is_active_deal(account: Account) -> bool:
    return account.lifecycle == Lifecycle.PROSPECT and account.stage in ACTIVE_STAGES


def most_important(accounts: Sequence[Account], last_touch: Mapping[str, datetime]) -> Account | None:
    """The furthest active deal; the most recently worked one breaks ties, then the name (deterministic)."""
    deals = [a for a in accounts if is_active_deal(a)]
    if not deals:
        return None
    return max(deals, key=lambda a: importance(a.stage, last_touch.get(a.id), a.name, a.id))


def importance(stage: Stage | None, last_touch: datetime | None, name: str, account_id: str) -> Importance:
    """`most_important`'s order among active deals, the largest first: the stage's rank, then the newest touch
    (never touched comes last), then the name and the id (code point order), so exactly one deal wins."""
    touched = last_touch is not None
    return _RANKS[stage] if stage else -1, touched, last_touch.timestamp() if last_touch else 0.0, name, account_id


_RANKS = {s: s.rank for s in Stage}


Importance = tuple[int, bool, float, str, str]
RankKey = tuple[int, str, str, str, str, str]
T = TypeVar("T")


def key_of(kind: str, priority: int, sort: str, detail: str = "", account_id: str | None = None,
           step_id: str | None = None) -> RankKey:
    """The digest's order of an item: priority, kind, then `sort` and `detail` (a step's due date, ISO: the most
    overdue first, and its id; a deal's account name), then the ids (deterministic ties). Strings compare by code
    point, as SQL's binary / "C" collations do: a reader can pick a kind's first items in the database
    (storage/digest_reads.py), and a step's place needs no look-up of its account."""
    return priority, kind, sort, detail, account_id or "", step_id or ""


def rank_key(item: DigestItem) -> RankKey:
    sort, detail = item.order if item.order is not None else (item.text, "")
    return key_of(item.kind, item.priority, sort, detail, item.account_id, item.step_id)


def shortlist(keyed: Iterable[tuple[RankKey, T]]) -> tuple[list[T], int]:
    """Of one kind's items (each with its `key_of`), those that can show, the PER_KIND first, and how many there are
    in all: a reader can give `DigestFacts` these and `totals` instead of every item."""
    counted = list(keyed)
    return [x for _, x in heapq.nsmallest(PER_KIND, counted, key=lambda kx: kx[0])], len(counted)


def step_order(due: date | None, step_id: str) -> tuple[str, str]:
    """A due step's place among its kind after priority (`key_of`): the oldest due date first, then its id."""
    return (due.isoformat() if due else "", step_id)


def step_rank(due: date | None, today: date) -> tuple[str, int] | None:
    """An open step's kind and priority (what ranks it: `step_line` without the line); None: not due."""
    if due is None or due > today:
        return None
    late = (today - due).days
    return ("overdue" if late else "due"), 10 - min(late, LATE_CAP)


def step_line(name: str, text: str, due: date | None, today: date) -> tuple[str, int, str] | None:
    """An open step's kind, priority and line (`name` is "?" when the account is not the rep's); None: not due."""
    ranked = step_rank(due, today)
    if ranked is None or due is None:
        return None
    late = (today - due).days
    when = f"{late} day{'s' * (late != 1)} overdue" if late else "due today"
    return ranked[0], ranked[1], f"{name}: {text} ({when})"


def gap_priority(people: int, has_economic_buyer: bool) -> int | None:
    """An active deal's DMU gap priority (`gap_line` without the line), if it has one."""
    if not has_economic_buyer:
        return 30
    return 31 if people == 1 else None


def gap_line(name: str, people: int, has_economic_buyer: bool) -> tuple[int, str] | None:
    """An active deal's DMU gap (priority, line), if it has one."""
    priority = gap_priority(people, has_economic_buyer)
    if priority is None:
        return None
    return priority, f"{name}: no economic buyer known" if priority == 30 else f"{name}: single-threaded (one contact)"


def quiet_priority(last: datetime | None, cutoff: datetime) -> int | None:
    """An active deal gone quiet (no touch since `cutoff`): its priority (`quiet_line` without the line), if it has."""
    return 40 if last is None or last < cutoff else None


def quiet_line(name: str, last: datetime | None, cutoff: datetime) -> tuple[int, str] | None:
    """An active deal gone quiet (no touch since `cutoff`): priority and line, if it has."""
    priority = quiet_priority(last, cutoff)
    if priority is None:
        return None
    return priority, f"{name}: no touch {f'since {last:%b %d}' if last else 'ever'}"


def build_digest(f: DigestFacts) -> Digest:
    names = {a.id: a.name for a in f.accounts}
    items: list[DigestItem] = []
    items += _steps(f, names)
    items += _stages(f, names)
    items += _negatives(f, names)
    items += _gaps(f)
    items += _quiet(f)
    if f.today.isoweekday() == GOALS_WEEKDAY:
        items += [DigestItem("goal", _goal_line(m), 60) for m in f.goals if m.deviation is not None]
    if f.top_suggestion is not None and items:
        account, s = f.top_suggestion
        items.append(DigestItem("suggestion", f"{account.name}: {s.whom} — {s.message} ({s.why})", 5, account.id))
    kept = _ranked(items)
    given = {k: sum(1 for i in items if i.kind == k) for k in f.totals}
    return Digest(tuple(kept), len(items) - len(kept) + sum(max(n - given[k], 0) for k, n in f.totals.items()))


def _steps(f: DigestFacts, names: Mapping[str, str]) -> list[DigestItem]:
    out = []
    for s in f.steps:
        name = names.get(s.account_id, "?")
        line = None if s.done else step_line(name, s.text, s.due, f.today)
        if line is not None:
            out.append(DigestItem(line[0], line[2], line[1], s.account_id, s.id, step_order(s.due, s.id)))
    return out


def _stages(f: DigestFacts, names: Mapping[str, str]) -> list[DigestItem]:
    latest: dict[str, StageEvidence] = {}
    for account_id, e in f.stage_events:
        if account_id in names and e.source != "import":
            latest[account_id] = e
    return [DigestItem("stage", f"{names[a]} moved to {e.stage.label}: \u201c{e.words[:80]}\u201d", 20, a)
            for a, e in latest.items()]


def _negatives(f: DigestFacts, names: Mapping[str, str]) -> list[DigestItem]:
    out = [DigestItem("negative", f"{names[s.account_id]} ({s.channel.value}): {s.text[:100]}", 15, s.account_id)
           for s in f.signals
           if s.polarity == Polarity.NEGATIVE and s.channel in LISTENED and s.account_id in names]
    people = {p.id: p for members in f.members.values() for p in members}
    for move in f.attitude_moves:
        person = people.get(move.individual_id)
        if person is not None and move.after < 0 <= move.before:
            out.append(DigestItem("detractor", f"{person.name} ({names.get(person.account_id, '?')}) turned "
                                               f"{person.attitude_label}: {move.reason[:80]}", 16, person.account_id))
    return out


def _gaps(f: DigestFacts) -> list[DigestItem]:
    out = []
    for account in f.accounts:
        if not is_active_deal(account):
            continue
        cover = f.coverage.get(account.id) if f.coverage is not None else None
        if cover is None:
            cover = DealCoverage.of(f.members.get(account.id, ()))
        line = gap_line(account.name, cover.people, cover.has_economic_buyer)
        if line is not None:
            out.append(DigestItem("gap", line[1], line[0], account.id, order=(account.name, "")))
    return out


def _quiet(f: DigestFacts) -> list[DigestItem]:
    cutoff = f.now - timedelta(days=f.quiet_days)
    out = []
    for a in f.accounts:
        line = quiet_line(a.name, f.last_touch.get(a.id), cutoff) if is_active_deal(a) else None
        if line is not None:
            out.append(DigestItem("quiet", line[1], line[0], a.id, order=(a.name, "")))
    return out


def _goal_line(m: Measured) -> str:
    state = "on track" if m.on_track else "behind"
    return f"{m.goal.metric} {m.goal.period}: {m.actual:g} of {m.goal.target:g} ({state})"


def _ranked(items: list[DigestItem]) -> list[DigestItem]:
    kept: list[DigestItem] = []
    counts: dict[str, int] = {}
    for item in sorted(items, key=rank_key):
        counts[item.kind] = counts.get(item.kind, 0) + 1
        if counts[item.kind] <= PER_KIND:
            kept.append(item)
    return kept
