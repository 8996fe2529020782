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


class InstalledClients:
    """Workspace id -> a Web API client with that workspace's stored bot token (None: not installed)."""

    def __init__(self, app: App, api_url: str | None) -> None:
        self._app, self._api_url = app, api_url
        self._clients: dict[str, WebClient] = {}

    def __call__(self, workspace_id: str) -> WebClient | None:
        from sqlmodel import Session

        from storage.slack_installations import SlackInstallationRow

        with Session(self._app.engine) as s:
            row = s.get(SlackInstallationRow, workspace_id)
            token = row.bot_token if row else None
        if token is None:
            return None
        if token not in self._clients:
            self._clients[token] = slack_client(token, self._api_url)
        return self._clients[token]


def channels_from_env(app: App, env: Mapping[str, str] | None = None) -> dict[str, DigestChannel]:
    """Slack when SLACK_BOT_TOKEN is set (SLACK_API_URL overrides the Web API address); Teams always, through
    the conversation references stored when reps talked to the bot (none stored: nobody to reach)."""
    env = os.environ if env is None else env
    channels: dict[str, DigestChannel] = {}
    token, api_url = env.get("SLACK_BOT_TOKEN"), env.get("SLACK_API_URL")
    if token:
        client = slack_client(token, api_url)
        channels["slack"] = SlackDigestChannel(lambda _workspace: client)
    else:  # installed through OAuth: each workspace's own bot token, from our database
        channels["slack"] = SlackDigestChannel(InstalledClients(app, api_url))
    from bot.teams_server import TeamsAuth, create_server
    from storage.conversation_refs import SqlConversationRefs

    server = create_server(app, auth=TeamsAuth.from_env(env), refs=SqlConversationRefs(app.engine))
    channels["teams"] = TeamsDigestChannel(server)
    return channels
