"""Tenancy: a workspace (one Slack team or Teams tenant) and its reps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

DEFAULT_TZ = "UTC"
DEFAULT_DIGEST_TIME = time(8, 30)


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
