"""Gathering reps' digests from storage (set-based, many reps at once) and turning one into a neutral Reply."""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.message_maps import message_map_for
from bot.replies import Button, Reply, Section, Tone
from domain.buying import StageEvidence
from domain.customer import Account, AttitudeChange, Individual
from domain.digest import (
    GOALS_WEEKDAY,
    QUIET_DAYS,
    Digest,
    DigestFacts,
    DigestItem,
    Importance,
    RankKey,
    gap_priority,
    importance,
    key_of,
    quiet_priority,
    shortlist,
    step_order,
    step_rank,
)
from domain.goals import current_quarter
from domain.listening import Signal
from domain.measurement import Measured, World, actual
from domain.schedule import zone
from domain.suggestions import suggest
from storage.digest_reads import Counts, DealPick, DealRow, DigestReads, StepPick
from storage.uow import SqlUnitOfWork

SCOPE_DAYS = 90  # a rep's accounts: the ones they own, plus the ones they logged on in this window
SUGGESTION_DAYS = 90  # the top suggestion reads this much of its account's signals
TITLES = {"overdue": "Overdue", "due": "Due today", "stage": "Stage changes", "negative": "Negative signals",
          "detractor": "New detractors", "gap": "DMU gaps on active deals", "quiet": "Gone quiet",
          "goal": "Goals this quarter", "suggestion": "Top suggestion"}


@dataclass(frozen=True)
class RepRun:
    """One rep's digest in a run: whose, in which time zone, and what is new since when (default: a day)."""

    rep_id: str
    tz: str
    since: datetime | None = None


@dataclass
class WorkspaceDay:
    """What every rep's digest in one workspace reads of the day: loaded once per run, not once per rep.

    Only what the digest reports is kept: negative listening signals, stage changes (not imports) and the
    attitude moves that made a detractor, with the people who moved and the accounts all of them name."""

    since: datetime
    signals: list[Signal]
    stage_events: list[tuple[str, StageEvidence]]
    attitude_moves: list[AttitudeChange]
    moved_people: dict[str, Individual] = field(default_factory=dict)  # whose attitude moved, by id
    accounts: dict[str, Account] = field(default_factory=dict)  # every account named above, by id
    deals: dict[str, DealRow] = field(default_factory=dict)  # those of them that are active deals
    _goals: list[Measured] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        # by account and by owner, so each rep's digest picks its own in O(its share), not O(the day)
        self._owned: dict[str | None, list[str]] = defaultdict(list)
        for account in self.accounts.values():
            self._owned[account.owner_id].append(account.id)
        self._signals: dict[str, list[Signal]] = defaultdict(list)
        for s in self.signals:
            self._signals[s.account_id].append(s)
        self._events: dict[str, list[tuple[int, StageEvidence]]] = defaultdict(list)
        for n, (account_id, e) in enumerate(self.stage_events):
            self._events[account_id].append((n, e))
        self._moves: dict[str, list[tuple[int, AttitudeChange]]] = defaultdict(list)
        for n, move in enumerate(self.attitude_moves):
            person = self.moved_people.get(move.individual_id)
            if person is not None:
                self._moves[person.account_id].append((n, move))

    def of_rep(self, rep_id: str, touched: set[str], since: datetime) -> RepDay:
        """The day as one rep's digest sees it: what happened at the rep's accounts since then."""
        ids = sorted(set(self._owned.get(rep_id, ())) | (touched & self.accounts.keys()))
        events = sorted((n, a, e) for a in ids for n, e in self._events.get(a, ()) if e.occurred_at >= since)
        moves = sorted((n, m) for a in ids for n, m in self._moves.get(a, ()) if m.occurred_at >= since)
        return RepDay([(a, e) for _, a, e in events],
                      [s for a in ids for s in self._signals.get(a, ()) if s.occurred_at >= since],
                      [m for _, m in moves], [self.moved_people[m.individual_id] for _, m in moves])

    @classmethod
    def load(cls, uow: SqlUnitOfWork, since: datetime) -> WorkspaceDay:
        reads = DigestReads(uow.session, uow.workspace_id)
        moves = reads.detractor_moves(since)
        people = reads.people_by_id(m.individual_id for m in moves)
        signals, events = reads.negative_signals(since), reads.stage_changes(since)
        named = {s.account_id for s in signals} | {a for a, _ in events} | {p.account_id for p in people.values()}
        accounts, deals = reads.heads(named)
        return cls(since, signals, events, moves, people, accounts, deals)

    def goals(self, uow: SqlUnitOfWork, now: datetime, tz: str) -> list[Measured]:
        if self._goals is None:
            self._goals = _goals(uow, now, tz)
        return self._goals


