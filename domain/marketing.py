"""Marketing management: the segments we target, with their value drivers and competing alternatives."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class ValueDriver(StrEnum):
    COST_REDUCTION = "cost_reduction"
    REVENUE_INCREASE = "revenue_increase"
    EFFICIENCY = "efficiency"
    RISK_REDUCTION = "risk_reduction"


@dataclass(frozen=True)
class Segment:
    """A target market segment (the market-knowledge layer): what buyers in it value, and what else they use."""

    name: str
    value_drivers: tuple[ValueDriver, ...] = ()
    alternatives: tuple[str, ...] = ()  # competing alternatives: rivals, in-house tools, spreadsheets
    accounts: int = 0


def segments_of(account_segments: Iterable[str | None], known: Iterable[Segment] = ()) -> list[Segment]:
    """The segments in use, largest first: configured ones keep their drivers, the rest are named only."""
    configured = {s.name.casefold(): s for s in known}
    counts: dict[str, int] = {}
    shown: dict[str, str] = {}  # one segment whatever the spelling: the configured name, else the first seen
    for name in account_segments:
        if name:
            key = name.casefold()
            counts[key] = counts.get(key, 0) + 1
            shown.setdefault(key, configured[key].name if key in configured else name)
    found = [Segment(shown[k], configured[k].value_drivers, configured[k].alternatives, n) if k in configured
             else Segment(shown[k], accounts=n) for k, n in counts.items()]
    return sorted(found, key=lambda s: (-s.accounts, s.name))
