"""The business customer, deconstructed: firm (account) -> DMU -> individuals whose attitudes are the brand."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from domain.buying import Stage
from domain.errors import InvalidInput


class Lifecycle(StrEnum):
    PROSPECT = "prospect"
    CUSTOMER = "customer"
    CHURNED = "churned"


class BuyingRole(StrEnum):
    INITIATOR = "initiator"
    USER = "user"
    INFLUENCER = "influencer"
    DECIDER = "decider"
    ECONOMIC_BUYER = "economic_buyer"
    GATEKEEPER = "gatekeeper"
    CHAMPION = "champion"
    BLOCKER = "blocker"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


# Deciders and economic buyers weigh most when an account's stage is inferred.
ROLE_WEIGHT: dict[BuyingRole, float] = {
    BuyingRole.ECONOMIC_BUYER: 3.0,
    BuyingRole.DECIDER: 3.0,
    BuyingRole.CHAMPION: 2.0,
    BuyingRole.INFLUENCER: 1.5,
    BuyingRole.BLOCKER: 1.5,
    BuyingRole.GATEKEEPER: 1.2,
    BuyingRole.INITIATOR: 1.2,
    BuyingRole.USER: 1.0,
}
KEY_ROLES = (BuyingRole.ECONOMIC_BUYER, BuyingRole.DECIDER)

ATTITUDE_MIN, ATTITUDE_MAX = -2, 2
ATTITUDE_LABELS = {-2: "detractor", -1: "sceptical", 0: "neutral", 1: "favourable", 2: "advocate"}


def parse_roles(values: list[str] | tuple[str, ...]) -> tuple[BuyingRole, ...]:
    """Buying roles from their names ("economic buyer", "economic_buyer"); unknown names are an error."""
    roles: list[BuyingRole] = []
    for raw in values:
        key = raw.strip().lower().replace(" ", "_").replace("-", "_")
        try:
            role = BuyingRole(key)
        except ValueError:
            known = ", ".join(r.label for r in BuyingRole)
            raise InvalidInput(f"'{raw}' is not a buying role. Known roles: {known}.") from None
        if role not in roles:
            roles.append(role)
    return tuple(roles)


def clamp_attitude(value: int) -> int:
    return max(ATTITUDE_MIN, min(ATTITUDE_MAX, value))


@dataclass
class Account:
    """The firm we sell to."""

    id: str
    name: str
    aliases: tuple[str, ...] = ()
    domain: str | None = None
    segment: str | None = None
    owner_id: str | None = None
    lifecycle: Lifecycle = Lifecycle.PROSPECT
    stage: Stage | None = None


NAME_LIMIT = 200  # characters of a person's name or title, as stored


def fitting(text: str, what: str) -> str:
    """A person's name or title as a rep typed it, refused when longer than can be stored."""
    if len(text) > NAME_LIMIT:
        raise InvalidInput(f"That {what} is {len(text):,} characters long; I keep up to {NAME_LIMIT}.")
    return text


@dataclass
class Individual:
    """A person at an account, a member of its DMU."""

    id: str
    account_id: str
    name: str
    title: str | None = None
    persona: str | None = None
    roles: tuple[BuyingRole, ...] = ()
    attitude: int = 0
    stage: Stage | None = None

    @property
    def attitude_label(self) -> str:
        return ATTITUDE_LABELS[clamp_attitude(self.attitude)]

    @property
    def is_key(self) -> bool:
        return any(r in KEY_ROLES for r in self.roles)

    def weight(self) -> float:
        """How much this person's evidence counts for the account's stage."""
        return max((ROLE_WEIGHT[r] for r in self.roles), default=1.0)


@dataclass
class DMU:
    """The decision-making unit: the account's buying group."""

    account: Account
    members: list[Individual] = field(default_factory=list)

    def with_role(self, role: BuyingRole) -> list[Individual]:
        return [m for m in self.members if role in m.roles]

    def missing_key_roles(self) -> list[BuyingRole]:
        return [r for r in KEY_ROLES if not self.with_role(r)]

    def detractors(self) -> list[Individual]:
        return [m for m in self.members if m.attitude < 0]

    @property
    def is_single_threaded(self) -> bool:
        return len(self.members) == 1


@dataclass(frozen=True)
class AttitudeChange:
    """One move of a person's attitude to our brand, and the evidence (or the rep's reason) behind it."""

    individual_id: str
    before: int
    after: int
    occurred_at: datetime
    reason: str
    rep_id: str | None = None
    interaction_id: str | None = None

    @property
    def direction(self) -> int:
        return (self.after > self.before) - (self.after < self.before)
