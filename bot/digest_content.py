"""Gathering one rep's digest from storage and turning it into a neutral Reply."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.message_maps import message_map_for
from bot.replies import Button, Reply, Section, Tone
from domain.digest import Digest, DigestFacts, DigestItem, build_digest, most_important
from domain.goals import current_quarter
from domain.measurement import Measured, World, actual
from domain.schedule import zone
from domain.suggestions import suggest
from storage.uow import SqlUnitOfWork

SCOPE_DAYS = 90  # a rep's accounts: the ones they own, plus the ones they logged on in this window
TITLES = {"overdue": "Overdue", "due": "Due today", "stage": "Stage changes", "negative": "Negative signals",
          "detractor": "New detractors", "gap": "DMU gaps on active deals", "quiet": "Gone quiet",
          "goal": "Goals this quarter", "suggestion": "Top suggestion"}


def gather(uow: SqlUnitOfWork, *, rep_id: str, tz: str, now: datetime, since: datetime | None) -> DigestFacts:
    today = now.astimezone(zone(tz)).date()
    since = since or now - timedelta(days=1)
    owned = uow.accounts.all(owner_id=rep_id)
    touched = uow.interactions.accounts_of_rep(rep_id, since=now - timedelta(days=SCOPE_DAYS))
    extra = [a for a in (uow.accounts.get(i) for i in touched - {a.id for a in owned}) if a is not None]
    accounts = owned + extra
    ids = [a.id for a in accounts]
    members = uow.individuals.of_accounts(ids)
    last_touch = uow.interactions.last_touch(ids)
    goals = _goals(uow, now, tz) if today.isoweekday() == 1 else []
    top = most_important(accounts, last_touch)
    suggestion = None
    if top is not None:
        found = suggest(members=members.get(top.id, []), stage=top.stage,
                        open_steps=uow.next_steps.open_for_account(top.id),
                        signals=uow.signals.of_account(top.id, since=now - timedelta(days=90)),
                        message_map=message_map_for(uow), today=today, limit=1)
        suggestion = (top, found[0]) if found else None
    scope = set(ids)
    return DigestFacts(
        today=today, now=now, accounts=accounts,
        steps=uow.next_steps.open_for_owner(rep_id, due_by=today),
        stage_events=[(a, e) for a, e in uow.stage_history.changes_since(since) if a in scope],
        signals=[s for s in uow.signals.since(since) if s.account_id in scope],
        attitude_moves=uow.attitudes.since(since), members=members, last_touch=last_touch,
        goals=goals, top_suggestion=suggestion,
    )


def _goals(uow: SqlUnitOfWork, now: datetime, tz: str) -> list[Measured]:
    period = current_quarter(now.astimezone(zone(tz)).date())
    goals = [g for g in uow.goals.all() if g.period == period]
    if not goals:
        return []
    world = World(uow.accounts.all(), uow.individuals.all(), uow.stage_history.changes_since(now - timedelta(days=400)),
                  uow.signals.since(now - timedelta(days=400)))
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
