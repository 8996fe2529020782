"""The Slack adapter: a slack_bolt App whose listeners turn Slack requests into dispatcher calls.

Listeners stay thin: who is asking (bot/slack_people.py), one dispatcher call, one renderer call
(bot/render/slack.py), and the answer either in the ack or sent after it (bot/slack_send.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from slack_bolt import App as BoltApp
from slack_bolt import BoltResponse
from slack_bolt.context import BoltContext
from slack_sdk import WebClient

from bot.bootstrap import App
from bot.context import Actor
from bot.slack_people import IncompleteRequest, People, workspace_id
from bot.slack_send import Sender, with_retries
from domain.errors import TouchpointError

log = logging.getLogger(__name__)

SORRY = "Sorry, something went wrong on my side and nothing was saved. Please try again."


@dataclass
class SlackBot:
    """What every listener needs, built once per Bolt app (no module-level state)."""

    core: App
    people: People
    sender: Sender
    clock: Callable[[], datetime]

    def workspace(self, context: BoltContext) -> str:
        return workspace_id(team_id=context.team_id, enterprise_id=context.enterprise_id,
                            is_enterprise_install=bool(context.is_enterprise_install))

    def actor(self, context: BoltContext, *, user_id: str | None = None, name: str = "") -> Actor:
        ws = self.workspace(context)
        uid = user_id or context.user_id
        if not uid:
            raise IncompleteRequest("the request names no Slack user")
        return self.people.actor(workspace=ws, user_id=uid, name=name, token=context.bot_token)


def build_slack_app(app: App, *, signing_secret: str, token: str | None, client: WebClient | None = None,
                    process_before_response: bool = True, clock: Callable[[], datetime] | None = None,
                    workers: int = 8) -> BoltApp:
    """A Bolt app for one workspace's bot token (multi-workspace OAuth installs are not wired yet)."""
    if not token:
        raise ValueError("a bot token is needed (SLACK_BOT_TOKEN); OAuth installs are not supported yet")
    client = with_retries(client or WebClient(token=token))
    client.token = client.token or token
    lookup = WebClient(token=token, base_url=client.base_url, timeout=2)  # before the ack: fail fast, no retries
    lookup.retry_handlers.clear()
    executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="touchpoint-slack")
    bolt = BoltApp(signing_secret=signing_secret, client=client, name="touchpoint",
                   process_before_response=process_before_response, listener_executor=executor)
    bot = SlackBot(core=app, people=People(ensure_workspace=app.ensure_workspace, lookup=lookup),
                   sender=Sender(executor), clock=clock or (lambda: datetime.now(UTC)))

    from bot import slack_actions, slack_commands, slack_events, slack_home, slack_modals

    for module in (slack_commands, slack_events, slack_actions, slack_modals, slack_home):
        module.register(bolt, bot)
    bolt.error(_polite_error)
    return bolt


def _polite_error(error: Exception, body: dict[str, Any], response: BoltResponse) -> None:
    """The error boundary: a rep gets an apology (HTTP 200), never a 500."""
    if isinstance(error, IncompleteRequest):
        log.info("refused an incomplete Slack request: %s", error)
    elif isinstance(error, TouchpointError):  # e.g. the database is down: say so, as the dispatcher would
        log.warning("Slack request failed: %s", error.message)
    else:
        log.error("Slack listener failed: %s", error, exc_info=error)
    response.status = 200
    if body.get("command"):  # only a slash command shows the ack's body to the rep
        response.body = error.message if isinstance(error, TouchpointError) else SORRY
    else:
        response.body = ""
