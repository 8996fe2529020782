"""SQLModel tables. Every row carries its workspace id; hot paths are indexed."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Integer, Table, UniqueConstraint, text
from sqlmodel import Field, SQLModel
from sqlmodel.sql.sqltypes import UTCDateTime

# "roles (a JSON list) holds economic_buyer", spelled the same in the partial index and the query using it: both
# databases match an index's condition to a query's by its text
ECONOMIC_BUYER_ROLE = "CAST(roles AS TEXT) LIKE '%\"economic\\_buyer\"%' ESCAPE '\\'"


def _json(default: Any = None) -> Any:
    return Field(default_factory=lambda: default() if callable(default) else default, sa_column=Column(JSON))


class WorkspaceRow(SQLModel, table=True):
    __tablename__ = "workspace"
    id: str = Field(primary_key=True, max_length=120)
    name: str = Field(max_length=200)
    change_counter: int = 0  # bumped on every account/contact change: the parser's index refreshes from it


class RepRow(SQLModel, table=True):
    __tablename__ = "rep"
    workspace_id: str = Field(primary_key=True, foreign_key="workspace.id", max_length=120)
    id: str = Field(primary_key=True, max_length=120)
    name: str = Field(max_length=200)
    tz: str = Field(default="UTC", max_length=64)
    digest_time: str = Field(default="08:30", max_length=5)
    digest_enabled: bool = True
    digest_days: str = Field(default="12345", max_length=7)  # ISO weekdays, Monday = 1
    digest_skip_quiet: bool = False


class AccountRow(SQLModel, table=True):
    __tablename__ = "account"
    # one account per normalised name: parallel imports upsert instead of duplicating
    __table_args__: tuple[Any, ...] = (
        UniqueConstraint("workspace_id", "normalized_name", name="uq_account_ws_norm"),
        # a rep's accounts (digest, App Home); covering what the digest reads of its deals (no row look-ups)
        Index("ix_account_ws_owner_deal", "workspace_id", "owner_id", "lifecycle", "stage", "id", "name"),
        # and ix_account_ws_owner_active, the active deals by owner and name (migration 0007: per-dialect SQL)
        # per-deal aggregates the database keeps with triggers on individual and interaction (migration 0005);
        # left out of the ORM mapping so that no ORM or Core write of an account ever sets them
        Column("people_count", Integer, nullable=False, server_default=text("0")),
        Column("economic_buyers", Integer, nullable=False, server_default=text("0")),  # people with that role
        Column("last_touch_at", UTCDateTime(), nullable=True),  # the newest interaction's occurred_at
    )
    __mapper_args__ = {"exclude_properties": ["people_count", "economic_buyers", "last_touch_at"]}
    id: str = Field(primary_key=True, max_length=32)
    workspace_id: str = Field(foreign_key="workspace.id", max_length=120, index=True)
    name: str = Field(max_length=300)
    normalized_name: str = Field(max_length=300)
    aliases: list[str] = _json(list)
    domain: str | None = Field(default=None, max_length=255)
    segment: str | None = Field(default=None, max_length=120)
    owner_id: str | None = Field(default=None, max_length=120)
    lifecycle: str = Field(default="prospect", max_length=20)
    stage: str | None = Field(default=None, max_length=32)


class IndividualRow(SQLModel, table=True):
    __tablename__ = "individual"
    __table_args__ = (
        UniqueConstraint("workspace_id", "account_id", "normalized_name", name="uq_individual_ws_account_name"),
        # the economic buyers of each account: the digest's DMU-gap check, without reading every person's roles
        Index("ix_individual_ws_account_eb", "workspace_id", "account_id",
              sqlite_where=text(ECONOMIC_BUYER_ROLE), postgresql_where=text(ECONOMIC_BUYER_ROLE)),
    )
    id: str = Field(primary_key=True, max_length=32)
    workspace_id: str = Field(foreign_key="workspace.id", max_length=120)
    account_id: str = Field(foreign_key="account.id", max_length=32)
    name: str = Field(max_length=200)
    normalized_name: str = Field(max_length=200)
    title: str | None = Field(default=None, max_length=200)
    persona: str | None = Field(default=None, max_length=64)
    roles: list[str] = _json(list)
    attitude: int = 0
    stage: str | None = Field(default=None, max_length=32)


class InteractionRow(SQLModel, table=True):
    __tablename__ = "interaction"
    __table_args__ = (
        Index("ix_interaction_ws_account_time", "workspace_id", "account_id", "occurred_at"),
        Index("ix_interaction_ws_rep_time", "workspace_id", "rep_id", "occurred_at"),  # undo, a rep's accounts
    )
    id: str = Field(primary_key=True, max_length=32)
    workspace_id: str = Field(foreign_key="workspace.id", max_length=120)
    account_id: str = Field(foreign_key="account.id", max_length=32)
    rep_id: str = Field(max_length=120)
    text: str
    occurred_at: datetime
    individual_ids: list[str] = _json(list)
    undo: dict[str, Any] = _json(dict)


class SignalRow(SQLModel, table=True):
    __tablename__ = "signal"
    __table_args__ = (
        Index("ix_signal_ws_account_time", "workspace_id", "account_id", "occurred_at"),
        Index("ix_signal_ws_time", "workspace_id", "occurred_at"),
    )
    id: str = Field(primary_key=True, max_length=32)
    workspace_id: str = Field(foreign_key="workspace.id", max_length=120)
    account_id: str = Field(foreign_key="account.id", max_length=32)
    channel: str = Field(max_length=20)
    polarity: str = Field(max_length=10)
    strength: float = 1.0
    text: str
    occurred_at: datetime
    individual_ids: list[str] = _json(list)
    rep_id: str | None = Field(default=None, max_length=120)
    interaction_id: str | None = Field(default=None, max_length=32, index=True)


class TouchRow(SQLModel, table=True):
    __tablename__ = "touch"
    __table_args__ = (Index("ix_touch_ws_account_time", "workspace_id", "account_id", "occurred_at"),)
    id: str = Field(primary_key=True, max_length=32)
    workspace_id: str = Field(foreign_key="workspace.id", max_length=120)
    account_id: str = Field(foreign_key="account.id", max_length=32)
    kind: str = Field(max_length=32)
    occurred_at: datetime
    individual_ids: list[str] = _json(list)
    rep_id: str | None = Field(default=None, max_length=120)
    interaction_id: str | None = Field(default=None, max_length=32, index=True)


class NextStepRow(SQLModel, table=True):
    __tablename__ = "next_step"
    __table_args__ = (
        # a rep's steps by due date; with the id, a digest ranks them from the index alone (no row look-ups)
        Index("ix_next_step_ws_owner_due_id", "workspace_id", "owner_id", "done", "due", "id"),
        # an account's steps; open ones by due date without row look-ups (the digest's top deals, migration 0007)
        Index("ix_next_step_ws_account_due", "workspace_id", "account_id", "done", "due"),
    )
    id: str = Field(primary_key=True, max_length=32)
    workspace_id: str = Field(foreign_key="workspace.id", max_length=120)
    account_id: str = Field(foreign_key="account.id", max_length=32)
    owner_id: str = Field(max_length=120)
    text: str
    due: date | None = None
    done: bool = False
    individual_ids: list[str] = _json(list)
    interaction_id: str | None = Field(default=None, max_length=32, index=True)


class StageEventRow(SQLModel, table=True):
    """Stage evidence and overrides: the history that feeds stage inference, the digest and the goals."""

    __tablename__ = "stage_event"
    __table_args__ = (
        Index("ix_stage_event_ws_account_time", "workspace_id", "account_id", "occurred_at"),
        Index("ix_stage_event_ws_time", "workspace_id", "occurred_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(foreign_key="workspace.id", max_length=120)
    account_id: str = Field(foreign_key="account.id", max_length=32)
    stage: str = Field(max_length=32)
    occurred_at: datetime
    words: str
    source: str = Field(default="signal", max_length=16)
    individual_id: str | None = Field(default=None, max_length=32)
    rep_id: str | None = Field(default=None, max_length=120)
    interaction_id: str | None = Field(default=None, max_length=32, index=True)
    reason: str | None = None


class GoalRow(SQLModel, table=True):
    __tablename__ = "goal"
    __table_args__ = (UniqueConstraint("workspace_id", "metric", "period"),)
    id: str = Field(primary_key=True, max_length=32)
    workspace_id: str = Field(foreign_key="workspace.id", max_length=120)
    metric: str = Field(max_length=64)
    period: str = Field(max_length=16)
    target: float


class DeliveryRow(SQLModel, table=True):
    """Platform deliveries already processed (Slack event ids, Teams activity ids): retries never log twice."""

    __tablename__ = "delivery"
    workspace_id: str = Field(primary_key=True, foreign_key="workspace.id", max_length=120)
    key: str = Field(primary_key=True, max_length=200)
    seen_at: datetime


class PendingLogRow(SQLModel, table=True):
    """A log waiting for the rep's answer (which account? which person?): the rep's words are never lost."""

    __tablename__ = "pending_log"
    __table_args__ = (Index("ix_pending_ws_user", "workspace_id", "user_id"),)
    id: str = Field(primary_key=True, max_length=32)
    workspace_id: str = Field(foreign_key="workspace.id", max_length=120)
    user_id: str = Field(max_length=120)
    text: str
    said_at: datetime
    expires_at: datetime
    question: dict[str, Any] = _json(dict)


class AttitudeEventRow(SQLModel, table=True):
    """Every move of a person's attitude, with the evidence that moved it (trend and "why" in the DMU view)."""

    __tablename__ = "attitude_event"
    __table_args__ = (
        Index("ix_attitude_ws_person_time", "workspace_id", "individual_id", "occurred_at"),
        Index("ix_attitude_ws_time", "workspace_id", "occurred_at"),  # the day's moves (digest), migration 0007
    )
    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(foreign_key="workspace.id", max_length=120)
    individual_id: str = Field(max_length=32)
    before: int
    after: int
    occurred_at: datetime
    reason: str
    rep_id: str | None = Field(default=None, max_length=120)
    interaction_id: str | None = Field(default=None, max_length=32, index=True)


