"""Gathering reps' digests from storage (set-based, many reps at once) and turning one into a neutral Reply."""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

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
    RankKey,
    gap_line,
    importance,
    key_of,
    quiet_line,
    shortlist,
    step_line,
)
from domain.goals import current_quarter
from domain.listening import Signal
from domain.measurement import Measured, World, actual
from domain.next_steps import NextStep
from domain.schedule import zone
from domain.suggestions import suggest
from storage.digest_reads import DealRow, DigestReads, StepRow
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
        return cls(since, signals, events, moves, people, reads.heads(named))

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
    touched = reads.touched(by_rep, since=now - timedelta(days=SCOPE_DAYS))
    deals = {d.id: d for d in reads.deals_of_owners(by_rep)}
    others = {a for ids in touched.values() for a in ids} - deals.keys()
    deals.update((d.id, d) for d in reads.deals_by_id(others))
    deals_of: dict[str, dict[str, DealRow]] = defaultdict(dict)
    for d in deals.values():
        if d.owner_id in by_rep:
            deals_of[d.owner_id][d.id] = d
    for rep_id, ids in touched.items():
        deals_of[rep_id].update((a, deals[a]) for a in ids if a in deals)
    steps: dict[str, list[StepRow]] = defaultdict(list)
    for step in reads.steps_due(by_rep, due_by=max(today.values())):
        steps[step.owner_id].append(step)
    tops = {rep_id: max(deals_of[rep_id].values(), key=lambda d: importance(d.stage, d.last_touch, d.name),
                        default=None) for rep_id in by_rep}
    top_ids = {t.id for t in tops.values() if t is not None}
    people, open_steps = reads.people(top_ids), reads.late_steps(top_ids, before=max(today.values()))
    signals = reads.negative_signals_of(top_ids, since=now - timedelta(days=SUGGESTION_DAYS))  # all it reads
    message_map = message_map_for(uow)
    quiet_since = now - timedelta(days=QUIET_DAYS)
    facts = {}
    for rep_id, run in by_rep.items():
        mine = deals_of[rep_id]
        mine_touched = touched.get(rep_id, set())
        rep_today = today[rep_id]
        # only what can show: the first PER_KIND steps, gaps and quiet deals by the digest's order, and how many
        # there are of each (tens of thousands of steps and deals a run, five a kind shown)
        keyed: dict[str, list[tuple[RankKey, str]]] = defaultdict(list)
        for s in steps[rep_id]:
            known = s.name is not None and (s.account_owner_id == rep_id or s.account_id in mine_touched)
            line = step_line((s.name or "?") if known else "?", s.text, s.due, rep_today)
            if line is not None:
                keyed[line[0]].append((key_of(line[0], line[1], line[2], s.account_id, s.id), s.id))
        for d in mine.values():
            gap = gap_line(d.name, d.people, d.has_economic_buyer)
            if gap is not None:
                keyed["gap"].append((key_of("gap", *gap, d.id), d.id))
            quiet = quiet_line(d.name, d.last_touch, quiet_since)
            if quiet is not None:
                keyed["quiet"].append((key_of("quiet", *quiet, d.id), d.id))
        shown: dict[str, set[str]] = {"step": set(), "deal": set()}  # the ids of those that can show
        totals: dict[str, int] = {}
        for kind, candidates in keyed.items():
            picked, totals[kind] = shortlist(candidates)
            shown["deal" if kind in ("gap", "quiet") else "step"].update(picked)
        accounts: dict[str, Account] = {a: mine[a].account for a in mine if a in shown["deal"]}
        rep_steps = []  # every account the facts name goes in `accounts`; coverage for those that are deals
        for s in steps[rep_id]:
            if s.id in shown["step"]:
                rep_steps.append(NextStep(s.id, s.account_id, s.owner_id, s.text, s.due))
                if s.name is not None and (s.account_owner_id == rep_id or s.account_id in mine_touched):
                    accounts.setdefault(s.account_id, mine[s.account_id].account if s.account_id in mine
                                        else s.account())  # else the step shows "?"
        seen = day.of_rep(rep_id, mine_touched, since[rep_id])
        for a in seen.account_ids():
            accounts.setdefault(a, day.accounts[a])
        members: dict[str, list[Individual]] = {}
        for person in seen.moved_people:  # people whose attitude moved still need a name in the digest
            _add(members.setdefault(person.account_id, []), [person])
        top = tops[rep_id]
        suggestion = None
        if top is not None:
            accounts.setdefault(top.id, top.account)
            top_people = list(people.get(top.id, ()))
            members[top.id] = _add(top_people, members.get(top.id, []))
            found = suggest(members=top_people, stage=top.stage, open_steps=open_steps.get(top.id, []),
                            signals=signals.get(top.id, []), message_map=message_map, today=rep_today, limit=1)
            suggestion = (top.account, found[0]) if found else None
        dealt = [mine[a] for a in accounts if a in mine]
        facts[rep_id] = DigestFacts(
            today=rep_today, now=now, accounts=list(accounts.values()), steps=rep_steps,
            stage_events=seen.stage_events, signals=seen.signals, attitude_moves=seen.attitude_moves,
            members=members, last_touch={d.id: d.last_touch for d in dealt if d.last_touch is not None},
            goals=day.goals(uow, now, run.tz) if rep_today.isoweekday() == GOALS_WEEKDAY else [],
            top_suggestion=suggestion, coverage={d.id: d.coverage for d in dealt}, totals=totals,
        )
    return facts


def _by_kind(items: Iterable[DigestItem]) -> dict[str, list[DigestItem]]:
    found: dict[str, list[DigestItem]] = defaultdict(list)
    for item in items:
        found[item.kind].append(item)
    return found


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
    counts = {k: sum(1 for i in digest.items if i.kind == k) for k in TITLES}
    head = ", ".join(f"{n} {TITLES[k].lower()}" for k, n in counts.items() if n and k != "suggestion")
    blocks = []
    for kind, title in TITLES.items():
        lines = tuple(i.text for i in digest.items if i.kind == kind)
        if lines:
            blocks.append(Section(title, lines))
    if digest.cut:
        blocks.append(Section(None, (f"… and {digest.cut} more",)))
    return Reply(f"Your briefing: {head}", tuple(blocks), actions=_done_buttons(digest.items), tone=Tone.INFO)


def _done_buttons(items: tuple[DigestItem, ...]) -> tuple[Button, ...]:
    steps = [i for i in items if i.step_id and i.kind in ("overdue", "due")][:3]
    return tuple(Button(f"Done: {_short(i.text.split(': ', 1)[-1])}", "step.done", {"step": i.step_id or ""})
                 for i in steps)


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
