"""Who is asking, from a Slack request: the workspace id (our security boundary) and the rep's time zone."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot.context import Actor
from storage.slack_installations import slack_workspace_id

log = logging.getLogger(__name__)

TZ_TTL = 24 * 3600.0  # a rep's time zone changes rarely; re-read it daily
_LINK = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")


class IncompleteRequest(ValueError):
    """A signed request missing what we need (no team, no user): answered politely, logged without a traceback."""


def workspace_id(*, team_id: str | None, enterprise_id: str | None, is_enterprise_install: bool) -> str:
    """slack:T123, or slack:E1:T123 for an org-wide install, where the enterprise is the boundary."""
    if not team_id and not (is_enterprise_install and enterprise_id):
        raise IncompleteRequest("the request names no Slack workspace")
    # one definition, shared with the installations table
    return slack_workspace_id(team_id=team_id, enterprise_id=enterprise_id, is_enterprise_install=is_enterprise_install)


def plain_words(text: str, *, bot_user_id: str | None = None) -> str:
    """Slack's markup back to what the rep typed: <@U1> mentions, <url|label> links, &amp; entities."""

    def one(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        if bot_user_id and target == f"@{bot_user_id}":
            return ""  # "@Touchpoint log ..." is addressed to us, not about us
        if label:
            return label
        return target.removeprefix("mailto:")

    text = _LINK.sub(one, text or "")
    # Slack escapes exactly these three (and every & a rep types becomes &amp;), so undo exactly these.
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()


class People:
    """Makes actors: ensures the workspace row once per process and caches time zones from users.info."""

    def __init__(self, *, ensure_workspace: Callable[[str], None], lookup: WebClient,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._ensure = ensure_workspace
        self._lookup = lookup  # a short-timeout client: this runs before the ack
        self._clock = clock
        self._known: set[str] = set()
        self._tz: dict[tuple[str, str], tuple[str, float]] = {}
        self._lock = threading.Lock()

    def actor(self, *, workspace: str, user_id: str, name: str = "", token: str | None = None) -> Actor:
        if workspace not in self._known:
            self._ensure(workspace)
            with self._lock:
                self._known.add(workspace)
        return Actor(workspace, user_id, "slack", name, self.tz(workspace, user_id, token))

    def tz(self, workspace: str, user_id: str, token: str | None) -> str:
        key = (workspace, user_id)
        with self._lock:
            cached = self._tz.get(key)
        if cached and cached[1] > self._clock():
            return cached[0]
        try:
            resp = self._lookup.users_info(user=user_id, token=token)
            tz = str((resp.get("user") or {}).get("tz") or "UTC")
        except (SlackClientError, OSError) as exc:  # no tz is better than no answer
            log.warning("users.info failed for %s: %s; using UTC", user_id, exc)
            return "UTC"  # not cached: try again next time
        with self._lock:
            self._tz[key] = (tz, self._clock() + TZ_TTL)
        return tz
