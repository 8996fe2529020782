"""Explicit mapping between table rows and domain objects (the domain never sees a row)."""

from __future__ import annotations

from datetime import time
from typing import Any

from domain.buying import Stage, StageEvidence
from domain.customer import Account, AttitudeChange, BuyingRole, Individual, Lifecycle
from domain.goals import Goal
from domain.listening import Channel, Interaction, Polarity, Signal, Touch
from domain.names import normalize_name
from domain.next_steps import NextStep
from domain.tenancy import Rep
from storage.tables import (
    AccountRow,
    GoalRow,
    IndividualRow,
    InteractionRow,
    NextStepRow,
    RepRow,
    SignalRow,
    StageEventRow,
    TouchRow,
)


def _stage(value: str | None) -> Stage | None:
    return Stage(value) if value else None


def account_to_row(a: Account, ws: str) -> AccountRow:
    return AccountRow(**account_values(a, ws))


def account_values(a: Account, ws: str) -> dict[str, Any]:
    """The row's columns as a dict: what a Core insert or update takes (no ORM instance to build)."""
    return dict(
        id=a.id, workspace_id=ws, name=a.name, normalized_name=normalize_name(a.name), aliases=list(a.aliases),
        domain=a.domain, segment=a.segment, owner_id=a.owner_id, lifecycle=a.lifecycle.value,
        stage=a.stage.value if a.stage else None,
    )


def account_from_row(r: AccountRow) -> Account:
    return Account(
        id=r.id, name=r.name, aliases=tuple(r.aliases or ()), domain=r.domain, segment=r.segment,
        owner_id=r.owner_id, lifecycle=Lifecycle(r.lifecycle), stage=_stage(r.stage),
    )


def individual_to_row(p: Individual, ws: str) -> IndividualRow:
    return IndividualRow(**individual_values(p, ws))


def individual_values(p: Individual, ws: str) -> dict[str, Any]:
    return dict(
        id=p.id, workspace_id=ws, account_id=p.account_id, name=p.name, normalized_name=normalize_name(p.name),
        title=p.title, persona=p.persona, roles=[r.value for r in p.roles], attitude=p.attitude,
        stage=p.stage.value if p.stage else None,
    )


def individual_from_row(r: IndividualRow) -> Individual:
    return Individual(
        id=r.id, account_id=r.account_id, name=r.name, title=r.title, persona=r.persona,
        roles=tuple(BuyingRole(x) for x in r.roles or ()), attitude=r.attitude, stage=_stage(r.stage),
    )


def interaction_to_row(i: Interaction, ws: str) -> InteractionRow:
    return InteractionRow(**interaction_values(i, ws))


def interaction_values(i: Interaction, ws: str) -> dict[str, Any]:
    return dict(
        id=i.id, workspace_id=ws, account_id=i.account_id, rep_id=i.rep_id, text=i.text,
        occurred_at=i.occurred_at, individual_ids=list(i.individual_ids), undo=dict(i.undo),
    )


def interaction_from_row(r: InteractionRow) -> Interaction:
    return Interaction(
        id=r.id, account_id=r.account_id, rep_id=r.rep_id, text=r.text, occurred_at=r.occurred_at,
        individual_ids=tuple(r.individual_ids or ()), undo=dict(r.undo or {}),
    )


def signal_to_row(s: Signal, ws: str) -> SignalRow:
    return SignalRow(**signal_values(s, ws))


def signal_values(s: Signal, ws: str) -> dict[str, Any]:
    return dict(
        id=s.id, workspace_id=ws, account_id=s.account_id, channel=s.channel.value, polarity=s.polarity.value,
        strength=s.strength, text=s.text, occurred_at=s.occurred_at, individual_ids=list(s.individual_ids),
        rep_id=s.rep_id, interaction_id=s.interaction_id,
    )