@dataclass
class RepDay:
    stage_events: list[tuple[str, StageEvidence]]
    signals: list[Signal]
    attitude_moves: list[AttitudeChange]
    moved_people: list[Individual]

    def account_ids(self) -> set[str]:
        return ({a for a, _ in self.stage_events} | {s.account_id for s in self.signals}
                | {p.account_id for p in self.moved_people})


def gather(uow: SqlUnitOfWork, *, rep_id: str, tz: str, now: datetime, since: datetime | None,
           day: WorkspaceDay | None = None) -> DigestFacts:
    """One rep's digest facts (the chat `digest` command, `touchpoint digest preview`)."""
    return gather_all(uow, [RepRun(rep_id, tz, since)], now=now, day=day)[rep_id]


def gather_all(uow: SqlUnitOfWork, runs: Sequence[RepRun], *, now: datetime,
               day: WorkspaceDay | None = None) -> dict[str, DigestFacts]:
    """The digest facts of many reps of one workspace, read set-based: a fixed number of statements for the
    whole run (the rep's scope, active deals with their coverage and last touch, due steps, the top suggestion's
    inputs), whatever the number of reps. Returns the facts by rep id."""
    if not runs:
        return {}
    with _collector_paused():
        return _gather_all(uow, runs, now=now, day=day)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cycle collection while a run's rows become objects: a hundred thousand short-lived tuples and objects
    (none in cycles) set off full collections that cost a fifth of the run. Turned back on after, if it was on."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def _gather_all(uow: SqlUnitOfWork, runs: Sequence[RepRun], *, now: datetime,
                day: WorkspaceDay | None) -> dict[str, DigestFacts]:
    by_rep = {r.rep_id: r for r in runs}
    since = {r.rep_id: r.since or now - timedelta(days=1) for r in runs}
    today = {r.rep_id: now.astimezone(zone(r.tz)).date() for r in runs}
    if day is None or day.since > min(since.values()):
        day = WorkspaceDay.load(uow, min(since.values()))
    reads = DigestReads(uow.session, uow.workspace_id)
    scope_since = now - timedelta(days=SCOPE_DAYS)
    touched = reads.touched(by_rep, since=scope_since)
    deals = _deals(reads, touched, by_rep, quiet_since=now - timedelta(days=QUIET_DAYS))
    steps, step_counts = _due_steps(reads, today, scope_since=scope_since)
    tops = {rep_id: d.top for rep_id, d in deals.items() if d.top is not None}
    open_steps = reads.late_steps({t.id for t in tops.values()}, before=max(today.values()))
    # the first rule of `suggest` is an overdue step: its people and signals are read only for the other tops
    asked = {t.id for rep_id, t in tops.items()
             if not any(s.is_overdue(today[rep_id]) for s in open_steps.get(t.id, ()))}
    people = reads.people(asked)
    signals = reads.negative_signals_of(asked, since=now - timedelta(days=SUGGESTION_DAYS))  # all it reads
    message_map = message_map_for(uow)
    facts = {}
    for rep_id, run in by_rep.items():
        mine, rep_today = deals[rep_id], today[rep_id]
        keyed, totals = mine.keyed(), {**mine.totals, **step_counts.get(rep_id, {})}
        for s in steps[rep_id]:  # only the steps that can show
            ranked = step_rank(s.step.due, rep_today)  # what ranks it: its line is made by build_digest
            if ranked is not None:
                keyed[ranked[0]].append((key_of(*ranked, *step_order(s.step.due, s.step.id), s.step.account_id,
                                                s.step.id), s))
        accounts: dict[str, Account] = {}  # every account the facts name; coverage for those that are deals
        rep_steps = []
        for candidates in keyed.values():
            for picked in shortlist(candidates)[0]:
                if isinstance(picked, StepPick):
                    rep_steps.append(picked.step)
                    if picked.account is not None:  # else the step shows "?"
                        accounts.setdefault(picked.account.id, picked.account)
                        mine.know(picked.deal)
                elif picked.id not in accounts:  # (an Account made only when it is new)
                    accounts[picked.id] = picked.account
        seen = day.of_rep(rep_id, touched.get(rep_id, set()), since[rep_id])
        for a in seen.account_ids():
            accounts.setdefault(a, day.accounts[a])
            mine.know(day.deals.get(a))  # the day's accounts of this rep's digest are the rep's
        members: dict[str, list[Individual]] = {}
        for person in seen.moved_people:  # people whose attitude moved still need a name in the digest
            _add(members.setdefault(person.account_id, []), [person])
        top = mine.top
        suggestion = None
        if top is not None:
            if top.id not in accounts:
                accounts[top.id] = top.account
            top_people = list(people.get(top.id, ()))
            members[top.id] = _add(top_people, members.get(top.id, []))
            found = suggest(members=top_people, stage=top.stage, open_steps=open_steps.get(top.id, []),
                            signals=signals.get(top.id, []), message_map=message_map, today=rep_today, limit=1)
            suggestion = (top.account, found[0]) if found else None
        dealt = [mine.known[a] for a in accounts if a in mine.known]
        facts[rep_id] = DigestFacts(
            today=rep_today, now=now, accounts=list(accounts.values()), steps=rep_steps,
            stage_events=seen.stage_events, signals=seen.signals, attitude_moves=seen.attitude_moves,
            members=members, last_touch={d.id: d.last_touch for d in dealt if d.last_touch is not None},
            goals=day.goals(uow, now, run.tz) if rep_today.isoweekday() == GOALS_WEEKDAY else [],
            top_suggestion=suggestion, coverage={d.id: d.coverage for d in dealt}, totals=totals,
        )
    return facts


