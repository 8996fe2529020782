"""log NOTE — record a call, meeting or signal in plain words.

Example: `log met Jane Doe (CFO) at Acme, worried about price, next: send ROI calc by Friday`
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from bot.context import Request, Services, StaleReading, claim
from bot.logbook import moves_attitudes, undo_log, write_log
from bot.replies import Button, Choice, Reply, Section, Tone, error
from bot.summary import understood
from domain.buying import Stage
from domain.customer import Account, Individual, Lifecycle
from domain.errors import NotAllowed, NotFound
from domain.names import new_id
from domain.understanding import (
    AccountKind,
    AccountReading,
    KnownAccount,
    KnownContact,
    PersonReading,
    Reading,
    read_message,
)
from storage.pending import PendingLog
from storage.uow import SqlUnitOfWork

PENDING_FOR = timedelta(hours=24)
EDIT_WINDOW = timedelta(hours=24)


def reading_for_account(reading: Reading, account: Account, chosen: list[str] | None = None) -> Reading:
    """The reading with its account decided: people from other accounts dropped, a name that fits several
    contacts here decided by an earlier answer (`chosen`) or left for the next question."""
    people: list[PersonReading] = []
    for p in reading.people:
        if p.contact is not None or not p.candidates:
            if p.contact is None or p.contact.account_id == account.id:
                people.append(p)  # a known contact of this account, or someone new
            continue
        inside = [c for c in p.candidates if c.account_id == account.id]
        decided = [c for c in inside if c.id in (chosen or [])][:1] or (inside if len(inside) == 1 else [])
        if decided:
            people.append(PersonReading(decided[0].name, contact=decided[0], title=decided[0].title))
        elif inside:
            people.append(replace(p, candidates=tuple(inside)))
    return replace(reading, account=AccountReading(AccountKind.KNOWN, _known(account), 100.0), people=tuple(people))


def _known(account: Account) -> KnownAccount:
    """The account as the parser's index holds it."""
    return KnownAccount(account.id, account.name, account.aliases, account.domain,
                        customer=account.lifecycle == Lifecycle.CUSTOMER)


def handle(req: Request, svc: Services) -> Reply:
    if not req.text:
        return error("Tell me what happened, e.g. `log call with Jane at Acme, she wants a demo next week`.")
    ws = req.actor.workspace_id
    if req.reading is not None:  # read by the dispatcher (a StaleReading goes back to it: it routes again)
        return _log(req, svc, req.reading, version=req.read_with)
    held = svc.directory.cached(ws)
    if held is not None:  # read with the index this process holds; the log checks its version
        try:
            return _log(req, svc, read_message(req.text, now=req.local_now, directory=held[1]), version=held[0])
        except StaleReading as stale:
            return _log(req, svc, _read(req, svc, stale.version), version=None)
    return _log(req, svc, _read(req, svc, None), version=None)


def _read(req: Request, svc: Services, version: int | None) -> Reading:
    return read_message(req.text, now=req.local_now, directory=svc.directory(req.actor.workspace_id, version))


def _log(req: Request, svc: Services, reading: Reading, *, version: int | None) -> Reply:
    """The log of a reading made with the index at `version` (None: checked by the caller)."""
    with svc.uow(req.actor.workspace_id) as uow:
        named = reading.account.account if reading.account.kind == AccountKind.KNOWN else None
        asked = req.account_id or (named.id if named else None)
        start = uow.open_log(delivery_key=req.delivery_id, account_id=asked,
                             contact_ids=[p.contact.id for p in reading.people if p.contact],
                             stage_of=asked if reading.stage is not None else None,
                             moving=moves_attitudes(reading))
        if start.repeated:
            assert req.delivery_id is not None
            return _repeated(uow, req, req.delivery_id)
        if version is not None and start.directory_version != version:
            raise StaleReading(start.directory_version)
        if req.account_id is not None:  # picked in a form (Slack's log modal): looked up in this workspace only
            if start.account is None:
                raise NotFound("That account doesn't exist in this workspace. Nothing was saved.")
            reading = reading_for_account(reading, start.account)
        kind = reading.account.kind
        if kind == AccountKind.KNOWN and reading.account.account is not None:
            account_id = reading.account.account.id
            account = start.account if account_id == asked else uow.accounts.get(account_id)
            if account is None:
                raise NotFound("That account was just removed. Nothing was saved.")
            if any(p.candidates for p in reading.people):
                reply = ask_person(uow, req, reading, account.id, chosen=[])
                uow.commit()
                return reply
            return _save(uow, req, reading, account, svc=svc, known=start.people,
                         stage_latest=start.stage_latest if account is start.account else None)
        reply = _ask(uow, req, reading)
        uow.commit()
        return reply


