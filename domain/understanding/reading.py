"""What the parser understood from one message: the structured reading the command layer acts on."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from domain.buying import Stage
from domain.listening import Channel, Polarity


class Intent(StrEnum):
    LOG = "log"
    DMU = "dmu"
    STAGE = "stage"
    NEXT = "next"
    DIGEST = "digest"
    GOALS = "goals"
    ACCOUNT = "account"
    HELP = "help"


@dataclass(frozen=True)
class KnownAccount:
    """An account of the workspace as the parser sees it."""

    id: str
    name: str
    aliases: tuple[str, ...] = ()
    domain: str | None = None
    customer: bool = False  # already buys from us: talk of adding or of alternatives is about loyalty


@dataclass(frozen=True)
class KnownContact:
    """A contact of the workspace as the parser sees it."""

    id: str
    name: str
    account_id: str
    title: str | None = None
    roles: tuple[str, ...] = ()


class AccountKind(StrEnum):
    KNOWN = "known"
    NEW = "new"
    AMBIGUOUS = "ambiguous"
    NONE = "none"


@dataclass(frozen=True)
class AccountReading:
    kind: AccountKind
    account: KnownAccount | None = None  # when KNOWN
    score: float = 0.0  # 0..100, when KNOWN
    new_name: str | None = None  # when NEW: the company name as written
    candidates: tuple[KnownAccount, ...] = ()  # when AMBIGUOUS
    mention: str | None = None  # the words that named it


@dataclass(frozen=True)
class PersonReading:
    """A person the message refers to: a known contact, or a new person named with an optional title."""

    name: str
    contact: KnownContact | None = None
    title: str | None = None
    mention: str | None = None
    candidates: tuple[KnownContact, ...] = ()  # when the mention fits several contacts

    @property
    def is_known(self) -> bool:
        return self.contact is not None


@dataclass(frozen=True)
class SignalReading:
    channel: Channel
    polarity: Polarity
    phrase: str = ""


@dataclass(frozen=True)
class TouchReading:
    kind: str  # a key of domain.listening.TOUCH_KINDS
    phrase: str = ""


@dataclass(frozen=True)
class StageReading:
    stage: Stage
    phrase: str


@dataclass(frozen=True)
class NextStepReading:
    text: str
    due: date | None = None


@dataclass(frozen=True)
class Reading:
    intent: Intent
    account: AccountReading = field(default_factory=lambda: AccountReading(AccountKind.NONE))
    people: tuple[PersonReading, ...] = ()
    signals: tuple[SignalReading, ...] = ()
    touches: tuple[TouchReading, ...] = ()
    stage: StageReading | None = None
    next_step: NextStepReading | None = None
    text: str = ""
