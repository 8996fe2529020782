"""The daily digest's content: what changed and what is due for one rep, ranked and short."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

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


@dataclass(frozen=True)
class DigestItem:
    kind: str  # overdue, due, stage, negative, detractor, gap, quiet, goal, suggestion
    text: str
    priority: int  # lower comes first
    account_id: str | None = None
    step_id: str | None = None


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
    quiet_days: int = 14
    coverage: Mapping[str, DealCoverage] | None = None  # per active deal; None: counted from `members`


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

    def worked(a: Account) -> float:
        touched = last_touch.get(a.id)
        return touched.timestamp() if touched else 0.0

    return max(deals, key=lambda a: (a.stage.rank if a.stage else -1, worked(a), a.name))


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
    return Digest(tuple(kept), len(items) - len(kept))


def _steps(f: DigestFacts, names: Mapping[str, str]) -> list[DigestItem]:
    out = []
    for s in f.steps:
        if s.done or s.due is None or s.due > f.today:
            continue
        late = (f.today - s.due).days
        kind, when = ("overdue", f"{late} day{'s' * (late != 1)} overdue") if late else ("due", "due today")
        out.append(DigestItem(kind, f"{names.get(s.account_id, '?')}: {s.text} ({when})", 10 - min(late, 9),
                              s.account_id, s.id))
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
        if not cover.has_economic_buyer:
            out.append(DigestItem("gap", f"{account.name}: no economic buyer known", 30, account.id))
        elif cover.people == 1:
            out.append(DigestItem("gap", f"{account.name}: single-threaded (one contact)", 31, account.id))
    return out


def _quiet(f: DigestFacts) -> list[DigestItem]:
    cutoff = f.now - timedelta(days=f.quiet_days)
    out = []
    for account in f.accounts:
        last = f.last_touch.get(account.id)
        if is_active_deal(account) and (last is None or last < cutoff):
            since = f"since {last:%b %d}" if last else "ever"
            out.append(DigestItem("quiet", f"{account.name}: no touch {since}", 40, account.id))
    return out


def _goal_line(m: Measured) -> str:
    state = "on track" if m.on_track else "behind"
    return f"{m.goal.metric} {m.goal.period}: {m.actual:g} of {m.goal.target:g} ({state})"


def _ranked(items: list[DigestItem]) -> list[DigestItem]:
    kept: list[DigestItem] = []
    counts: dict[str, int] = {}
    for item in sorted(items, key=lambda i: (i.priority, i.kind, i.text)):
        counts[item.kind] = counts.get(item.kind, 0) + 1
        if counts[item.kind] <= PER_KIND:
            kept.append(item)
    return kept
