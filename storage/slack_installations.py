"""Slack's own tables: one bot installation per workspace (or org), the OAuth states, and the inbox of
requests acknowledged before they were processed.

Implements slack_sdk's InstallationStore and OAuthStateStore on our engine, so every bot process (SQLite or
PostgreSQL) sees the same installs. Tokens are secrets: they are never logged and hidden from reprs.
We ask for no user scopes, so no user token is ever stored; the installer is kept only as an id.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk.oauth.installation_store import Bot, Installation, InstallationStore
from slack_sdk.oauth.state_store import OAuthStateStore
from sqlalchemy import JSON, Column, delete, insert, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Field, Session, SQLModel, col, select

from storage.engine import make_engine
from storage.prepared import PreparedRead
from storage.tables import core
from storage.uow import ensure_workspace
from storage.upsert import merge_row

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def slack_workspace_id(*, team_id: str | None, enterprise_id: str | None, is_enterprise_install: bool) -> str:
    """Our workspace id for a Slack team: slack:T123, or slack:E1:T123 under an org-wide install.

    An org-wide installation itself has no team: its row is keyed slack:E1: (the prefix of its workspaces).
    """
    org = f"{enterprise_id}:" if is_enterprise_install and enterprise_id else ""
    return f"slack:{org}{team_id or ''}"


class SlackInstallationRow(SQLModel, table=True):
    """The latest bot installation of one workspace (or one org): a reinstall replaces it."""

    __tablename__ = "slack_installation"
    workspace_id: str = Field(primary_key=True, max_length=120)
    team_id: str | None = Field(default=None, max_length=32)
    enterprise_id: str | None = Field(default=None, max_length=32)
    is_enterprise_install: bool = False
    team_name: str | None = Field(default=None, max_length=200)
    enterprise_name: str | None = Field(default=None, max_length=200)
    app_id: str | None = Field(default=None, max_length=32)
    bot_token: str = Field(max_length=255, repr=False)
    bot_id: str | None = Field(default=None, max_length=32)
    bot_user_id: str | None = Field(default=None, max_length=32)
    scopes: str = Field(default="", max_length=2000)  # comma-separated, as Slack sends them
    bot_refresh_token: str | None = Field(default=None, max_length=255, repr=False)  # only with token rotation
    bot_token_expires_at: datetime | None = None
    installer_user_id: str | None = Field(default=None, max_length=32)
    installed_at: datetime


class SlackOAuthStateRow(SQLModel, table=True):
    """An install in progress: the state sent to Slack with the installer, valid once and until it expires."""

    __tablename__ = "slack_oauth_state"
    state: str = Field(primary_key=True, max_length=64)
    expires_at: datetime = Field(index=True)


def _lookup_key(enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None) -> str:
    # As slack_sdk's own stores do: an org-wide install (or an org id without a team) is found by the org alone.
    org_wide = bool(is_enterprise_install) or bool(enterprise_id and not team_id)
    return slack_workspace_id(team_id=None if org_wide else team_id, enterprise_id=enterprise_id,
                              is_enterprise_install=org_wide)


def _epoch(moment: datetime | None) -> int | None:
    return int(moment.timestamp()) if moment else None


def _moment(epoch: float | None) -> datetime | None:
    return datetime.fromtimestamp(epoch, UTC) if epoch else None


class SqlInstallationStore(InstallationStore):
    """slack_sdk's InstallationStore on our tables; each call is one short transaction."""

    def __init__(self, engine: Engine, *, clock: Clock = lambda: datetime.now(UTC)) -> None:
        self._engine = engine
        self._clock = clock

    @property
    def logger(self) -> logging.Logger:
        return log

    def save(self, installation: Installation) -> None:
        if not installation.bot_token:
            raise ValueError("an installation without a bot token (user-only installs are not supported)")
        installed = _moment(installation.installed_at) or self._clock()
        row = SlackInstallationRow(
            workspace_id=_lookup_key(installation.enterprise_id, installation.team_id,
                                     installation.is_enterprise_install),
            team_id=installation.team_id, enterprise_id=installation.enterprise_id,
            is_enterprise_install=bool(installation.is_enterprise_install), team_name=installation.team_name,
            enterprise_name=installation.enterprise_name, app_id=installation.app_id,
            bot_token=installation.bot_token, bot_id=installation.bot_id, bot_user_id=installation.bot_user_id,
            scopes=",".join(installation.bot_scopes or []), bot_refresh_token=installation.bot_refresh_token,
            bot_token_expires_at=_moment(installation.bot_token_expires_at),
            installer_user_id=installation.user_id, installed_at=installed)
        if not row.is_enterprise_install:  # a team install is a workspace of ours from now on
            ensure_workspace(self._engine, row.workspace_id, installation.team_name or row.workspace_id)
        self._upsert(row)
        log.info("Slack installation saved for %s by %s", row.workspace_id, row.installer_user_id)

    def save_bot(self, bot: Bot) -> None:
        """Token rotation refreshed the bot token: keep the rest of the installation."""
        key = _lookup_key(bot.enterprise_id, bot.team_id, bot.is_enterprise_install)
        with Session(self._engine) as s:
            row = s.get(SlackInstallationRow, key)
            if row is None:
                raise ValueError(f"no Slack installation for {key} to refresh")
            row.bot_token, row.bot_refresh_token = bot.bot_token, bot.bot_refresh_token
            row.bot_token_expires_at = _moment(bot.bot_token_expires_at)
            s.add(row)
            s.commit()

    def _upsert(self, row: SlackInstallationRow) -> None:
        merge_row(self._engine, row)  # two installs of one team racing: the second updates the first's row

    def _row(self, enterprise_id: str | None, team_id: str | None,
             is_enterprise_install: bool | None) -> SlackInstallationRow | None:
        with Session(self._engine) as s:
            return s.get(SlackInstallationRow, _lookup_key(enterprise_id, team_id, is_enterprise_install))

    def find_installation(self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None,
                          is_enterprise_install: bool | None = False) -> Installation | None:
        row = self._row(enterprise_id, team_id, is_enterprise_install)
        if row is None or (user_id is not None and user_id != row.installer_user_id):
            return None  # we keep no user installations: only the installer's (bot) installation exists
        return Installation(
            app_id=row.app_id, enterprise_id=row.enterprise_id, enterprise_name=row.enterprise_name,
            team_id=row.team_id, team_name=row.team_name, bot_token=row.bot_token, bot_id=row.bot_id,
            bot_user_id=row.bot_user_id, bot_scopes=row.scopes, bot_refresh_token=row.bot_refresh_token,
            bot_token_expires_at=_epoch(row.bot_token_expires_at), user_id=row.installer_user_id or "",
            is_enterprise_install=row.is_enterprise_install, installed_at=row.installed_at.timestamp())

    def find_bot(self, *, enterprise_id: str | None, team_id: str | None,
                 is_enterprise_install: bool | None = False) -> Bot | None:
        row = self._row(enterprise_id, team_id, is_enterprise_install)
        if row is None:
            return None
        return Bot(app_id=row.app_id, enterprise_id=row.enterprise_id, enterprise_name=row.enterprise_name,
                   team_id=row.team_id, team_name=row.team_name, bot_token=row.bot_token, bot_id=row.bot_id or "",
                   bot_user_id=row.bot_user_id or "", bot_scopes=row.scopes,
                   bot_refresh_token=row.bot_refresh_token, bot_token_expires_at=_epoch(row.bot_token_expires_at),
                   is_enterprise_install=row.is_enterprise_install, installed_at=row.installed_at.timestamp())

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self._delete(_lookup_key(enterprise_id, team_id, None))

    def delete_installation(self, *, enterprise_id: str | None, team_id: str | None,
                            user_id: str | None = None) -> None:
        if user_id is not None:
            return  # a user's token was revoked: we never store user tokens, and the bot token stays valid
        self._delete(_lookup_key(enterprise_id, team_id, None))

    def delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self._delete(_lookup_key(enterprise_id, team_id, None))

    def _delete(self, key: str) -> None:
        with Session(self._engine) as s:
            s.exec(delete(SlackInstallationRow).where(col(SlackInstallationRow.workspace_id) == key))  # type: ignore[call-overload]
            s.commit()
        log.info("Slack installation deleted for %s", key)


