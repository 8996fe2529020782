"""Tenancy: a workspace (one Slack team or Teams tenant) and its reps."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time

DEFAULT_TZ = "UTC"
DEFAULT_DIGEST_TIME = time(8, 30)
WEEKDAYS = frozenset({1, 2, 3, 4, 5})


@dataclass
class Workspace:
    id: str  # "slack:T123", "teams:<tenant id>", "console:demo"
    name: str


@dataclass
class Rep:
    """A chat user of one workspace."""

    id: str  # the platform's user id
    name: str
    tz: str = DEFAULT_TZ
    digest_time: time = DEFAULT_DIGEST_TIME
    digest_enabled: bool = True
    digest_days: frozenset[int] = field(default_factory=lambda: WEEKDAYS)  # ISO weekdays, Monday = 1
    digest_skip_quiet: bool = False  # a quiet day sends nothing instead of one line
