"""Delivering a digest: a Slack DM or a Teams proactive message. Each channel says sent, unreachable or retry."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from bot.replies import Reply

if TYPE_CHECKING:
    from aiohttp import web
    from slack_sdk import WebClient

log = logging.getLogger(__name__)

# Slack errors that mean "this rep can't be reached", as opposed to "try again later".
SLACK_UNREACHABLE = frozenset({
    "user_not_found", "users_not_found", "user_disabled", "account_inactive", "channel_not_found",
    "cannot_dm_bot", "not_allowed_token_type", "invalid_auth", "token_revoked", "missing_scope",
    "team_access_not_granted", "is_archived", "messages_tab_disabled",
})


class Outcome(StrEnum):
    SENT = "sent"
    UNREACHABLE = "unreachable"
    RETRY = "retry"


class DigestChannel(Protocol):
    def send(self, workspace_id: str, rep_id: str, reply: Reply) -> Outcome: ...


class SlackDigestChannel:
    """chat.postMessage to the rep's IM channel; the client's retry handlers honour 429 Retry-After."""

    def __init__(self, client_for: Callable[[str], WebClient | None]) -> None:
        self._client_for = client_for

    def send(self, workspace_id: str, rep_id: str, reply: Reply) -> Outcome:
        from slack_sdk.errors import SlackApiError

        from bot.render.slack import render_slack

        client = self._client_for(workspace_id)
        if client is None:
            return Outcome.UNREACHABLE
        try:
            channel = client.conversations_open(users=rep_id)["channel"]["id"]
            client.chat_postMessage(channel=channel, **render_slack(reply))
        except SlackApiError as exc:
            error = str(exc.response.get("error", ""))
            log.warning("digest to %s/%s: Slack said %s", workspace_id, rep_id, error)
            return Outcome.UNREACHABLE if error in SLACK_UNREACHABLE else Outcome.RETRY
        except OSError:
            log.warning("digest to %s/%s: Slack unreachable", workspace_id, rep_id, exc_info=True)
            return Outcome.RETRY
        return Outcome.SENT


class TeamsDigestChannel:
    """A proactive message in the rep's 1:1 chat with the bot (from its stored conversation reference)."""

    def __init__(self, server: web.Application, loop: asyncio.AbstractEventLoop | None = None,
                 timeout: float = 60) -> None:
        self.server = server
        self._loop = loop  # the serving loop when running inside `serve teams`; None: run one of our own
        self._timeout = timeout

    def send(self, workspace_id: str, rep_id: str, reply: Reply) -> Outcome:
        from bot.teams_proactive import notify_rep

        work = notify_rep(self.server, workspace_id, rep_id, reply)
        try:
            if self._loop is None:
                reached = asyncio.run(work)
            else:
                reached = asyncio.run_coroutine_threadsafe(work, self._loop).result(self._timeout)
        except (OSError, FutureTimeout):
            log.warning("digest to %s/%s: Teams connector unreachable", workspace_id, rep_id, exc_info=True)
            return Outcome.RETRY
        return Outcome.SENT if reached else Outcome.UNREACHABLE