def _deals(reads: DigestReads, touched: dict[str, set[str]], reps: Iterable[str], *,
           quiet_since: datetime) -> dict[str, _RepDeals]:
    """Each rep's deals that can show: those the database picked of the rep's own, and those the rep logged on."""
    deals = {rep_id: _RepDeals(rep_id, quiet_since) for rep_id in reps}
    picks, counts = reads.deal_picks(deals, quiet_since=quiet_since)
    for pick in picks:
        deals[pick.deal.owner_id or ""].add_pick(pick)
    for rep_id, owned in counts.items():
        deals[rep_id].owned = owned
    logged_on = {d.id: d for d in reads.deals_by_id(a for ids in touched.values() for a in ids)}
    for rep_id, ids in touched.items():
        deals[rep_id].add_logged(logged_on[a] for a in sorted(ids) if a in logged_on)
    return deals


def _due_steps(reads: DigestReads, today: dict[str, date], *,
               scope_since: datetime) -> tuple[dict[str, list[StepPick]], Counts]:
    """Each rep's steps that can show, and how many are overdue and due: a statement per local date of the run."""
    steps: dict[str, list[StepPick]] = defaultdict(list)
    counts: Counts = {}
    for local_date in sorted(set(today.values())):
        owners = [rep_id for rep_id, d in today.items() if d == local_date]
        picked, counted = reads.step_picks(owners, today=local_date, scope_since=scope_since)
        for step in picked:
            steps[step.step.owner_id].append(step)
        counts.update(counted)
    return steps, counts


