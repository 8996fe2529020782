"""Answers to the bot's questions: which account, create a new one, cancel, or show a chosen account."""

from __future__ import annotations

from dataclasses import replace

from bot.context import Request, Services
from bot.handlers import log
from bot.replies import Reply, Tone
from domain.customer import Account, Lifecycle
from domain.errors import NotAllowed, NotFound
from domain.names import new_id
from domain.understanding import Reading, read_message
from storage.pending import PendingLog
from storage.uow import SqlUnitOfWork


def _take(uow: SqlUnitOfWork, req: Request, value: dict[str, str]) -> PendingLog:
    """Claim the question by deleting its pending note, first thing in the transaction: of two answers (a
    double click, Cancel racing a pick) only the one that deleted the row goes on; the other writes nothing.
    A refused answer raises, and the rollback keeps the note for the rep."""
    pending = uow.pending.take(value.get("pending", ""))
    if pending is None or pending.expires_at < req.now:
        raise NotFound("That question has expired or was already answered. Nothing more to do.")
    if pending.user_id != req.actor.user_id:
        raise NotAllowed("Only the rep who wrote this note can answer for it.")
    return pending


def _reread(req: Request, svc: Services, pending: PendingLog, account: Account, chosen: list[str] | None = None
            ) -> tuple[Request, Reading]:
    """Read the kept words again, now that the account (and maybe some people) are decided."""
    said = replace(req, now=pending.said_at)  # dates are read from when the rep typed the note
    reading = read_message(pending.text, now=said.local_now, directory=svc.directory(req.actor.workspace_id))
    return said, log.reading_for_account(reading, account, chosen)


def _save_or_ask(uow: SqlUnitOfWork, said: Request, reading: Reading, account: Account, *, chosen: list[str],
                 svc: Services, created: bool = False) -> Reply:
    if any(p.candidates for p in reading.people):
        reply = log.ask_person(uow, said, reading, account.id, chosen=chosen)
        uow.commit()
        return reply
    return log.save_reading(uow, said, reading, account, created=created, svc=svc)


def pick_person(req: Request, value: dict[str, str], svc: Services) -> Reply:
    with svc.uow(req.actor.workspace_id) as uow:
        pending = _take(uow, req, value)
        account = uow.accounts.get(str(pending.question.get("account", "")))
        person = uow.individuals.get(value.get("contact", ""))
        if account is None or person is None or person.account_id != account.id:
            raise NotFound("That person is no longer in this account.")
        chosen = [*map(str, pending.question.get("chosen") or []), person.id]
        said, reading = _reread(req, svc, pending, account, chosen)
        return _save_or_ask(uow, said, reading, account, chosen=chosen, svc=svc)


def pick_account(req: Request, value: dict[str, str], svc: Services) -> Reply:
    with svc.uow(req.actor.workspace_id) as uow:
        pending = _take(uow, req, value)
        account = uow.accounts.get(value.get("account", ""))
        if account is None:
            raise NotFound("That account doesn't exist in this workspace.")
        said, reading = _reread(req, svc, pending, account)
        return _save_or_ask(uow, said, reading, account, chosen=[], svc=svc)


def create_account(req: Request, value: dict[str, str], svc: Services) -> Reply:
    with svc.uow(req.actor.workspace_id) as uow:
        pending = _take(uow, req, value)
        name = str(pending.question.get("new_name") or "").strip()
        if not name:
            raise NotFound("I no longer know which company to create. Please log the note again.")
        account = uow.accounts.by_name(name)
        created = account is None
        if account is None:
            account = Account(new_id(), name, owner_id=req.actor.user_id, lifecycle=Lifecycle.PROSPECT)
            uow.accounts.add(account)
        said, reading = _reread(req, svc, pending, account)
        return _save_or_ask(uow, said, reading, account, chosen=[], svc=svc, created=created)


def cancel(req: Request, value: dict[str, str], svc: Services) -> Reply:
    with svc.uow(req.actor.workspace_id) as uow:
        _take(uow, req, value)
        uow.commit()
    return Reply("Cancelled; nothing was saved.", tone=Tone.INFO)


def show(req: Request, value: dict[str, str], svc: Services) -> Reply:
    """A chosen account for a query command (dmu, stage, next, account) that was ambiguous."""
    from bot import registry

    spec = registry.find(value.get("command", ""))
    if spec is None or spec.name not in {"dmu", "stage", "next", "account"}:
        raise NotFound("That button is no longer supported.")
    return spec.handler(replace(req, text=f"#id:{value.get('account', '')}"), svc)
