"""Finding the account a query names: by the parser's reading, a picked button, or a fuzzy search."""

from __future__ import annotations

from bot.context import Request, Services
from bot.replies import AskBack, Button, Choice, Reply, Tone
from domain.customer import Account
from domain.errors import InvalidInput, NotFound
from domain.understanding import AccountKind, Directory, KnownContact, PersonReading, read_message
from storage.uow import SqlUnitOfWork

ID_PREFIX = "#id:"


def account_for_query(req: Request, svc: Services, uow: SqlUnitOfWork, command: str
                      ) -> tuple[Account, tuple[PersonReading, ...]]:
    """The account the rep asked about and the people the words named; asks back (AskBack) when unsure."""
    if req.text.startswith(ID_PREFIX):  # a button's value: looked up inside this workspace only
        account = uow.accounts.get(req.text.removeprefix(ID_PREFIX))
        if account is None:
            raise NotFound("That account doesn't exist in this workspace.")
        return account, ()
    if not req.text and req.reading is None:
        raise InvalidInput(f"Which account? Try `{command} Acme`.")
    directory = svc.directory(req.actor.workspace_id)
    exact = directory.exact(req.text) if req.reading is None else None
    if exact is not None:  # the account's own name: no need to parse
        account = uow.accounts.get(exact.id)
        if account is not None:
            return account, ()
    reading = req.reading or read_message(req.text, now=req.local_now, directory=directory)
    acc = reading.account
    if acc.kind == AccountKind.KNOWN and acc.account is not None:
        known = uow.accounts.get(acc.account.id)
        if known is None:
            raise NotFound("That account was just removed.")
        return known, reading.people
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
