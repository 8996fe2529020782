"""Upserts inside one unit of work: re-importing the same data updates rows instead of duplicating them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from bot.dataio.rows import AccountIn, ContactIn, GoalIn, InteractionIn, NextStepIn
from bot.logbook import refresh_account_stage
from domain.buying import StageEvidence
from domain.customer import Account, BuyingRole, Individual
from domain.errors import InvalidInput
from domain.goals import Goal, period_bounds, validate_metric
from domain.listening import Interaction, Signal, Touch
from domain.names import new_id, normalize_name
from domain.next_steps import NextStep
from domain.personas import persona_for_title
from storage.uow import SqlUnitOfWork


def stable_id(*parts: str) -> str:
    """The same imported record always gets the same id, so a re-import overwrites it."""
    return uuid.uuid5(uuid.NAMESPACE_URL, "\x1f".join(parts)).hex


class Upserter:
    def __init__(self, uow: SqlUnitOfWork) -> None:
        self.uow = uow
        self._accounts = {normalize_name(a.name): a for a in uow.accounts.all()}
        for a in list(self._accounts.values()):
            for alias in a.aliases:
                self._accounts.setdefault(normalize_name(alias), a)
        self._people = {(p.account_id, normalize_name(p.name)): p for p in uow.individuals.all()}

    def account_named(self, name: str) -> Account:
        found = self._accounts.get(normalize_name(name))
        if found is None:
            raise InvalidInput(f"no account named '{name}' (import accounts first)")
        return found

    def account(self, row: AccountIn) -> Account:
        found = self._accounts.get(normalize_name(row.name))
        account = found or Account(new_id(), row.name)
        account.name, account.lifecycle = row.name, row.lifecycle
        account.aliases = tuple(dict.fromkeys([*account.aliases, *row.aliases]))
        account.domain = row.domain or account.domain
        account.segment = row.segment or account.segment
        account.owner_id = row.owner or account.owner_id
        self.uow.accounts.add(account)
        self._accounts[normalize_name(row.name)] = account
        if row.stage is not None and account.stage != row.stage:
            self.uow.stage_history.add(StageEvidence(row.stage, datetime.now(UTC), "imported stage", source="import"),
                                       account_id=account.id)
            account.stage = row.stage
        return account

    def contact(self, row: ContactIn) -> Individual:
        account = self.account_named(row.account)
        key = (account.id, normalize_name(row.name))
        person = self._people.get(key) or Individual(new_id(), account.id, row.name)
        person.title = row.title or person.title
        persona = persona_for_title(person.title)
        person.persona = persona.key if persona else person.persona
        person.roles = tuple(BuyingRole(r) for r in row.roles) or person.roles
        person.attitude = row.attitude if row.attitude or key not in self._people else person.attitude
        self.uow.individuals.add(person)
        self._people[key] = person
        return person

    def person_ids(self, account: Account, names: list[str]) -> tuple[str, ...]:
        ids = []
        for name in names:
            person = self._people.get((account.id, normalize_name(name)))
            if person is None:
                raise InvalidInput(f"'{name}' is not a contact of {account.name}")
            ids.append(person.id)
        return tuple(ids)

    def interaction(self, row: InteractionIn, ws: str) -> None:
        account = self.account_named(row.account)
        people = self.person_ids(account, row.people)
        iid = stable_id(ws, account.id, row.at.isoformat(), row.text)
        self.uow.interactions.remove_with_effects(iid)  # re-import replaces what it wrote before
        self.uow.interactions.add(Interaction(iid, account.id, row.rep, row.text, row.at, people))
        for n, s in enumerate(row.signals):
            self.uow.signals.add(Signal(stable_id(iid, "s", str(n)), account.id, s.channel, s.polarity, row.at,
                                        row.text, s.strength, people, row.rep, iid))
        if row.touch:
            self.uow.touches.add(Touch(stable_id(iid, "t"), account.id, row.touch, row.at, people, row.rep, iid))
        if row.stage is not None:
            who = people[0] if people else None
            self.uow.stage_history.add(StageEvidence(row.stage, row.at, row.text, individual_id=who, rep_id=row.rep,
                                                     interaction_id=iid), account_id=account.id)
            refresh_account_stage(self.uow, account, now=row.at)

    def next_step(self, row: NextStepIn, ws: str) -> None:
        account = self.account_named(row.account)
        people = self.person_ids(account, row.people)
        sid = stable_id(ws, account.id, "step", row.text, str(row.due))
        self.uow.next_steps.add(NextStep(sid, account.id, row.owner, row.text, row.due, row.done, people))

    def goal(self, row: GoalIn) -> None:
        period_bounds(row.period)
        self.uow.goals.upsert(Goal(new_id(), validate_metric(row.metric), row.period, row.target))