class SqlOAuthStateStore(OAuthStateStore):
    """OAuth states in the database, so the redirect may reach another process than the install page did."""

    def __init__(self, engine: Engine, *, expiration_seconds: int = 600,
                 clock: Clock = lambda: datetime.now(UTC)) -> None:
        self._engine = engine
        self._ttl = timedelta(seconds=expiration_seconds)
        self._clock = clock

    @property
    def logger(self) -> logging.Logger:
        return log

    def issue(self, *args: object, **kwargs: object) -> str:
        state = secrets.token_urlsafe(32)
        now = self._clock()
        with Session(self._engine) as s:
            # abandoned installs leave states behind: sweep them here so the table stays small
            s.exec(delete(SlackOAuthStateRow).where(col(SlackOAuthStateRow.expires_at) <= now))  # type: ignore[call-overload]
            s.add(SlackOAuthStateRow(state=state, expires_at=now + self._ttl))
            s.commit()
        return state

    def consume(self, state: str) -> bool:
        """True once for a state we issued that has not expired; one DELETE decides, so two racing
        redirects with the same state cannot both win."""
        if not state or len(state) > 64:
            return False
        with Session(self._engine) as s:
            result = s.exec(delete(SlackOAuthStateRow).where(  # type: ignore[call-overload]
                col(SlackOAuthStateRow.state) == state, col(SlackOAuthStateRow.expires_at) > self._clock()))
            s.commit()
            return bool(result.rowcount == 1)