@dataclass
class _RepDeals:
    """What one rep's digest knows of the rep's active deals: those that can show (the first DMU gaps and quiet
    deals of those the rep owns, picked by the database, and every deal the rep logged on lately but does not
    own), how many gaps and quiet deals there are, the most important deal, and any other deal the facts name."""

    rep_id: str
    quiet_since: datetime
    known: dict[str, DealRow] = field(default_factory=dict)
    shown: dict[str, list[DealRow]] = field(default_factory=lambda: {"gap": [], "quiet": []})
    owned: dict[str, int] = field(default_factory=dict)  # gaps and quiet deals among those the rep owns
    logged: dict[str, int] = field(default_factory=dict)  # and among the others the rep logged on
    top: DealRow | None = None

    def add_pick(self, pick: DealPick) -> None:
        self.know(pick.deal)
        for kind, shown in (("gap", pick.gap), ("quiet", pick.quiet)):
            if shown:
                self.shown[kind].append(pick.deal)
        if pick.top:
            self._contend(pick.deal)

    def add_logged(self, deals: Iterable[DealRow]) -> None:
        """The deals the rep logged on lately: theirs too (those they own came picked)."""
        for d in deals:
            if d.owner_id == self.rep_id:
                continue
            self.know(d)
            for kind in self.shown:
                if self._priority(kind, d) is not None:
                    self.shown[kind].append(d)
                    self.logged[kind] = self.logged.get(kind, 0) + 1
            self._contend(d)

    def know(self, deal: DealRow | None) -> None:
        if deal is not None:
            self.known[deal.id] = deal

    @property
    def totals(self) -> dict[str, int]:
        return {k: self.owned.get(k, 0) + self.logged.get(k, 0) for k in self.shown}

    def keyed(self) -> dict[str, list[tuple[RankKey, DealRow | StepPick]]]:
        """The deals that can show, each with its `key_of`, by kind."""
        found: dict[str, list[tuple[RankKey, DealRow | StepPick]]] = defaultdict(list)
        for kind, deals in self.shown.items():
            for d in deals:
                priority = self._priority(kind, d)
                if priority is not None:
                    found[kind].append((key_of(kind, priority, d.name, "", d.id), d))
        return found

    def _priority(self, kind: str, d: DealRow) -> int | None:
        """`gap_line`'s or `quiet_line`'s priority (what ranks the deal; its line is made by build_digest)."""
        if kind == "gap":
            return gap_priority(d.people, d.has_economic_buyer)
        return quiet_priority(d.last_touch, self.quiet_since)

    def _contend(self, deal: DealRow) -> None:
        if self.top is None or _importance(deal) > _importance(self.top):
            self.top = deal


def _importance(d: DealRow) -> Importance:
    return importance(d.stage, d.last_touch, d.name, d.id)


def _add(people: list[Individual], more: Sequence[Individual]) -> list[Individual]:
    people += [p for p in more if all(p.id != q.id for q in people)]
    return people


def _goals(uow: SqlUnitOfWork, now: datetime, tz: str) -> list[Measured]:
    period = current_quarter(now.astimezone(zone(tz)).date())
    goals = [g for g in uow.goals.all() if g.period == period]
    if not goals:
        return []
    history = now - timedelta(days=400)
    world = World(uow.accounts.all(), uow.individuals.all(), uow.stage_history.changes_since(history),
                  uow.signals.since(history))
    return [Measured(g, actual(g, world, tz=zone(tz))) for g in goals]


def render(digest: Digest) -> Reply:
    if digest.is_quiet:
        return Reply("Quiet day: nothing due, no changes, no new risks.")
    lines: dict[str, list[str]] = {k: [] for k in TITLES}  # by kind, in the digest's order (one pass)
    for item in digest.items:
        if item.kind in lines:
            lines[item.kind].append(item.text)
    head = ", ".join(f"{len(t)} {TITLES[k].lower()}" for k, t in lines.items() if t and k != "suggestion")
    blocks = [Section(TITLES[k], tuple(t)) for k, t in lines.items() if t]
    if digest.cut:
        blocks.append(Section(None, (f"… and {digest.cut} more",)))
    return Reply(f"Your briefing: {head}", tuple(blocks), actions=_done_buttons(digest.items), tone=Tone.INFO)


def _done_buttons(items: tuple[DigestItem, ...]) -> tuple[Button, ...]:
    steps = [i for i in items if i.step_id and i.kind in ("overdue", "due")][:3]
    return tuple(Button(f"Done: {_short(i.text.split(': ', 1)[-1])}", "step.done", {"step": i.step_id or ""})
                 for i in steps)


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
