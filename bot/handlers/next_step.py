"""next NAME [PERSON] — the top three next actions: whom, what message, which asset, which channel, and why."""

from __future__ import annotations

from datetime import date, timedelta

from bot.context import Request, Services, claim
from bot.handlers._resolve import screen_for_query
from bot.message_maps import message_map_for
from bot.replies import Reply, Section, Tone
from domain.buying import Stage, StageEvidence
from domain.errors import NotAllowed, NotFound
from domain.suggestions import sent_assets, suggest


def handle(req: Request, svc: Services) -> Reply:
    with svc.read(req.actor.workspace_id) as uow:
        screen, head, people = screen_for_query(req, svc, uow, "next", signals_since=req.now - timedelta(days=90),
                                                interactions=100, steps=True, evidence=True)
        mm = message_map_for(uow, changed_at=head.map_changed_at)
    account, members, signals = head.account, head.people, screen.timeline.signals
    steps, history = screen.steps, screen.evidence
    sent = sent_assets(screen.timeline.interactions, mm)  # the recent logs say it
    wanted = {p.contact.id for p in people if p.contact is not None}
    focus = [m for m in members if m.id in wanted] or members
    found = suggest(members=focus, stage=account.stage, open_steps=steps, signals=signals, message_map=mm,
                    today=req.local_now.date(), sent=sent, stage_since=_reached(history, account.stage, req))
    if not found:
        return Reply(f"{account.name}: nothing to suggest yet — log who you talk to and what they say.")
    blocks = []
    for i, s in enumerate(found, 1):
        lines = [s.message, f"Why: {s.why}", f"Channel: {s.channel.value}"]
        if s.asset is not None:
            lines.append(f"Send: {s.asset.title} ({s.asset.url})")
        blocks.append(Section(f"{i}. {s.whom}", tuple(lines)))
    return Reply(f"Next for {account.name}: {found[0].whom} — {found[0].why}", tuple(blocks))


def _reached(history: list[StageEvidence], stage: Stage | None, req: Request) -> date | None:
    """When the account first showed its current stage, in the rep's calendar."""
    at = next((e.occurred_at for e in history if e.stage == stage), None)  # history is oldest first
    return at.astimezone(req.actor.zone).date() if at else None


def mark_done(req: Request, value: dict[str, str], svc: Services) -> Reply:
    with svc.uow(req.actor.workspace_id) as uow:
        claim(uow, req)
        step = uow.next_steps.get(value.get("step", ""))
        if step is None:
            raise NotFound("That next step no longer exists.")
        if step.owner_id != req.actor.user_id:
            raise NotAllowed("Only the step's owner can mark it done.")
        step.done = True
        uow.next_steps.update(step)
        uow.commit()
    return Reply(f"Done: {step.text}", tone=Tone.SUCCESS)