class MessageMapRow(SQLModel, table=True):
    """A workspace's message map as marketing wrote it (YAML); absent means the shipped default."""

    __tablename__ = "message_map"
    workspace_id: str = Field(primary_key=True, foreign_key="workspace.id", max_length=120)
    source: str
    updated_at: datetime


class ConversationRefRow(SQLModel, table=True):
    """Where the bot can write to a rep later (Teams proactive messages, the digest)."""

    __tablename__ = "conversation_ref"
    workspace_id: str = Field(primary_key=True, foreign_key="workspace.id", max_length=120)
    user_id: str = Field(primary_key=True, max_length=120)
    conversation_id: str = Field(primary_key=True, max_length=300)
    conversation_type: str = Field(max_length=16)
    service_url: str = Field(max_length=500)
    reference: dict[str, Any] = _json(dict)
    updated_at: datetime


class DigestSendRow(SQLModel, table=True):
    """One digest per rep per local day: the primary key is the claim, taken before anything is sent."""

    __tablename__ = "digest_send"
    __table_args__ = (Index("ix_digest_send_status", "status", "next_try_at"),)
    workspace_id: str = Field(primary_key=True, foreign_key="workspace.id", max_length=120)
    rep_id: str = Field(primary_key=True, max_length=120)
    local_date: date = Field(primary_key=True)
    status: str = Field(default="claimed", max_length=16)  # claimed, sent, skipped, unreachable, failed
    claimed_at: datetime
    next_try_at: datetime  # a claim not finished by then (the sender crashed) or a retry falls due again
    attempts: int = 0
    sent_at: datetime | None = None
    detail: str | None = None


def core(model: type[SQLModel]) -> Table:
    """A model's Core table, for the statements compiled once (storage/prepared.py) that skip the ORM."""
    return model.__table__  # type: ignore[attr-defined, no-any-return]


ACCOUNT, INDIVIDUAL, INTERACTION, SIGNAL = core(AccountRow), core(IndividualRow), core(InteractionRow), core(SignalRow)
NEXT_STEP, STAGE_EVENT, ATTITUDE_EVENT = core(NextStepRow), core(StageEventRow), core(AttitudeEventRow)
MESSAGE_MAP, WORKSPACE, DIGEST_SEND = core(MessageMapRow), core(WorkspaceRow), core(DigestSendRow)

