"""Socket Mode: the app opens a websocket to Slack instead of receiving HTTP, for development behind a
firewall. Bolt's SocketModeHandler on slack_sdk's built-in client (no extra dependency) runs the same
Bolt app, so listeners cannot tell the difference."""

from __future__ import annotations

import asyncio
import logging
import os
import re
from collections.abc import AsyncIterator, Callable, Mapping

from aiohttp import web
from slack_bolt import App as BoltApp
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.errors import SlackApiError

from bot.slack_app import SlackConfigError

log = logging.getLogger(__name__)

APP_TOKEN = re.compile(r"xapp-[A-Za-z0-9-]{10,}")
WHERE = "your Slack app's Basic Information > App-Level Tokens, with the connections:write scope"


def app_token_from(app_token: str | None, env: Mapping[str, str] | None = None) -> str:
    """The app-level token (given, else SLACK_APP_TOKEN), checked for its shape before any connection."""
    env = os.environ if env is None else env
    token = (app_token or env.get("SLACK_APP_TOKEN") or "").strip()
    if not token:
        raise SlackConfigError(f"Socket Mode needs an app-level token: set SLACK_APP_TOKEN (xapp-..., from {WHERE}).")
    if not APP_TOKEN.fullmatch(token):
        kind = "a bot token" if token.startswith("xoxb-") else "not an app-level token"
        # never echo the value: it may be a real secret pasted into the wrong variable
        raise SlackConfigError(f"SLACK_APP_TOKEN is {kind}: Socket Mode needs an app-level token starting with "
                               f"xapp- (from {WHERE}).")
    return token


def socket_mode_handler(bolt: BoltApp, app_token: str | None = None) -> SocketModeHandler:
    """Bolt's handler for our app; it connects only on connect(), and must be closed (its threads start now)."""
    return SocketModeHandler(bolt, app_token_from(app_token))


def socket_lifecycle(handler: SocketModeHandler) -> Callable[[web.Application], AsyncIterator[None]]:
    """An aiohttp cleanup context: the websocket opens as the server starts and closes as it stops."""

    async def run(_: web.Application) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(None, handler.connect)
        except (SlackApiError, OSError) as exc:
            handler.close()
            reason = exc.response.get("error") if isinstance(exc, SlackApiError) else exc
            raise SlackConfigError(f"Slack refused or could not be reached for Socket Mode: {reason}. "
                                   f"Check SLACK_APP_TOKEN and the network.") from None
        log.info("Socket Mode connected")
        yield
        await loop.run_in_executor(None, handler.close)

    return run