def _save(uow: SqlUnitOfWork, req: Request, reading: Reading, account: Account, *, created: bool = False,
          svc: Services | None = None, as_stored: bool = True, known: Sequence[Individual] = (),
          stage_latest: Sequence[tuple[Stage, str, datetime]] | None = None) -> Reply:
    """Write the log and commit. With `svc`, the transaction changed nothing the parser's index reads but the
    account (`created`) and the people it created: this process's index takes them in without a reload
    (DirectoryCache.learned)."""
    people: list[Individual] = []
    lifecycle = account.lifecycle
    interaction = write_log(uow, reading=reading, account=account, rep_id=req.actor.user_id, now=req.now,
                            created_account=created, created_people=people, account_as_stored=as_stored,
                            known=known, stage_latest=stage_latest)
    uow.commit()
    # A prospect that became a customer changes what the index holds of an account it has: reloaded instead.
    in_place = (people or created) and (created or account.lifecycle == lifecycle)
    learned = getattr(svc.directory, "learned", None) if svc is not None and in_place else None
    if learned is not None:
        learned(req.actor.workspace_id, [KnownContact(p.id, p.name, p.account_id, p.title) for p in people],
                uow.committed_version,
                accounts=[_known(account)] if created else [])
    return understood(reading, account, interaction.id, today=req.local_now.date())


def save_reading(uow: SqlUnitOfWork, req: Request, reading: Reading, account: Account, *, created: bool = False,
                 svc: Services | None = None) -> Reply:
    """Save a reading whose account is now decided (after a question was answered), `created` in this
    transaction or not; pass `svc` only when the transaction changed nothing else the directory reads."""
    return _save(uow, req, reading, account, created=created, svc=svc)


def _ask(uow: SqlUnitOfWork, req: Request, reading: Reading) -> Reply:
    """Keep the rep's words as a pending log and ask the one question that decides the account."""
    acc = reading.account
    question: dict[str, object] = {"kind": acc.kind.value, "new_name": acc.new_name}
    if acc.kind == AccountKind.AMBIGUOUS:
        question["options"] = [[c.name, c.id] for c in acc.candidates[:10]]
    return _keep(uow, req, reading, question)


def ask_person(uow: SqlUnitOfWork, req: Request, reading: Reading, account_id: str, *, chosen: list[str]
               ) -> Reply:
    """Two contacts fit a name ("Emily" at an account with two): keep the note and ask which one."""
    unsure = next(p for p in reading.people if p.candidates)
    question: dict[str, object] = {
        "kind": "person", "account": account_id, "chosen": chosen, "name": unsure.name,
        "options": [[c.name + (f" ({c.title})" if c.title else ""), c.id] for c in unsure.candidates[:10]]}
    return _keep(uow, req, reading, question)


def _keep(uow: SqlUnitOfWork, req: Request, reading: Reading, question: dict[str, object]) -> Reply:
    """Store the pending note with the delivery that asked (its retry asks again) and render its question."""
    pending = uow.pending.add(user_id=req.actor.user_id, text=reading.text, said_at=req.now,
                              expires_at=req.now + PENDING_FOR, question=question, delivery_key=req.delivery_id)
    if req.delivery_id:
        uow.mark_asked(req.delivery_id)
    return question_reply(pending)


