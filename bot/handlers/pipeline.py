"""pipeline — your accounts by buying stage (the ones you own and the ones you logged on lately)."""

from __future__ import annotations

from datetime import timedelta

from bot.context import Request, Services
from bot.replies import Reply, section
from domain.buying import Stage
from domain.customer import Account

RECENT_DAYS = 90


def handle(req: Request, svc: Services) -> Reply:
    with svc.uow(req.actor.workspace_id) as uow:
        owned = uow.accounts.all(owner_id=req.actor.user_id)
        touched = uow.interactions.accounts_of_rep(req.actor.user_id, since=req.now - timedelta(days=RECENT_DAYS))
        extra = [a for a in (uow.accounts.get(i) for i in touched - {a.id for a in owned}) if a is not None]
    accounts = owned + extra
    if not accounts:
        return Reply("You have no accounts yet: log a call and the account becomes yours.")
    blocks = []
    for stage in reversed(Stage):
        names = sorted(a.name for a in accounts if a.stage == stage)
        if names:
            blocks.append(section(f"{stage.label} ({len(names)})", names, limit=6))
    unknown = sorted(a.name for a in accounts if a.stage is None)
    if unknown:
        blocks.append(section(f"Stage unknown ({len(unknown)})", unknown, limit=6))
    return Reply(f"Your pipeline: {len(accounts)} accounts, {_active(accounts)} in active deals", tuple(blocks))


def _active(accounts: list[Account]) -> int:
    return sum(1 for a in accounts if a.stage in (Stage.SOLUTION_UNDERSTANDING, Stage.VENDOR_SELECTION,
                                                   Stage.VALIDATION))
