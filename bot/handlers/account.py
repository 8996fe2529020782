"""account NAME — one screen: stage, health, DMU summary, open next steps, last touches."""

from __future__ import annotations

from datetime import timedelta

from bot.context import Request, Services
from bot.handlers._resolve import screen_for_query
from bot.replies import Facts, Reply, section
from bot.summary import due_text
from domain.customer import DMU
from domain.health import health

HEALTH_WINDOW = timedelta(days=365)  # older signals weigh under 0.02% after recency halving: not worth reading


def handle(req: Request, svc: Services) -> Reply:
    with svc.read(req.actor.workspace_id) as uow:
        screen, head, _ = screen_for_query(req, svc, uow, "account", signals_since=req.now - HEALTH_WINDOW,
                                           interactions=3, steps=True)
    account, today, steps = head.account, req.local_now.date(), screen.steps
    dmu = DMU(account, head.people)
    h = health(screen.timeline.signals, now=req.now)
    recent = screen.timeline.interactions
    missing = ", ".join(r.label for r in dmu.missing_key_roles()) or "none"
    facts = Facts((
        ("Stage", account.stage.label if account.stage else "unknown"),
        ("Lifecycle", account.lifecycle.value),
        ("Health", h.label),
        ("Channels", " · ".join(f"{c.value} {v:+.1f}" for c, v in h.per_channel.items()) or "nothing heard"),
        ("DMU", f"{len(dmu.members)} people, {len(dmu.detractors())} detractors, missing: {missing}"),
        ("Owner", account.owner_id or "nobody"),
    ))
    step_lines = [f"{s.text} — {due_text(s.due, today=today)}" for s in steps]
    touch_lines = [f"{i.occurred_at.astimezone(req.actor.zone):%b %d}: {i.text}" for i in recent]
    return Reply(
        f"{account.name}: {account.stage.label if account.stage else 'stage unknown'}, {h.label}",
        (facts, section("Open next steps", step_lines or ["none"]), section("Last touches", touch_lines or ["none"])),
    )
