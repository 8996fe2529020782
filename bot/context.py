"""What every handler receives: who asks, when, and the services to answer (built once by bootstrap)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.replies import Repeated
from storage.uow import SqlReadWork, SqlUnitOfWork

if TYPE_CHECKING:
    from domain.understanding import Directory, Reading


@dataclass(frozen=True)
class Actor:
    """The rep behind a message: their workspace (the security boundary) and user id."""

    workspace_id: str
    user_id: str
    platform: str = "console"  # "slack", "teams", "console"
    name: str = ""
    tz: str = "UTC"

    @property
    def zone(self) -> tzinfo:
        try:
            return ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")


class StaleReading(Exception):
    """The words were read with a parser index older than the change counter a handler read in its own
    transaction (which is rolled back, nothing written): read them again at `version`, and route them again,
    since new names can change what they are."""

    def __init__(self, version: int) -> None:
        super().__init__(version)
        self.version = version


@dataclass(frozen=True)
class Request:
    """One command: the words after the command name, who typed them and when."""

    text: str
    actor: Actor
    now: datetime  # aware
    delivery_id: str | None = None  # the platform's id of this delivery, for retries
    reading: Reading | None = None  # set when the dispatcher already parsed free text
    account_id: str | None = None  # set when the rep picked the account in a form
    # the parser index version `reading` was made with, not yet checked against the change counter: a handler
    # that writes checks it in its own transaction and raises StaleReading (None: checked, or nothing to check)
    read_with: int | None = None

    @property
    def local_now(self) -> datetime:
        return self.now.astimezone(self.actor.zone)


def claim(uow: SqlUnitOfWork, req: Request) -> None:
    """Claim the request's delivery in the unit's transaction, before it writes anything: a retried delivery
    writes nothing (Repeated), and a transaction that fails takes its claim with it, so its retry runs."""
    if req.delivery_id and uow.seen_delivery(req.delivery_id):
        raise Repeated()


class DirectorySource(Protocol):
    """workspace id -> the parser's index, fresh; `version` when the caller already read the change counter."""

    def __call__(self, workspace_id: str, version: int | None = None) -> Directory: ...

    def cached(self, workspace_id: str) -> tuple[int, Directory] | None:
        """The index held now and its version, unchecked (None: none yet)."""
        ...


@dataclass
class Services:
    """Long-lived collaborators shared by all handlers."""

    uow: Callable[[str], SqlUnitOfWork]  # workspace id -> unit of work
    read: Callable[[str], SqlReadWork]  # workspace id -> a read-only unit, for commands that only show
    directory: DirectorySource
