"""Gathering reps' digests from storage (set-based, many reps at once) and turning one into a neutral Reply."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.message_maps import message_map_for
from bot.replies import Button, Reply, Section, Tone
from domain.buying import StageEvidence
from domain.customer import Account, AttitudeChange, Individual
from domain.digest import GOALS_WEEKDAY, Digest, DigestFacts, DigestItem, most_important
from domain.goals import current_quarter
from domain.listening import Signal
from domain.measurement import Measured, World, actual
from domain.next_steps import NextStep
from domain.schedule import zone
from domain.suggestions import suggest
from storage.digest_reads import Deal, DigestReads
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
    by_rep = {r.rep_id: r for r in runs}
    since = {r.rep_id: r.since or now - timedelta(days=1) for r in runs}
    today = {r.rep_id: now.astimezone(zone(r.tz)).date() for r in runs}
    if day is None or day.since > min(since.values()):
        day = WorkspaceDay.load(uow, min(since.values()))
    reads = DigestReads(uow.session, uow.workspace_id)
    touched = reads.touched(by_rep, since=now - timedelta(days=SCOPE_DAYS))
    deals = {d.account.id: d for d in reads.deals_of_owners(by_rep)}
    others = {a for ids in touched.values() for a in ids} - deals.keys()
    deals.update((d.account.id, d) for d in reads.deals_by_id(others))
    deals_of: dict[str, dict[str, Deal]] = defaultdict(dict)
    for d in deals.values():
        if d.account.owner_id in by_rep:
            deals_of[d.account.owner_id][d.account.id] = d
    for rep_id, ids in touched.items():
        deals_of[rep_id].update((a, deals[a]) for a in ids if a in deals)
    steps: dict[str, list[tuple[NextStep, Account]]] = defaultdict(list)
    for step, account in reads.steps_due(by_rep, due_by=max(today.values())):
        steps[step.owner_id].append((step, account))
    last_touch = {a: d.last_touch for a, d in deals.items() if d.last_touch is not None}
    tops = {rep_id: most_important([d.account for d in deals_of[rep_id].values()], last_touch) for rep_id in by_rep}
    top_ids = {t.id for t in tops.values() if t is not None}
    people, open_steps = reads.people(top_ids), reads.open_steps(top_ids)
    signals = reads.negative_signals_of(top_ids, since=now - timedelta(days=SUGGESTION_DAYS))  # all it reads
    message_map = message_map_for(uow)
    facts = {}
    for rep_id, run in by_rep.items():
        mine = deals_of[rep_id]
        mine_touched = touched.get(rep_id, set())
        accounts = {a: d.account for a, d in mine.items()}  # its active deals, then every account the facts name
        rep_today = today[rep_id]
        rep_steps = []
        for step, account in steps[rep_id]:
            if step.due is not None and step.due <= rep_today:
                rep_steps.append(step)
                if account.owner_id == rep_id or account.id in mine_touched:  # else the step shows "?"
                    accounts.setdefault(account.id, account)
        seen = day.of_rep(rep_id, mine_touched, since[rep_id])
        for a in seen.account_ids():
            accounts.setdefault(a, day.accounts[a])
        members: dict[str, list[Individual]] = {}
        for person in seen.moved_people:  # people whose attitude moved still need a name in the digest
            _add(members.setdefault(person.account_id, []), [person])
        top = tops[rep_id]
        suggestion = None
        if top is not None:
            top_people = list(people.get(top.id, ()))
            members[top.id] = _add(top_people, members.get(top.id, []))
            found = suggest(members=top_people, stage=top.stage, open_steps=open_steps.get(top.id, []),
                            signals=signals.get(top.id, []), message_map=message_map, today=rep_today, limit=1)
            suggestion = (top, found[0]) if found else None
        facts[rep_id] = DigestFacts(
            today=rep_today, now=now, accounts=list(accounts.values()), steps=rep_steps,
            stage_events=seen.stage_events, signals=seen.signals, attitude_moves=seen.attitude_moves,
            members=members, last_touch={a: last_touch[a] for a in mine if a in last_touch},
            goals=day.goals(uow, now, run.tz) if rep_today.isoweekday() == GOALS_WEEKDAY else [],
            top_suggestion=suggestion, coverage={a: d.coverage for a, d in mine.items()},
        )
    return facts


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
