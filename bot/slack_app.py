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
from bot.slack_inbox import Inbox
from bot.slack_oauth import OAuthCredentials, oauth_settings
from bot.slack_people import IncompleteRequest, People, workspace_id
from bot.slack_send import Sender, with_retries
from domain.errors import StorageUnavailable, TouchpointError
from storage.slack_installations import SqlSlackInbox

log = logging.getLogger(__name__)

SORRY = "Sorry, something went wrong on my side and nothing was saved. Please try again."


class NotRecorded(StorageUnavailable):
    """A request that could not be recorded before its ack: Slack must send it again, not be told it arrived."""


class SlackConfigError(ValueError):
    """Serving cannot start with this configuration: the message says what to set (no traceback needed)."""


@dataclass
class SlackBot:
    """What every listener needs, built once per Bolt app (no module-level state)."""

    core: App
    people: People
    sender: Sender
    clock: Callable[[], datetime]
    inbox: Inbox
    token_for: Callable[[dict[str, Any]], str | None]  # a request's bot token, from its team and enterprise ids
    client: WebClient  # with our retry handlers; calls made after the ack pass their workspace's token

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
                    workers: int = 8, oauth: OAuthCredentials | None = None, inbox: Inbox | None = None,
                    verify_requests: bool = True) -> BoltApp:
    """The Bolt app of `build_slack`."""
    bolt, _ = build_slack(app, signing_secret=signing_secret, token=token, client=client,
                          process_before_response=process_before_response, clock=clock, workers=workers,
                          oauth=oauth, inbox=inbox, verify_requests=verify_requests)
    return bolt


def build_slack(app: App, *, signing_secret: str, token: str | None, client: WebClient | None = None,
                process_before_response: bool = True, clock: Callable[[], datetime] | None = None,
                workers: int = 8, oauth: OAuthCredentials | None = None, inbox: Inbox | None = None,
                verify_requests: bool = True) -> tuple[BoltApp, SlackBot]:
    """A Bolt app and what its listeners share, for one workspace's bot token, or, without a token, for every
    workspace installed through the OAuth flow (`oauth`, else SLACK_CLIENT_ID and SLACK_CLIENT_SECRET), each with
    its stored token.
    Without an `inbox`, recorded slash commands run in a thread of this process (started here). Without
    `verify_requests`, Bolt does not check signatures again: only for a server that checks them before Bolt."""
    oauth = None if token else oauth or OAuthCredentials.from_env()
    if not token and oauth is None:
        raise SlackConfigError("Set SLACK_BOT_TOKEN for one workspace, or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET "
                               "to let workspaces install the app.")
    client = with_retries(client or WebClient(token=token))
    client.token = token  # with OAuth the token comes with each request, from the installation
    # before the ack: fail fast, no retries; of the client's class (the worker's keeps connections alive)
    lookup = type(client)(token=token, base_url=client.base_url, timeout=2)
    lookup.retry_handlers.clear()
    executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="touchpoint-slack")
    bolt = BoltApp(signing_secret=signing_secret, client=client, name="touchpoint",
                   process_before_response=process_before_response, listener_executor=executor,
                   # no secret: Socket Mode only, where requests come over the app's own websocket
                   request_verification_enabled=bool(signing_secret) and verify_requests,
                   oauth_settings=oauth_settings(app.engine, oauth) if oauth else None)
    if oauth:
        bolt.enable_token_revocation_listeners()  # app_uninstalled / tokens_revoked delete the stored token
    bot = SlackBot(core=app, people=People(ensure_workspace=app.ensure_workspace, lookup=lookup),
                   sender=Sender(executor), clock=clock or (lambda: datetime.now(UTC)),
                   inbox=inbox or Inbox(SqlSlackInbox(app.engine)), token_for=_token_lookup(bolt, token),
                   client=client)

    from bot import slack_actions, slack_commands, slack_events, slack_guard, slack_home, slack_modals

    bolt.use(slack_guard.refuse_outsiders(bot.sender))  # before every listener: outsiders never reach one
    for module in (slack_commands, slack_events, slack_actions, slack_modals, slack_home):
        module.register(bolt, bot)
    bolt.error(polite_error)
    if inbox is None:  # after the listeners registered their kinds: requests left by a dead process resume
        bot.inbox.start()
    return bolt, bot


def _token_lookup(bolt: BoltApp, token: str | None) -> Callable[[dict[str, Any]], str | None]:
    """For requests resumed from the inbox, where no token was kept: the app's, or the installation's."""

    def lookup(ids: dict[str, Any]) -> str | None:
        store = bolt.installation_store
        if token or store is None:
            return token
        found = store.find_bot(enterprise_id=ids.get("enterprise_id") or None, team_id=ids.get("team_id") or None,
                               is_enterprise_install=str(ids.get("is_enterprise_install")).lower() == "true")
        return found.bot_token if found else None

    return lookup


def polite_error(error: Exception, body: dict[str, Any], response: BoltResponse) -> None:
    """The error boundary: a rep gets an apology (HTTP 200), never a 500; only an event that was not recorded gets
    a 503, the one answer Slack retries it after (a retry finds it unseen: bot/slack_events.py)."""
    if isinstance(error, NotRecorded) and body.get("type") == "event_callback":
        log.warning("Slack event not recorded, Slack will retry it: %s", error.__cause__ or error.message)
        response.status, response.body = 503, ""
        return
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