def signal_from_row(r: SignalRow) -> Signal:
    return Signal(
        id=r.id, account_id=r.account_id, channel=Channel(r.channel), polarity=Polarity(r.polarity),
        occurred_at=r.occurred_at, text=r.text, strength=r.strength, individual_ids=tuple(r.individual_ids or ()),
        rep_id=r.rep_id, interaction_id=r.interaction_id,
    )


def touch_to_row(t: Touch, ws: str) -> TouchRow:
    return TouchRow(**touch_values(t, ws))


def touch_values(t: Touch, ws: str) -> dict[str, Any]:
    return dict(
        id=t.id, workspace_id=ws, account_id=t.account_id, kind=t.kind, occurred_at=t.occurred_at,
        individual_ids=list(t.individual_ids), rep_id=t.rep_id, interaction_id=t.interaction_id,
    )


def touch_from_row(r: TouchRow) -> Touch:
    return Touch(
        id=r.id, account_id=r.account_id, kind=r.kind, occurred_at=r.occurred_at,
        individual_ids=tuple(r.individual_ids or ()), rep_id=r.rep_id, interaction_id=r.interaction_id,
    )


def step_to_row(s: NextStep, ws: str) -> NextStepRow:
    return NextStepRow(**step_values(s, ws))


def step_values(s: NextStep, ws: str) -> dict[str, Any]:
    return dict(
        id=s.id, workspace_id=ws, account_id=s.account_id, owner_id=s.owner_id, text=s.text, due=s.due,
        done=s.done, individual_ids=list(s.individual_ids), interaction_id=s.interaction_id,
    )


def step_from_row(r: NextStepRow) -> NextStep:
    return NextStep(
        id=r.id, account_id=r.account_id, owner_id=r.owner_id, text=r.text, due=r.due, done=r.done,
        individual_ids=tuple(r.individual_ids or ()), interaction_id=r.interaction_id,
    )


def evidence_to_row(e: StageEvidence, ws: str, account_id: str) -> StageEventRow:
    return StageEventRow(**evidence_values(e, ws, account_id))


def evidence_values(e: StageEvidence, ws: str, account_id: str) -> dict[str, Any]:
    return dict(
        workspace_id=ws, account_id=account_id, stage=e.stage.value, occurred_at=e.occurred_at, words=e.words,
        source=e.source, individual_id=e.individual_id, rep_id=e.rep_id, interaction_id=e.interaction_id,
        reason=e.reason,
    )


def evidence_from_row(r: StageEventRow) -> StageEvidence:
    return StageEvidence(
        stage=Stage(r.stage), occurred_at=r.occurred_at, words=r.words, source=r.source,
        individual_id=r.individual_id, rep_id=r.rep_id, interaction_id=r.interaction_id, reason=r.reason,
    )


def attitude_values(c: AttitudeChange, ws: str) -> dict[str, Any]:
    return dict(
        workspace_id=ws, individual_id=c.individual_id, before=c.before, after=c.after, occurred_at=c.occurred_at,
        reason=c.reason, rep_id=c.rep_id, interaction_id=c.interaction_id,
    )


def goal_from_row(r: GoalRow) -> Goal:
    return Goal(id=r.id, metric=r.metric, period=r.period, target=r.target)


def rep_to_row(rep: Rep, ws: str) -> RepRow:
    return RepRow(
        workspace_id=ws, id=rep.id, name=rep.name, tz=rep.tz, digest_time=rep.digest_time.strftime("%H:%M"),
        digest_enabled=rep.digest_enabled, digest_days="".join(str(d) for d in sorted(rep.digest_days)),
        digest_skip_quiet=rep.digest_skip_quiet,
    )


def rep_from_row(r: RepRow) -> Rep:
    hh, mm = r.digest_time.split(":")
    return Rep(id=r.id, name=r.name, tz=r.tz, digest_time=time(int(hh), int(mm)), digest_enabled=r.digest_enabled,
               digest_days=frozenset(int(d) for d in r.digest_days), digest_skip_quiet=r.digest_skip_quiet)