class SlackInboxRow(SQLModel, table=True):
    """A Slack request acknowledged before it was processed: recorded first, so a process killed right after
    the ack loses nothing; deleted once answered. A lease says which process is on it."""

    __tablename__ = "slack_inbox"
    id: str = Field(primary_key=True, max_length=200)  # Slack's own id for the request: a retry collides
    workspace_id: str = Field(max_length=120)
    kind: str = Field(max_length=16)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))  # never a token
    received_at: datetime
    lease_until: datetime = Field(index=True)
    attempts: int = 1


@dataclass(frozen=True)
class InboxItem:
    id: str
    workspace_id: str
    kind: str
    payload: dict[str, Any]
    attempts: int


_INBOX = core(SlackInboxRow)
_RECORD = PreparedRead(insert(_INBOX))
FINISHED = datetime(9999, 1, 1, tzinfo=UTC)  # the lease of a finished request: never claimed again
KEEP_FINISHED = timedelta(days=1)  # Slack retries within minutes; a day is ample
PURGE_EVERY = timedelta(minutes=1)
RECORD_PATIENCE = 10.0  # seconds a record waits for SQLite's write lock before the rep hears "try again"


_IMPATIENT: dict[str, Engine] = {}


def _impatient(engine: Engine) -> Engine:
    """One engine per SQLite file whose connections fail at once when another process writes."""
    url = engine.url.render_as_string(hide_password=False)
    with _IMPATIENT_LOCK:
        if url not in _IMPATIENT:
            _IMPATIENT[url] = make_engine(url, busy_timeout=0)
        return _IMPATIENT[url]


_IMPATIENT_LOCK = threading.Lock()


