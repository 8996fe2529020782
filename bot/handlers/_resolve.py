"""Finding the account a query names: by the parser's reading, a picked button, or a fuzzy search."""

from __future__ import annotations

from typing import Any

from bot.context import Request, Services
from bot.replies import AskBack, Button, Choice, Reply, Tone
from domain.customer import Account
from domain.errors import InvalidInput, NotFound, TouchpointError
from domain.understanding import AccountKind, Directory, KnownContact, PersonReading, read_message
from storage.uow import SqlReadWork, SqlUnitOfWork
from storage.views import AccountHead, AccountScreen

ID_PREFIX = "#id:"
GONE = "That account doesn't exist in this workspace (it may just have been removed)."


def account_for_query(req: Request, svc: Services, uow: SqlUnitOfWork, command: str
                      ) -> tuple[Account, tuple[PersonReading, ...]]:
    """The account the rep asked about and the people the words named; asks back (AskBack) when unsure."""
    people: tuple[PersonReading, ...] = ()
    if req.text.startswith(ID_PREFIX):  # a button's value: looked up inside this workspace only
        account_id = req.text.removeprefix(ID_PREFIX)
    else:
        account_id, people = _resolve(req, svc.directory(req.actor.workspace_id, uow.directory_version()), command)
    account = uow.accounts.get(account_id)
    if account is None:
        raise NotFound(GONE)
    return account, people


def screen_for_query(req: Request, svc: Services, uow: SqlUnitOfWork | SqlReadWork, command: str, **parts: Any
                     ) -> tuple[AccountScreen, AccountHead, tuple[PersonReading, ...]]:
    """The account a query names, read with the parts of its screen a command shows (see AccountViews.screen).

    Optimistic: the name is resolved with the parser index this process holds, and the workspace's change
    counter is read together with the screen; only when the counter moved in between is the name resolved
    again. A query that fails to resolve is retried on a fresh index before the rep hears about it."""
    ws = req.actor.workspace_id
    version: int | None = None
    people: tuple[PersonReading, ...] = ()
    if req.text.startswith(ID_PREFIX):
        account_id = req.text.removeprefix(ID_PREFIX)
    elif (held := svc.directory.cached(ws)) is None:
        version = uow.directory_version()
        account_id, people = _resolve(req, svc.directory(ws, version), command)
    else:
        version = held[0]
        try:
            account_id, people = _resolve(req, held[1], command)
        except (AskBack, TouchpointError):
            if (current := uow.directory_version()) == version:
                raise
            version = current
            account_id, people = _resolve(req, svc.directory(ws, current), command)
    screen = uow.views.screen(account_id, **parts)
    if version is not None and screen.directory_version != version:  # names changed meanwhile: resolve again
        again, people = _resolve(req, svc.directory(ws, screen.directory_version), command)
        if again != account_id:
            screen = uow.views.screen(again, **parts)
    if screen.head is None:
        raise NotFound(GONE)
    return screen, screen.head, people


def _resolve(req: Request, directory: Directory, command: str) -> tuple[str, tuple[PersonReading, ...]]:
    if not req.text and req.reading is None:
        raise InvalidInput(f"Which account? Try `{command} Acme`.")
    exact = directory.exact(req.text) if req.reading is None else None
    if exact is not None:  # the account's own name: no need to parse
        return exact.id, ()
    reading = req.reading or read_message(req.text, now=req.local_now, directory=directory)
    acc = reading.account
    if acc.kind == AccountKind.KNOWN and acc.account is not None:
        return acc.account.id, reading.people
    if acc.kind == AccountKind.AMBIGUOUS:
        options = tuple(_show(command, c.id, c.name) for c in acc.candidates[:10])
        raise AskBack(Reply("Which account do you mean?", (Choice("Pick one:", options),), tone=Tone.QUESTION))
    words = acc.new_name or req.text
    named = _people_named(directory, req.text)
    if named:  # "next Thandiwe" with three Thandiwes: pick the person, and so the account
        options = tuple(_show(command, c.account_id, f"{c.name} ({_account_name(directory, c.account_id)})")
                        for c in named)
        raise AskBack(Reply(f"Which {req.text.strip()}?", (Choice("Pick one:", options),), tone=Tone.QUESTION))
    matches = directory.search_accounts(words, limit=5) if words else []
    if not matches:
        raise NotFound(f"I don't know an account called \u201c{words}\u201d in this workspace.")
    options = tuple(_show(command, a.id, a.name) for a, _score in matches)
    raise AskBack(Reply(f"I don't know \u201c{words}\u201d. Did you mean:", (Choice("Pick one:", options),),
                        tone=Tone.QUESTION))


def _show(command: str, account_id: str, name: str) -> Button:
    return Button(name, "show", {"command": command, "account": account_id})


def _people_named(directory: Directory, text: str) -> list[KnownContact]:
    """Contacts a one- or two-word query names (first name, or first and last)."""
    words = text.strip().lower().split()
    if len(words) == 1:
        return directory.contacts_first_named(words[0], limit=10)
    if len(words) == 2:
        return directory.contacts_named(words[0], words[1])[:10]
    return []


def _account_name(directory: Directory, account_id: str) -> str:
    account = directory.account(account_id)
    return account.name if account else "?"
