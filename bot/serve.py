"""Running the bot: the platform endpoint plus the digest scheduler, in one process (the embedded default)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from bot.bootstrap import App
from bot.digest_channels import channels_from_env
from bot.digest_delivery import DigestChannel, TeamsDigestChannel
from bot.digest_runner import DigestScheduler

log = logging.getLogger(__name__)


def scheduler_context(app: App, channels: dict[str, DigestChannel]):  # type: ignore[no-untyped-def]
    """An aiohttp cleanup context: the scheduler starts with the server and stops with it."""

    async def run(server: web.Application) -> AsyncIterator[None]:
        if "teams" in channels and isinstance(channels["teams"], TeamsDigestChannel):
            # proactive sends must run on the serving loop, where the adapter's HTTP session lives
            channels["teams"] = TeamsDigestChannel(channels["teams"].server, asyncio.get_running_loop())
        scheduler = DigestScheduler(app, channels).start()
        log.info("digest scheduler started (%s)", ", ".join(sorted(channels)) or "no channels")
        yield
        await asyncio.get_running_loop().run_in_executor(None, scheduler.stop)

    return run


def serve_teams(app: App, *, host: str, port: int) -> None:
    from bot.teams_server import TeamsAuth, create_server
    from storage.conversation_refs import SqlConversationRefs

    server = create_server(app, auth=TeamsAuth.from_env(), refs=SqlConversationRefs(app.engine))
    channels = channels_from_env(app)
    channels["teams"] = TeamsDigestChannel(server)
    server.cleanup_ctx.append(scheduler_context(app, channels))
    web.run_app(server, host=host, port=port)


def serve_slack(app: App, *, host: str, port: int, socket: bool = False) -> None:
    """The Slack app over HTTP (or Socket Mode) with the digest scheduler; settings come from the environment."""
    from bot.slack_server import serve_slack as run

    run(app, host=host, port=port, socket=socket, contexts=[scheduler_context(app, channels_from_env(app))])
