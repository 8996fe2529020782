"""Writing a log and undoing it: everything one log wrote, in one transaction, and its exact reversal."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.buying import Stage, StageEvidence
from domain.customer import Account, AttitudeChange, Individual, Lifecycle, clamp_attitude
from domain.listening import Channel, Interaction, Signal, Touch
from domain.names import new_id
from domain.next_steps import NextStep
from domain.personas import persona_for_title
from domain.stage_rules import infer_stage
from domain.understanding import Reading
from storage.uow import SqlUnitOfWork

# Channels whose polarity moves the named people's attitude to our brand by one step.
_ATTITUDE_CHANNELS = {Channel.ENGAGEMENT, Channel.SAMPLING, Channel.CHATTER, Channel.LOYALTY}


def write_log(uow: SqlUnitOfWork, *, reading: Reading, account: Account, rep_id: str, now: datetime,
              created_account: bool = False) -> Interaction:
    """Record the interaction, its signals, touches, people, attitude moves, stage evidence and next step."""
    undo: dict[str, Any] = {"created_account": account.id if created_account else None, "created_people": [],
                            "attitudes": {}, "stage": account.stage.value if account.stage else None,
                            "lifecycle": account.lifecycle.value}
    people = _people(uow, reading, account, undo)
    person_ids = tuple(p.id for p in people)
    interaction = Interaction(new_id(), account.id, rep_id, reading.text, now, person_ids)
    for s in reading.signals:
        uow.signals.add(Signal(new_id(), account.id, s.channel, s.polarity, now, s.phrase or reading.text,
                               individual_ids=person_ids, rep_id=rep_id, interaction_id=interaction.id))
    for t in reading.touches:
        uow.touches.add(Touch(new_id(), account.id, t.kind, now, person_ids, rep_id, interaction.id))
    _move_attitudes(uow, reading, people, undo, rep_id=rep_id, now=now, interaction_id=interaction.id)
    if reading.stage is not None:
        _record_stage(uow, reading, account, people, rep_id, now, interaction.id)
    if reading.next_step is not None:
        uow.next_steps.add(NextStep(new_id(), account.id, rep_id, reading.next_step.text, reading.next_step.due,
                                    individual_ids=person_ids, interaction_id=interaction.id))
    interaction.undo = undo
    uow.interactions.add(interaction)
    return interaction


def _people(uow: SqlUnitOfWork, reading: Reading, account: Account, undo: dict[str, Any]) -> list[Individual]:
    found: list[Individual] = []
    for p in reading.people:
        if p.candidates and p.contact is None:
            continue  # undecided between two contacts: never guessed, never created as someone new
        person = uow.individuals.get(p.contact.id) if p.contact else uow.individuals.by_name(account.id, p.name)
        if person is not None and person.account_id != account.id:
            continue  # a namesake at another account is not this log's person
        if person is None:
            persona = persona_for_title(p.title)
            person = Individual(new_id(), account.id, p.name, p.title, persona.key if persona else None)
            uow.individuals.add(person)
            undo["created_people"].append(person.id)
        if all(f.id != person.id for f in found):
            found.append(person)
    return found


def _move_attitudes(uow: SqlUnitOfWork, reading: Reading, people: list[Individual], undo: dict[str, Any], *,
                    rep_id: str, now: datetime, interaction_id: str) -> None:
    tone = sum(s.polarity.sign for s in reading.signals if s.channel in _ATTITUDE_CHANNELS)
    step = (tone > 0) - (tone < 0)
    if not step:
        return
    for person in people:
        moved = clamp_attitude(person.attitude + step)
        if moved != person.attitude:
            undo["attitudes"].setdefault(person.id, person.attitude)
            uow.attitudes.add(AttitudeChange(person.id, person.attitude, moved, now, reading.text, rep_id,
                                             interaction_id))
            person.attitude = moved
            uow.individuals.update(person)


def _record_stage(uow: SqlUnitOfWork, reading: Reading, account: Account, people: list[Individual],
                  rep_id: str, now: datetime, interaction_id: str) -> None:
    assert reading.stage is not None
    who = people[0].id if people else None
    uow.stage_history.add(StageEvidence(reading.stage.stage, now, reading.stage.phrase or reading.text,
                                        individual_id=who, rep_id=rep_id, interaction_id=interaction_id),
                          account_id=account.id)
    refresh_account_stage(uow, account, now=now)


def refresh_account_stage(uow: SqlUnitOfWork, account: Account, *, now: datetime) -> None:
    """Re-infer the account's stage from all its evidence; a customer stage makes a prospect a customer."""
    uow.session.flush()
    weights = {p.id: p.weight() for p in uow.individuals.of_account(account.id)}
    assessment = infer_stage(uow.stage_history.of_account(account.id), person_weights=weights, now=now)
    account.stage = assessment.stage
    if account.stage == Stage.CUSTOMER and account.lifecycle == Lifecycle.PROSPECT:
        account.lifecycle = Lifecycle.CUSTOMER
    uow.accounts.update(account)


def undo_log(uow: SqlUnitOfWork, interaction: Interaction, *, now: datetime) -> None:
    """Remove everything the log wrote and restore what it changed."""
    undo = interaction.undo
    uow.interactions.remove_with_effects(interaction.id)
    for person_id, before in dict(undo.get("attitudes", {})).items():
        person = uow.individuals.get(person_id)
        if person is not None:
            person.attitude = int(before)
            uow.individuals.update(person)
    for person_id in undo.get("created_people", []):
        if not _still_referenced(uow, interaction.account_id, person_id):
            uow.individuals.remove(person_id)
    account = uow.accounts.get(interaction.account_id)
    if account is None:
        return
    if undo.get("created_account") and uow.interactions.count_for_account(account.id) == 0:
        for person in uow.individuals.of_account(account.id):
            uow.individuals.remove(person.id)
        uow.session.flush()
        uow.accounts.remove(account.id)
        return
    account.lifecycle = Lifecycle(str(undo.get("lifecycle", account.lifecycle.value)))
    refresh_account_stage(uow, account, now=now)  # later logs' evidence still counts


def _still_referenced(uow: SqlUnitOfWork, account_id: str, person_id: str) -> bool:
    return any(person_id in i.individual_ids for i in uow.interactions.of_account(account_id, limit=1000))