def question_reply(pending: PendingLog) -> Reply:
    """The question a pending note waits on, rendered from the note alone: asked the first time, and again
    when the delivery that asked it is retried (its first reply may never have reached the rep)."""
    q, pid = pending.question, pending.id
    options = [(str(label), str(key)) for label, key in q.get("options") or []]
    cancel = Button("Cancel", "log.cancel", {"pending": pid})
    if q.get("kind") == "person":
        people = tuple(Button(label, "log.pick_person", {"pending": pid, "contact": key}) for label, key in options)
        return Reply(f"Which {q.get('name') or 'person'} was it?", (Choice("Pick the person:", (*people, cancel)),),
                     tone=Tone.QUESTION)
    if q.get("kind") == AccountKind.AMBIGUOUS.value:
        accounts = tuple(Button(label, "log.pick_account", {"pending": pid, "account": key})
                         for label, key in options)
        return Reply("Which account was this?", (Choice("Pick the account for this note:", (*accounts, cancel)),),
                     tone=Tone.QUESTION)
    new_name = q.get("new_name")
    if q.get("kind") == AccountKind.NEW.value and new_name:
        create = Button(f"Create {new_name}", "log.create_account", {"pending": pid}, "primary")
        return Reply(f"{new_name} isn't in your accounts yet. Create it and save the note?",
                     (Choice("New account", (create, cancel)),), tone=Tone.QUESTION)
    return Reply("I couldn't tell which account this is about. Nothing was saved: say it again with the account "
                 "name, e.g. `log Acme: call with Jane, wants pricing`.", tone=Tone.QUESTION)


def _repeated(uow: SqlUnitOfWork, req: Request, key: str) -> Reply:
    """A retried delivery of a log: the question it asked when that is still open, else what really happened."""
    pending = uow.pending.asked_by(req.actor.user_id, key, now=req.now)
    if pending is not None:
        return question_reply(pending)
    if uow.asked_before(key):
        return Reply("I already asked about that note and it has been answered (saved or cancelled). "
                     "Nothing more to do.", tone=Tone.INFO)
    return Reply("Already logged that one.", tone=Tone.INFO)


def handle_edit(req: Request, svc: Services) -> Reply:
    """edit NOTE — replace your last log (within a day) with a corrected note."""
    if not req.text:
        return error("Send the corrected note after `edit`, e.g. `edit call with Raj at Contoso, send deck Monday`.")
    directory = svc.directory(req.actor.workspace_id)
    reading = read_message(req.text, now=req.local_now, directory=directory)
    with svc.uow(req.actor.workspace_id) as uow:
        claim(uow, req)
        last = uow.interactions.latest_logged_by(req.actor.user_id, since=req.now - EDIT_WINDOW)
        if last is None:
            raise NotFound("You have no log from the last day to edit. Use `log` to add a new one.")
        account = uow.accounts.get(last.account_id)
        if reading.account.kind == AccountKind.KNOWN and reading.account.account is not None:
            account = uow.accounts.get(reading.account.account.id) or account
        assert account is not None
        undo_log(uow, last, now=req.now)
        uow.session.flush()
        if uow.accounts.get(account.id) is None:  # the edited log had created the account: create it again
            account = Account(new_id(), account.name, lifecycle=Lifecycle.PROSPECT, owner_id=req.actor.user_id)
            uow.accounts.add(account)
        return _save(uow, req, reading, account, as_stored=False)


def edit_action(req: Request, value: dict[str, str], svc: Services) -> Reply:
    with svc.uow(req.actor.workspace_id) as uow:
        interaction = uow.interactions.get(value.get("interaction", ""))
        if interaction is None:
            raise NotFound("That log is gone (undone or edited already).")
        if interaction.rep_id != req.actor.user_id:
            raise NotAllowed("Only the rep who logged this can edit it.")
        return Reply("Send the corrected note as `edit ...` and I'll replace this log.",
                     (Section("It said", (interaction.text,)),), tone=Tone.QUESTION)
