"""undo — take back your last log: everything it wrote is removed and what it changed is restored."""

from __future__ import annotations

from datetime import timedelta

from bot.context import Request, Services, claim
from bot.logbook import undo_log
from bot.replies import Reply, Tone
from domain.errors import NotAllowed, NotFound
from storage.uow import SqlUnitOfWork

UNDO_WINDOW = timedelta(hours=24)  # `undo` without a button reaches back one day, never into imported history


def handle(req: Request, svc: Services) -> Reply:
    with svc.uow(req.actor.workspace_id) as uow:
        claim(uow, req)
        last = uow.interactions.latest_logged_by(req.actor.user_id, since=req.now - UNDO_WINDOW)
        if last is None:
            raise NotFound("You have no log from the last day to undo.")
        return _undo(uow, req, last.id)


def handle_action(req: Request, value: dict[str, str], svc: Services) -> Reply:
    with svc.uow(req.actor.workspace_id) as uow:
        claim(uow, req)
        return _undo(uow, req, value.get("interaction", ""))


def _undo(uow: SqlUnitOfWork, req: Request, interaction_id: str) -> Reply:
    interaction = uow.interactions.get(interaction_id)
    if interaction is None:
        raise NotFound("That log was already undone.")
    if interaction.rep_id != req.actor.user_id:
        raise NotAllowed("Only the rep who logged this can undo it.")
    account = uow.accounts.get(interaction.account_id)
    name = account.name if account else "the account"
    undo_log(uow, interaction, now=req.now)
    uow.commit()
    return Reply(f"Undone: the note for {name} and everything it recorded are gone.", tone=Tone.SUCCESS)
