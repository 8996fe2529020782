"""digest — your briefing: next steps due and overdue, stage changes and negative signals in the last day."""

from __future__ import annotations

from datetime import timedelta

from bot.context import Request, Services
from bot.replies import Button, Reply, section
from bot.summary import due_text
from domain.buying import StageEvidence
from domain.listening import Polarity


def handle(req: Request, svc: Services) -> Reply:
    today = req.local_now.date()
    since = req.now - timedelta(days=1)
    with svc.uow(req.actor.workspace_id) as uow:
        names = {a.id: a.name for a in uow.accounts.all()}
        mine = {a.id for a in uow.accounts.all(owner_id=req.actor.user_id)}
        scope = mine or set(names)  # a rep who owns no accounts sees the whole workspace
        steps = uow.next_steps.open_for_owner(req.actor.user_id, due_by=today)
        changes = _latest_per_account(uow.stage_history.changes_since(since), scope)
        negatives = [s for s in uow.signals.since(since) if s.polarity == Polarity.NEGATIVE and s.account_id in scope]
    due_lines = [f"{names.get(s.account_id, '?')}: {s.text} — {due_text(s.due, today=today)}" for s in steps]
    change_lines = [f"{names.get(aid, '?')} → {e.stage.label}" for aid, e in changes]
    negative_lines = [f"{names.get(s.account_id, '?')} ({s.channel.value}): {s.text}" for s in negatives]
    if not (due_lines or change_lines or negative_lines):
        return Reply("Quiet day: nothing due, no stage changes, no new negative signals.")
    head = f"{len(due_lines)} due, {len(change_lines)} stage changes, {len(negative_lines)} negative signals"
    done = tuple(Button(f"Done: {_short(s.text)}", "step.done", {"step": s.id}) for s in steps[:3])
    return Reply(head, (section("Due and overdue", due_lines or ["nothing"]),
                        section("Stage changes (24h)", change_lines or ["none"]),
                        section("Negative signals (24h)", negative_lines or ["none"])), actions=done)


def _latest_per_account(events: list[tuple[str, StageEvidence]], scope: set[str]) -> list[tuple[str, StageEvidence]]:
    """One line per account: its newest stage evidence from the rep's own work (imports are not changes)."""
    latest: dict[str, StageEvidence] = {}
    for account_id, e in events:
        if account_id in scope and e.source != "import":
            latest[account_id] = e
    return list(latest.items())


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
