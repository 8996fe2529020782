"""Gathering one rep's digest from storage and turning it into a neutral Reply."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.message_maps import message_map_for
from bot.replies import Button, Reply, Section, Tone
from domain.buying import StageEvidence
from domain.customer import AttitudeChange, Individual
from domain.digest import Digest, DigestFacts, DigestItem, is_active_deal, most_important
from domain.goals import current_quarter
from domain.listening import Signal
from domain.measurement import Measured, World, actual
from domain.schedule import zone
from domain.suggestions import suggest
from storage.uow import SqlUnitOfWork

SCOPE_DAYS = 90  # a rep's accounts: the ones they own, plus the ones they logged on in this window
TITLES = {"overdue": "Overdue", "due": "Due today", "stage": "Stage changes", "negative": "Negative signals",
          "detractor": "New detractors", "gap": "DMU gaps on active deals", "quiet": "Gone quiet",
          "goal": "Goals this quarter", "suggestion": "Top suggestion"}


@dataclass
class WorkspaceDay:
    """What every rep's digest in one workspace reads: loaded once per run, not once per rep."""

    since: datetime
    signals: list[Signal]
    stage_events: list[tuple[str, StageEvidence]]
    attitude_moves: list[AttitudeChange]
    moved_people: dict[str, Individual] = field(default_factory=dict)  # whose attitude moved, by id
    _goals: list[Measured] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        # by account, so each rep's digest picks its own in O(its accounts), not O(the workspace's day)
        self.signals_by_account: dict[str, list[Signal]] = defaultdict(list)
        for s in self.signals:
            self.signals_by_account[s.account_id].append(s)
        self.events_by_account: dict[str, list[StageEvidence]] = defaultdict(list)
        for account_id, e in self.stage_events:
            self.events_by_account[account_id].append(e)

    @classmethod
    def load(cls, uow: SqlUnitOfWork, since: datetime) -> WorkspaceDay:
        moves = uow.attitudes.since(since)
        people = {p.id: p for p in uow.individuals.by_ids(sorted({m.individual_id for m in moves}))}
        return cls(since, uow.signals.since(since), uow.stage_history.changes_since(since), moves, people)

    def goals(self, uow: SqlUnitOfWork, now: datetime, tz: str) -> list[Measured]:
        if self._goals is None:
            self._goals = _goals(uow, now, tz)
        return self._goals


def gather(uow: SqlUnitOfWork, *, rep_id: str, tz: str, now: datetime, since: datetime | None,
           day: WorkspaceDay | None = None) -> DigestFacts:
    today = now.astimezone(zone(tz)).date()
    since = since or now - timedelta(days=1)
    if day is None or day.since > since:
        day = WorkspaceDay.load(uow, since)
    owned = uow.accounts.all(owner_id=rep_id)
    touched = uow.interactions.accounts_of_rep(rep_id, since=now - timedelta(days=SCOPE_DAYS))
    extra = [a for a in (uow.accounts.get(i) for i in touched - {a.id for a in owned}) if a is not None]
    accounts = owned + extra
    ids = [a.id for a in accounts]
    deals = [a.id for a in accounts if is_active_deal(a)]  # gaps, quiet and the top suggestion read only these
    members = uow.individuals.of_accounts(deals)
    last_touch = uow.interactions.last_touch(deals)
    scope = set(ids)
    moves = [m for m in day.attitude_moves if m.occurred_at >= since and m.individual_id in day.moved_people
             and day.moved_people[m.individual_id].account_id in scope]
    for m in moves:  # people whose attitude moved at a quiet account still need a name in the digest
        person = day.moved_people[m.individual_id]
        if all(p.id != person.id for p in members.setdefault(person.account_id, [])):
            members[person.account_id].append(person)
    top = most_important(accounts, last_touch)
    suggestion = None
    if top is not None:
        found = suggest(members=members.get(top.id, []), stage=top.stage,
                        open_steps=uow.next_steps.open_for_account(top.id),
                        signals=uow.signals.of_account(top.id, since=now - timedelta(days=90)),
                        message_map=message_map_for(uow), today=today, limit=1)
        suggestion = (top, found[0]) if found else None
    return DigestFacts(
        today=today, now=now, accounts=accounts,
        steps=uow.next_steps.open_for_owner(rep_id, due_by=today),
        stage_events=[(a, e) for a in ids for e in day.events_by_account.get(a, ()) if e.occurred_at >= since],
        signals=[s for a in ids for s in day.signals_by_account.get(a, ()) if s.occurred_at >= since],
        attitude_moves=moves,
        members=members, last_touch=last_touch,
        goals=day.goals(uow, now, tz) if today.isoweekday() == 1 else [], top_suggestion=suggestion,
    )


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