class SqlSlackInbox:
    """Requests recorded before their ack; any process may finish one whose lease ran out."""

    def __init__(self, engine: Engine, *, lease_seconds: float = 120,
                 clock: Clock = lambda: datetime.now(UTC)) -> None:
        self._engine = engine
        self._lease = timedelta(seconds=lease_seconds)
        self._clock = clock
        # SQLite has one writer: threads of this process queue here and are woken at once, instead of in
        # SQLite's busy handler, which sleeps 1, 2, 5, 10... ms between tries (the p99 of an ack).
        sqlite = engine.dialect.name == "sqlite"
        self._writing: AbstractContextManager[object] = threading.Lock() if sqlite else nullcontext()
        # Another process (the worker) may hold SQLite's write lock: the record before an ack asks again every
        # fraction of a millisecond instead of sleeping in that busy handler.
        self._recorder = _impatient(engine) if sqlite and engine.url.database not in (None, "", ":memory:") \
            else engine
        self._purged_at = datetime.min.replace(tzinfo=UTC)

    def record(self, key: str, *, workspace_id: str, kind: str, payload: dict[str, Any], leased: bool = True) -> bool:
        """Durably records a request, leased to this process (or, not leased, ready for any worker to claim);
        False when it was recorded before (a retry)."""
        now = self._clock()
        row = {"id": key, "workspace_id": workspace_id, "kind": kind, "payload": payload, "received_at": now,
               "lease_until": now + self._lease if leased else now, "attempts": 1}
        # This runs before every ack: a statement compiled once, on a pooled DBAPI connection (half the time of
        # a Core insert through engine.begin(), and a sixth of the ORM's).
        deadline = time.monotonic() + RECORD_PATIENCE
        pause = 0.0002
        with self._writing:
            while True:
                try:
                    return self._insert(row)
                except OperationalError as exc:
                    if "locked" not in str(exc.orig).lower() or time.monotonic() > deadline:
                        raise
                time.sleep(pause)
                pause = min(pause * 1.5, 0.002)

    def _insert(self, row: dict[str, Any]) -> bool:
        dbapi = self._recorder.raw_connection()
        try:
            _RECORD.execute(dbapi, self._recorder.dialect, **row)
            dbapi.commit()
        except IntegrityError:
            dbapi.rollback()
            return False
        except BaseException:
            dbapi.rollback()
            raise
        finally:
            dbapi.close()  # back to the pool
        return True

    def done(self, key: str) -> None:
        """Finished: kept (payload dropped) for a day so a late retry of the same id is still recognised;
        deleting it at once let a retry arriving after the answer run again."""
        with self._writing, self._engine.begin() as conn:
            conn.execute(update(_INBOX).where(_INBOX.c.id == key).values(lease_until=FINISHED, payload={}))
            now = self._clock()
            if now - self._purged_at >= PURGE_EVERY:  # not on every request: it scans the day's finished ones
                self._purged_at = now
                conn.execute(delete(_INBOX).where(_INBOX.c.lease_until == FINISHED,
                                                  _INBOX.c.received_at < now - KEEP_FINISHED))

    def claim_stale(self, limit: int = 50) -> list[InboxItem]:
        """Takes over requests whose lease ran out (their process died or gave up) or that no one took yet,
        oldest first."""
        now = self._clock()
        with Session(self._engine) as s:
            rows = s.exec(select(SlackInboxRow).where(col(SlackInboxRow.lease_until) <= now)
                          .order_by(col(SlackInboxRow.received_at)).limit(limit)).all()
            candidates = [InboxItem(r.id, r.workspace_id, r.kind, dict(r.payload), r.attempts + 1) for r in rows]
        claimed = []
        for item in candidates:
            with Session(self._engine) as s:
                # only one process wins each row: the lease is renewed only if it is still expired
                result = s.exec(update(SlackInboxRow).where(  # type: ignore[call-overload]
                    col(SlackInboxRow.id) == item.id, col(SlackInboxRow.lease_until) <= now,
                ).values(lease_until=now + self._lease, attempts=item.attempts))
                s.commit()
                if result.rowcount == 1:
                    claimed.append(item)
        return claimed
