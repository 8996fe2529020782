"""help — what I can do."""

from __future__ import annotations

from bot import registry
from bot.context import Request, Services
from bot.replies import Reply, section


def handle(req: Request, svc: Services) -> Reply:
    lines = [f"{c.usage} — {c.summary}" for c in registry.commands()]
    tip = ["Or just write after a call: “met Jane Doe (CFO) at Acme, worried about price, "
           "next: send ROI calc by Friday”."]
    return Reply("I'm Touchpoint: log calls in plain words, and ask about any account.",
                 (section("Commands", lines, limit=20), section("Tip", tip)))
