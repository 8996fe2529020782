"""Which delivery channels a digest run has, from the environment: a Slack bot token, Teams credentials."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from bot.digest_delivery import DigestChannel, SlackDigestChannel, TeamsDigestChannel

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from bot.bootstrap import App


def slack_client(token: str, base_url: str | None = None) -> WebClient:
    from slack_sdk import WebClient

    from bot.slack_send import with_retries

    return with_retries(WebClient(token=token, base_url=base_url or WebClient.BASE_URL, timeout=15))


def channels_from_env(app: App, env: Mapping[str, str] | None = None) -> dict[str, DigestChannel]:
    """Slack when SLACK_BOT_TOKEN is set (SLACK_API_URL overrides the Web API address); Teams always, through
    the conversation references stored when reps talked to the bot (none stored: nobody to reach)."""
    env = os.environ if env is None else env
    channels: dict[str, DigestChannel] = {}
    token = env.get("SLACK_BOT_TOKEN")
    if token:
        client = slack_client(token, env.get("SLACK_API_URL"))
        channels["slack"] = SlackDigestChannel(lambda _workspace: client)
    from bot.teams_server import TeamsAuth, create_server
    from storage.conversation_refs import SqlConversationRefs

    server = create_server(app, auth=TeamsAuth.from_env(env), refs=SqlConversationRefs(app.engine))
    channels["teams"] = TeamsDigestChannel(server)
    return channels
