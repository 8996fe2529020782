"""Writing a log and undoing it: everything one log wrote, in one transaction, and its exact reversal."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from domain.buying import Stage, StageEvidence
from domain.customer import Account, AttitudeChange, Individual, Lifecycle, clamp_attitude
from domain.listening import Channel, Interaction, Signal, Touch
from domain.names import new_id, normalize_name
from domain.next_steps import NextStep
from domain.personas import persona_for_title
from domain.stage_rules import infer_stage
from domain.understanding import Reading
from storage.repositories import queued_writes
from storage.uow import SqlUnitOfWork

# Channels whose polarity moves the named people's attitude to our brand by one step.
_ATTITUDE_CHANNELS = {Channel.ENGAGEMENT, Channel.SAMPLING, Channel.CHATTER, Channel.LOYALTY}


def write_log(uow: SqlUnitOfWork, *, reading: Reading, account: Account, rep_id: str, now: datetime,
              created_account: bool = False, created_people: list[Individual] | None = None,
              account_as_stored: bool = True, known: Sequence[Individual] = (),
              stage_latest: Sequence[tuple[Stage, str, datetime]] | None = None) -> Interaction:
    """Record the interaction, its signals, touches, people, attitude moves, stage evidence and next step; the
    caller commits next.

    Everything is decided in memory first, then written as one Core INSERT per table (new people, signals,
    touches, attitude moves, stage evidence, next step, the interaction) and one UPDATE per moved attitude and
    for a stage or lifecycle that moved: no ORM instances, and no look-ups for rows whose ids were just made.
    The writes are held and sent with the transaction's COMMIT (SqlUnitOfWork.commit: one round trip on
    PostgreSQL); a statement of a repository before that runs them first. The stage is re-inferred from
    `stage_latest`, the account's evidence this transaction read before (SqlUnitOfWork.open_log), with this
    log's added; without it, from a read after the writes (held until then, run in the same round trip).
    `account_as_stored`: the account's stage and lifecycle are what this transaction last wrote or read (an
    edit passes False: its account was read before the undo, and is written back whatever it holds). `known`:
    contacts of the reading this transaction already read (SqlUnitOfWork.open_log), not read again."""
    undo: dict[str, Any] = {"created_account": account.id if created_account else None, "created_people": [],
                            "attitudes": {}, "stage": account.stage.value if account.stage else None,
                            "lifecycle": account.lifecycle.value}
    uow.session.flush()  # anything this transaction changed through the ORM (an undo before an edit) is read back
    people, created = _people(uow, reading, account, undo, known)
    person_ids = tuple(p.id for p in people)
    interaction = Interaction(new_id(), account.id, rep_id, reading.text, now, person_ids)
    moves = _move_attitudes(reading, people, undo, rep_id=rep_id, now=now, interaction_id=interaction.id)
    with queued_writes(uow.session, until_commit=True):  # sent with the COMMIT: one round trip on PostgreSQL
        uow.individuals.add_new(created)  # with their attitude already moved: one row each, written once
        fresh = {p.id for p in created}
        for change in sorted(moves, key=lambda c: c.individual_id):  # by id: two logs lock people in one order
            if change.individual_id not in fresh:
                uow.individuals.set_attitude(change.individual_id, change.after)
        uow.signals.add_all([Signal(new_id(), account.id, s.channel, s.polarity, now, s.phrase or reading.text,
                                    individual_ids=person_ids, rep_id=rep_id, interaction_id=interaction.id)
                             for s in reading.signals])
        uow.touches.add_all([Touch(new_id(), account.id, t.kind, now, person_ids, rep_id, interaction.id)
                             for t in reading.touches])
        uow.attitudes.add_all(moves)
        evidence: list[StageEvidence] = []
        if reading.stage is not None:
            who = people[0].id if people else None
            evidence = [StageEvidence(reading.stage.stage, now, reading.stage.phrase or reading.text,
                                      individual_id=who, rep_id=rep_id, interaction_id=interaction.id)]
            uow.stage_history.add_all(evidence, account_id=account.id)
        if reading.next_step is not None:
            uow.next_steps.add_new(NextStep(new_id(), account.id, rep_id, reading.next_step.text,
                                            reading.next_step.due, individual_ids=person_ids,
                                            interaction_id=interaction.id))
        interaction.undo = undo
        uow.interactions.add_new(interaction)
        if reading.stage is not None:
            stored = (account.stage, account.lifecycle)
            if stage_latest is not None:  # read before, with this transaction's claim: no read after the writes
                latest = [*stage_latest, *((e.stage, e.source, e.occurred_at) for e in evidence)]
                _restage(uow, account, now=now, latest=latest)
            else:
                _restage(uow, account, now=now)  # its read runs the writes held so far, then reads, in one go
            if not account_as_stored or (account.stage, account.lifecycle) != stored:
                uow.accounts.set_stage(account, converted=account.lifecycle != stored[1])
    if created_people is not None:
        created_people.extend(created)
    return interaction


def _people(uow: SqlUnitOfWork, reading: Reading, account: Account, undo: dict[str, Any],
            read_before: Sequence[Individual] = ()) -> tuple[list[Individual], list[Individual]]:
    """The log's people (known contacts read in one query, unless this transaction read them before) and those
    of them to create."""
    known = {p.id: p for p in read_before}
    missing = [p.contact.id for p in reading.people if p.contact and p.contact.id not in known]
    if missing:
        known.update((p.id, p) for p in uow.individuals.with_ids(missing))
    found: list[Individual] = []
    created: list[Individual] = []
    for p in reading.people:
        if p.candidates and p.contact is None:
            continue  # undecided between two contacts: never guessed, never created as someone new
        if p.contact:
            person = known.get(p.contact.id)
        else:
            named = normalize_name(p.name)
            person = next((c for c in created if normalize_name(c.name) == named), None)
            person = person or uow.individuals.by_name(account.id, p.name)
        if person is not None and person.account_id != account.id:
            continue  # a namesake at another account is not this log's person
        if person is None:
            persona = persona_for_title(p.title)
            person = Individual(new_id(), account.id, p.name, p.title, persona.key if persona else None)
            created.append(person)
            undo["created_people"].append(person.id)
        if all(f.id != person.id for f in found):
            found.append(person)
    return found, created


def moves_attitudes(reading: Reading) -> bool:
    """Whether the log may move its people's attitude (a tone on the channels that move it)."""
    return _tone_step(reading) != 0


def _tone_step(reading: Reading) -> int:
    tone = sum(s.polarity.sign for s in reading.signals if s.channel in _ATTITUDE_CHANNELS)
    return (tone > 0) - (tone < 0)


def _move_attitudes(reading: Reading, people: list[Individual], undo: dict[str, Any], *, rep_id: str,
                    now: datetime, interaction_id: str) -> list[AttitudeChange]:
    step = _tone_step(reading)
    moves: list[AttitudeChange] = []
    if not step:
        return moves
    for person in people:
        moved = clamp_attitude(person.attitude + step)
        if moved != person.attitude:
            undo["attitudes"].setdefault(person.id, person.attitude)
            moves.append(AttitudeChange(person.id, person.attitude, moved, now, reading.text, rep_id,
                                        interaction_id))
            person.attitude = moved
    return moves


def refresh_account_stage(uow: SqlUnitOfWork, account: Account, *, now: datetime) -> None:
    """Re-infer the account's stage from all its evidence; a customer stage makes a prospect a customer."""
    _restage(uow, account, now=now)
    uow.accounts.update(account)


def _restage(uow: SqlUnitOfWork, account: Account, *, now: datetime,
             latest: Sequence[tuple[Stage, str, datetime]] | None = None) -> None:
    uow.session.flush()
    account.stage = current_stage(uow, account.id, now=now, latest=latest)
    if account.stage == Stage.CUSTOMER and account.lifecycle == Lifecycle.PROSPECT:
        account.lifecycle = Lifecycle.CUSTOMER


def current_stage(uow: SqlUnitOfWork, account_id: str, *, now: datetime,
                  latest: Sequence[tuple[Stage, str, datetime]] | None = None) -> Stage | None:
    """What `infer_stage` makes of the account's evidence, from the newest time per stage and source only
    (`latest`: as StageHistory.latest_by_stage reads them, or read here).

    The rule: the furthest stage shown since the latest override (the override's own stage included), or
    over all evidence when there is none. Two overrides at the same instant are left to the full rule."""
    if latest is None:
        latest = uow.stage_history.latest_by_stage(account_id)
    overrides = [(at, stage) for stage, source, at in latest if source == "override"]
    since = max((at for at, _ in overrides), default=None)
    if len({stage for at, stage in overrides if at == since}) > 1:
        return infer_stage(uow.stage_history.of_account(account_id), person_weights={}, now=now).stage
    return max((stage for stage, _, at in latest if since is None or at >= since), key=lambda s: s.rank,
               default=None)


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

